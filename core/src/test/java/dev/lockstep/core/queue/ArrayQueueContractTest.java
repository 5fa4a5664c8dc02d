package dev.lockstep.core.queue;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Single-threaded contract of every queue: bad input, capacity, FIFO, batch operations, iterator. The
 * timeout runs each test in a thread of its own, so that a queue that spins forever (an offer to a full
 * queue that waits for a consumer that does not exist) fails its test instead of hanging the build: the
 * default mode only interrupts the test's thread, which a spin does not notice.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ArrayQueueContractTest {

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void rejectsBadCapacityNamingTheValue(QueueKind kind) {
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE, (1 << 30) + 1, Integer.MAX_VALUE}) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> kind.create(bad));
            assertTrue(ex.getMessage().contains("capacity") && ex.getMessage().endsWith(": " + bad), ex.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void roundsCapacityUpToPowerOfTwoAndHoldsExactlyThat(QueueKind kind) {
        assertEquals(1024, kind.create(1000).capacity());
        assertEquals(16, kind.create(16).capacity());
        assertEquals(kind.multiProducer && kind.multiConsumer ? 2 : 1, kind.create(1).capacity());
        ConcurrentQueue<Long> q = kind.create(5);
        assertEquals(8, q.capacity());
        for (long i = 0; i < 8; i++) {
            assertTrue(q.offer(i), "offer " + i);
            assertEquals(i + 1, q.size());
        }
        assertFalse(q.offer(99L), "full");
        assertFalse(q.relaxedOffer(99L), "full (relaxed)");
        assertThrows(IllegalStateException.class, () -> q.add(99L));
        assertEquals(8, q.size());
        for (long i = 0; i < 8; i++) {
            assertEquals(i, q.peek());
            assertEquals(i, q.poll());
        }
        assertNull(q.poll());
        assertNull(q.peek());
        assertNull(q.relaxedPoll());
        assertNull(q.relaxedPeek());
        assertTrue(q.isEmpty());
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void fifoAcrossManyLaps(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(4);
        long next = 0;
        long expected = 0;
        for (int round = 0; round < 1000; round++) {
            int k = round % 5;
            for (int i = 0; i < k && q.relaxedOffer(next); i++) {
                next++;
            }
            for (int i = 0; i < (round % 3) + 1; i++) {
                Long v = (round & 1) == 0 ? q.poll() : q.relaxedPoll();
                if (v == null) {
                    break;
                }
                assertEquals(expected++, v);
            }
            assertEquals(next - expected, q.size());
        }
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void rejectsNulls(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(8);
        assertThrows(NullPointerException.class, () -> q.offer(null));
        assertThrows(NullPointerException.class, () -> q.relaxedOffer(null));
        assertThrows(NullPointerException.class, () -> q.add(null));
        assertThrows(NullPointerException.class, () -> q.drain(null, 1));
        assertThrows(NullPointerException.class, () -> q.fill(null, 1));
        assertEquals(0, q.size(), "nothing half-done");
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void rejectsNegativeBatchLimitNamingTheValue(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(8);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> q.drain(x -> { }, -1));
        assertEquals("limit must be >= 0: -1", ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> q.fill(() -> 1L, -5));
        assertEquals("limit must be >= 0: -5", ex.getMessage());
        assertEquals(0, q.fill(() -> 1L, 0));
        assertEquals(0, q.drain(x -> { }, 0));
        assertEquals(0, q.size());
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void fillAndDrainMoveBatchesInOrderAndStopAtFullOrEmpty(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(8);
        long[] next = {0};
        assertEquals(5, q.fill(() -> next[0]++, 5));
        assertEquals(3, q.fill(() -> next[0]++, 100), "stops when full");
        assertEquals(8, next[0], "supplier called only for inserted elements");
        assertEquals(0, q.fill(() -> next[0]++, 1));
        List<Long> out = new ArrayList<>();
        assertEquals(3, q.drain(out::add, 3));
        assertEquals(5, q.drain(out::add, 100), "stops when empty");
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), out);
        assertEquals(0, q.drain(out::add, 100));
        assertTrue(q.isEmpty());
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void fillWithNullFromSupplierKeepsEarlierElementsAndQueueUsable(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(8);
        long[] next = {0};
        assertThrows(NullPointerException.class, () -> q.fill(() -> next[0] < 3 ? next[0]++ : null, 6));
        assertTrue(q.offer(100L));
        List<Long> out = new ArrayList<>();
        while (out.size() < 4) {
            Long v = q.poll();
            assertTrue(v != null, "lost an element: got " + out);
            out.add(v);
        }
        assertEquals(List.of(0L, 1L, 2L, 100L), out);
        assertNull(q.poll());
        assertEquals(0, q.size());
    }

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    void drainWhoseConsumerThrowsLeavesQueueConsistent(QueueKind kind) {
        ConcurrentQueue<Long> q = kind.create(8);
        for (long i = 0; i < 6; i++) {
            q.offer(i);
        }
        List<Long> out = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> q.drain(v -> {
            out.add(v);
            if (v == 1L) {
                throw new IllegalStateException("boom");
            }
        }, 4));
        assertEquals(List.of(0L, 1L), out);
        // Every kind: the rest (not yet handed over) stays queued (issue 10, defect 5).
        List<Long> rest = new ArrayList<>();
        q.drain(rest::add, 100);
        assertEquals(List.of(2L, 3L, 4L, 5L), rest);
        for (long i = 0; i < 8; i++) {
            assertTrue(q.offer(i), "usable after the throw");
        }
        assertEquals(8, q.size());
    }
}
