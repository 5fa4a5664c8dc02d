package dev.lockstep.jmh.queue;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.Control;

import java.util.Queue;

/**
 * Lockstep's unbounded multi-producer single-consumer queue against JCTools' queue of the same kind (the anchor, first
 * {@code impl}), {@link java.util.concurrent.ArrayBlockingQueue} and
 * {@link java.util.concurrent.ConcurrentLinkedQueue}, capacity {@value Queues#CAPACITY}.
 * {@code tpt}: 2 producer thread(s) and 1 consumer thread(s); {@code burstRoundTrip}: bursts of
 * {@value QueueBench#BURST} through a relay thread. See {@link QueueBench} for what each measures.
 * {@code burstUncontended}: one thread offers a burst of {@value QueueBench#BURST} into its own queue and
 * polls it back: the burst path's own cost per element (offer + poll, the chunk switch once per chunk),
 * with no cross-core transfer, so it holds up on a loaded machine (issue 12: separates the two queues'
 * code paths from the relay's placement).
 */
public class MpscUnboundedQueueBench extends QueueBench {
    static final String KIND = "MpscUnbounded";

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

    /**
     * A burst of offers then as many polls on the same thread; the score counts elements. The group-scoped
     * state of {@code tpt} is this one-thread group's own queue.
     */
    @Benchmark
    @Group("burstUncontended")
    @GroupThreads(1)
    @OperationsPerInvocation(BURST)
    public int burstUncontended(Shared s) {
        final Queue<Integer> q = s.queue;
        for (int i = 0; i < BURST; i++) {
            q.offer(Queues.ELEMENT);
        }
        int sum = 0;
        for (int i = 0; i < BURST; i++) {
            sum += q.poll();
        }
        return sum;
    }

    @Benchmark
    @Group("tpt")
    @GroupThreads(2)
    public void offer(Shared s, OfferCounters c, Control control) {
        offerBoundedBacklog(s, c, control, 2);
    }

    @Benchmark
    @Group("tpt")
    @GroupThreads(1)
    public Integer poll(Shared s, PollCounters c, Control control) {
        return pollCounted(s, c, control);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BURST)
    public void burstRoundTrip(RoundTrip s) {
        QueueBench.burstRoundTrip(s);
    }
}
