package dev.lockstep.jmh.lock;

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

/**
 * What {@link LockBench#contended2} measures, made visible: the same two threads taking the same lock
 * back to back around the same critical section, plus a count of <em>hand-overs</em> (acquisitions
 * whose previous holder was the other thread), kept inside the critical section. The secondary result
 * {@code handovers} is a rate like the primary one; {@code handovers / primary} is the fraction of
 * acquisitions that passed the lock to the other thread: about 1 when the two threads alternate (a
 * contended FIFO hand-off on every acquisition), near 0 when one thread runs long stretches alone (the
 * other parked, descheduled, or slower to arrive), which is then a single-thread loop, not a hand-off.
 * A diagnostic, not a report cell: the counting adds a load and a store to the critical section.
 * {@code oversubscribed4} and {@code oversubscribed8} are the same with 4 and 8 threads (a hand-over is
 * then an acquisition whose previous holder was any other thread).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar 'LockHandoverBench' -p impl=ReentrantLockFair,TicketLock,ClhLock,McsLock \
 *     -f 3 -wi 1 -w 1s -i 2 -r 1s -prof 'perfnorm:events=context-switches,task-clock'
 * </pre>
 * With {@code -p impl=Mutex,ReentrantLock} it is the non-fair pair's diagnostic (issue 12's 2-thread
 * fork bimodality: how often {@code Mutex}'s spinner takes the lock from a running holder).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 2, time = 1)
@Fork(2)
public class LockHandoverBench {

    /** The lock under test, the data it guards, and the id of the last thread that held it. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"ReentrantLockFair", "ReentrantLock", "TicketLock", "ClhLock", "McsLock", "Mutex"})
        public String impl;
        Lock lock;
        final AtomicInteger ids = new AtomicInteger();
        long counter;
        long checksum;
        int lastHolder = -1;

        @Setup(Level.Trial)
        public void setUp() {
            lock = LockBench.newLock(impl);
        }
    }

    /** Per thread: its id and its count of acquisitions that took the lock from the other thread. */
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

    @Benchmark
    @Threads(2)
    public long contended2(Shared s, Counts t) {
        return run(s, t);
    }

    /** {@link LockBench#oversubscribed4}'s shape: 4 threads on 2 cores. */
    @Benchmark
    @Threads(4)
    public long oversubscribed4(Shared s, Counts t) {
        return run(s, t);
    }

    /** {@link LockBench#oversubscribed8}'s shape: 8 threads on 2 cores. */
    @Benchmark
    @Threads(8)
    public long oversubscribed8(Shared s, Counts t) {
        return run(s, t);
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
}
