package dev.lockstep.jmh.sync;

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

import java.util.concurrent.TimeUnit;

/**
 * {@link dev.lockstep.core.sync.Semaphore} against {@link java.util.concurrent.Semaphore} (the baseline):
 * acquire one permit, a small critical section, release; with {@code permits} permits (1: a binary
 * semaphore, every acquisition contended at 2+ threads; 2: half the threads can be inside), at 1, 2,
 * 4 and 8 threads. Throughput in operations per microsecond, all threads together.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class SemaphoreBench {
    @Param({"jucSemaphore", "Semaphore", "jucSemaphoreFair", "SemaphoreFair"})
    public String impl;

    @Param({"1", "2"})
    public int permits;

    private java.util.concurrent.Semaphore juc;
    private dev.lockstep.core.sync.Semaphore ours;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        switch (impl) {
            case "jucSemaphore":
                juc = new java.util.concurrent.Semaphore(permits);
                break;
            case "jucSemaphoreFair":
                juc = new java.util.concurrent.Semaphore(permits, true);
                break;
            case "Semaphore":
                ours = new dev.lockstep.core.sync.Semaphore(permits);
                break;
            case "SemaphoreFair":
                ours = new dev.lockstep.core.sync.Semaphore(permits, true);
                break;
            default:
                throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    private long run() {
        if (juc != null) {
            juc.acquireUninterruptibly();
            try {
                return ++counter; // racy when permits > 1: only a workload, not a checked result
            } finally {
                juc.release();
            }
        }
        ours.acquireUninterruptibly();
        try {
            return ++counter;
        } finally {
            ours.release();
        }
    }

    @Benchmark
    @Threads(1)
    public long uncontended1() {
        return run();
    }

    @Benchmark
    @Threads(2)
    public long contended2() {
        return run();
    }

    @Benchmark
    @Threads(4)
    public long oversubscribed4() {
        return run();
    }

    /** 8 threads on this machine's 2 cores: far more runnable threads than cores (issue 12's column). */
    @Benchmark
    @Threads(8)
    public long oversubscribed8() {
        return run();
    }
}
