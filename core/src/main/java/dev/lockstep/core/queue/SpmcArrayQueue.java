package dev.lockstep.core.queue;

import dev.lockstep.core.internal.SpinPolicy;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A bounded queue for exactly one producer thread and any number of consumer threads, backed by an
 * array: one dispatcher feeding a pool of workers.
 *
 * <pre>{@code
 * ConcurrentQueue<Job> jobs = new SpmcArrayQueue<>(1024);
 * while (!jobs.offer(job)) Thread.onSpinWait();   // the one producer thread
 * Job j = jobs.poll();                            // any worker; null when empty
 * }</pre>
 *
 * <p><b>Threads.</b> At most one thread at a time may call the producer methods ({@code offer},
 * {@code add}, {@code relaxedOffer}, {@code fill}); any thread the consumer methods ({@code poll},
 * {@code peek}, {@code drain}, ...). {@link #size()}, {@link #isEmpty()}, {@link #capacity()}: any thread.
 *
 * <p><b>Algorithm.</b> As JCTools' {@code SpmcArrayQueue}: consumers claim an index by compare-and-set
 * on the consumer index, checked against a shared cache of the producer index (refreshed only when
 * reached); the producer publishes elements by a release store of the producer index. Slots are freed
 * by the consumer's null store, and the producer treats a non-null slot as full (FastForward,
 * Giacomoni et al., PPoPP 2008), so it never has to know which consumer is still reading. {@link #drain}
 * claims its whole batch with one compare-and-set.
 *
 * <p><b>Properties.</b> FIFO; consumers lock-free (a compare-and-set fails only because another
 * consumer succeeded); the producer's strict {@link #offer} waits (per {@link SpinPolicy}) when the
 * next slot is claimed by a consumer that has not yet emptied it, rather than report a full queue that
 * is not; {@link #relaxedOffer} returns false instead. No allocation after construction; space: one
 * array of {@link #capacity()} references plus the queue object (indices padded inline). Capacity is rounded up to a power
 * of two. Null elements are rejected. No iterator (see {@link ArrayQueueBase#iterator()}).
 *
 * @param <E> the element type
 */
public final class SpmcArrayQueue<E> extends ArrayQueueBase<E> {
    /*
     * Implementation notes.
     * - The producer writes slot i (plain) only when it holds null, seen with an acquire load that
     *   pairs with the release null store of the consumer that emptied it; it then publishes i with a
     *   release store of producerIndex = i + 1.
     * - A consumer claims i only after an acquire read of a producer index > i, directly or through
     *   producerIndexCache (written with release after such an acquire read: a happens-before chain to
     *   the producer's element store). It reads the element plain, then frees the slot (release null).
     * - producerIndexCache is the inherited consumer-side field consumerLimit.
     *   producerIndexCache <= producerIndex always; a racing consumer may store an older value: only a
     *   refresh more.
     * - BlockingQueueAdapter relies on: poll claims by a volatile CAS of consumerIndex, and offer says
     *   "full" only after a volatile read of it (see ArrayQueueBase).
     */

    /**
     * An empty queue.
     *
     * @param capacity at least 1; rounded up to a power of two
     * @throws IllegalArgumentException if {@code capacity <= 0} or {@code capacity > 2^30}
     */
    public SpmcArrayQueue(int capacity) {
        super(capacity, 1);
    }

    @Override
    public boolean offer(E e) {
        return offer(checkElement(e), false);
    }

    /** Like {@link #offer}, but returns false when the slot is claimed by a consumer still reading it. */
    @Override
    public boolean relaxedOffer(E e) {
        return offer(checkElement(e), true);
    }

    private boolean offer(Object e, boolean relaxed) {
        final Object[] buffer = this.buffer;
        final long p = getPlainProducerIndex(); // plain: only the producer writes it
        final int i = (int) p & mask;
        // Acquire: a null seen here was stored (release) by the consumer after it read the old element.
        if (ELEMENT.getAcquire(buffer, i) != null) {
            // Volatile: really full only if no consumer has claimed index p - capacity yet.
            if (relaxed || p - capacity >= getVolatileConsumerIndex()) {
                return false;
            }
            awaitEmpty(buffer, i);
        }
        ELEMENT.set(buffer, i, e); // plain: published by the release below
        setReleaseProducerIndex(p + 1); // release: element visible before the index
        return true;
    }

    private static void awaitEmpty(Object[] buffer, int i) {
        int step = 0;
        while (ELEMENT.getAcquire(buffer, i) != null) { // acquire: as in offer
            step = SpinPolicy.idle(step);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public E poll() {
        final Object[] buffer = this.buffer;
        long c;
        do {
            c = getVolatileConsumerIndex(); // volatile: fresh value for the CAS
            if (c >= getAcquireConsumerLimit()) { // acquire: see the class notes (producerIndexCache)
                final long p = getAcquireProducerIndex(); // acquire: elements below p are visible
                if (c >= p) {
                    return null;
                }
                setReleaseConsumerLimit(p); // release: hands the chain on to other consumers
            }
        } while (!compareAndSetConsumerIndex(c, c + 1)); // volatile CAS: index c is ours alone
        final int i = (int) c & mask;
        final Object e = ELEMENT.get(buffer, i); // plain: ordered by the acquire of the producer index
        // Release: our read is done before the producer can see the slot empty and reuse it.
        ELEMENT.setRelease(buffer, i, null);
        return (E) e;
    }

    /** The same as {@link #poll} (it never waits). */
    @Override
    public E relaxedPoll() {
        return poll();
    }

    @Override
    @SuppressWarnings("unchecked")
    public E peek() {
        final Object[] buffer = this.buffer;
        while (true) {
            final long c = getVolatileConsumerIndex(); // volatile: read before the element
            if (c >= getAcquireProducerIndex()) { // acquire: elements below the index are visible
                return null;
            }
            // Acquire: keeps the re-check of the consumer index below after this read.
            final Object e = ELEMENT.getAcquire(buffer, (int) c & mask);
            if (e != null && getVolatileConsumerIndex() == c) { // nobody took c meanwhile: e is the head
                return (E) e;
            }
        }
    }

    /** The same as {@link #peek}. */
    @Override
    public E relaxedPeek() {
        return peek();
    }

    /**
     * Removes up to {@code limit} elements: claims the batch (at most what is published) with one
     * compare-and-set of the consumer index. If {@code consumer} throws, the rest of the claimed batch
     * is still removed (the producer would otherwise wait on those slots) and discarded: those elements
     * are lost.
     */
    @Override
    @SuppressWarnings("unchecked")
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        if (limit == 0) {
            return 0;
        }
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        long c;
        int n;
        do {
            c = getVolatileConsumerIndex(); // volatile: fresh value for the CAS
            // Acquire: elements below the producer index are visible.
            n = (int) Math.min(limit, getAcquireProducerIndex() - c);
            if (n <= 0) {
                return 0;
            }
        } while (!compareAndSetConsumerIndex(c, c + n)); // volatile CAS: indices c .. c+n-1 are ours
        int k = 0;
        try {
            for (; k < n; k++) {
                final int i = (int) (c + k) & mask;
                final Object e = ELEMENT.get(buffer, i); // plain: ordered by the acquire above
                ELEMENT.setRelease(buffer, i, null); // release: as in poll
                consumer.accept((E) e);
            }
        } finally {
            for (k++; k < n; k++) { // only after a throw: free the rest of our claim
                ELEMENT.setRelease(buffer, (int) (c + k) & mask, null);
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
        // Volatile: indices below the consumer index are claimed; their slots empty soon (awaitEmpty).
        final int n = (int) Math.min(limit, capacity - (p - getVolatileConsumerIndex()));
        int done = 0;
        try {
            while (done < n) {
                final int i = (int) (p + done) & mask;
                final Object e = checkElement(supplier.get());
                if (ELEMENT.getAcquire(buffer, i) != null) { // acquire: as in offer
                    awaitEmpty(buffer, i); // claimed by a consumer that has not yet emptied it
                }
                ELEMENT.set(buffer, i, e); // plain: published by the release in finally
                done++;
            }
        } finally {
            if (done > 0) {
                setReleaseProducerIndex(p + done); // release: the batch's elements before the index
            }
        }
        return done;
    }
}
