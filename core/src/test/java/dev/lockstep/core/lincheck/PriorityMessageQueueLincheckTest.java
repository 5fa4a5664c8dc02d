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
        public int fillOne(@Param(name = "e") int e) {
            return q.fill(() -> e, 1);
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
}
