package dev.lockstep.core.queue;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static dev.lockstep.core.queue.RingDefectRegressionTest.drainAll;
import static dev.lockstep.core.queue.RingDefectRegressionTest.withinDeadline;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, callback and reentrancy family, ring side: every ring operation that runs user code
 * ({@code drain}'s handler, {@code fill}'s supplier) with code that throws, blocks, and re-enters the same
 * queue. Asserts: the exception propagates, nothing is lost or duplicated, no other thread's operation
 * waits for the user code, and the queue stays usable.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RingCallbackTest {

    /** Every ring kind, the unbounded one included (capacity argument = chunk size there). */
    enum Ring {
        SPSC(SpscArrayQueue::new, false),
        MPSC(MpscArrayQueue::new, true),
        SPMC(SpmcArrayQueue::new, false),
        MPMC(MpmcArrayQueue::new, true),
        MPSC_UNBOUNDED(MpscUnboundedQueue::new, true);

        final IntFunction<ConcurrentQueue<Long>> factory;
        final boolean multiProducer;

        Ring(IntFunction<ConcurrentQueue<Long>> factory, boolean multiProducer) {
            this.factory = factory;
            this.multiProducer = multiProducer;
        }

        ConcurrentQueue<Long> create(int capacity) {
            return factory.apply(capacity);
        }

        boolean bounded() {
            return this != MPSC_UNBOUNDED;
        }
    }

    static Stream<Ring> rings() {
        return Stream.of(Ring.values());
    }

    /** All inserted values, each exactly once, across what was polled inside callbacks and after. */
    private static void assertExactlyOnce(List<Long> expected, List<Long> got) {
        List<Long> a = new ArrayList<>(expected);
        List<Long> b = new ArrayList<>(got);
        a.sort(null);
        b.sort(null);
        assertEquals(a, b, "lost or duplicated");
    }

    private static void assertUsable(ConcurrentQueue<Long> q) {
        for (long i = 0; i < 4; i++) {
            assertTrue(q.offer(1000 + i), "offer after the callback");
        }
        assertEquals(List.of(1000L, 1001L, 1002L, 1003L), drainAll(q));
        assertEquals(0, q.size());
        assertNull(q.peek());
    }

    // ---- drain: handler throws / re-enters / blocks ----

    @ParameterizedTest
    @MethodSource("rings")
    void drainHandlerThatThrowsPropagatesAndLosesNothing(Ring ring) {
        ConcurrentQueue<Long> q = ring.create(8);
        for (long i = 0; i < 6; i++) {
            q.offer(i);
        }
        List<Long> handed = new ArrayList<>();
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> q.drain(v -> {
            handed.add(v);
            if (v == 2L) {
                throw new IllegalStateException("handler");
            }
        }, 5));
        assertEquals("handler", ex.getMessage());
        assertEquals(List.of(0L, 1L, 2L), handed);
        assertEquals(3, q.size());
        assertEquals(List.of(3L, 4L, 5L), drainAll(q));
        assertUsable(q);
    }

    @ParameterizedTest
    @MethodSource("rings")
    void drainHandlerThatReentersOfferPollDrainFill(Ring ring) {
        ConcurrentQueue<Long> q = ring.create(8);
        for (long i = 0; i < 4; i++) {
            q.offer(i);
        }
        List<Long> got = new ArrayList<>();
        int n = q.drain(v -> {
            got.add(v);
            if (v == 0L) { // this thread is the only producer and consumer: every kind allows it
                assertTrue(q.offer(10L));
                Long polled = q.poll();
                if (polled != null) {
                    got.add(polled);
                }
                q.drain(got::add, 1);
                assertEquals(1, q.fill(() -> 20L, 1));
            }
        }, 100);
        got.addAll(drainAll(q));
        assertExactlyOnce(List.of(0L, 1L, 2L, 3L, 10L, 20L), got);
        assertTrue(n >= 1 && n <= 6, "n = " + n);
        assertUsable(q);
    }

    /**
     * The handler blocks (until the other thread is done); meanwhile another thread offers into the full
     * queue and, for multi-consumer kinds, polls: neither waits for the handler.
     */
    @ParameterizedTest
    @MethodSource("rings")
    void drainHandlerThatBlocksHoldsUpNoOtherThread(Ring ring) throws Exception {
        ConcurrentQueue<Long> q = ring.create(4);
        for (long i = 0; i < 4; i++) {
            q.offer(i);
        }
        CountDownLatch inHandler = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Long> got = new ArrayList<>();
        AtomicReference<Object> drained = new AtomicReference<>();
        Thread drainer = new Thread(() -> {
            try {
                drained.set(q.drain(v -> {
                    got.add(v);
                    if (v == 0L) {
                        inHandler.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }, 2));
            } catch (Throwable t) {
                drained.set(t);
            }
        }, "drainer");
        drainer.setDaemon(true);
        drainer.start();
        List<Long> other = new ArrayList<>();
        try {
            assertTrue(inHandler.await(10, TimeUnit.SECONDS));
            // The slot of element 0 was freed before the handler got it: this offer succeeds at once.
            assertTrue(withinDeadline("offer during a blocked drain handler", () -> q.offer(4L)));
            if (ring == Ring.SPMC || ring == Ring.MPMC) {
                other.add(withinDeadline("poll during a blocked drain handler", q::poll));
            }
        } finally {
            release.countDown();
        }
        drainer.join(10_000);
        assertEquals(2, drained.get());
        List<Long> all = new ArrayList<>(got);
        all.addAll(other);
        all.addAll(drainAll(q));
        assertExactlyOnce(List.of(0L, 1L, 2L, 3L, 4L), all);
        assertUsable(q);
    }

    // ---- fill: supplier throws / re-enters / blocks ----

    @ParameterizedTest
    @MethodSource("rings")
    void fillSupplierThatThrowsPropagatesKeepsWhatWasSuppliedAndLeavesNoHole(Ring ring) {
        ConcurrentQueue<Long> q = ring.create(8);
        long[] next = {0};
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> q.fill(() -> {
            if (next[0] == 2) {
                throw new IllegalStateException("supplier");
            }
            return next[0]++;
        }, 5));
        assertEquals("supplier", ex.getMessage());
        assertEquals(2, q.size(), "claimed slots never filled are not counted");
        assertEquals(List.of(0L, 1L), drainAll(q));
        assertUsable(q);
        if (ring.bounded()) { // and the whole capacity is there again
            for (long i = 0; i < q.capacity(); i++) {
                assertTrue(q.offer(i));
            }
            assertEquals(q.capacity(), q.size());
        }
    }

    @ParameterizedTest
    @MethodSource("rings")
    void fillSupplierThatReentersOfferPollDrainFill(Ring ring) {
        ConcurrentQueue<Long> q = ring.create(16);
        q.offer(-1L);
        List<Long> got = new ArrayList<>();
        long[] next = {0};
        int n = q.fill(() -> {
            long v = next[0]++;
            if (v == 1) { // the supplier re-enters: producer and consumer methods (one thread)
                assertTrue(q.offer(100L));
                Long polled = q.poll();
                if (polled != null) {
                    got.add(polled);
                }
                q.drain(got::add, 2);
                assertEquals(1, q.fill(() -> 200L, 1));
            }
            return v;
        }, 3);
        assertEquals(3, n);
        got.addAll(drainAll(q));
        assertExactlyOnce(List.of(-1L, 0L, 1L, 2L, 100L, 200L), got);
        assertUsable(q);
    }

    /**
     * The supplier blocks before its second element; meanwhile another thread polls (gets element 0,
     * then an answer, not a wait) and, for multi-producer kinds, offers.
     */
    @ParameterizedTest
    @MethodSource("rings")
    void fillSupplierThatBlocksHoldsUpNoOtherThread(Ring ring) throws Exception {
        ConcurrentQueue<Long> q = ring.create(8);
        CountDownLatch inSupplier = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        long[] next = {0};
        Supplier<Long> supplier = () -> {
            if (next[0] == 1) {
                inSupplier.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return next[0]++;
        };
        AtomicReference<Object> filled = new AtomicReference<>();
        Thread filler = new Thread(() -> {
            try {
                filled.set(q.fill(supplier, 3));
            } catch (Throwable t) {
                filled.set(t);
            }
        }, "filler");
        filler.setDaemon(true);
        filler.start();
        List<Long> got = new ArrayList<>();
        try {
            assertTrue(inSupplier.await(10, TimeUnit.SECONDS));
            Long first = withinDeadline("poll of the element stored before the supplier blocked", q::poll);
            got.add(first);
            assertEquals(0L, first);
            withinDeadline("peek during a blocked supplier", q::peek); // null, or an element: not a wait
            if (ring.multiProducer) {
                assertTrue(withinDeadline("offer during a blocked supplier", () -> q.offer(50L)));
            }
            Long v = withinDeadline("poll during a blocked supplier", q::poll);
            if (v != null) {
                got.add(v);
            }
        } finally {
            release.countDown();
        }
        filler.join(10_000);
        assertEquals(3, filled.get());
        got.addAll(drainAll(q));
        assertExactlyOnce(ring.multiProducer ? List.of(0L, 1L, 2L, 50L) : List.of(0L, 1L, 2L), got);
        assertUsable(q);
    }
}
