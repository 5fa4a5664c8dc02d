package dev.lockstep.core.queue;

import dev.lockstep.core.internal.PaddedLong;
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
 * then hands the slot over. {@link #fill} claims its batch with one compare-and-set; {@link #drain}
 * claims one index per element (as JCTools), so it never holds a slot while its handler runs.
 *
 * <p><b>Properties.</b> Linearizable FIFO (in index order) for {@code offer}/{@code poll}/{@code peek}
 * (with {@code fill}: below);
 * no allocation after construction; space: one array of {@link #capacity()} references, one of
 * {@code capacity} longs, the queue object (indices padded inline) and one padded counter. Capacity is
 * rounded up to a power of two, at least 2 (the sequence scheme needs two slots). Null elements are
 * rejected.
 *
 * <p><b>Progress, and the waits that remain.</b> The relaxed methods and {@link #drain} are lock-free
 * and never wait. The strict {@link #offer}/{@link #poll}/{@link #peek} wait (per {@link SpinPolicy})
 * only for another thread inside a few instructions of this class, never for user code:
 * <ul>
 *   <li>a strict {@code poll}/{@code peek} whose head index is claimed by a producer that has not yet
 *       published it: an {@code offer} between its claim and its store, or a {@code fill} between its
 *       claim and its PENDING mark. While a fill's supplier runs, the slot holds PENDING and a strict
 *       {@code poll}/{@code peek} answers "empty" instead (the elements claimed after it stay behind it:
 *       FIFO in claim order, so a supplier that blocks delays them, and a poll may then report empty
 *       while they are stored; a fill is not atomic);</li>
 *   <li>a strict {@code offer} whose slot is still held by a consumer between its claim and its
 *       release (takeClaimed: a read, a null store, a release store);</li>
 *   <li>a consumer or peek whose slot is locked by a remover (removeAt: a read, a store, an increment);</li>
 *   <li>{@code fill} waiting for a slot of its batch to be released by such a consumer.</li>
 * </ul>
 * So every wait is bounded by the time another thread, once scheduled, needs to finish a few
 * instructions (as in Vyukov's and JCTools' queues); a preempted thread can stretch it.
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
 * <p><b>Iteration and removal.</b> The iterator is weakly consistent ({@link ArrayQueueBase}).
 * {@code remove(Object)} and {@code Iterator.remove()} are supported: O(capacity) scan, then a lock of
 * the one slot (compare-and-set of its sequence from full to "being written"), a check that no consumer
 * has claimed the index, and a FILLER in place of the element, which consumers skip. {@code size()}
 * does not count removed slots. The offer and poll paths pay one volatile re-read of the slot's
 * sequence after the consumer's claim (the consumer's half of the Dekker pair with the remover).
 *
 * <pre>{@code
 * MpmcArrayQueue<Runnable> q = new MpmcArrayQueue<>(1024);
 * q.offer(task);
 * boolean cancelled = q.remove(task);   // true only if no consumer took it first
 * }</pre>
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
     *   slots; consumers discard FILLER. fillers counts FILLER slots in [consumerIndex, producerIndex):
     *   incremented before the release that shows a FILLER, decremented by the consumer that skips it.
     * - A fill marks the slot PENDING (opaque) after its slot is free and before calling the supplier;
     *   consumers read the element slot only in the "not produced" branch, to tell PENDING (user code:
     *   answer empty) from a producer's few instructions (wait).
     * - removeAt locks a full slot by CAS seq i + 1 -> i; i is below every live producer index, so no
     *   producer can mistake it; consumers and peek see "not produced" and wait. Dekker pair: remover
     *   (CAS seq; volatile read consumerIndex) vs consumer (CAS consumerIndex; volatile read seq): at
     *   least one sees the other, and both may. A remover that sees the claim backs off and unlocks by
     *   CAS i -> i + 1, never by a store: the consumer may have missed the lock and already released
     *   the slot to the next lap (jcstress MpmcArrayQueueRemovePollTest, outcome r4 = 2).
     * - BlockingQueueAdapter relies on: offer claims by a volatile CAS of producerIndex and poll says
     *   "empty" only after a volatile read of it; poll claims by a volatile CAS of consumerIndex and
     *   offer says "full" only after a volatile read of it (see ArrayQueueBase).
     */
    private static final VarHandle SEQUENCE = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] sequences;
    /**
     * FILLER slots between the consumer and the producer index (removed elements and the remainder of
     * failed fills): {@link #size()} subtracts them. Padded: written only on removal, failed fill and
     * skip, never on the offer/poll paths.
     */
    private final PaddedLong fillers = new PaddedLong(0);

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
        long c = Long.MIN_VALUE; // the consumer index as last read by this call (indices only grow)
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
                // Volatile: full only if no consumer has even claimed p - capacity, by a fresh read. A
                // value read earlier in this call that is already past p - capacity proves the claim
                // (the index only grows), so the retry re-reads only the slot: with the ring full, the
                // consumer's index line is the one its next claim (a CAS) must own (JCTools' shape).
                if (relaxed || p - capacity >= c && p - capacity >= (c = getVolatileConsumerIndex())) {
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
                    final Object e = takeClaimed(sequences, s, c);
                    if (e == FILLER) {
                        continue;
                    }
                    return (E) e;
                }
            } else if (seq < c + 1) { // index c not produced yet (or locked by a remover)
                // Volatile: empty only if no producer has claimed c.
                if (relaxed || c >= getVolatileProducerIndex() || heldByUserCode(sequences, s, c)) {
                    return null;
                }
                step = SpinPolicy.idle(step); // a producer or remover is inside its few instructions
            }
            // seq > c + 1: another consumer took c; retry
        }
    }

    /**
     * Whether claimed-but-unproduced index c is held by a fill whose supplier is running (the slot holds
     * PENDING): then a strict poll or peek answers "empty" rather than wait for user code.
     */
    private boolean heldByUserCode(long[] sequences, int s, long c) {
        // Acquire: keeps the re-read of the sequence below after this read.
        if (ELEMENT.getAcquire(buffer, s) != PENDING) {
            return false;
        }
        // Acquire: still unproduced after the PENDING read (not a stale PENDING of a just-finished fill).
        return (long) SEQUENCE.getAcquire(sequences, s) < c + 1;
    }

    /**
     * Takes index c, which this thread has just claimed by the CAS of the consumer index: waits out a
     * remover that locked the slot, then reads and empties it and hands it to the next lap's producer.
     */
    private Object takeClaimed(long[] sequences, int s, long c) {
        // Volatile: after our volatile CAS of the consumer index, this read and removeAt's volatile CAS
        // of the sequence followed by its volatile read of the consumer index are all in the one
        // synchronization order (JLS 17.4.4): either the remover sees our claim and backs off, or we
        // see its lock (seq == c) here and wait for its release of seq == c + 1.
        if ((long) SEQUENCE.getVolatile(sequences, s) != c + 1) {
            int step = 0;
            // Acquire: pairs with the remover's release of the unlocked sequence (its FILLER visible).
            while ((long) SEQUENCE.getAcquire(sequences, s) != c + 1) {
                step = SpinPolicy.idle(step); // a remover's few instructions, no user code
            }
        }
        final Object e = ELEMENT.get(buffer, s); // plain: ordered by the acquire of seq == c + 1
        ELEMENT.set(buffer, s, null); // plain: published by the release below
        // Release: our read and the null are done before the next producer takes the slot.
        SEQUENCE.setRelease(sequences, s, c + capacity);
        if (e == FILLER) {
            fillers.getAndAdd(-1); // volatile RMW: its increment happened before the seq we acquired
        }
        return e;
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
            final long c = getVolatileConsumerIndex(); // volatile: read before the sequence and element
            final int s = (int) c & mask;
            final long seq = (long) SEQUENCE.getAcquire(sequences, s); // acquire: as in poll
            if (seq == c + 1) {
                // Acquire: keeps the re-check of the index below after this read.
                final Object e = ELEMENT.getAcquire(buffer, s);
                // The acquire of seq == c + 1 made the producer's store of index c visible, so a null
                // read here is a later store: the null of the consumer that claimed c (plain, so it may
                // be seen before that consumer's CAS is). Either way c was taken: look again. Only a
                // non-null element with the index unchanged after it is the head.
                if (e != null && getVolatileConsumerIndex() == c) {
                    if (e != FILLER) {
                        return (E) e;
                    }
                    E taken = discardFiller(sequences, s, c); // a filler at the head: remove it
                    if (taken != null) {
                        return taken;
                    }
                }
            } else if (seq < c + 1) {
                // Volatile: as in poll.
                if (relaxed || c >= getVolatileProducerIndex() || heldByUserCode(sequences, s, c)) {
                    return null;
                }
                step = SpinPolicy.idle(step);
            }
        }
    }

    /** Removes a FILLER seen at head index c; null unless the slot (ours once claimed) held an element. */
    @SuppressWarnings("unchecked")
    private E discardFiller(long[] sequences, int s, long c) {
        if (compareAndSetConsumerIndex(c, c + 1)) { // volatile CAS: index c is ours alone
            Object e = takeClaimed(sequences, s, c);
            return e == FILLER ? null : (E) e; // FILLER stays FILLER: never an element here in fact
        }
        return null;
    }

    /**
     * Removes up to {@code limit} elements, one claim (compare-and-set of the consumer index) per element,
     * as JCTools does: each slot is emptied and handed to the next producer before its element is
     * passed to {@code consumer}, so the consumer may offer back into the queue, and nothing this call
     * has not yet taken is held. Stops at the first index not yet written (like {@link #relaxedPoll()}).
     * If {@code consumer} throws, the elements handed over so far (including the one it threw on) are
     * removed and the rest stay queued; the exception propagates.
     */
    @Override
    @SuppressWarnings("unchecked")
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        final long[] sequences = this.sequences;
        final int mask = this.mask; // both rings have capacity slots
        int delivered = 0;
        while (delivered < limit) {
            final long c = getVolatileConsumerIndex(); // volatile: fresh value for the CAS below
            final int s = (int) c & mask;
            final long seq = (long) SEQUENCE.getAcquire(sequences, s); // acquire: as in poll
            if (seq == c + 1) {
                if (compareAndSetConsumerIndex(c, c + 1)) { // volatile CAS: index c is ours alone
                    final Object e = takeClaimed(sequences, s, c);
                    if (e != FILLER) {
                        delivered++;
                        consumer.accept((E) e); // the slot is free already: nothing held
                    }
                }
            } else if (seq < c + 1) {
                break; // empty, or the head is being written: stop, as relaxedPoll
            }
            // seq > c + 1: another consumer took c; retry
        }
        return delivered;
    }

    /**
     * Inserts up to {@code limit} elements: claims the batch (at most the free space seen) with one
     * compare-and-set of the producer index, then fills each slot in order. Before calling
     * {@code supplier} for a slot it marks the slot PENDING, so consumers reaching it answer "empty"
     * instead of waiting for the supplier (the elements claimed after it wait behind it, FIFO in claim
     * order). If {@code supplier} throws or returns null, the claimed slots not yet filled are filled
     * with an internal marker that consumers skip ({@link #size()} does not count it), and the
     * exception is rethrown; the elements supplied before stay inserted. The supplier may re-enter the
     * queue.
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
                final int s = (int) (p + k) & mask;
                awaitFree(sequences, s, p + k);
                // Opaque: only a marker, read by consumers' acquire loads to tell user code from a
                // producer's few instructions; opaque keeps the slot's writes coherent (PENDING is
                // never seen after the element that overwrites it).
                ELEMENT.setOpaque(buffer, s, PENDING);
                final Object e = checkElement(supplier.get());
                ELEMENT.setOpaque(buffer, s, e); // opaque: coherent with PENDING; published by the release
                SEQUENCE.setRelease(sequences, s, p + k + 1); // release: element visible before "full"
            }
        } finally {
            if (k < n) { // only after a throw: complete our claim with fillers, counted out of size()
                fillers.getAndAdd(n - k); // volatile RMW: before the releases that let consumers skip them
                for (; k < n; k++) {
                    final int s = (int) (p + k) & mask;
                    awaitFree(sequences, s, p + k);
                    ELEMENT.setOpaque(buffer, s, FILLER); // opaque: as above
                    SEQUENCE.setRelease(sequences, s, p + k + 1); // release: as above
                }
            }
            // Full fence: a consumer that met PENDING answered "empty"; our slots are handed over by
            // release stores only, so order them before any later load of the caller (the waiter check
            // of BlockingQueueAdapter, which relies on isSeqCst(true)): once per fill, not per element.
            VarHandle.fullFence();
        }
        return n;
    }

    /**
     * Waits until claimed index i's slot is free (its last consumer has emptied it). The wait is
     * bounded: i - capacity was claimed by a consumer when we claimed i, and a consumer holds its claim
     * only for the few instructions of takeClaimed (never while user code runs).
     */
    private static void awaitFree(long[] sequences, int s, long i) {
        int step = 0;
        // Acquire: the last consumer's read and null store are done once seq == i.
        while ((long) SEQUENCE.getAcquire(sequences, s) != i) {
            step = SpinPolicy.idle(step);
        }
    }

    @Override
    long markerCount() {
        return fillers.getVolatile(); // volatile: read between the index reads of size()
    }

    @Override
    Object elementAt(long i) {
        final int s = (int) i & mask;
        // Acquire: seq == i + 1 makes the producer's element store for index i visible.
        if ((long) SEQUENCE.getAcquire(sequences, s) != i + 1) {
            return null;
        }
        final Object e = ELEMENT.getAcquire(buffer, s); // acquire: keeps the re-check below after it
        // Acquire: still i + 1 after the read, so e is index i's element (or the null / FILLER of its
        // consumer or remover, skipped); sequences only grow, and a remover's lock restores i + 1 only
        // around FILLER or the unchanged element.
        if ((long) SEQUENCE.getAcquire(sequences, s) != i + 1 || e == FILLER || e == PENDING) {
            return null;
        }
        return e;
    }

    /**
     * Replaces the element {@code e} of index i by FILLER if no consumer has claimed i: locks the slot by
     * a compare-and-set of its sequence from i + 1 (full) to i (which consumers and peek treat as "being
     * written": they wait for the few instructions below), then checks the consumer index.
     */
    @Override
    boolean removeAt(long i, Object e) {
        final long[] sequences = this.sequences;
        final int s = (int) i & mask;
        // Volatile CAS: see takeClaimed (the Dekker pair with a consumer's claim of i).
        if (!SEQUENCE.compareAndSet(sequences, s, i + 1, i)) {
            return false; // consumed, or another remover holds it
        }
        // Volatile: after our volatile CAS; a consumer index > i means a consumer claimed i first.
        if (getVolatileConsumerIndex() > i) {
            // Not ours after all: that consumer may have read the sequence before our lock (Dekker: both
            // sides may see each other) and gone on to take the slot and release it to the next lap
            // (seq = i + capacity), overwriting our lock. So unlock only if the lock is still there:
            // a blind store of i + 1 would take the slot back from the next lap and wedge it (every
            // later producer of the slot waits for a consumer of i that never comes). Volatile CAS
            // (release would do: we changed nothing in the slot; VarHandle has no strong release
            // compareAndSet); a failure means the consumer's release already replaced our lock.
            SEQUENCE.compareAndSet(sequences, s, i, i + 1);
            return false;
        }
        if (ELEMENT.get(buffer, s) != e) { // plain: no consumer claimed i, so the slot is ours
            SEQUENCE.setRelease(sequences, s, i + 1); // release: unlock, slot unchanged
            return false;
        }
        ELEMENT.set(buffer, s, FILLER); // plain: published by the release below
        fillers.getAndAdd(1); // volatile RMW: before the release, so the skipping consumer's decrement is after
        SEQUENCE.setRelease(sequences, s, i + 1); // release: FILLER visible to the consumer of i
        return true;
    }
}
