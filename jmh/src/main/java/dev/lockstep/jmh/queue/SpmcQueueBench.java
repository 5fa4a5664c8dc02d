package dev.lockstep.jmh.queue;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * Lockstep's single-producer multi-consumer queue against JCTools' queue of the same kind (the anchor, first
 * {@code impl}), {@link java.util.concurrent.ArrayBlockingQueue} and
 * {@link java.util.concurrent.ConcurrentLinkedQueue}, capacity {@value Queues#CAPACITY}.
 *
 * <ul>
 *   <li>{@code tpt}: 1 producer thread(s) offer and 2 consumer thread(s) poll as fast as they can.
 *       Each call retries until it succeeds (or the iteration ends), so the score counts successful
 *       operations only: offers + polls per microsecond, i.e. twice the transfer rate (the
 *       {@code tpt:poll} sub-score is the transfer rate). Failed attempts are counted separately in
 *       the {@code offerFailed} / {@code pollFailed} auxiliary counters (events per iteration).</li>
 *   <li>{@code burstRoundTrip}: the benchmark thread sends a burst of {@value #BURST} elements through
 *       one queue to a relay thread, which sends each back through a second queue; the score is
 *       elements round-tripped per microsecond (its inverse is the amortised round-trip time).</li>
 * </ul>
 * Elements are one pre-allocated {@code Integer}: with {@code -prof gc} the array queues show 0 B/op
 * ({@code ConcurrentLinkedQueue} allocates a node per element).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SpmcQueueBench {
    static final String KIND = "Spmc";
    static final int BURST = 100;

    /** The queue shared by the producer and consumer threads of one group. */
    @State(Scope.Group)
    public static class Shared {
        @Param({"JCTools", "Lockstep", "ArrayBlockingQueue", "ConcurrentLinkedQueue"})
        public String impl;
        Queue<Integer> queue;
        /** Polls made, published every 64 polls (the unbounded kind's backlog guard reads it). */
        final java.util.concurrent.atomic.AtomicLong polled = new java.util.concurrent.atomic.AtomicLong();

        @Setup(Level.Trial)
        public void setUp() {
            queue = Queues.create(KIND, impl);
        }
    }

    /** Failed offers of one producer thread (reported per iteration, not as throughput). */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class OfferCounters {
        public long offerFailed;
        long attempts;
    }

    /** Failed polls of one consumer thread (reported per iteration, not as throughput). */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class PollCounters {
        public long pollFailed;
        long polls;
    }

    @Benchmark
    @Group("tpt")
    @GroupThreads(1)
    public void offer(Shared s, OfferCounters c, Control control) {
        while (!s.queue.offer(Queues.ELEMENT)) {
            c.offerFailed++;
            if (control.stopMeasurement) {
                return;
            }
        }
    }

    @Benchmark
    @Group("tpt")
    @GroupThreads(2)
    public Integer poll(Shared s, PollCounters c, Control control) {
        Integer e;
        while ((e = s.queue.poll()) == null) {
            c.pollFailed++;
            if (control.stopMeasurement) {
                return null;
            }
        }
        return e;
    }

    /** Two queues and a relay thread that sends every element of the first back through the second. */
    @State(Scope.Benchmark)
    public static class RoundTrip {
        @Param({"JCTools", "Lockstep", "ArrayBlockingQueue", "ConcurrentLinkedQueue"})
        public String impl;
        Queue<Integer> to;
        Queue<Integer> back;
        Thread relay;
        volatile boolean running;

        @Setup(Level.Trial)
        public void setUp() {
            to = Queues.create(KIND, impl);
            back = Queues.create(KIND, impl);
            running = true;
            relay = new Thread(() -> {
                while (running) {
                    Integer e = to.poll();
                    if (e == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    while (!back.offer(e)) {
                        Thread.onSpinWait();
                    }
                }
            }, "relay");
            relay.setDaemon(true);
            relay.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            running = false;
            relay.join();
        }
    }

    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(BURST)
    public void burstRoundTrip(RoundTrip s) {
        final Queue<Integer> to = s.to;
        final Queue<Integer> back = s.back;
        for (int i = 0; i < BURST; i++) {
            while (!to.offer(Queues.ELEMENT)) {
                Thread.onSpinWait();
            }
        }
        for (int i = 0; i < BURST; i++) {
            while (back.poll() == null) {
                Thread.onSpinWait();
            }
        }
    }
}
