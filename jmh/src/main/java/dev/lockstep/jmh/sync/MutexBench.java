package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.Mutex;
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
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Mutex} (unfair and fair) against {@link ReentrantLock} (the baseline, unfair and fair) and
 * {@code synchronized}, around the same small critical section as {@code LockBench}: 1 thread
 * (uncontended), 2 threads (this machine's cores) and 4 and 8 threads (oversubscribed, where parking
 * matters). Throughput in operations per microsecond, all threads together. Target: Mutex at least
 * 1.0x ReentrantLock at 2 threads, 0 B/op everywhere ({@code -prof gc}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class MutexBench {
    @Param({"ReentrantLock", "Mutex", "synchronized", "ReentrantLockFair", "MutexFair"})
    public String impl;

    private Lock lock;
    private final Object monitor = new Object();
    private boolean useMonitor;
    private long counter;
    private long checksum;

    @Setup(Level.Trial)
    public void setUp() {
        useMonitor = impl.equals("synchronized");
        switch (impl) {
            case "ReentrantLock":
                lock = new ReentrantLock();
                break;
            case "ReentrantLockFair":
                lock = new ReentrantLock(true);
                break;
            case "Mutex":
                lock = new Mutex();
                break;
            case "MutexFair":
                lock = new Mutex(true);
                break;
            case "synchronized":
                lock = null;
                break;
            default:
                throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    /** The critical section: small, fixed, and impossible to elide. */
    private long critical() {
        long c = ++counter;
        checksum += c ^ (c >>> 3);
        return c;
    }

    private long run() {
        if (useMonitor) {
            synchronized (monitor) {
                return critical();
            }
        }
        Lock l = lock;
        l.lock();
        try {
            return critical();
        } finally {
            l.unlock();
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
