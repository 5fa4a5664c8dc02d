package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.Latch;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Latch hot paths against {@link CountDownLatch} (the anchor). A latch is one-shot, so the
 * benchmarks measure its two steady-state paths on pre-allocated latches (0 B/op expected):
 * <ul>
 *   <li>{@code countDownGetCount}: {@code countDown()} then {@code getCount()} on a latch with a huge
 *       count (re-created each iteration, never reaching zero), by 1 and by 2 threads (contended CAS);</li>
 *   <li>{@code awaitOpen}: {@code await()} on an open latch (count zero), by 2 threads.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class LatchBench {
    @Param({"CountDownLatch", "Latch"})
    public String impl;

    private CountDownLatch jdkCounting;
    private Latch counting;
    private CountDownLatch jdkOpen;
    private Latch open;
    private boolean jdk;

    @Setup(Level.Iteration)
    public void setUp() {
        jdk = impl.equals("CountDownLatch");
        if (!jdk && !impl.equals("Latch")) {
            throw new IllegalArgumentException("unknown latch " + impl);
        }
        jdkCounting = new CountDownLatch(Integer.MAX_VALUE);
        counting = new Latch(Integer.MAX_VALUE);
        jdkOpen = new CountDownLatch(0);
        open = new Latch(0);
    }

    private long countDownGetCount() {
        if (jdk) {
            jdkCounting.countDown();
            return jdkCounting.getCount();
        }
        counting.countDown();
        return counting.getCount();
    }

    @Benchmark
    @Threads(1)
    public long countDownGetCount1() {
        return countDownGetCount();
    }

    @Benchmark
    @Threads(2)
    public long countDownGetCount2() {
        return countDownGetCount();
    }

    @Benchmark
    @Threads(2)
    public void awaitOpen() throws InterruptedException {
        if (jdk) {
            jdkOpen.await();
        } else {
            open.await();
        }
    }
}
