package dev.lockstep.core.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, defect 4 (ring side): the weakly consistent iterator and the collection methods built on it
 * ({@code contains}, {@code remove(Object)}, {@code toArray}, {@code toString}), per kind; removal where
 * the kind supports it (MPMC), {@link UnsupportedOperationException} elsewhere; and weak consistency
 * while producers and consumers run.
 */
@Timeout(30)
class RingIteratorContractTest {

    /** Wrapped around the ring: the window [c, p) crosses the end of the array. */
    private static ConcurrentQueue<Long> wrapped(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(8);
        for (long i = 0; i < 8; i++) {
            assertTrue(q.offer(i));
        }
        for (long i = 0; i < 5; i++) {
            assertEquals(i, q.poll());
        }
        for (long i = 8; i < 12; i++) {
            assertTrue(q.offer(i));
        }
        return q; // 5 .. 11
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void iteratorVisitsTheQueueInOrderAcrossTheWrap(QueueKind kind) {
        ConcurrentQueue<Long> q = wrapped(kind);
        List<Long> seen = new ArrayList<>();
        Iterator<Long> it = q.iterator();
        while (it.hasNext()) {
            seen.add(it.next());
        }
        assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L, 11L), seen);
        assertThrows(NoSuchElementException.class, it::next);
        assertEquals("[5, 6, 7, 8, 9, 10, 11]", q.toString());
        assertArrayEquals(new Object[] {5L, 6L, 7L, 8L, 9L, 10L, 11L}, q.toArray());
        Long[] typed = q.toArray(new Long[0]);
        assertArrayEquals(new Long[] {5L, 6L, 7L, 8L, 9L, 10L, 11L}, typed);
        assertTrue(q.contains(5L));
        assertTrue(q.contains(11L));
        assertFalse(q.contains(4L), "consumed");
        assertFalse(q.contains(12L), "never inserted");
        assertFalse(q.contains(null), "contains(null) is false, not an exception");
        assertFalse(q.contains("5"), "equals, not a cast");
        assertEquals(7, q.size(), "traversals change nothing");
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void emptyQueueTraversal(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(4);
        assertFalse(q.iterator().hasNext());
        assertThrows(NoSuchElementException.class, () -> q.iterator().next());
        assertEquals("[]", q.toString());
        assertEquals(0, q.toArray().length);
        assertFalse(q.contains(0L));
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void iteratorIsASnapshotOfIndicesNotAFailFastView(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(8);
        for (long i = 0; i < 4; i++) {
            q.offer(i);
        }
        Iterator<Long> it = q.iterator();
        assertEquals(0L, it.next());
        assertEquals(0L, q.poll()); // modifications during the traversal: no ConcurrentModificationException
        assertEquals(1L, q.poll());
        q.offer(4L);
        List<Long> rest = new ArrayList<>();
        it.forEachRemaining(rest::add);
        // 1 was read ahead by the first next() (as ArrayBlockingQueue's iterator does); 4 came after the
        // start and is not in the window.
        assertEquals(List.of(1L, 2L, 3L), rest);
    }

    @ParameterizedTest
    @EnumSource(value = QueueKind.class, names = {"SPSC", "MPSC", "SPMC"})
    void kindsWithoutRemovalSayWhy(QueueKind kind) {
        ConcurrentQueue<Long> q = wrapped(kind);
        UnsupportedOperationException ex = assertThrows(UnsupportedOperationException.class, () -> q.remove(7L));
        assertTrue(ex.getMessage().contains("cannot remove from the middle"), ex.getMessage());
        Iterator<Long> it = q.iterator();
        it.next();
        assertThrows(UnsupportedOperationException.class, it::remove);
        assertFalse(q.remove(null));
        assertEquals(7, q.size(), "nothing removed");
        assertEquals(List.of(5L, 6L, 7L, 8L, 9L, 10L, 11L), RingDefectRegressionTest.drainAll(q));
    }

    @Test
    void mpmcRemoveTakesTheElementOutOfSizeIterationAndPolls() {
        ConcurrentQueue<Long> q = wrapped(QueueKind.MPMC);
        assertTrue(q.remove(7L));
        assertFalse(q.remove(7L), "only once");
        assertFalse(q.remove(4L), "consumed");
        assertFalse(q.remove(null));
        assertEquals(6, q.size());
        assertEquals("[5, 6, 8, 9, 10, 11]", q.toString());
        assertFalse(q.contains(7L));
        Iterator<Long> it = q.iterator();
        assertThrows(IllegalStateException.class, it::remove, "before next()");
        assertEquals(5L, it.next());
        it.remove();
        assertThrows(IllegalStateException.class, it::remove, "twice");
        assertEquals(6L, it.next());
        assertEquals(8L, it.next());
        it.remove();
        assertEquals(4, q.size());
        assertTrue(q.removeIf(v -> v == 10L));
        assertEquals(List.of(6L, 9L, 11L), List.copyOf(q));
        assertEquals(6L, q.peek());
        assertEquals(List.of(6L, 9L, 11L), RingDefectRegressionTest.drainAll(q));
        assertEquals(0, q.size());
        assertNull(q.peek());
        // Removed slots were recycled: the whole capacity is usable again.
        for (long i = 0; i < 8; i++) {
            assertTrue(q.offer(i), "offer " + i);
        }
        assertFalse(q.offer(99L));
    }

    /** The shape of the JSR-166 TCK's BlockingQueueTest.testRemoveElement, written for this queue. */
    @Test
    void mpmcRemoveEveryOtherThenTheRestLeavesAnEmptyQueue() {
        ConcurrentQueue<Long> q = QueueKind.MPMC.create(16);
        int size = 16;
        for (long i = 0; i < size; i++) {
            q.add(i);
        }
        for (long i = 1; i < size; i += 2) {
            for (int pass = 0; pass < 2; pass++) {
                assertEquals(pass == 0, q.contains(i));
                assertEquals(pass == 0, q.remove(i));
                assertFalse(q.contains(i));
                assertTrue(q.contains(i - 1));
                if (i < size - 1) {
                    assertTrue(q.contains(i + 1));
                }
            }
        }
        assertEquals(size / 2, q.size());
        for (long i = size - 2; i >= 0; i -= 2) {
            assertTrue(q.contains(i));
            assertTrue(q.remove(i));
            assertFalse(q.remove(i + 1));
        }
        assertEquals(0, q.size());
        assertTrue(q.isEmpty());
        assertNull(q.peek());
        assertNull(q.poll());
        assertEquals(0, q.toArray().length);
        assertEquals("[]", q.toString());
    }

    /**
     * Producers and consumers run while another thread traverses again and again (and, for MPMC,
     * removes some of what it sees): no traversal throws, none returns a value twice or one never
     * offered; every value ends up exactly once, polled or (MPMC) removed.
     */
    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void weaklyConsistentUnderConcurrentUse(QueueKind kind) throws Exception {
        weaklyConsistent(kind.create(16), kind.multiProducer ? 2 : 1, kind.multiConsumer ? 2 : 1,
                kind == QueueKind.MPMC);
    }

    @Test
    void unboundedWeaklyConsistentUnderConcurrentUse() throws Exception {
        weaklyConsistent(new MpscUnboundedQueue<>(8), 2, 1, false); // small chunks: many switches
    }

    /** Elements per producer: small for CI, more with -Dlockstep.test.iteratorElements. */
    private static void weaklyConsistent(ConcurrentQueue<Long> q, int producers, int consumers, boolean removal)
            throws Exception {
        final int perProducer = Integer.getInteger("lockstep.test.iteratorElements", 2_500);
        final long total = (long) perProducer * producers;
        Set<Long> polled = ConcurrentHashMap.newKeySet();
        Set<Long> removed = ConcurrentHashMap.newKeySet();
        AtomicBoolean producersDone = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> producerThreads = new ArrayList<>();
        List<Thread> others = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            final long base = (long) p * perProducer;
            producerThreads.add(new Thread(() -> {
                for (long i = 0; i < perProducer; i++) {
                    while (!q.offer(base + i)) {
                        Thread.onSpinWait();
                    }
                }
            }, "producer-" + p));
        }
        for (int c = 0; c < consumers; c++) {
            others.add(new Thread(() -> {
                while (true) {
                    boolean done = producersDone.get(); // read before the poll that finds it empty
                    Long v = q.poll();
                    if (v != null) {
                        if (!polled.add(v)) {
                            failure.compareAndSet(null, new AssertionError("polled twice: " + v));
                        }
                    } else if (done && q.isEmpty()) {
                        return;
                    }
                }
            }, "consumer-" + c));
        }
        others.add(new Thread(() -> {
            try {
                while (!stop.get()) {
                    Set<Long> seen = new HashSet<>();
                    Iterator<Long> it = q.iterator();
                    while (it.hasNext()) {
                        Object o = it.next();
                        if (!(o instanceof Long) || (Long) o < 0 || (Long) o >= total) {
                            throw new AssertionError("never inserted: " + o);
                        }
                        Long v = (Long) o;
                        if (!seen.add(v)) {
                            throw new AssertionError("twice in one traversal: " + v);
                        }
                        if (removal && v % 5 == 0 && q.remove(v)) { // may lose to a consumer
                            if (!removed.add(v)) {
                                throw new AssertionError("removed twice: " + v);
                            }
                        }
                    }
                    q.toString();
                    q.toArray();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "traverser"));
        producerThreads.forEach(Thread::start);
        others.forEach(Thread::start);
        for (Thread t : producerThreads) {
            t.join();
        }
        producersDone.set(true);
        for (Thread t : others.subList(0, consumers)) {
            t.join();
        }
        stop.set(true);
        others.get(consumers).join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        for (Long v : removed) {
            assertFalse(polled.contains(v), "both removed and polled: " + v);
        }
        assertEquals(total, polled.size() + removed.size(), "every element exactly once, polled or removed");
        assertTrue(q.isEmpty());
        assertEquals(0, q.size());
    }
}
