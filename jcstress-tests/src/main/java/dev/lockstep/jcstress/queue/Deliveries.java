package dev.lockstep.jcstress.queue;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import dev.lockstep.core.queue.ConcurrentQueue;

/**
 * Records what each consumer actor took, then judges a run: every offered element delivered exactly
 * once, no consumer saw a producer's elements out of order, and the queue still works afterwards (every
 * slot can be used again: {@link #WEDGED}). Elements are small integers; producer {@code k} offers
 * {@code [first_k, last_k]} in increasing order.
 */
final class Deliveries {
    static final int OK = 1;
    static final int LOST = 2;
    static final int DUPLICATED = 3;
    static final int REORDERED = 4;
    /**
     * The race left the queue unusable: after it was drained, one element at a time offered and polled
     * back, over two laps of every slot, was refused or came back wrong. Checked because a slot left in
     * a wrong state is invisible to the counts above: MpmcArrayQueue's removal once handed a consumed
     * slot back as "full" (jcstress MpmcArrayQueueRemovePollTest, 2026-12-01), found only when a later
     * producer of that slot waited forever.
     */
    static final int WEDGED = 5;
    /** The laps of an unbounded queue's check: enough to cross its small test chunks many times. */
    private static final int UNBOUNDED_LAP = 32;

    /** What each consumer took, in order; the arbiter's leftovers last. */
    final List<List<Integer>> taken = new ArrayList<>();

    Deliveries(int consumers) {
        for (int i = 0; i < consumers; i++) {
            taken.add(new ArrayList<>());
        }
    }

    void record(int consumer, Integer e) {
        if (e != null) {
            taken.get(consumer).add(e);
        }
    }

    int takenDuringRace() {
        int n = 0;
        for (List<Integer> t : taken) {
            n += t.size();
        }
        return n;
    }

    /**
     * Drains the rest of {@code q} (the arbiter runs after all actors) and returns the verdict.
     *
     * @param producerOf producerOf[v] is the producer of element v; elements are 1..producerOf.length-1
     */
    int verdict(Queue<Integer> q, int[] producerOf) {
        List<Integer> rest = new ArrayList<>();
        for (Integer e; (e = q.poll()) != null; ) {
            rest.add(e);
        }
        int[] count = new int[producerOf.length];
        List<List<Integer>> all = new ArrayList<>(taken);
        all.add(rest);
        for (List<Integer> t : all) {
            for (int e : t) {
                if (e <= 0 || e >= producerOf.length) {
                    return DUPLICATED; // a value nobody offered: as bad
                }
                count[e]++;
            }
        }
        for (int v = 1; v < count.length; v++) {
            if (count[v] > 1) {
                return DUPLICATED;
            }
            if (count[v] == 0) {
                return LOST;
            }
        }
        // Per producer, each consumer's sequence followed by the leftovers must be increasing: what a
        // consumer took came out in order, and what is left came after everything taken.
        for (List<Integer> t : taken) {
            List<Integer> seq = new ArrayList<>(t);
            seq.addAll(rest);
            int[] last = new int[producerOf.length];
            for (int e : seq) {
                int p = producerOf[e];
                if (e < last[p]) {
                    return REORDERED;
                }
                last[p] = e;
            }
        }
        return q instanceof ConcurrentQueue<Integer> c && !reusable(c) ? WEDGED : OK;
    }

    /**
     * Whether the drained queue takes and gives back one element at a time over two laps of its slots.
     * Relaxed calls: after the race nothing is in flight, so they fail only where the queue is wrong,
     * and a wrong slot makes them answer at once where a strict call could wait forever.
     */
    static boolean reusable(ConcurrentQueue<Integer> q) {
        int n = q.capacity() == ConcurrentQueue.UNBOUNDED ? UNBOUNDED_LAP : 2 * q.capacity();
        for (int i = 0; i < n; i++) {
            Integer e = 1000 + i;
            if (!q.relaxedOffer(e) || q.relaxedPoll() != e) {
                return false;
            }
        }
        return q.relaxedPoll() == null;
    }
}
