package dev.lockstep.core.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The multi-producer queues' consumer-side empty mark (MpscArrayQueue's notes, "Reading the producer
 * index"): a strict poll records the consumer index where it answered "empty", so that only the first
 * empty poll after an element waits on the slot, and an idle queue polled again reads the producer
 * index at once. The mark must move only with an empty answer of a strict poll.
 */
@Timeout(30)
class ConsumerEmptyMarkTest {

    /**
     * A fresh queue answers "empty" at index 0 and marks it; two elements taken and a relaxed poll (which
     * reads no index) leave the mark there.
     */
    private static void freshThenTwoElements(ConcurrentQueue<Integer> q, LongSupplier mark) {
        assertNull(q.poll());
        assertEquals(0, mark.getAsLong(), "fresh queue, empty at index 0");
        q.offer(1);
        q.offer(2);
        assertEquals(1, q.poll());
        assertEquals(0, mark.getAsLong(), "an element does not move the mark");
        assertEquals(2, q.poll());
        assertNull(q.relaxedPoll());
        assertEquals(0, mark.getAsLong(), "a relaxed poll reads no index and marks nothing");
    }

    @Test
    void mpscArrayQueueMarksWhereAStrictPollFoundItEmpty() {
        MpscArrayQueue<Integer> q = new MpscArrayQueue<>(4);
        freshThenTwoElements(q, q::getPlainConsumerEmptyIndex);
        assertNull(q.poll()); // after an element: waits on the slot, then reads the index
        assertEquals(2, q.getPlainConsumerEmptyIndex(), "empty at index 2");
        assertNull(q.poll());
        assertEquals(2, q.getPlainConsumerEmptyIndex());
        for (int lap = 0; lap < 3; lap++) { // across wrap-arounds of the 4-slot ring
            q.offer(10 + lap);
            assertEquals(10 + lap, q.poll());
            assertNull(q.poll());
            assertEquals(3 + lap, q.getPlainConsumerEmptyIndex(), "lap " + lap);
        }
    }

    @Test
    void mpscUnboundedQueueMarksWhereAStrictPollFoundItEmpty() {
        MpscUnboundedQueue<Integer> q = new MpscUnboundedQueue<>(2); // chunks of 2: a switch every slot pair
        freshThenTwoElements(q, q::getPlainConsumerEmptyIndex);
        assertNull(q.poll());
        // The index counts twice per sequence; a chunk switch (the JUMP slot) takes one sequence.
        long mark = q.getPlainConsumerEmptyIndex();
        assertEquals(q.getVolatileProducerIndex(), mark, "empty where the producer index stands");
        assertEquals(true, mark > 0, "the mark moved past index 0: " + mark);
        for (int i = 0; i < 5; i++) {
            q.offer(10 + i);
            assertEquals(10 + i, q.poll());
            assertNull(q.poll());
            assertEquals(q.getVolatileProducerIndex(), q.getPlainConsumerEmptyIndex(), "element " + i);
        }
    }
}
