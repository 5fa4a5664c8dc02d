package dev.lockstep.jmh.lock;

import dev.lockstep.core.lock.BakeryLock;
import dev.lockstep.core.lock.ClhLock;
import dev.lockstep.core.lock.FilterLock;
import dev.lockstep.core.lock.McsLock;
import dev.lockstep.core.lock.PetersonLock;
import dev.lockstep.core.lock.TasLock;
import dev.lockstep.core.lock.TicketLock;
import dev.lockstep.core.lock.TtasLock;
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
import java.util.concurrent.locks.StampedLock;

/**
 * Every lock of {@code dev.lockstep.core.lock} against {@code synchronized}, {@link ReentrantLock}
 * (unfair and fair) and {@link StampedLock}'s write lock, in the same run, around the same small
 * critical section (two dependent field updates): 1 thread (uncontended), 2 threads (as many as this
 * machine's cores), 4 and 8 threads (oversubscribed 2x and 4x on 2 cores: where a FIFO lock must hand
 * over to a thread that is not running). Throughput in operations per microsecond, all threads
 * together; the report divides each by ReentrantLock's, and the FIFO locks' by fair ReentrantLock's.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LockBench {


    /** Shared state: the lock under test and the data it guards. */
    public abstract static class Fixture {
        Lock lock;
        final Object monitor = new Object();
        boolean useMonitor;
        long counter;
        long checksum;

        abstract String impl();

        @Setup(Level.Trial)
        public void setUp() {
            useMonitor = impl().equals("synchronized");
            lock = useMonitor ? null : newLock(impl());
        }

        /** The critical section: small, fixed, and impossible to elide. */
        final long critical() {
            long c = ++counter;
            checksum += c ^ (c >>> 3);
            return c;
        }

        final long run() {
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
    }

    @State(Scope.Benchmark)
    public static class UpToTwoThreads extends Fixture {
        @Param({"synchronized", "ReentrantLock", "ReentrantLockFair", "StampedLock", "TasLock", "TtasLock",
                "TicketLock", "BakeryLock", "PetersonLock", "FilterLock", "ClhLock", "McsLock"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }
    }

    /** Peterson's lock is for two threads only, so it sits out the 4- and 8-thread runs. */
    @State(Scope.Benchmark)
    public static class AnyThreads extends Fixture {
        @Param({"synchronized", "ReentrantLock", "ReentrantLockFair", "StampedLock", "TasLock", "TtasLock",
                "TicketLock", "BakeryLock", "FilterLock", "ClhLock", "McsLock"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }
    }

    static Lock newLock(String name) {
        switch (name) {
            case "ReentrantLock":
                return new ReentrantLock();
            case "ReentrantLockFair":
                return new ReentrantLock(true);
            case "StampedLock":
                return new StampedLock().asWriteLock();
            case "TasLock":
                return new TasLock();
            case "TtasLock":
                return new TtasLock();
            case "TicketLock":
                return new TicketLock();
            case "BakeryLock":
                return new BakeryLock();
            case "PetersonLock":
                return new PetersonLock();
            case "FilterLock":
                return new FilterLock();
            case "ClhLock":
                return new ClhLock();
            case "McsLock":
                return new McsLock();
            case "Mutex":
                return new Mutex(); // not in LockBench's own list: LockHandoverBench's Mutex vs RL case
            default:
                throw new IllegalArgumentException("unknown lock " + name);
        }
    }

    @Benchmark
    @Threads(1)
    public long uncontended1(UpToTwoThreads s) {
        return s.run();
    }

    @Benchmark
    @Threads(2)
    public long contended2(UpToTwoThreads s) {
        return s.run();
    }

    @Benchmark
    @Threads(4)
    public long oversubscribed4(AnyThreads s) {
        return s.run();
    }

    @Benchmark
    @Threads(8)
    public long oversubscribed8(AnyThreads s) {
        return s.run();
    }
}
