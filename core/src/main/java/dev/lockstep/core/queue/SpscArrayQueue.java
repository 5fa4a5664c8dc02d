package dev.lockstep.core.queue;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A bounded, lock-free, wait-free queue for exactly one producer thread and one consumer thread,
 * backed by an array: the fastest way to hand objects from one thread to another.
 *
 * <pre>{@code
 * ConcurrentQueue<Order> q = new SpscArrayQueue<>(1024);
 * // producer thread                       // consumer thread
 * while (!q.offer(order)) {                 Order o = q.poll();   // null when empty
 *     Thread.onSpinWait();                  if (o != null) handle(o);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> At most one thread at a time may call the producer methods ({@code offer},
 * {@code add}, {@code relaxedOffer}, {@code fill}) and at most one the consumer methods ({@code poll},
 * {@code remove()}, {@code peek}, {@code element}, {@code relaxed*}, {@code drain}, {@code clear});
 * {@link #size()}, {@link #isEmpty()}, {@link #capacity()} are safe from any thread. Breaking this
 * loses or duplicates elements.
 *
 * <p><b>Algorithm.</b> Lamport's single-producer single-consumer ring (L. Lamport, <i>Specifying
 * Concurrent Program Modules</i>, TOPLAS 1983), with the refinements that keep each side off the other
 * side's cache lines: the slots themselves are the full/empty flags (null = empty), so the consumer
 * never reads the producer index (Giacomoni, Moseley, Vachharajani, <i>FastForward for Efficient
 * Pipeline Parallelism</i>, PPoPP 2008); and the producer, instead of checking each slot, probes the
 * slot a batch ahead and caches the resulting limit, re-probing only when it reaches it (Wang et al.,
 * <i>B-Queue: Efficient and Practical Queuing for Fast Core-to-Core Communication</i>, IJPP 2013; the
 * same "look-ahead" as JCTools' {@code SpscArrayQueue}). The indices are still published (release
 * stores) for {@link #size()} and the batch operations.
 *
 * <p><b>Properties.</b> FIFO; every operation wait-free (no loop depends on the other thread);
 * {@code relaxed*} are the same as the strict methods (nothing here can fail spuriously); no allocation
 * after construction; space: one array of {@link #capacity()} references plus the queue object (its
 * indices padded inline, about 450 bytes).
 * Capacity is rounded up to a power of two ({@code new SpscArrayQueue<>(1000).capacity() == 1024}).
 * Null elements are rejected. No iterator (see {@link ArrayQueueBase#iterator()}).
 *
 * @param <E> the element type
 */
public final class SpscArrayQueue<E> extends ArrayQueueBase<E> {
    /*
     * Implementation notes.
     * - Slot i is empty iff it holds null. The producer writes only empty slots, the consumer only
     *   empties full ones; each hands a slot to the other with a release store that the other reads
     *   with an acquire load (element visible before its slot is seen full; the consumer's read of the
     *   old element happens before the producer overwrites it).
     * - producerLimit (inherited field): an index below which every slot is known to be empty
     *   (producer-owned, plain).
     *   If slot (p + lookAhead) is empty, then so are p .. p + lookAhead - 1: the consumer empties slots
     *   in index order, and the single producer has filled every index below p.
     */
    private static final int MAX_LOOK_AHEAD = 4096;

    private final int lookAhead;

    /**
     * An empty queue.
     *
     * @param capacity at least 1; rounded up to a power of two
     * @throws IllegalArgumentException if {@code capacity <= 0} or {@code capacity > 2^30}
     */
    public SpscArrayQueue(int capacity) {
        super(capacity, 1);
        this.lookAhead = Math.max(1, Math.min(this.capacity / 4, MAX_LOOK_AHEAD));
    }

    @Override
    public boolean offer(E e) {
        checkElement(e);
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        final long p = getPlainProducerIndex(); // plain: only the producer writes it
        // Plain: producerLimit is producer-owned.
        if (p >= getPlainProducerLimit() && !refreshLimit(buffer, mask, p)) {
            return false;
        }
        // Release: the element's own fields are visible before the consumer can see the slot full.
        ELEMENT.setRelease(buffer, (int) p & mask, e);
        // Release: for size() only (the consumer reads slots, not this index).
        setReleaseProducerIndex(p + 1);
        return true;
    }

    /** Slow path: probe a batch ahead, then the very next slot; false when the queue is full. */
    private boolean refreshLimit(Object[] buffer, int mask, long p) {
        // Acquire: a null seen here was stored (release) by the consumer after it read the old element.
        if (ELEMENT.getAcquire(buffer, (int) (p + lookAhead) & mask) == null) {
            setPlainProducerLimit(p + lookAhead); // plain: producer-owned
            return true;
        }
        if (ELEMENT.getAcquire(buffer, (int) p & mask) == null) { // acquire: as above
            setPlainProducerLimit(p + 1); // plain: producer-owned
            return true;
        }
        return false;
    }

    /** The same as {@link #offer}: this queue has no spurious failures. */
    @Override
    public boolean relaxedOffer(E e) {
        return offer(e);
    }

    @Override
    @SuppressWarnings("unchecked")
    public E poll() {
        final Object[] buffer = this.buffer;
        final long c = getPlainConsumerIndex(); // plain: only the consumer writes it
        final int i = (int) c & mask;
        // Acquire: pairs with the producer's release store of the element (element visible before seen).
        final Object e = ELEMENT.getAcquire(buffer, i);
        if (e == null) {
            return null;
        }
        // Release: our read of e is done before the producer can see the slot empty and overwrite it.
        ELEMENT.setRelease(buffer, i, null);
        // Release: the slot is empty (the store above) before the index says so (fill and size rely on it).
        setReleaseConsumerIndex(c + 1);
        return (E) e;
    }

    /** The same as {@link #poll}. */
    @Override
    public E relaxedPoll() {
        return poll();
    }

    @Override
    @SuppressWarnings("unchecked")
    public E peek() {
        // Acquire: as in poll; plain index read: consumer-owned.
        return (E) ELEMENT.getAcquire(buffer, (int) getPlainConsumerIndex() & mask);
    }

    /** The same as {@link #peek}. */
    @Override
    public E relaxedPeek() {
        return peek();
    }

    /**
     * Removes up to {@code limit} elements, publishing the consumer index once for the whole batch.
     * If {@code consumer} throws, the elements handed over so far (including the one it threw on) are
     * removed and the rest stay queued.
     */
    @Override
    @SuppressWarnings("unchecked")
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        final long c = getPlainConsumerIndex(); // plain: consumer-owned
        int n = 0;
        try {
            while (n < limit) {
                final int i = (int) (c + n) & mask;
                final Object e = ELEMENT.getAcquire(buffer, i); // acquire: as in poll
                if (e == null) {
                    break;
                }
                ELEMENT.setRelease(buffer, i, null); // release: as in poll (the producer polls slots)
                n++;
                consumer.accept((E) e);
            }
        } finally {
            if (n > 0) {
                setReleaseConsumerIndex(c + n); // release: the batch's slots are empty before this
            }
        }
        return n;
    }

    /**
     * Inserts up to {@code limit} elements, publishing the producer index once for the whole batch. If
     * {@code supplier} throws or returns null, the elements supplied before stay inserted.
     */
    @Override
    public int fill(Supplier<? extends E> supplier, int limit) {
        checkLimit(supplier, limit);
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        final long p = getPlainProducerIndex(); // plain: producer-owned
        // Acquire: every slot below the consumer index was emptied (release) before the index was stored.
        final long free = capacity - (p - getAcquireConsumerIndex());
        final int n = (int) Math.min(limit, free);
        int done = 0;
        try {
            while (done < n) {
                // Release: element visible before the consumer sees the slot full.
                ELEMENT.setRelease(buffer, (int) (p + done) & mask, checkElement(supplier.get()));
                done++;
            }
        } finally {
            if (done > 0) {
                setReleaseProducerIndex(p + done); // release: for size(); the slots carry the elements
            }
        }
        return done;
    }
}
