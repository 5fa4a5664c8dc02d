package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.Barrier;
import dev.lockstep.core.sync.SpinBarrier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Barrier round trip at 2 parties: {@link CyclicBarrier} (the anchor), {@link Phaser}, Lockstep's
 * {@link Barrier} and {@link SpinBarrier}. One JMH thread awaits once per operation; a partner thread
 * (started in setup, not measured) awaits in a loop, so one operation is one complete round of two
 * parties. Throughput in rounds per microsecond; the report divides each by CyclicBarrier's.
 *
 * <p>The partner cannot simply stop when the iteration ends (its last await would wait forever), so
 * it counts its arrivals and checks a stop flag before each; teardown sets the flag and pairs the
 * partner's last arrival if it made one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class BarrierBench {
    @Param({"CyclicBarrier", "Phaser", "Barrier", "SpinBarrier"})
    public String impl;

    /** One await of the implementation under test. */
    interface Await {
        void await() throws Exception;
    }

    private Await await;
    private Thread partner;
    private volatile boolean stop;
    private final AtomicLong partnerArrivals = new AtomicLong();
    private long myArrivals; // plain: the one benchmark thread and teardown (same thread) only

    @Setup(Level.Trial)
    public void setUp() {
        switch (impl) {
            case "CyclicBarrier": {
                CyclicBarrier b = new CyclicBarrier(2);
                await = b::await;
                break;
            }
            case "Phaser": {
                Phaser p = new Phaser(2);
                await = p::arriveAndAwaitAdvance;
                break;
            }
            case "Barrier": {
                Barrier b = new Barrier(2);
                await = b::await;
                break;
            }
            case "SpinBarrier": {
                SpinBarrier b = new SpinBarrier(2);
                await = b::await;
                break;
            }
            default:
                throw new IllegalArgumentException("unknown barrier " + impl);
        }
        stop = false;
        partnerArrivals.set(0);
        myArrivals = 0;
        partner = new Thread(() -> {
            try {
                while (!stop) {
                    partnerArrivals.lazySet(partnerArrivals.get() + 1); // single writer: ordered store suffices
                    await.await();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "barrier-partner");
        partner.setDaemon(true);
        partner.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        stop = true;
        // The partner either sees stop and exits, or has made one more arrival that needs pairing.
        while (partner.isAlive() && partnerArrivals.get() == myArrivals) {
            Thread.onSpinWait();
        }
        if (partnerArrivals.get() > myArrivals) {
            await.await();
        }
        partner.join(10_000);
        if (partner.isAlive()) {
            throw new IllegalStateException("partner did not stop");
        }
    }

    @Benchmark
    @Threads(1)
    public void roundTrip2() throws Exception {
        myArrivals++;
        await.await();
    }

}
