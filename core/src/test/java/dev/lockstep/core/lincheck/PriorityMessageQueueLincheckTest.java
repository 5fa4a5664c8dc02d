package dev.lockstep.core.lincheck;

import dev.lockstep.core.queue.PriorityMessageQueue;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Linearizability of {@link PriorityMessageQueue} (capacity {@value #CAPACITY}; the priority of
 * element {@code e} is {@code e % 2}, so 1 and 3 outrank 2 and 4), in Lincheck's stress and
 * model-checking modes, any number of producers and consumers (three threads).
 *
 * <p><b>Sequential specification</b> ({@link Spec}): a list bounded to the capacity; {@code offer}
 * appends (fails when full); {@code poll}/{@code peek} take the oldest element of the highest priority
 * present; {@code drainOne}/{@code drainToOne} ({@code drain(consumer, 1)}, {@code drainTo(list, 1)})
 * are a poll and {@code fillOne} ({@code fill(() -> e, 1)}) an offer: the queue's batches poll, or
 * reserve and insert, one element at a time, so a batch of more is not one atomic operation (Lincheck
 * showed a {@code remainingCapacity()} between the two insertions of a {@code fill(e, 2)});
 *
 * <p><b>What is checked with what</b>: {@link Pmq} checks every operation but {@code fill} against
 * every other, drains included (a drain takes its message as a poll does; its consumer runs with no
 * reservation held). {@link PmqFill} checks {@code fillOne} against {@code offer}, {@code size} and
 * {@code remainingCapacity} only: a {@code fill} reserves its slot before calling its supplier (user
 * code), and a consumer answers from the messages present, without the one being supplied, instead of
 * waiting for the supplier, so {@code fill} is NOT linearizable against any consumer operation
 * ({@code poll}, {@code peek}, {@code drain}, {@code contains}, {@code remove}; e.g. {@code size()} 1
 * and {@code peek()} null in the same state). Its contents guarantees (exactly once, nothing lost
 * when the supplier throws) are {@code BlockingQueueCallbackTest}'s. Calling the supplier before reserving would lose its
 * message whenever producers fill the queue meanwhile; the queue keeps "never wait on user code" and
 * "never lose" and states this limit instead (class javadoc, README).
 * {@code remove(e)} removes one
 * occurrence, {@code contains(e)}; {@code size}, {@code remainingCapacity}; relaxed operations and the
 * zero-timeout {@code offer}/{@code poll} are the strict ones (relaxed attempt, else strict).
 */
class PriorityMessageQueueLincheckTest {
    static final int CAPACITY = 2;

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Pmq {
        private final PriorityMessageQueue<Integer> q = new PriorityMessageQueue<>(CAPACITY, e -> e % 2);

        @Operation
        public boolean offer(@Param(name = "e") int e) {
            return q.offer(e);
        }

        @Operation
        public boolean relaxedOffer(@Param(name = "e") int e) {
            return q.relaxedOffer(e) || q.offer(e);
        }

        @Operation
        public boolean offerNoWait(@Param(name = "e") int e) throws InterruptedException {
            return q.offer(e, 0, TimeUnit.NANOSECONDS);
        }

        @Operation
        public Integer poll() {
            return q.poll();
        }

        @Operation
        public Integer relaxedPoll() {
            Integer e = q.relaxedPoll();
            return e != null ? e : q.poll();
        }

        @Operation
        public Integer pollNoWait() throws InterruptedException {
            return q.poll(0, TimeUnit.NANOSECONDS);
        }

        @Operation
        public Integer peek() {
            return q.peek();
        }

        @Operation
        public Integer relaxedPeek() {
            Integer e = q.relaxedPeek();
            return e != null ? e : q.peek();
        }

        @Operation
        public List<Integer> drainOne() {
            List<Integer> out = new ArrayList<>();
            int n = q.drain(out::add, 1);
            if (n != out.size()) {
                throw new AssertionError("drain returned " + n + " but handed over " + out);
            }
            return out;
        }

        @Operation
        public List<Integer> drainToOne() {
            List<Integer> out = new ArrayList<>();
            int n = q.drainTo(out, 1);
            if (n != out.size()) {
                throw new AssertionError("drainTo returned " + n + " but added " + out);
            }
            return out;
        }

        @Operation
        public boolean remove(@Param(name = "e") int e) {
            return q.remove(e);
        }

        @Operation
        public boolean contains(@Param(name = "e") int e) {
            return q.contains(e);
        }

        @Operation
        public int size() {
            return q.size();
        }

        @Operation
        public int remainingCapacity() {
            return q.remainingCapacity();
        }
    }

    /**
     * {@code fill} against the operations it is linearizable with: the producers' {@code offer} and the
     * counts {@code size}/{@code remainingCapacity}. A {@code fill} in progress holds a reserved slot
     * that counts in {@code size()} and fails a strict {@code offer}, but holds no message yet, so no
     * consumer operation is linearizable with it: a strict {@code poll}/{@code peek} answers "empty"
     * there rather than wait for the supplier (user code), and one that asks again while
     * {@code size() > 0} is not enough either, since the message being supplied may outrank the ones it
     * returns meanwhile (Lincheck: {@code offer(2)} false, then {@code peek()} 2 while {@code fill} of the
     * higher-priority 3 had already made the queue full).
     */
    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class PmqFill {
        private final PriorityMessageQueue<Integer> q = new PriorityMessageQueue<>(CAPACITY, e -> e % 2);

        @Operation
        public int fillOne(@Param(name = "e") int e) {
            return q.fill(() -> e, 1);
        }

        @Operation
        public boolean offer(@Param(name = "e") int e) {
            return q.offer(e);
        }

        @Operation
        public int size() {
            return q.size();
        }

        @Operation
        public int remainingCapacity() {
            return q.remainingCapacity();
        }
    }

    /** Highest priority first, FIFO within a priority, bounded to {@value #CAPACITY}. */
    public static class Spec {
        private final List<Integer> items = new ArrayList<>();

        private static int priority(int e) {
            return e % 2;
        }

        private int headIndex() {
            int best = -1;
            for (int i = 0; i < items.size(); i++) {
                if (best < 0 || priority(items.get(i)) > priority(items.get(best))) {
                    best = i;
                }
            }
            return best;
        }

        public boolean offer(int e) {
            return items.size() < CAPACITY && items.add(e);
        }

        public boolean relaxedOffer(int e) {
            return offer(e);
        }

        public boolean offerNoWait(int e) {
            return offer(e);
        }

        public Integer poll() {
            int h = headIndex();
            return h < 0 ? null : items.remove(h);
        }

        public Integer relaxedPoll() {
            return poll();
        }

        public Integer pollNoWait() {
            return poll();
        }

        public Integer peek() {
            int h = headIndex();
            return h < 0 ? null : items.get(h);
        }

        public Integer relaxedPeek() {
            return peek();
        }

        private List<Integer> drain(int limit) {
            List<Integer> out = new ArrayList<>();
            while (out.size() < limit && !items.isEmpty()) {
                out.add(poll());
            }
            return out;
        }

        public List<Integer> drainOne() {
            return drain(1);
        }

        public List<Integer> drainToOne() {
            return drain(1);
        }

        public int fillOne(int e) {
            return offer(e) ? 1 : 0;
        }

        public boolean remove(int e) {
            return items.remove(Integer.valueOf(e));
        }

        public boolean contains(int e) {
            return items.contains(e);
        }

        public int size() {
            return items.size();
        }

        public int remainingCapacity() {
            return CAPACITY - items.size();
        }
    }

    @Test
    void stress() {
        LincheckSupport.stress(Pmq.class, Spec.class, 3);
    }

    @Test
    void modelChecking() {
        LincheckSupport.modelCheck(Pmq.class, Spec.class, 3);
    }

    @Test
    void fillStress() {
        LincheckSupport.stress(PmqFill.class, Spec.class, 3);
    }

    @Test
    void fillModelChecking() {
        LincheckSupport.modelCheck(PmqFill.class, Spec.class, 3);
    }

    /**
     * Not Lincheck: a {@code drain} consumer that throws after producers refilled the slot its message
     * freed. The message is put back (nothing lost), at the head of its priority, and the queue holds
     * one more than its capacity until a consumer takes one; meanwhile the refill itself was possible
     * (the drain held no reservation).
     */
    @Test
    void drainPutBackIntoRefilledQueueLosesNothing() {
        PriorityMessageQueue<Integer> q = new PriorityMessageQueue<>(CAPACITY, e -> e % 2);
        q.offer(1);
        q.offer(3);
        boolean[] refilled = new boolean[1];
        RuntimeException boom = new RuntimeException("consumer");
        RuntimeException thrown = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> q.drain(e -> {
                    refilled[0] = q.offer(5); // the drained message's slot is free while we run
                    throw boom;
                }, 1));
        org.junit.jupiter.api.Assertions.assertSame(boom, thrown);
        org.junit.jupiter.api.Assertions.assertTrue(refilled[0], "offer during the consumer: slot free");
        org.junit.jupiter.api.Assertions.assertEquals(3, q.size());
        org.junit.jupiter.api.Assertions.assertEquals(0, q.remainingCapacity());
        org.junit.jupiter.api.Assertions.assertFalse(q.offer(7), "over capacity: strict offer fails");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(1, 3, 5), List.of(q.poll(), q.poll(), q.poll()));
        org.junit.jupiter.api.Assertions.assertNull(q.poll());
        org.junit.jupiter.api.Assertions.assertTrue(q.offer(2) && q.offer(4), "usable at capacity again");
        org.junit.jupiter.api.Assertions.assertFalse(q.offer(6));
    }
}
