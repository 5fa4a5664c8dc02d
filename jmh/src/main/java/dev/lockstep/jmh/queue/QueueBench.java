package dev.lockstep.jmh.queue;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What the queue benchmarks of every kind share ({@link SpscQueueBench}, {@link MpscQueueBench},
 * {@link SpmcQueueBench}, {@link MpmcQueueBench}, {@link MpscUnboundedQueueBench}): the states, the
 * bodies of the two benchmarks, and the run defaults. Each concrete class adds the {@code @State}
 * subclasses that carry its {@code @Param impl} list (anchor first) and build its queue kind, and
 * declares the {@code @Benchmark} methods (so that each keeps its own {@code @GroupThreads} and its
 * benchmark names, {@code XxxQueueBench.tpt} and {@code XxxQueueBench.burstRoundTrip}).
 *
 * <ul>
 *   <li>{@code tpt}: producer threads offer and consumer threads poll as fast as they can.
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
public abstract class QueueBench {
    static final int BURST = 100;

    /**
     * The queue shared by the producer and consumer threads of one group. Subclasses: annotate with
     * {@code @State(Scope.Group)}, add {@code @Param public String impl} and build the queue.
     */
    public abstract static class Shared {
        Queue<Integer> queue;
        /** Polls made, published every 64 polls (the unbounded kind's backlog guard reads it). */
        final AtomicLong polled = new AtomicLong();

        /** A new queue of this benchmark's kind and {@code impl}. */
        protected abstract Queue<Integer> create();

        @Setup(Level.Trial)
        public void setUp() {
            queue = create();
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

    /**
     * Two queues and a relay thread that sends every element of the first back through the second.
     * Subclasses: annotate with {@code @State(Scope.Benchmark)}, add {@code @Param public String impl}
     * and build the queues.
     */
    public abstract static class RoundTrip {
        Queue<Integer> to;
        Queue<Integer> back;
        Thread relay;
        volatile boolean running;

        /** A new queue of this benchmark's kind and {@code impl}. */
        protected abstract Queue<Integer> create();

        @Setup(Level.Trial)
        public void setUp() {
            to = create();
            back = create();
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

    /** Body of {@code tpt:offer}: one successful offer (or the end of the iteration). */
    static void offer(Shared s, OfferCounters c, Control control) {
        while (!s.queue.offer(Queues.ELEMENT)) {
            c.offerFailed++;
            if (control.stopMeasurement) {
                return;
            }
        }
    }

    /**
     * Body of {@code tpt:offer} for an unbounded queue: first keeps the backlog bounded (the same O(1)
     * check for every implementation; {@code ConcurrentLinkedQueue.size()} is O(n)) so a producer that
     * outruns the consumer cannot fill the heap: offers made by this thread times the producer count,
     * against the consumer's published poll count ({@link #pollCounted}). The call then still makes
     * exactly one successful offer.
     */
    static void offerBoundedBacklog(Shared s, OfferCounters c, Control control, int producers) {
        if ((++c.attempts & 63) == 0) {
            while (c.attempts * producers - s.polled.get() > 4L * Queues.CAPACITY) {
                if (control.stopMeasurement) {
                    return;
                }
                Thread.onSpinWait();
            }
        }
        offer(s, c, control);
    }

    /** Body of {@code tpt:poll}: one successful poll (or null at the end of the iteration). */
    static Integer poll(Shared s, PollCounters c, Control control) {
        Integer e;
        while ((e = s.queue.poll()) == null) {
            c.pollFailed++;
            if (control.stopMeasurement) {
                return null;
            }
        }
        return e;
    }

    /** Nanoseconds a parking consumer asks {@code parkNanos} for (Linux sleeps about 50 µs at least). */
    static final long PARK_NS = 1_000L;

    /**
     * Body of a parking consumer's poll: one successful poll; after each failed one the thread parks
     * ({@value #PARK_NS} ns requested), as an idle strategy would, instead of spinning.
     */
    static Integer pollParking(Shared s, PollCounters c, Control control) {
        Integer e;
        while ((e = s.queue.poll()) == null) {
            c.pollFailed++;
            if (control.stopMeasurement) {
                return null;
            }
            LockSupport.parkNanos(PARK_NS);
        }
        return e;
    }

    /** {@link #poll}, also publishing the poll count every 64 polls for {@link #offerBoundedBacklog}. */
    static Integer pollCounted(Shared s, PollCounters c, Control control) {
        Integer e = poll(s, c, control);
        if (e != null && (++c.polls & 63) == 0) {
            s.polled.lazySet(c.polls); // release store, one per 64 polls: cheap
        }
        return e;
    }

    /** Body of {@code burstRoundTrip} ({@value #BURST} operations per invocation). */
    static void burstRoundTrip(RoundTrip s) {
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
