package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.Monitor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded buffer of 16 slots written with a {@link Monitor} and two guards (no signal calls) against
 * the same buffer written with a {@link ReentrantLock} and two {@link Condition}s signalled by hand
 * (the anchor): {@code put}/{@code take} by 1 producer + 1 consumer ({@code pc1}, this machine's two
 * cores) and by 4 + 4 ({@code pc4}, oversubscribed). Waits are timed (10 ms) so that a thread left
 * waiting when its partners stop at the end of an iteration returns. Throughput in operations (puts and
 * takes) per microsecond.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Group)
public class MonitorBench {
    private static final int CAPACITY = 16;
    private static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    @Param({"ReentrantLockCondition", "Monitor"})
    public String impl;

    private final long[] items = new long[CAPACITY];
    private int putIndex;
    private int takeIndex;
    private int count;
    private boolean jdk;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition notEmpty = lock.newCondition();

    private final Monitor monitor = new Monitor();
    private final Monitor.Guard canPut = monitor.newGuard(() -> count < CAPACITY);
    private final Monitor.Guard canTake = monitor.newGuard(() -> count > 0);

    @Setup(Level.Trial)
    public void setUp() {
        jdk = impl.equals("ReentrantLockCondition");
        if (!jdk && !impl.equals("Monitor")) {
            throw new IllegalArgumentException("unknown impl " + impl);
        }
    }

    private void insert(long v) {
        items[putIndex] = v;
        putIndex = (putIndex + 1) % CAPACITY;
        count++;
    }

    private long extract() {
        long v = items[takeIndex];
        takeIndex = (takeIndex + 1) % CAPACITY;
        count--;
        return v;
    }

    private boolean put(long v) throws InterruptedException {
        if (jdk) {
            lock.lock();
            try {
                long nanos = WAIT_NANOS;
                while (count == CAPACITY) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = notFull.awaitNanos(nanos);
                }
                insert(v);
                notEmpty.signal();
                return true;
            } finally {
                lock.unlock();
            }
        }
        if (!monitor.enterWhen(canPut, WAIT_NANOS, TimeUnit.NANOSECONDS)) {
            return false;
        }
        try {
            insert(v);
            return true;
        } finally {
            monitor.leave();
        }
    }

    private long take() throws InterruptedException {
        if (jdk) {
            lock.lock();
            try {
                long nanos = WAIT_NANOS;
                while (count == 0) {
                    if (nanos <= 0) {
                        return -1;
                    }
                    nanos = notEmpty.awaitNanos(nanos);
                }
                long v = extract();
                notFull.signal();
                return v;
            } finally {
                lock.unlock();
            }
        }
        if (!monitor.enterWhen(canTake, WAIT_NANOS, TimeUnit.NANOSECONDS)) {
            return -1;
        }
        try {
            return extract();
        } finally {
            monitor.leave();
        }
    }

    @Benchmark
    @Group("pc1")
    @GroupThreads(1)
    public boolean pc1Put() throws InterruptedException {
        return put(1L);
    }

    @Benchmark
    @Group("pc1")
    @GroupThreads(1)
    public long pc1Take() throws InterruptedException {
        return take();
    }

    @Benchmark
    @Group("pc4")
    @GroupThreads(4)
    public boolean pc4Put() throws InterruptedException {
        return put(1L);
    }

    @Benchmark
    @Group("pc4")
    @GroupThreads(4)
    public long pc4Take() throws InterruptedException {
        return take();
    }
}
