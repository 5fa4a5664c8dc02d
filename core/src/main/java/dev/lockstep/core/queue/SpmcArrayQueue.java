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
 * claims one index per element and empties the slot before its handler runs; {@link #fill} inserts one
 * element at a time, after its supplier returned it.
 *
 * <p><b>Properties.</b> FIFO; consumers lock-free (a compare-and-set fails only because another
 * consumer succeeded); the producer's strict {@link #offer} waits (per {@link SpinPolicy}) when the
 * next slot is claimed by a consumer that has not yet emptied it, rather than report a full queue that
 * is not: the one wait that remains, a consumer's few instructions between its claim and its null store
 * (never user code: {@link #drain} empties each slot before its handler runs). {@link #relaxedOffer}
 * returns false instead. No allocation after construction; space: one array of {@link #capacity()}
 * references plus the queue object (indices padded inline). Capacity is rounded up to a power of two.
 * Null elements are rejected.
 *
 * <p><b>Iteration.</b> Weakly consistent iterator ({@link ArrayQueueBase}); no removal from the
 * middle ({@code remove(Object)} and {@code Iterator.remove()} throw
 * {@link UnsupportedOperationException}): consumers read the element of their claimed slot plainly,
 * which a removal would race unless every poll paid an atomic read-modify-write.
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
     * Removes up to {@code limit} elements, one claim (compare-and-set of the consumer index) per element:
     * each slot is emptied before its element is passed to {@code consumer}, so the consumer may
     * re-enter the queue (even offer, when this thread is the producer) and nothing is held while it
     * runs. If {@code consumer} throws, the elements handed over so far (including the one it threw on)
     * are removed and the rest stay queued; the exception propagates.
     */
    @Override
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        int n = 0;
        while (n < limit) {
            final E e = poll(); // claims one index and empties its slot before returning
            if (e == null) {
                break;
            }
            n++;
            consumer.accept(e);
        }
        return n;
    }

    /**
     * Inserts up to {@code limit} elements, stopping when the queue is full; calls {@code supplier} only
     * when there is room for its element, and inserts (and publishes) each element before calling it
     * again, so the supplier may re-enter the queue from this thread. If {@code supplier} throws or
     * returns null, the elements supplied before stay inserted and the exception propagates.
     *
     * @throws IllegalStateException if the supplier itself filled the queue (re-entrant offers) and left
     *                               no room for the element it returned; that element is not inserted
     */
    @Override
    public int fill(Supplier<? extends E> supplier, int limit) {
        checkLimit(supplier, limit);
        int done = 0;
        while (done < limit) {
            final long p = getPlainProducerIndex(); // plain: producer-owned
            // Volatile: as in offer; index p - capacity not yet claimed by a consumer means full.
            if (p - capacity >= getVolatileConsumerIndex()) {
                break;
            }
            final E e = checkElement(supplier.get());
            // Strict offer: may wait for a consumer's few instructions between its claim and its null store.
            if (!offer(e, false)) { // only the supplier's own offers can have used the room seen above
                throw new IllegalStateException("fill: the supplier filled the queue itself (re-entrant offer)"
                        + " and left no room for the element it returned: " + e);
            }
            done++;
        }
        return done;
    }

    @Override
    Object elementAt(long i) {
        // Plain element read would race the producer's next-lap store; acquire keeps the index re-read
        // after it. The iterator read the producer index (volatile, so acquire) after the consumer index,
        // so index i's element store (plain, before the producer's release of the index) is visible.
        final Object e = ELEMENT.getAcquire(buffer, (int) i & mask);
        // Volatile: if no consumer has claimed i yet, the slot has not been emptied for the next lap, so
        // e is index i's element (the producer writes a slot only after the null store of its consumer).
        return getVolatileConsumerIndex() <= i ? e : null;
    }
}
