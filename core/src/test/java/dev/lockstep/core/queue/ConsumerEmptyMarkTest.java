package dev.lockstep.core.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The MPSC queues' consumer-side empty mark (MpscArrayQueue's notes, "Reading the producer index"): a
 * strict poll records the consumer index where it answered "empty", and sets the sign bit when it answers
 * "empty" there again, so that only the first empty poll after an element, and only a caller that spins
 * on "empty", waits on the slot, and an idle queue polled again reads the producer index at once. The
 * mark must move only with an empty answer of a strict poll.
 */
@Timeout(30)
class ConsumerEmptyMarkTest {

    /**
     * A fresh queue answers "empty" at index 0 and marks it; two elements taken and a relaxed poll (which
     * reads no index) leave the mark there.
     */
    private static void freshThenTwoElements(ConcurrentQueue<Integer> q, LongSupplier mark) {
        assertEquals(ArrayQueueBase.NO_EMPTY_MARK, mark.getAsLong(), "no empty answer yet");
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
        assertEquals(2 | Long.MIN_VALUE, q.getPlainConsumerEmptyIndex(),
                "empty again at index 2: the caller spins on the queue (the sign bit)");
        assertNull(q.poll());
        assertEquals(2 | Long.MIN_VALUE, q.getPlainConsumerEmptyIndex());
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
        assertNull(q.poll());
        assertEquals(q.getVolatileProducerIndex() | Long.MIN_VALUE, q.getPlainConsumerEmptyIndex(),
                "empty again where it was: the caller spins on the queue (the sign bit)");
    }

    /**
     * The rule itself: wait on the slot only at an index not yet found empty, and only for a caller seen
     * polling again where it last found the queue empty (a spinner; a parker is not kept in lock-step).
     */
    @Test
    void waitsOnlyForACallerThatSpinsOnEmpty() {
        long spinner = 5 | Long.MIN_VALUE;
        assertEquals(false, ArrayQueueBase.waitsOnSlot(ArrayQueueBase.NO_EMPTY_MARK, 0), "fresh queue");
        assertEquals(false, ArrayQueueBase.waitsOnSlot(5, 6), "empty once at 5: not known to spin");
        assertEquals(true, ArrayQueueBase.waitsOnSlot(spinner, 6), "empty again at 5, then an element");
        assertEquals(false, ArrayQueueBase.waitsOnSlot(spinner, 5), "polled again where it was empty");
        assertEquals(0, ArrayQueueBase.emptyMark(ArrayQueueBase.NO_EMPTY_MARK, 0));
        assertEquals(spinner, ArrayQueueBase.emptyMark(5, 5));
        assertEquals(spinner, ArrayQueueBase.emptyMark(spinner, 5));
        assertEquals(6, ArrayQueueBase.emptyMark(spinner, 6), "a new index clears the sign bit");
    }
}
