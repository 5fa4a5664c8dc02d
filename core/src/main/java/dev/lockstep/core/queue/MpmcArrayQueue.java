package dev.lockstep.core.queue;

import dev.lockstep.core.internal.SpinPolicy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A bounded queue for any number of producer and consumer threads, backed by an array: a faster,
 * non-blocking alternative to {@link java.util.concurrent.ArrayBlockingQueue} for hand-off between thread
 * pools.
 *
 * <pre>{@code
 * ConcurrentQueue<Task> q = new MpmcArrayQueue<>(4096);
 * if (!q.offer(task)) reject(task);     // any thread
 * Task t = q.poll();                    // any thread; null when empty
 * }</pre>
 *
 * <p><b>Algorithm.</b> Dmitry Vyukov's bounded MPMC queue (1024cores.net, "Bounded MPMC queue", 2010;
 * also JCTools' {@code MpmcArrayQueue}): each slot carries a sequence number saying which index may use
 * it next. For index {@code i} in slot {@code s = i mod capacity}: {@code seq[s] == i} means "empty,
 * producer of i may write", {@code seq[s] == i + 1} means "full, consumer of i may read"; the consumer
 * then sets {@code seq[s] = i + capacity} for the producer of the next lap. Producers claim an index by
 * compare-and-set on the producer index, consumers on the consumer index; the claimed slot's sequence
 * then hands the slot over. Batch operations claim a whole batch with one compare-and-set.
 *
 * <p><b>Properties.</b> Linearizable FIFO (in index order); no allocation after construction; space: one
 * array of {@link #capacity()} references, one of {@code capacity} longs, the queue object (indices padded inline). Progress:
 * the relaxed methods are lock-free; the strict {@link #offer}/{@link #poll} are lock-free except that a
 * thread that finds a slot claimed by another thread which has not finished with it (preempted between
 * claiming and writing, or claiming and reading) waits for it ({@link SpinPolicy}) rather than report a
 * full or empty queue that is not: the same blocking window as Vyukov's and JCTools' queues. Capacity
 * is rounded up to a power of two, at least 2 (the sequence scheme needs two slots). Null elements are
 * rejected. No iterator (see {@link ArrayQueueBase#iterator()}).
 *
 * @param <E> the element type
 */
public final class MpmcArrayQueue<E> extends ArrayQueueBase<E> {
    /*
     * Implementation notes.
     * - Sequence values only grow per slot: i, i+1, i+capacity, i+capacity+1, ...
     * - The element of a slot is written (plain) by the producer that claimed it, before its release
     *   store of seq = i + 1; read and nulled (plain) by the consumer that claimed it after an acquire
     *   load of seq == i + 1, before its release store of seq = i + capacity; the next producer acquires
     *   that. So every element access is ordered by the slot's sequence (no data race).
     * - A multi-producer fill whose supplier fails after the claim writes FILLER into its remaining
     *   slots; consumers discard FILLER.
     * - BlockingQueueAdapter relies on: offer claims by a volatile CAS of producerIndex and poll says
     *   "empty" only after a volatile read of it; poll claims by a volatile CAS of consumerIndex and
     *   offer says "full" only after a volatile read of it (see ArrayQueueBase).
     */
    private static final VarHandle SEQUENCE = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] sequences;

    /**
     * An empty queue.
     *
     * @param capacity at least 1; rounded up to a power of two, at least 2
     * @throws IllegalArgumentException if {@code capacity <= 0} or {@code capacity > 2^30}
     */
    public MpmcArrayQueue(int capacity) {
        super(capacity, 2);
        long[] seq = new long[this.capacity];
        for (int i = 0; i < seq.length; i++) {
            seq[i] = i;
        }
        this.sequences = seq; // final field: published safely with the queue
    }

    @Override
    public boolean offer(E e) {
        return offer(checkElement(e), false);
    }

    /** Like {@link #offer}, but returns false instead of waiting for a consumer that is still reading. */
    @Override
    public boolean relaxedOffer(E e) {
        return offer(checkElement(e), true);
    }

    private boolean offer(Object e, boolean relaxed) {
        final long[] sequences = this.sequences;
        final int mask = this.mask; // both rings have capacity slots
        int step = 0;
        while (true) {
            final long p = getVolatileProducerIndex(); // volatile: fresh value for the CAS below
            final int s = (int) p & mask;
            // Acquire: seeing seq == p means the last consumer of this slot has finished with it.
            final long seq = (long) SEQUENCE.getAcquire(sequences, s);
            if (seq == p) {
                if (compareAndSetProducerIndex(p, p + 1)) { // volatile CAS: index p is ours alone
                    ELEMENT.set(buffer, s, e); // plain: the slot is ours until the release below
                    SEQUENCE.setRelease(sequences, s, p + 1); // release: element visible before "full"
                    return true;
                }
            } else if (seq < p) { // slot still holds index p - capacity
                // Volatile: full only if no consumer has even claimed p - capacity.
                if (relaxed || p - capacity >= getVolatileConsumerIndex()) {
                    return false;
                }
                step = SpinPolicy.idle(step); // a consumer claimed it and is reading: wait for it
            }
            // seq > p: another producer took p; retry with a fresh index
        }
    }

    @Override
    public E poll() {
        return poll(false);
    }

    /** Like {@link #poll}, but returns null instead of waiting for a producer that is still writing. */
    @Override
    public E relaxedPoll() {
        return poll(true);
    }

    @SuppressWarnings("unchecked")
    private E poll(boolean relaxed) {
        final long[] sequences = this.sequences;
        final int mask = this.mask; // both rings have capacity slots
        int step = 0;
        while (true) {
            final long c = getVolatileConsumerIndex(); // volatile: fresh value for the CAS below
            final int s = (int) c & mask;
            // Acquire: seeing seq == c + 1 means the producer's element store is visible.
            final long seq = (long) SEQUENCE.getAcquire(sequences, s);
            if (seq == c + 1) {
                if (compareAndSetConsumerIndex(c, c + 1)) { // volatile CAS: index c is ours alone
                    final Object e = ELEMENT.get(buffer, s); // plain: ordered by the acquire above
                    ELEMENT.set(buffer, s, null); // plain: published by the release below
                    // Release: our read and the null are done before the next producer takes the slot.
                    SEQUENCE.setRelease(sequences, s, c + capacity);
                    if (e == FILLER) {
                        continue;
                    }
                    return (E) e;
                }
            } else if (seq < c + 1) { // index c not produced yet
                // Volatile: empty only if no producer has claimed c.
                if (relaxed || c >= getVolatileProducerIndex()) {
                    return null;
                }
                step = SpinPolicy.idle(step); // a producer claimed c and is writing: wait for it
            }
            // seq > c + 1: another consumer took c; retry
        }
    }

    @Override
    public E peek() {
        return peek(false);
    }

    /** Like {@link #peek}, but returns null instead of waiting for a producer that is still writing. */
    @Override
    public E relaxedPeek() {
        return peek(true);
    }

    @SuppressWarnings("unchecked")
    private E peek(boolean relaxed) {
        final long[] sequences = this.sequences;
        final int mask = this.mask; // both rings have capacity slots
        int step = 0;
        while (true) {
            final long c = getVolatileConsumerIndex();
            final int s = (int) c & mask;
            final long seq = (long) SEQUENCE.getAcquire(sequences, s); // acquire: as in poll
            if (seq == c + 1) {
                // Acquire: keeps the re-check of the index below after this read.
                final Object e = ELEMENT.getAcquire(buffer, s);
                if (getVolatileConsumerIndex() == c) { // nobody took c meanwhile: e is the head
                    if (e != FILLER) {
                        return (E) e;
                    }
                    discardFiller(c, s); // a filler at the head: remove it, then look again
                }
            } else if (seq < c + 1) {
                if (relaxed || c >= getVolatileProducerIndex()) {
                    return null;
                }
                step = SpinPolicy.idle(step);
            }
        }
    }

    private void discardFiller(long c, int s) {
        if (compareAndSetConsumerIndex(c, c + 1)) {
            ELEMENT.set(buffer, s, null); // plain: published by the release below
            SEQUENCE.setRelease(sequences, s, c + capacity); // release: as in poll
        }
    }

    /**
     * Removes up to {@code limit} elements: claims the batch (at most what producers have claimed) with
     * one compare-and-set of the consumer index, then takes each slot as its producer completes it.
     * If {@code consumer} throws, the rest of the claimed batch is still removed (so that producers are
     * not blocked on it) and discarded: those elements are lost.
     */
    @Override
    @SuppressWarnings("unchecked")
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        if (limit == 0) {
            return 0;
        }
        final long[] sequences = this.sequences;
        final int mask = this.mask; // both rings have capacity slots
        long c;
        int n;
        do {
            c = getVolatileConsumerIndex();
            // Volatile: the claim must not exceed what producers have claimed.
            n = (int) Math.min(limit, getVolatileProducerIndex() - c);
            if (n <= 0) {
                return 0;
            }
        } while (!compareAndSetConsumerIndex(c, c + n)); // volatile CAS: indices c .. c+n-1 are ours
        int k = 0;
        int delivered = 0;
        try {
            for (; k < n; k++) {
                final Object e = take(sequences, mask, c + k);
                if (e != FILLER) {
                    delivered++;
                    consumer.accept((E) e);
                }
            }
        } finally {
            for (k++; k < n; k++) { // only after a throw: free the rest of our claim
                take(sequences, mask, c + k);
            }
        }
        return delivered;
    }

    /** Takes claimed index i: waits for its producer to finish, then empties the slot. */
    private Object take(long[] sequences, int mask, long i) {
        final int s = (int) i & mask;
        int step = 0;
        // Acquire: the producer's element store is visible once seq == i + 1.
        while ((long) SEQUENCE.getAcquire(sequences, s) != i + 1) {
            step = SpinPolicy.idle(step);
        }
        final Object e = ELEMENT.get(buffer, s); // plain: ordered by the acquire above
        ELEMENT.set(buffer, s, null);
        SEQUENCE.setRelease(sequences, s, i + capacity); // release: as in poll
        return e;
    }

    /**
     * Inserts up to {@code limit} elements: claims the batch (at most the free space seen) with one
     * compare-and-set of the producer index, then fills each slot as its consumer frees it. If
     * {@code supplier} throws or returns null, the claimed slots not yet filled are filled with an
     * internal marker that consumers skip (so they are not blocked on them), and the exception is
     * rethrown; the elements supplied before stay inserted.
     */
    @Override
    public int fill(Supplier<? extends E> supplier, int limit) {
        checkLimit(supplier, limit);
        if (limit == 0) {
            return 0;
        }
        final long[] sequences = this.sequences;
        final int mask = this.mask; // both rings have capacity slots
        long p;
        int n;
        do {
            p = getVolatileProducerIndex();
            // Volatile: the claim must stay within capacity of what consumers have claimed.
            n = (int) Math.min(limit, capacity - (p - getVolatileConsumerIndex()));
            if (n <= 0) {
                return 0;
            }
        } while (!compareAndSetProducerIndex(p, p + n)); // volatile CAS: indices p .. p+n-1 are ours
        int k = 0;
        try {
            for (; k < n; k++) {
                put(sequences, mask, p + k, checkElement(supplier.get()));
            }
        } finally {
            for (; k < n; k++) { // only after a throw: complete our claim with fillers
                put(sequences, mask, p + k, FILLER);
            }
        }
        return n;
    }

    /** Writes claimed index i: waits for its slot's last consumer to finish, then fills it. */
    private void put(long[] sequences, int mask, long i, Object e) {
        final int s = (int) i & mask;
        int step = 0;
        // Acquire: the last consumer's read and null store are done once seq == i.
        while ((long) SEQUENCE.getAcquire(sequences, s) != i) {
            step = SpinPolicy.idle(step);
        }
        ELEMENT.set(buffer, s, e); // plain: the slot is ours until the release below
        SEQUENCE.setRelease(sequences, s, i + 1); // release: element visible before "full"
    }
}
