package dev.lockstep.core.queue;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link BlockingQueue} / {@link java.util.Collection} contract as {@link java.util.concurrent.ArrayBlockingQueue}
 * honours it, checked on every blocking queue of the package (written for this project after reading
 * what the JSR-166 TCK's {@code BlockingQueueTest} and {@code ArrayBlockingQueueTest} ask): null and
 * self arguments, capacity accounting, zero and negative timeouts, interrupt status on entry (the
 * timed offer and poll: as LinkedTransferQueue's, after their first attempt),
 * {@code toArray(T[])} sizing, iterator order and its exceptions, {@code toString}. Single-threaded, so
 * every kind is within its thread discipline. What is deliberately different is asserted as such
 * (removal from the middle is unsupported in SPSC/MPSC/SPMC) and listed in the README.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlockingQueueJdkContractTest {
    private static final int CAPACITY = 8; // a power of two: the rings' capacity is exact

    record Kind(String name, IntFunction<BlockingQueue<Integer>> factory, boolean removal) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Kind> kinds() {
        return Stream.of(
                new Kind("SpscBlockingQueue", SpscBlockingQueue::new, false),
                new Kind("MpscBlockingQueue", MpscBlockingQueue::new, false),
                new Kind("SpmcBlockingQueue", SpmcBlockingQueue::new, false),
                new Kind("MpmcBlockingQueue", MpmcBlockingQueue::new, true),
                new Kind("PriorityMessageQueue", c -> new PriorityMessageQueue<>(c, e -> 0), true));
    }

    /** A queue holding 0 .. n-1. */
    private static BlockingQueue<Integer> populated(Kind kind, int n) {
        BlockingQueue<Integer> q = kind.factory.apply(CAPACITY);
        for (int i = 0; i < n; i++) {
            assertTrue(q.offer(i));
        }
        return q;
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void constructorRejectsNonPositiveCapacity(Kind kind) {
        assertThrows(IllegalArgumentException.class, () -> kind.factory.apply(0));
        assertThrows(IllegalArgumentException.class, () -> kind.factory.apply(-1));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void nullElementsAndArgumentsThrowNullPointerException(Kind kind) {
        BlockingQueue<Integer> q = populated(kind, 2);
        assertThrows(NullPointerException.class, () -> q.offer(null));
        assertThrows(NullPointerException.class, () -> q.add(null));
        assertThrows(NullPointerException.class, () -> q.put(null));
        assertThrows(NullPointerException.class, () -> q.offer(null, 1, TimeUnit.MILLISECONDS));
        assertThrows(NullPointerException.class, () -> q.offer(1, 1, null));
        assertThrows(NullPointerException.class, () -> q.poll(1, null));
        assertThrows(NullPointerException.class, () -> q.addAll(null));
        assertThrows(NullPointerException.class, () -> q.drainTo(null));
        assertThrows(NullPointerException.class, () -> q.drainTo(null, 0));
        assertThrows(NullPointerException.class, () -> q.toArray((Integer[]) null));
        assertThrows(NullPointerException.class, () -> q.removeIf(null));
        assertEquals(2, q.size(), "nothing changed");
        // addAll stops at the first null: the elements before it are in (AbstractQueue.addAll's rule).
        assertThrows(NullPointerException.class, () -> q.addAll(Arrays.asList(7, null, 8)));
        assertEquals(List.of(0, 1, 7), new ArrayList<>(q));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void selfArgumentsThrowIllegalArgumentException(Kind kind) {
        BlockingQueue<Integer> q = populated(kind, 2);
        assertThrows(IllegalArgumentException.class, () -> q.drainTo(q));
        assertThrows(IllegalArgumentException.class, () -> q.drainTo(q, 1));
        assertThrows(IllegalArgumentException.class, () -> q.drainTo(q, 0));
        assertThrows(IllegalArgumentException.class, () -> q.addAll(q));
        assertEquals(2, q.size());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void capacityAccounting(Kind kind) {
        BlockingQueue<Integer> q = kind.factory.apply(CAPACITY);
        for (int i = 0; i < CAPACITY; i++) {
            assertEquals(CAPACITY - i, q.remainingCapacity());
            assertEquals(i, q.size());
            assertEquals(i == 0, q.isEmpty());
            assertTrue(q.add(i));
        }
        assertEquals(0, q.remainingCapacity());
        assertFalse(q.offer(99));
        assertThrows(IllegalStateException.class, () -> q.add(99), "add on a full queue");
        assertThrows(IllegalStateException.class, () -> q.addAll(List.of(99)));
        for (int i = 0; i < CAPACITY; i++) {
            assertEquals(i, q.peek());
            assertEquals(i, q.element());
            assertEquals(i, q.remove());
            assertEquals(i + 1, q.remainingCapacity());
        }
        assertNull(q.peek());
        assertNull(q.poll());
        assertThrows(NoSuchElementException.class, q::element);
        assertThrows(NoSuchElementException.class, q::remove);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void zeroAndNegativeTimeoutsDoNotWait(Kind kind) throws InterruptedException {
        BlockingQueue<Integer> q = kind.factory.apply(CAPACITY);
        for (long timeout : new long[]{0, -1, Long.MIN_VALUE}) {
            long t0 = System.nanoTime();
            assertNull(q.poll(timeout, TimeUnit.SECONDS), "empty: null at once");
            assertTrue(q.offer(1, timeout, TimeUnit.SECONDS), "space: succeeds even with no time");
            assertEquals(1, q.poll(timeout, TimeUnit.NANOSECONDS), "element: returned even with no time");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "did not wait");
        }
        while (q.offer(2)) {
            // fill up
        }
        assertFalse(q.offer(3, 0, TimeUnit.SECONDS), "full: false at once");
        assertFalse(q.offer(3, -5, TimeUnit.MILLISECONDS));
        assertTrue(q.offer(3, Long.MIN_VALUE, TimeUnit.DAYS) == false);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void interruptStatusOnEntryThrowsAndClears(Kind kind) throws InterruptedException {
        BlockingQueue<Integer> q = populated(kind, 1);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> q.put(5));
        assertFalse(Thread.interrupted(), "status cleared");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, q::take);
        assertFalse(Thread.interrupted());
        assertEquals(List.of(0), new ArrayList<>(q), "nothing inserted or removed by the interrupted calls");
        // The timed offer and poll answer the interrupt only when they cannot proceed at once (as
        // LinkedTransferQueue's and SynchronousQueue's; ArrayBlockingQueue throws on entry): the one
        // attempt first.
        Thread.currentThread().interrupt();
        assertTrue(q.offer(5, 1, TimeUnit.SECONDS), "space: inserted");
        assertEquals(0, q.poll(1, TimeUnit.SECONDS), "an element: returned");
        assertTrue(Thread.interrupted(), "status kept");
        assertEquals(5, q.poll());
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> q.poll(1, TimeUnit.SECONDS), "empty: throws");
        assertFalse(Thread.interrupted());
        while (q.offer(7)) {
            // fill up
        }
        int size = q.size();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> q.offer(5, 1, TimeUnit.SECONDS), "full: throws");
        assertFalse(Thread.interrupted());
        assertEquals(size, q.size(), "nothing inserted by the interrupted call");
        q.clear();
        assertTrue(q.offer(0));
        // The non-blocking methods ignore the interrupt and keep the status.
        Thread.currentThread().interrupt();
        assertTrue(q.offer(6));
        assertEquals(0, q.poll());
        assertTrue(Thread.interrupted(), "status kept");
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void drainToMovesInOrder(Kind kind) {
        BlockingQueue<Integer> q = populated(kind, 5);
        List<Integer> out = new ArrayList<>();
        assertEquals(0, q.drainTo(out, 0));
        assertEquals(0, q.drainTo(out, -3));
        assertEquals(2, q.drainTo(out, 2));
        assertEquals(List.of(0, 1), out);
        assertEquals(3, q.drainTo(out));
        assertEquals(List.of(0, 1, 2, 3, 4), out);
        assertEquals(0, q.drainTo(out));
        assertTrue(q.isEmpty());
        assertEquals(CAPACITY, q.remainingCapacity());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void toArraySizes(Kind kind) {
        BlockingQueue<Integer> q = populated(kind, 3);
        assertArrayEquals(new Object[]{0, 1, 2}, q.toArray());
        Integer[] exact = new Integer[3];
        assertSame(exact, q.toArray(exact), "an array of the right size is used");
        assertArrayEquals(new Integer[]{0, 1, 2}, exact);
        Integer[] larger = {9, 9, 9, 9, 9};
        assertSame(larger, q.toArray(larger));
        assertArrayEquals(new Integer[]{0, 1, 2, null, 9}, larger, "null right after the elements");
        Integer[] smaller = q.toArray(new Integer[1]);
        assertArrayEquals(new Integer[]{0, 1, 2}, smaller);
        assertEquals(Integer[].class, smaller.getClass(), "a new array of the given runtime type");
        assertThrows(ArrayStoreException.class, () -> q.toArray(new String[3]));
        assertArrayEquals(new Integer[0], kind.factory.apply(2).toArray(new Integer[0]));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void iteratorOrderAndExceptions(Kind kind) {
        BlockingQueue<Integer> q = populated(kind, 4);
        Iterator<Integer> it = q.iterator();
        assertThrows(IllegalStateException.class, it::remove, "remove before next");
        List<Integer> seen = new ArrayList<>();
        while (it.hasNext()) {
            seen.add(it.next());
        }
        assertEquals(List.of(0, 1, 2, 3), seen);
        assertThrows(NoSuchElementException.class, it::next);
        assertEquals(4, q.size(), "iteration removes nothing");
        List<Integer> forEach = new ArrayList<>();
        q.forEach(forEach::add);
        assertEquals(seen, forEach);
        // An iterator of an empty queue.
        assertFalse(kind.factory.apply(2).iterator().hasNext());
        // Weakly consistent: polling under an open iterator throws no ConcurrentModificationException.
        Iterator<Integer> open = q.iterator();
        assertEquals(0, q.poll());
        List<Integer> rest = new ArrayList<>();
        open.forEachRemaining(rest::add);
        assertTrue(List.of(0, 1, 2, 3).containsAll(rest) && rest.containsAll(List.of(1, 2, 3)),
                "each element at most once, none invented: " + rest);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void containsRemoveAndNull(Kind kind) {
        BlockingQueue<Integer> q = populated(kind, 4);
        assertFalse(q.contains(null));
        assertFalse(q.remove(null));
        assertTrue(q.contains(2));
        assertFalse(q.contains(42));
        assertTrue(q.containsAll(List.of(1, 3)));
        if (kind.removal) {
            assertTrue(q.remove(2));
            assertFalse(q.contains(2));
            assertFalse(q.remove(2));
            assertEquals(CAPACITY - 3, q.remainingCapacity());
            assertTrue(q.removeIf(e -> e == 0));
            assertTrue(q.removeAll(List.of(3)));
            assertFalse(q.retainAll(List.of(1)), "only 1 left: nothing to remove");
            assertEquals(List.of(1), new ArrayList<>(q));
            Iterator<Integer> it = q.iterator();
            assertEquals(1, it.next());
            it.remove();
            assertThrows(IllegalStateException.class, it::remove, "twice");
            assertTrue(q.isEmpty());
            // The space freed by removals is usable (the rings reuse a removed slot once polls pass it).
            for (int i = 0; i < CAPACITY; i++) {
                assertTrue(q.offer(100 + i), "offer " + i + " after removals");
            }
        } else {
            assertThrows(UnsupportedOperationException.class, () -> q.remove(2));
            assertThrows(UnsupportedOperationException.class, () -> q.removeIf(e -> e == 0));
            Iterator<Integer> it = q.iterator();
            it.next();
            assertThrows(UnsupportedOperationException.class, it::remove);
            assertEquals(List.of(0, 1, 2, 3), new ArrayList<>(q), "nothing removed");
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void clearToStringAndAddAll(Kind kind) {
        BlockingQueue<Integer> q = populated(kind, 3);
        assertEquals("[0, 1, 2]", q.toString());
        q.clear();
        assertTrue(q.isEmpty());
        assertEquals("[]", q.toString());
        assertEquals(CAPACITY, q.remainingCapacity());
        assertTrue(q.addAll(List.of(5, 6)));
        assertFalse(q.addAll(Collections.emptyList()));
        assertEquals(List.of(5, 6), new ArrayList<>(q));
    }
}
