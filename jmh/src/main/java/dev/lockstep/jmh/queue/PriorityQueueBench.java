package dev.lockstep.jmh.queue;

import dev.lockstep.core.queue.PriorityMessageQueue;
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

import java.util.Comparator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link PriorityMessageQueue} against {@link PriorityBlockingQueue} (the anchor, first {@code impl})
 * ordered by a comparator on (priority descending, sequence number ascending), which gives it the same
 * semantics: higher priority first, FIFO among equals. The sequence number comes from a shared
 * {@link AtomicLong} at each insertion: what a user of PriorityBlockingQueue must do for FIFO ties
 * (PriorityMessageQueue needs none).
 *
 * <p>Shape: the queue holds {@value #PREFILL} messages of mixed priorities; each operation polls the
 * head and re-inserts that same message with the next priority of a per-thread rotation over
 * 0..31 (the message is out of the queue while its fields change), so the size stays constant. Score:
 * poll+offer pairs per microsecond, 1 thread and 2 threads. Messages are pre-allocated: 0 B/op for
 * both with {@code -prof gc}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PriorityQueueBench {
    static final int PREFILL = 512;
    static final int CAPACITY = 1024;

    /** A message; mutable so that it can be re-inserted without allocating. */
    static final class Msg {
        int priority;
        long seq;

        Msg(int priority) {
            this.priority = priority;
        }

        int priority() {
            return priority;
        }
    }

    static final Comparator<Msg> PRIORITY_THEN_FIFO =
            Comparator.comparingInt((Msg m) -> -m.priority).thenComparingLong(m -> m.seq);

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"PriorityBlockingQueue", "Lockstep"})
        public String impl;
        BlockingQueue<Msg> queue;
        final AtomicLong seq = new AtomicLong();
        boolean needsSeq;

        @Setup(Level.Trial)
        public void setUp() {
            needsSeq = impl.equals("PriorityBlockingQueue");
            queue = needsSeq ? new PriorityBlockingQueue<>(CAPACITY, PRIORITY_THEN_FIFO)
                    : new PriorityMessageQueue<>(CAPACITY, Msg::priority);
            for (int i = 0; i < PREFILL; i++) {
                Msg m = new Msg((i * 7) & 31);
                m.seq = seq.getAndIncrement();
                queue.offer(m);
            }
        }
    }

    /** Each thread's priority rotation. */
    @State(Scope.Thread)
    public static class Rotation {
        int next;
    }

    static Msg cycle(Shared s, Rotation r) {
        BlockingQueue<Msg> q = s.queue;
        Msg m = q.poll(); // never null: the queue holds PREFILL messages minus one per thread at most
        m.priority = (r.next += 13) & 31;
        if (s.needsSeq) {
            m.seq = s.seq.getAndIncrement();
        }
        q.offer(m);
        return m;
    }

    @Benchmark
    @Threads(1)
    public Msg pollOffer1(Shared s, Rotation r) {
        return cycle(s, r);
    }

    @Benchmark
    @Threads(2)
    public Msg pollOffer2(Shared s, Rotation r) {
        return cycle(s, r);
    }
}
