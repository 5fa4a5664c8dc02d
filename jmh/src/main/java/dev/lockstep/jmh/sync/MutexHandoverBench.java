package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.Mutex;
import org.openjdk.jmh.annotations.AuxCounters;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What {@link MutexBench#contended2} and {@link MutexBench#oversubscribed4} measure, made visible: the
 * same threads taking the same unfair lock back to back around the same critical section, plus an
 * exact count of <em>hand-overs</em> (acquisitions whose previous holder was another thread), kept
 * inside the critical section. {@code handovers / primary} is the fraction of acquisitions that moved
 * the lock (and its cache line) to another thread: near 0 when one thread runs long stretches alone
 * while the others are parked (the fast mode of both locks), higher when the lock changes hands while
 * both cores run lock holders (e.g. a spinning waiter catching the holder's unlock-to-lock window).
 * Issue 12 asks why one of three forks of the 2-thread cell ran at a third of the others' rate; run
 * this beside the headline cell on a quiet machine with {@code -f 3} and compare the slow fork's
 * hand-over fraction and context switches per operation with the fast forks'. A diagnostic, not a
 * report cell: the counting adds a load and a store to the critical section.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar 'sync\.MutexHandoverBench' -p impl=Mutex,ReentrantLock \
 *     -f 3 -wi 1 -w 1s -i 3 -r 1s -prof 'perfnorm:events=context-switches,task-clock'
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(3)
public class MutexHandoverBench {

    /** The lock under test, the data it guards, and the id of the last thread that held it. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"Mutex", "ReentrantLock"})
        public String impl;
        Lock lock;
        final AtomicInteger ids = new AtomicInteger();
        long counter;
        long checksum;
        int lastHolder = -1;

        @Setup(Level.Trial)
        public void setUp() {
            switch (impl) {
                case "Mutex":
                    lock = new Mutex();
                    break;
                case "ReentrantLock":
                    lock = new ReentrantLock();
                    break;
                default:
                    throw new IllegalArgumentException("unknown impl " + impl);
            }
        }
    }

    /** Per thread: its id and its count of acquisitions that took the lock from another thread. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counts {
        /** Acquisitions whose previous holder was another thread (reported as a rate, per microsecond). */
        public long handovers;
        int id;

        @Setup(Level.Trial)
        public void setUp(Shared s) {
            id = s.ids.getAndIncrement();
        }
    }

    private static long run(Shared s, Counts t) {
        Lock l = s.lock;
        l.lock();
        try {
            long c = ++s.counter;
            s.checksum += c ^ (c >>> 3);
            if (s.lastHolder != t.id) { // guarded by the lock: an exact count
                s.lastHolder = t.id;
                t.handovers++;
            }
            return c;
        } finally {
            l.unlock();
        }
    }

    @Benchmark
    @Threads(2)
    public long contended2(Shared s, Counts t) {
        return run(s, t);
    }

    @Benchmark
    @Threads(4)
    public long oversubscribed4(Shared s, Counts t) {
        return run(s, t);
    }
}
