package dev.lockstep.core.queue;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;

import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A bounded queue for any number of producer threads and exactly one consumer thread, backed by an
 * array: the classic shape for an actor's or event loop's mailbox.
 *
 * <pre>{@code
 * ConcurrentQueue<Event> mailbox = new MpscArrayQueue<>(8192);
 * mailbox.offer(event);                          // any thread; false when full
 * mailbox.drain(this::handle, 256);              // the one consumer thread
 * }</pre>
 *
 * <p><b>Threads.</b> Any thread may call the producer methods ({@code offer}, {@code add},
 * {@code relaxedOffer}, {@code fill}); at most one thread at a time the consumer methods ({@code poll},
 * {@code remove()}, {@code peek}, {@code element}, {@code relaxedPoll}, {@code relaxedPeek},
 * {@code drain}, {@code clear}). {@link #size()}, {@link #isEmpty()}, {@link #capacity()}: any thread.
 *
 * <p><b>Algorithm.</b> As JCTools' {@code MpscArrayQueue} (N. Wakart, M. Thompson et al.): producers
 * claim an index by compare-and-set on the producer index, checked against a cached producer limit
 * (consumer index + capacity, refreshed only when reached, so producers rarely read the consumer's
 * line), then store the element into the claimed slot; the slot itself is the consumer's "full" flag
 * (FastForward, Giacomoni et al., PPoPP 2008), so the consumer never reads the producer index except to
 * tell "empty" from "claimed but not yet written", and right after taking an element not before a short
 * wait on the empty slot itself ({@code SpinPolicy.SLOT_SPINS} spin steps: a consumer that keeps pace
 * with a producer would otherwise pull the producers' index line away from every offer; see the
 * implementation notes). The wait is only for a caller seen polling again at once after an "empty"
 * answer: one that parks on "empty" would be kept taking elements in lock-step with a busy producer
 * instead of parking and then draining a batch; {@code -Dlockstep.slotSpins=0} turns the wait off.
 * {@link #fill} claims its whole batch with one compare-and-set.
 *
 * <p><b>Properties.</b> FIFO in claim order (per producer: in program order); producers lock-free;
 * {@link #relaxedPoll()}, {@link #relaxedPeek()} and {@link #drain} are wait-free. No allocation after
 * construction; space: one array of {@link #capacity()} references plus the queue object (indices
 * padded inline) and one padded counter. Capacity is rounded up to a power of two. Null elements are
 * rejected.
 *
 * <p><b>The one wait that remains.</b> The strict {@link #poll()}/{@link #peek()} wait (per
 * {@link SpinPolicy}) for a producer that has claimed the head index but not yet stored into its slot:
 * an {@code offer} between its compare-and-set and its store, or a {@code fill} between its
 * compare-and-set and its PENDING mark. Both are a few instructions of this class, never user code: a
 * {@link #fill} marks each slot PENDING before calling its supplier, and the consumer that finds PENDING
 * at the head answers "empty" instead of waiting (the elements claimed after it wait behind it: FIFO in
 * claim order). {@link #drain} empties each slot and publishes the consumer index before calling its
 * handler, so the handler may re-enter the queue.
 *
 * <p><b>Linearizability, and what {@code fill} gives up.</b> {@code offer}, {@code poll}, {@code peek},
 * {@code size}, {@code isEmpty}, the relaxed methods (read as "relaxed attempt, else strict") and a
 * one-element {@code drain} are linearizable with one another (Lincheck, README "Linearizability
 * checks"). {@code fill} is linearizable as an {@code offer} against the producers ({@code offer},
 * {@code relaxedOffer}, {@code fill}) and {@code size}/{@code isEmpty}, and against consumers only if
 * they read "empty while {@code size() > 0}" as "not yet": a PENDING head slot counts in
 * {@code size()} but a strict {@code poll}/{@code peek} answers "empty" there (it may not wait on user
 * code), so a strict consumer is NOT linearizable with a concurrent {@code fill} (e.g. {@code peek()}
 * null after a completed {@code offer} while {@code isEmpty()} is false). Calling the supplier before
 * claiming would avoid the PENDING slot but cannot be lossless: other producers may fill the ring
 * between the supplier's return and the claim, and the supplied element would have to be dropped or
 * waited with.
 *
 * <p><b>Iteration.</b> Weakly consistent iterator ({@link ArrayQueueBase}); no removal from the
 * middle ({@code remove(Object)} and {@code Iterator.remove()} throw
 * {@link UnsupportedOperationException}): the consumer takes slots with a plain read, which a removal
 * would race unless every poll paid an atomic read-modify-write.
 *
 * @param <E> the element type
 */
public final class MpscArrayQueue<E> extends ArrayQueueBase<E> {
    /*
     * Implementation notes.
     * - Slot of index i is empty (null) from the consumer's null store (before its release of
     *   consumerIndex = i + 1 - capacity or later) until the producer that claimed i stores the
     *   element (release). A producer writes slot i only after it has seen, through an acquire chain
     *   (consumerIndex -> producerLimit), a consumer index > i - capacity: so the consumer's null store
     *   happens before the producer's element store (no write-write race on the slot).
     * - producerLimit (inherited field) <= consumerIndex + capacity at all times (it is computed from a
     *   consumer index value, and the consumer index only grows); a racing producer may store an older,
     *   smaller limit: that only costs another refresh. It starts at 0: the first offer refreshes it.
     * - BlockingQueueAdapter relies on: offer claims by a volatile CAS of producerIndex, and poll says
     *   "empty" only after a volatile read of it (see ArrayQueueBase).
     * - A fill whose supplier fails after the claim writes FILLER into its remaining slots; the
     *   consumer discards FILLER. fillers counts them (size() subtracts it).
     * - A fill stores PENDING (opaque) into the slot before calling its supplier; the consumer answers
     *   empty on PENDING (one reference compare on the poll path).
     * - Reading the producer index (issue 12, forty-fifth round). A strict poll that finds its head
     *   slot empty must read the producer index to tell "empty" from "claimed"; that read pulls the
     *   producers' index line into the consumer's cache, so the next producer's compare-and-set has to
     *   take it back. A consumer that keeps pace with one producer (every poll right behind an offer)
     *   then makes each element cost two cross-core line transfers on the producer's path (the index
     *   line, then the slot line the consumer was reading), and the pair stays in that lock-step: the
     *   producer never gets ahead. So poll reads the index at once where it last answered "empty" (an
     *   idle queue, polled again); after an element it first waits on the slot itself for
     *   SpinPolicy.SLOT_SPINS spin steps (about one line transfer: 16 x 18 ns on the Zen 5 host), and
     *   the element of a producer in mid-offer arrives there without the producers' line moving.
     *   That wait is for a caller that spins on "empty" (the burst's relay, the blocking adapters'
     *   spin phase): a caller that parks on "empty" would rather have the answer, park, and drain a
     *   batch the producer wrote alone, and the wait keeps it taking elements in lock-step instead
     *   (issue 12, forty-sixth round: MpscQueueBench.parked1p1c 174 -> 95 ops/us; JCTools 203). The
     *   mark tells them apart: consumerEmptyIndex holds the index of the last "empty" answer and gets
     *   its sign bit when poll answers "empty" there again (a caller polling again at once; a parker
     *   usually finds elements when it wakes), and only a marked caller waits (ArrayQueueBase
     *   .waitsOnSlot, .emptyMark): parked1p1c 83 -> 117 ops/us in alternated rounds (JCTools 193),
     *   the bursts unchanged (28). A parker that once met an idle producer is marked until an empty
     *   answer at a new index clears the bit; answering a marked caller at once at one index in 64, so
     *   that such a parker meets an "empty" now and then (forty-seventh round), did not lift parked1p1c:
     *   in that window the cell read the same with no wait at all (113 against JCTools' 183 ops/us;
     *   README "What is left"). The answer is unchanged (null only after a volatile read of the index
     *   equal to c); the price is that the first empty poll after an element returns up to SLOT_SPINS
     *   spin steps later. Measured (MpscQueueBench.burstRoundTrip, two-core placement, alternated
     *   single forks; a JCTools-shaped VarHandle copy of this queue): 3.7-7 ops/us without the wait,
     *   16.5 with 8 steps, 31 with 16; 16 re-reads without onSpinWait (about 16 ns): 4.2 (README,
     *   issue 12, the burst row). peek keeps the immediate read (it takes nothing).
     */
    /**
     * An empty queue.
     *
     * @param capacity at least 1; rounded up to a power of two
     * @throws IllegalArgumentException if {@code capacity <= 0} or {@code capacity > 2^30}
     */
    public MpscArrayQueue(int capacity) {
        super(capacity, 1);
        setPlainConsumerEmptyIndex(NO_EMPTY_MARK); // plain: published with the queue, a hint only
    }

    /**
     * FILLER slots between the indices (the remainder of fills whose supplier failed): {@link #size()}
     * subtracts them. Padded; touched only by a failed fill and by the consumer skipping a FILLER.
     */
    private final PaddedLong fillers = new PaddedLong(0);

    @Override
    long markerCount() {
        return fillers.getVolatile(); // volatile: read between the index reads of size()
    }

    @Override
    public boolean offer(E e) {
        checkElement(e);
        // Acquire: pairs with the release below, extending the consumer index's happens-before chain.
        long limit = getAcquireProducerLimit();
        long p;
        do {
            p = getVolatileProducerIndex(); // volatile: fresh value for the CAS
            if (p >= limit) {
                // Acquire: the consumer's null stores below this index happen before our element store.
                limit = getAcquireConsumerIndex() + capacity;
                if (p >= limit) {
                    return false;
                }
                setReleaseProducerLimit(limit); // release: hands the chain on to other producers
            }
        } while (!compareAndSetProducerIndex(p, p + 1)); // volatile CAS: index p is ours alone
        // Release: the element's fields are visible before the consumer sees the slot full.
        ELEMENT.setRelease(buffer, (int) p & mask, e);
        return true;
    }

    /** The same as {@link #offer} (it fails only when full). */
    @Override
    public boolean relaxedOffer(E e) {
        return offer(e);
    }

    @Override
    public E poll() {
        return poll(false);
    }

    /** Like {@link #poll}, but returns null when the head slot is claimed and not yet written. */
    @Override
    public E relaxedPoll() {
        return poll(true);
    }

    @SuppressWarnings("unchecked")
    private E poll(boolean relaxed) {
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        while (true) {
            final long c = getPlainConsumerIndex(); // plain: only the consumer writes it
            final int i = (int) c & mask;
            Object e = ELEMENT.getAcquire(buffer, i); // acquire: pairs with the producer's release
            if (e == null) {
                if (relaxed) {
                    return null;
                }
                final long mark = getPlainConsumerEmptyIndex(); // plain: consumer-owned
                if (waitsOnSlot(mark, c)) {
                    // Not yet found empty at c (we took an element just before), and the caller spins on
                    // "empty": wait on the slot a moment before reading the producer index (see the notes).
                    e = spinOnSlot(buffer, i);
                }
                if (e == null) {
                    // Volatile: if no producer has claimed c, the queue is empty.
                    if (c == getVolatileProducerIndex()) {
                        setPlainConsumerEmptyIndex(emptyMark(mark, c)); // plain: consumer-owned
                        return null;
                    }
                    e = awaitElement(buffer, i); // claimed, being written: it comes within a few instructions
                }
            }
            if (e == PENDING) {
                return null; // a fill's supplier is computing the head: never wait for user code
            }
            ELEMENT.set(buffer, i, null); // plain: published to producers by the release below
            // Release: the slot is empty before producers can see the index (and claim the slot again).
            setReleaseConsumerIndex(c + 1);
            if (e != FILLER) {
                return (E) e;
            }
            fillers.getAndAdd(-1); // volatile RMW: its increment happened before the FILLER we acquired
        }
    }

    /**
     * Waits for the producer that claimed the head to store into it: an offer's element, or a fill's
     * PENDING (stored right after its claim, before it calls user code). So the wait covers a few
     * instructions of a producer, never user code.
     */
    @Override
    Object elementAt(long i) {
        // Acquire: pairs with the producer's release store, so the element's fields are visible. The
        // slot may hold a later index's element (never visited by the same traversal) or a marker.
        final Object e = ELEMENT.getAcquire(buffer, (int) i & mask);
        return e == FILLER || e == PENDING ? null : e;
    }

    private static Object awaitElement(Object[] buffer, int i) {
        Object e;
        int step = 0;
        while ((e = ELEMENT.getAcquire(buffer, i)) == null) { // acquire: as in poll
            step = SpinPolicy.idle(step);
        }
        return e;
    }

    @Override
    public E peek() {
        return peek(false);
    }

    /** Like {@link #peek}, but returns null when the head slot is claimed and not yet written. */
    @Override
    public E relaxedPeek() {
        return peek(true);
    }

    @SuppressWarnings("unchecked")
    private E peek(boolean relaxed) {
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        while (true) {
            final long c = getPlainConsumerIndex(); // plain: consumer-owned
            final int i = (int) c & mask;
            Object e = ELEMENT.getAcquire(buffer, i); // acquire: as in poll
            if (e == null) {
                // Volatile: as in poll.
                if (relaxed || c == getVolatileProducerIndex()) {
                    return null;
                }
                e = awaitElement(buffer, i);
            }
            if (e == PENDING) {
                return null; // as in poll
            }
            if (e != FILLER) {
                return (E) e;
            }
            ELEMENT.set(buffer, i, null); // a filler at the head: remove it as poll would
            setReleaseConsumerIndex(c + 1); // release: as in poll
            fillers.getAndAdd(-1); // volatile RMW: as in poll
        }
    }

    /**
     * Removes up to {@code limit} elements, stopping at the first slot not yet written (like
     * {@link #relaxedPoll()}). Each element's slot is emptied and the consumer index published before
     * the element is passed to {@code consumer}, so the consumer may re-enter the queue (offer, or poll
     * and drain from this consumer thread) and nothing is held while it runs. If {@code consumer}
     * throws, the elements handed over so far (including the one it threw on) are removed and the rest
     * stay queued; the exception propagates.
     */
    @Override
    @SuppressWarnings("unchecked")
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        int delivered = 0;
        while (delivered < limit) {
            final long c = getPlainConsumerIndex(); // plain: consumer-owned (re-read: consumer may re-enter)
            final int i = (int) c & mask;
            final Object e = ELEMENT.getAcquire(buffer, i); // acquire: as in poll
            if (e == null || e == PENDING) {
                break;
            }
            ELEMENT.set(buffer, i, null); // plain: published by the release below
            // Release: the slot is empty before producers can claim it again.
            setReleaseConsumerIndex(c + 1);
            if (e != FILLER) {
                delivered++;
                consumer.accept((E) e);
            } else {
                fillers.getAndAdd(-1); // volatile RMW: as in poll
            }
        }
        return delivered;
    }

    /**
     * Inserts up to {@code limit} elements, claiming the batch (at most the free space) with one
     * compare-and-set of the producer index. Before calling {@code supplier} for a slot it marks the
     * slot PENDING, so the consumer reaching it answers "empty" instead of waiting for the supplier
     * (elements claimed after it wait behind it: FIFO in claim order). If {@code supplier} throws or
     * returns null, the claimed slots not yet filled get an internal marker that the consumer skips, and
     * the exception is rethrown; the elements supplied before stay inserted. The supplier may re-enter
     * the queue.
     */
    @Override
    public int fill(Supplier<? extends E> supplier, int limit) {
        checkLimit(supplier, limit);
        if (limit == 0) {
            return 0;
        }
        final Object[] buffer = this.buffer;
        final int mask = this.mask;
        long producerLimit = getAcquireProducerLimit(); // acquire: as in offer
        long p;
        int n;
        do {
            p = getVolatileProducerIndex(); // volatile: fresh value for the CAS
            if (p + limit > producerLimit) {
                producerLimit = getAcquireConsumerIndex() + capacity; // acquire: as in offer
                if (p >= producerLimit) {
                    return 0;
                }
                setReleaseProducerLimit(producerLimit); // release: as in offer
            }
            n = (int) Math.min(limit, producerLimit - p);
        } while (!compareAndSetProducerIndex(p, p + n)); // volatile CAS: indices p .. p+n-1 are ours
        int k = 0;
        try {
            for (; k < n; k++) {
                final int i = (int) (p + k) & mask;
                // Opaque: only a marker that tells the consumer "user code, do not wait"; opaque keeps the
                // slot's writes coherent (PENDING is never read after the element that replaces it).
                ELEMENT.setOpaque(buffer, i, PENDING);
                final Object e = checkElement(supplier.get());
                ELEMENT.setRelease(buffer, i, e); // release: as in offer
            }
        } finally {
            if (k < n) {
                fillers.getAndAdd(n - k); // volatile RMW: before the release stores that show the FILLERs
            }
            for (; k < n; k++) { // only after a throw: complete our claim so the consumer is not stuck
                ELEMENT.setRelease(buffer, (int) (p + k) & mask, FILLER);
            }
            // Full fence: a consumer that met PENDING answered "empty" without the volatile read of the
            // producer index that offer's CAS pairs with; our element stores are release stores only, so
            // order them before any later load of the caller (BlockingQueueAdapter's waiter check relies
            // on isSeqCst(true)): once per fill, not per element.
            VarHandle.fullFence();
        }
        return n;
    }
}
