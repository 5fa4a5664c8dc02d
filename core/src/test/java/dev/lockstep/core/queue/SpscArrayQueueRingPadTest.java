package dev.lockstep.core.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * SpscArrayQueue's padded ring (see its implementation notes): the {@code RING_PAD} slots at each end of
 * the array are never written, through wrap-around, fill, drain and peek, and every element goes to
 * and comes from its own slot in between.
 */
class SpscArrayQueueRingPadTest {
    private static final int PAD = SpscArrayQueue.RING_PAD;

    @Test
    @Timeout(10)
    void padSlotsStayEmptyAndElementsKeepTheirOrder() {
        final int capacity = 16;
        SpscArrayQueue<Integer> q = new SpscArrayQueue<>(capacity);
        assertEquals(capacity + 2 * PAD, q.buffer.length, "ring length");
        int next = 0;
        int expected = 0;
        for (int round = 0; round < 5; round++) { // 5 wrap-arounds, ending full each time
            for (int k = 0; k < 2 * capacity && q.offer(next); k++) { // bounded: a broken ring may never fill
                next++;
            }
            assertEquals(capacity, q.size());
            assertPadsEmpty(q);
            for (int s = 0; s < capacity; s++) {
                assertEquals(Integer.valueOf(expected + s), q.buffer[PAD + (int) ((expected + s) & (capacity - 1))],
                        "index " + (expected + s) + " in its slot");
            }
            assertSame(q.peek(), q.buffer[PAD + (expected & (capacity - 1))]);
            for (int k = 0; k < capacity / 2; k++) {
                assertEquals(expected++, q.poll());
            }
            final int[] got = {expected};
            assertEquals(capacity / 2, q.drain(e -> assertEquals(got[0]++, e), capacity));
            expected = got[0];
            final int[] put = {next};
            assertEquals(3, q.fill(() -> put[0]++, 3));
            next = put[0];
            assertPadsEmpty(q);
            for (int k = 0; k < 3; k++) {
                assertEquals(expected++, q.poll());
            }
            assertNull(q.poll());
        }
    }

    private static void assertPadsEmpty(SpscArrayQueue<?> q) {
        Object[] b = q.buffer;
        for (int i = 0; i < PAD; i++) {
            assertNull(b[i], "leading pad slot " + i);
            assertNull(b[b.length - 1 - i], "trailing pad slot " + (b.length - 1 - i));
        }
    }
}
