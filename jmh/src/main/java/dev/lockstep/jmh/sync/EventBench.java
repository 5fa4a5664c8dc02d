package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.Event;
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

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A signalling round trip between the benchmark thread and an echo thread: the benchmark thread
 * signals "ping" and waits for "pong"; the echo thread waits for "ping" and signals "pong". With two
 * auto-reset {@link Event}s, reused for every round (the Lockstep way), against the JDK idiom that
 * {@code Event} replaces, a fresh {@link CountDownLatch} per signal and round (the anchor; it allocates
 * two latches and a round object per operation, which {@code -prof gc} shows). Average time per
 * round trip in microseconds (lower is better); two threads on this machine's two cores, so the
 * waits may spin or park.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class EventBench {
    @Param({"CountDownLatchPerRound", "Event"})
    public String impl;

    /** One round of the latch idiom: its two one-shot latches and the link to the next round. */
    static final class Round {
        final CountDownLatch ping = new CountDownLatch(1);
        final CountDownLatch pong = new CountDownLatch(1);
        /** Written before ping.countDown(), read after ping.await(): ordered by the latch. */
        Round next;
    }

    private final Event ping = new Event(Event.Mode.AUTO_RESET);
    private final Event pong = new Event(Event.Mode.AUTO_RESET);
    private Round round;
    private boolean latch;
    private Thread echo;

    @Setup(Level.Trial)
    public void setUp() {
        latch = impl.equals("CountDownLatchPerRound");
        if (!latch && !impl.equals("Event")) {
            throw new IllegalArgumentException("unknown impl " + impl);
        }
        round = new Round();
        Round first = round;
        echo = new Thread(() -> {
            try {
                if (latch) {
                    for (Round r = first; ; ) {
                        r.ping.await();
                        Round n = r.next;
                        r.pong.countDown();
                        r = n;
                    }
                } else {
                    for (; ; ) {
                        ping.await();
                        pong.set();
                    }
                }
            } catch (InterruptedException e) {
                // tear-down
            }
        }, "EventBench-echo");
        echo.setDaemon(true);
        echo.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        echo.interrupt();
        echo.join(10_000);
    }

    @Benchmark
    @Threads(1)
    public void roundTrip() throws InterruptedException {
        if (latch) {
            Round r = round;
            Round n = new Round();
            r.next = n;
            r.ping.countDown();
            r.pong.await();
            round = n;
        } else {
            ping.set();
            pong.await();
        }
    }
}
