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
 * Lockstep's multi-producer single-consumer queue against JCTools' queue of the same kind (the anchor, first
 * {@code impl}), {@link java.util.concurrent.ArrayBlockingQueue} and
 * {@link java.util.concurrent.ConcurrentLinkedQueue}, capacity {@value Queues#CAPACITY}.
 * {@code tpt}: 2 producer thread(s) and 1 consumer thread(s); {@code burstRoundTrip}: bursts of
 * {@value QueueBench#BURST} through a relay thread; {@code parked1p1c}: 1 producer and 1 consumer that
 * parks 1 µs on "empty". See {@link QueueBench} for what each measures.
 */
public class MpscQueueBench extends QueueBench {
    static final String KIND = "Mpsc";

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

    @Benchmark
    @Group("tpt")
    @GroupThreads(2)
    public void offer(Shared s, OfferCounters c, Control control) {
        QueueBench.offer(s, c, control);
    }

    @Benchmark
    @Group("tpt")
    @GroupThreads(1)
    public Integer poll(Shared s, PollCounters c, Control control) {
        return QueueBench.poll(s, c, control);
    }

    /**
     * One producer and one consumer that parks 1 µs on "empty" (as {@code MpmcQueueBench.parked1p1c}): the
     * consumer the forty-fifth round's slot wait keeps in lock-step with a busy producer instead of letting
     * it park and drain a batch (README "What is left", issue 12).
     */
    @Benchmark
    @Group("parked1p1c")
    @GroupThreads(1)
    public void offerParked(Shared s, OfferCounters c, Control control) {
        QueueBench.offer(s, c, control);
    }

    @Benchmark
    @Group("parked1p1c")
    @GroupThreads(1)
    public Integer pollParked(Shared s, PollCounters c, Control control) {
        return QueueBench.pollParking(s, c, control);
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BURST)
    public void burstRoundTrip(RoundTrip s) {
        QueueBench.burstRoundTrip(s);
    }
}
