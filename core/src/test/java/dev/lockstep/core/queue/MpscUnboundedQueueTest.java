package dev.lockstep.core.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Single-threaded contract of {@link MpscUnboundedQueue}, and its stress run. */
@Timeout(30)
class MpscUnboundedQueueTest {

    @Test
    void rejectsBadChunkSizeNamingTheValue() {
        for (int bad : new int[] {0, -1, Integer.MIN_VALUE, (1 << 30) + 1, Integer.MAX_VALUE}) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new MpscUnboundedQueue<>(bad));
            assertTrue(ex.getMessage().startsWith("chunkSize") && ex.getMessage().endsWith(": " + bad), ex.getMessage());
        }
        assertEquals(2, new MpscUnboundedQueue<>(1).chunkSize());
        assertEquals(1024, new MpscUnboundedQueue<>(1000).chunkSize());
        assertEquals(ConcurrentQueue.UNBOUNDED, new MpscUnboundedQueue<>(8).capacity());
    }

    @Test
    void unboundedFifoAcrossManyChunks() {
        for (int chunk : new int[] {1, 2, 4, 64}) {
            MpscUnboundedQueue<Long> q = new MpscUnboundedQueue<>(chunk);
            for (long i = 0; i < 1000; i++) {
                assertTrue(q.offer(i));
                assertEquals(i + 1, q.size(), "size while filling, chunk " + chunk);
            }
            for (long i = 0; i < 1000; i++) {
                assertEquals(i, q.peek());
                assertEquals(i, q.poll());
                assertEquals(999 - i, q.size());
            }
            assertNull(q.poll());
            assertNull(q.peek());
            assertTrue(q.isEmpty());
        }
    }

    @Test
    void interleavedOfferPollFillDrainKeepOrderAndSize() {
        MpscUnboundedQueue<Long> q = new MpscUnboundedQueue<>(4);
        long[] next = {0};
        long expected = 0;
        List<Long> out = new ArrayList<>();
        for (int round = 0; round < 500; round++) {
            if (round % 3 == 0) {
                assertEquals(round % 7, q.fill(() -> next[0]++, round % 7));
            } else {
                q.offer(next[0]++);
            }
            out.clear();
            if (round % 2 == 0) {
                q.drain(out::add, round % 5);
            } else {
                Long v = (round % 4 == 1) ? q.poll() : q.relaxedPoll();
                if (v != null) {
                    out.add(v);
                }
            }
            for (long v : out) {
                assertEquals(expected++, v);
            }
            assertEquals(next[0] - expected, q.size());
        }
    }

    @Test
    void reusesTheSpareChunkWhenTheConsumerKeepsUp() {
        MpscUnboundedQueue<Long> q = new MpscUnboundedQueue<>(4);
        for (long i = 0; i < 4; i++) { // 3 elements per chunk: crosses into chunk 2, leaving chunk 1 behind
            q.offer(i);
            assertEquals(i, q.poll());
        }
        Object recycled = q.getAcquireSpare(); // package-private accessor of the consumer's fields
        assertTrue(recycled != null, "consumed chunk offered as spare");
        for (long i = 4; i < 8; i++) { // the next switch takes the spare instead of allocating
            q.offer(i);
            assertEquals(i, q.poll());
        }
        assertSame(recycled, q.getAcquireProducerChunk(), "the spare became the producers' chunk");
    }

    @Test
    void rejectsNullsAndBadBatchArguments() {
        MpscUnboundedQueue<Long> q = new MpscUnboundedQueue<>(4);
        assertThrows(NullPointerException.class, () -> q.offer(null));
        assertThrows(NullPointerException.class, () -> q.add(null));
        assertThrows(NullPointerException.class, () -> q.drain(null, 1));
        assertThrows(NullPointerException.class, () -> q.fill(null, 1));
        assertEquals("limit must be >= 0: -1",
                assertThrows(IllegalArgumentException.class, () -> q.drain(x -> { }, -1)).getMessage());
        assertEquals("limit must be >= 0: -2",
                assertThrows(IllegalArgumentException.class, () -> q.fill(() -> 1L, -2)).getMessage());
        assertEquals(0, q.size());
    }

    @Test
    void fillWithNullFromSupplierKeepsEarlierElementsEvenAcrossAChunkSwitch() {
        for (int before = 0; before < 8; before++) {
            MpscUnboundedQueue<Long> q = new MpscUnboundedQueue<>(4);
            for (int i = 0; i < before; i++) {
                q.offer(-1L);
            }
            long[] next = {0};
            assertThrows(NullPointerException.class, () -> q.fill(() -> next[0] < 3 ? next[0]++ : null, 10));
            q.offer(100L);
            List<Long> out = new ArrayList<>();
            for (Long v; (v = q.poll()) != null; ) {
                if (v != -1L) {
                    out.add(v);
                }
            }
            assertEquals(List.of(0L, 1L, 2L, 100L), out, "with " + before + " queued before");
            assertEquals(0, q.size());
        }
    }

    @Test
    void iteratorWalksAcrossChunksAndToStringContainsToArrayFollowIt() {
        MpscUnboundedQueue<Long> q = new MpscUnboundedQueue<>(4); // 3 elements per chunk
        for (long i = 0; i < 11; i++) {
            q.offer(i);
        }
        assertEquals(0L, q.poll());
        assertEquals(1L, q.poll());
        List<Long> seen = new ArrayList<>();
        q.iterator().forEachRemaining(seen::add);
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L), seen);
        assertEquals("[2, 3, 4, 5, 6, 7, 8, 9, 10]", q.toString());
        assertArrayEquals(new Object[] {2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L}, q.toArray());
        assertTrue(q.contains(10L));
        assertFalse(q.contains(1L));
        assertFalse(q.contains(null));
        assertFalse(q.remove(null));
        assertThrows(UnsupportedOperationException.class, () -> q.remove(5L));
        assertThrows(UnsupportedOperationException.class, () -> {
            var it = q.iterator();
            it.next();
            it.remove();
        });
        assertEquals(9, q.size(), "nothing removed");
        for (long i = 2; i < 11; i++) {
            assertEquals(i, q.poll());
        }
        assertEquals("[]", q.toString());
        assertFalse(q.iterator().hasNext());
    }

    @Test
    void stressThreeProducersOneConsumer() throws Exception {
        ArrayQueueStressTest.runStress(new MpscUnboundedQueue<>(16), 3, 1, Integer.MAX_VALUE);
    }
}
