package dev.lockstep.jmh.queue;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Control;

import java.util.Queue;

/**
 * Lockstep's single-producer single-consumer queue against JCTools' queue of the same kind (the anchor, first
 * {@code impl}), {@link java.util.concurrent.ArrayBlockingQueue} and
 * {@link java.util.concurrent.ConcurrentLinkedQueue}, capacity {@value Queues#CAPACITY}.
 * {@code tpt}: 1 producer thread(s) and 1 consumer thread(s); {@code burstRoundTrip}: bursts of
 * {@value QueueBench#BURST} through a relay thread. See {@link QueueBench} for what each measures.
 * {@code uncontended}: one thread offers then polls its own queue (the calls' own cost, no cross-core
 * transfer, so it holds up on a loaded machine; issue 12: VarHandle range checks against JCTools'
 * Unsafe access).
 */
public class SpscQueueBench extends QueueBench {
    static final String KIND = "Spsc";

    @State(Scope.Group)
    public static class Shared extends QueueBench.Shared {
        @Param({"JCTools", "Lockstep", "ArrayBlockingQueue", "ConcurrentLinkedQueue"})
        public String impl;

        @Override
        protected Queue<Integer> create() {
            return Queues.create(KIND, impl);
        }
    }

    @State(Scope.Benchmark)
    public static class RoundTrip extends QueueBench.RoundTrip {
        @Param({"JCTools", "Lockstep", "ArrayBlockingQueue", "ConcurrentLinkedQueue"})
        public String impl;

        @Override
        protected Queue<Integer> create() {
            return Queues.create(KIND, impl);
        }
    }

    /** One thread's own queue, for {@code uncontended}. */
    @State(Scope.Thread)
    public static class Solo {
        @Param({"JCTools", "Lockstep", "ArrayBlockingQueue", "ConcurrentLinkedQueue"})
        public String impl;
        Queue<Integer> queue;

        @Setup(Level.Trial)
        public void setUp() {
            queue = Queues.create(KIND, impl);
        }
    }

    /** One offer then one poll on the same thread; the score counts both. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(2)
    public Integer uncontended(Solo s) {
        s.queue.offer(Queues.ELEMENT);
        return s.queue.poll();
    }

    @Benchmark
    @Group("tpt")
    @GroupThreads(1)
    public void offer(Shared s, OfferCounters c, Control control) {
        QueueBench.offer(s, c, control);
    }

    @Benchmark
    @Group("tpt")
    @GroupThreads(1)
    public Integer poll(Shared s, PollCounters c, Control control) {
        return QueueBench.poll(s, c, control);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BURST)
    public void burstRoundTrip(RoundTrip s) {
        QueueBench.burstRoundTrip(s);
    }
}
