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
 * Lockstep's multi-producer multi-consumer queue against JCTools' queue of the same kind (the anchor, first
 * {@code impl}), {@link java.util.concurrent.ArrayBlockingQueue} and
 * {@link java.util.concurrent.ConcurrentLinkedQueue}, capacity {@value Queues#CAPACITY}.
 * {@code tpt}: 2 producer thread(s) and 2 consumer thread(s); {@code burstRoundTrip}: bursts of
 * {@value QueueBench#BURST} through a relay thread. See {@link QueueBench} for what each measures.
 *
 * <p>On a 2-core machine {@code tpt} runs four spinning threads on two cores and measures the scheduler
 * more than the queue (issue 12: 0.51x and 12.4x in two runs). So two more groups measure the queue
 * with one thread per core: {@code tpt1p1c}, 1 producer and 1 consumer spinning (the multi-producer
 * and multi-consumer paths, CAS on both indices, without oversubscription), and {@code parked1p1c}, the
 * same with a consumer that parks ({@code LockSupport.parkNanos}, {@value QueueBench#PARK_NS} ns
 * requested) whenever it finds the queue empty, as an idle-strategy consumer does: it measures
 * batches taken by a consumer that wakes up to a backlog, and leaves a core to the producer.
 */
public class MpmcQueueBench extends QueueBench {
    static final String KIND = "Mpmc";

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
    @GroupThreads(2)
    public Integer poll(Shared s, PollCounters c, Control control) {
        return QueueBench.poll(s, c, control);
    }

    @Benchmark
    @Group("tpt1p1c")
    @GroupThreads(1)
    public void offer1p1c(Shared s, OfferCounters c, Control control) {
        QueueBench.offer(s, c, control);
    }

    @Benchmark
    @Group("tpt1p1c")
    @GroupThreads(1)
    public Integer poll1p1c(Shared s, PollCounters c, Control control) {
        return QueueBench.poll(s, c, control);
    }

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
