package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.ReadWriteMutex;
import dev.lockstep.core.sync.SeqLock;
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
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * A read-mostly mix (9 reads of a two-field record for every write, per thread) under
 * {@link ReentrantReadWriteLock} (the baseline), {@link StampedLock} (optimistic reads with fallback to
 * its read lock), {@link ReadWriteMutex} and {@link SeqLock} (optimistic reads, retry on a write), at 1,
 * 2, 4 and 8 threads. Throughput in operations (reads and writes) per microsecond, all threads together.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReadMostlyBench {

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"ReentrantReadWriteLock", "StampedLock", "ReadWriteMutex", "SeqLock"})
        public String impl;

        ReentrantReadWriteLock rrwl;
        StampedLock stamped;
        ReadWriteMutex rw;
        SeqLock seq;
        long x;
        long y;

        @Setup(Level.Trial)
        public void setUp() {
            rrwl = new ReentrantReadWriteLock();
            stamped = new StampedLock();
            rw = new ReadWriteMutex();
            seq = new SeqLock();
        }
    }

    /** Per-thread operation counter: every 10th operation writes. */
    @State(Scope.Thread)
    public static class Mix {
        int op;
    }

    private static long op(Shared s, Mix m) {
        boolean write = ++m.op == 10;
        if (write) {
            m.op = 0;
        }
        switch (s.impl) {
            case "ReentrantReadWriteLock":
                return write ? rrwlWrite(s) : rrwlRead(s);
            case "StampedLock":
                return write ? stampedWrite(s) : stampedRead(s);
            case "ReadWriteMutex":
                return write ? rwWrite(s) : rwRead(s);
            case "SeqLock":
                return write ? seqWrite(s) : seqRead(s);
            default:
                throw new IllegalArgumentException(s.impl);
        }
    }

    private static long rrwlRead(Shared s) {
        s.rrwl.readLock().lock();
        try {
            return s.x + s.y;
        } finally {
            s.rrwl.readLock().unlock();
        }
    }

    private static long rrwlWrite(Shared s) {
        s.rrwl.writeLock().lock();
        try {
            s.x++;
            return --s.y;
        } finally {
            s.rrwl.writeLock().unlock();
        }
    }

    private static long stampedRead(Shared s) {
        StampedLock l = s.stamped;
        long stamp = l.tryOptimisticRead();
        long a = s.x;
        long b = s.y;
        if (!l.validate(stamp)) {
            stamp = l.readLock();
            try {
                a = s.x;
                b = s.y;
            } finally {
                l.unlockRead(stamp);
            }
        }
        return a + b;
    }

    private static long stampedWrite(Shared s) {
        long stamp = s.stamped.writeLock();
        try {
            s.x++;
            return --s.y;
        } finally {
            s.stamped.unlockWrite(stamp);
        }
    }

    private static long rwRead(Shared s) {
        s.rw.readLock().lock();
        try {
            return s.x + s.y;
        } finally {
            s.rw.readLock().unlock();
        }
    }

    private static long rwWrite(Shared s) {
        s.rw.writeLock().lock();
        try {
            s.x++;
            return --s.y;
        } finally {
            s.rw.writeLock().unlock();
        }
    }

    private static long seqRead(Shared s) {
        SeqLock l = s.seq;
        long stamp;
        long a;
        long b;
        do {
            stamp = l.readBegin();
            a = s.x;
            b = s.y;
        } while (!l.readValidate(stamp));
        return a + b;
    }

    private static long seqWrite(Shared s) {
        s.seq.writeLock();
        try {
            s.x++;
            return --s.y;
        } finally {
            s.seq.writeUnlock();
        }
    }

    @Benchmark
    @Threads(1)
    public long uncontended1(Shared s, Mix m) {
        return op(s, m);
    }

    @Benchmark
    @Threads(2)
    public long contended2(Shared s, Mix m) {
        return op(s, m);
    }

    @Benchmark
    @Threads(4)
    public long oversubscribed4(Shared s, Mix m) {
        return op(s, m);
    }

    /** 8 threads on this machine's 2 cores: far more runnable threads than cores (issue 12's column). */
    @Benchmark
    @Threads(8)
    public long oversubscribed8(Shared s, Mix m) {
        return op(s, m);
    }
}
