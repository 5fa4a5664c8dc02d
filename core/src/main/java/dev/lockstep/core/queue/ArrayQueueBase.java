package dev.lockstep.core.queue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;

import dev.lockstep.core.internal.SpinPolicy;

/*
 * The field layout of the bounded array queues, JCTools-style (class-hierarchy padding: HotSpot lays
 * out a superclass's fields before its subclass's), written once for all four of them:
 *
 *   header | ArrayQueuePad0 (128 B) | producer side: producerIndex, producerLimit
 *          | ArrayQueuePad1 (128 B) | consumer side: consumerIndex, consumerLimit, consumerEmptyIndex
 *          | ArrayQueuePad2 (128 B) | ArrayQueueBase: buffer, mask, capacity (final) | subclass fields
 *
 * The hot indices are fields of the queue itself, not of separate padded cells: one dependent load
 * less per access than internal.PaddedLong (the reason for this layout: measured on the SPSC hot path).
 * internal.LhsPadding cannot be used here, as these classes must extend AbstractQueue. The padding is
 * made of longs, not bytes: byte padding would end 4 bytes short of an 8-byte boundary after a 12-byte
 * header, and HotSpot (JDK 15+) may put a subclass's int field (mask, capacity) into that hole, right
 * next to producerIndex. With longs the only hole is right after the header, 128 bytes from any hot
 * field, where a read-only int (mask) does no harm. (Checked with Unsafe.objectFieldOffset on JDK 17
 * and 25: producerIndex at 144, consumerIndex at 288, mask at 12, the other read-only fields from 440;
 * with -XX:+UseCompactObjectHeaders or -XX:-UseCompressedClassPointers there is no hole and they all
 * come after the last padding. An int padding field would not help: HotSpot lays out a class's longs
 * before its ints, so it would leave the hole next to producerIndex.)
 *
 * The read-only fields at the end have no padding after them: the ring array, allocated right after
 * the queue object, may share their line with its header and first slots. That line is read on every
 * operation anyway: the element VarHandle checks each index against the array's length (a VarHandle
 * cannot skip the bounds check as JCTools' Unsafe access does), so the length load stays.
 */

/** Left padding: keeps the producer's fields off the object header's and the previous object's lines. */
@SuppressWarnings("unused")
abstract class ArrayQueuePad0<E> extends AbstractQueue<E> {
    long p0_00, p0_01, p0_02, p0_03, p0_04, p0_05, p0_06, p0_07;
    long p0_08, p0_09, p0_10, p0_11, p0_12, p0_13, p0_14, p0_15;
}

/** The producer-side fields, written by producers only (read by consumers only in the slow paths). */
abstract class ArrayQueueProducerFields<E> extends ArrayQueuePad0<E> {
    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle PRODUCER_LIMIT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCER_INDEX = lookup.findVarHandle(ArrayQueueProducerFields.class, "producerIndex", long.class);
            PRODUCER_LIMIT = lookup.findVarHandle(ArrayQueueProducerFields.class, "producerLimit", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The next index to produce (multi-producer kinds: to claim); only grows. */
    private long producerIndex;
    /** The producer's cache, an index below which producing needs no look at the consumer's side. */
    private long producerLimit;

    final long getPlainProducerIndex() {
        return producerIndex;
    }

    final long getAcquireProducerIndex() {
        return (long) PRODUCER_INDEX.getAcquire(this);
    }

    final long getVolatileProducerIndex() {
        return (long) PRODUCER_INDEX.getVolatile(this);
    }

    final void setReleaseProducerIndex(long value) {
        PRODUCER_INDEX.setRelease(this, value);
    }

    final boolean compareAndSetProducerIndex(long expected, long value) {
        return PRODUCER_INDEX.compareAndSet(this, expected, value);
    }

    final long getPlainProducerLimit() {
        return producerLimit;
    }

    final long getAcquireProducerLimit() {
        return (long) PRODUCER_LIMIT.getAcquire(this);
    }

    final void setPlainProducerLimit(long value) {
        producerLimit = value;
    }

    final void setReleaseProducerLimit(long value) {
        PRODUCER_LIMIT.setRelease(this, value);
    }
}

/** Padding between the producer's and the consumer's fields. */
@SuppressWarnings("unused")
abstract class ArrayQueuePad1<E> extends ArrayQueueProducerFields<E> {
    long p1_00, p1_01, p1_02, p1_03, p1_04, p1_05, p1_06, p1_07;
    long p1_08, p1_09, p1_10, p1_11, p1_12, p1_13, p1_14, p1_15;
}

/** The consumer-side fields, written by consumers only (read by producers only in the slow paths). */
abstract class ArrayQueueConsumerFields<E> extends ArrayQueuePad1<E> {
    private static final VarHandle CONSUMER_INDEX;
    private static final VarHandle CONSUMER_LIMIT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CONSUMER_INDEX = lookup.findVarHandle(ArrayQueueConsumerFields.class, "consumerIndex", long.class);
            CONSUMER_LIMIT = lookup.findVarHandle(ArrayQueueConsumerFields.class, "consumerLimit", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The next index to consume (multi-consumer kinds: to claim); only grows. */
    private long consumerIndex;
    /** The consumers' cache, an index below which consuming needs no look at the producer's side. */
    private long consumerLimit;
    /**
     * MpscArrayQueue: the consumer index at which the consumer last answered "empty", with the sign bit
     * set once it answered "empty" there again (consumer-owned, plain; {@link #emptyMark}): a strict poll
     * that finds its head slot empty at any other index has just taken an element, and waits briefly on
     * the slot before reading the producer index if the sign bit is set ({@link #waitsOnSlot};
     * MpscArrayQueue's notes).
     */
    private long consumerEmptyIndex;

    final long getPlainConsumerIndex() {
        return consumerIndex;
    }

    final long getAcquireConsumerIndex() {
        return (long) CONSUMER_INDEX.getAcquire(this);
    }

    final long getVolatileConsumerIndex() {
        return (long) CONSUMER_INDEX.getVolatile(this);
    }

    final void setReleaseConsumerIndex(long value) {
        CONSUMER_INDEX.setRelease(this, value);
    }

    final boolean compareAndSetConsumerIndex(long expected, long value) {
        return CONSUMER_INDEX.compareAndSet(this, expected, value);
    }

    final long getPlainConsumerEmptyIndex() {
        return consumerEmptyIndex;
    }

    final void setPlainConsumerEmptyIndex(long value) {
        consumerEmptyIndex = value;
    }

    final long getAcquireConsumerLimit() {
        return (long) CONSUMER_LIMIT.getAcquire(this);
    }

    final void setReleaseConsumerLimit(long value) {
        CONSUMER_LIMIT.setRelease(this, value);
    }
}

/** Padding between the consumer's fields and the read-only fields (and the next object on the heap). */
@SuppressWarnings("unused")
abstract class ArrayQueuePad2<E> extends ArrayQueueConsumerFields<E> {
    long p2_00, p2_01, p2_02, p2_03, p2_04, p2_05, p2_06, p2_07;
    long p2_08, p2_09, p2_10, p2_11, p2_12, p2_13, p2_14, p2_15;
}

/**
 * What the bounded array queues share: the ring (a power-of-two {@code Object[]}), the two indices and
 * two caches (inherited, padded: see the layout comment at the top of this file), argument checks,
 * {@link #size()}, and the weakly consistent iterator.
 *
 * <p>Indices are {@code long}s that only grow (2^63 operations before they wrap); the slot of index
 * {@code i} is {@code (int) i & mask}, with {@code mask = capacity - 1} kept in a final field (the
 * element VarHandle still checks the index against the array's length).
 *
 * <p>The producer's fields, the consumer's fields and the read-only fields ({@code buffer},
 * {@code mask}, {@code capacity}) are 128 bytes of padding apart, so no two of them share a cache line
 * (nor an adjacent-line prefetch pair); the queue allocates nothing but itself and its ring(s).
 *
 * <p><b>Iterator.</b> {@link #iterator()} is weakly consistent, with the contract of
 * {@link java.util.concurrent.ArrayBlockingQueue}'s: it reads the consumer index {@code c} and the
 * producer index {@code p} once, then visits the indices {@code c .. min(p, c + capacity) - 1} in
 * order, each at most once, and returns what each slot holds for that index (skipping slots already
 * consumed, not yet written, or holding an internal marker). Since it visits at most {@code capacity}
 * consecutive indices, it reads every slot at most once: it never returns an element twice in one
 * traversal, never one that was not inserted, never throws {@link java.util.ConcurrentModificationException},
 * and elements inserted after it was created may or may not be seen. {@code contains}, {@code toArray},
 * {@code toString} ({@code [a, b, c]}, as {@code ArrayBlockingQueue}) are built on it, and so are
 * {@code remove(Object)} and {@code Iterator.remove()} in the kinds that support removal (only
 * {@link MpmcArrayQueue}; the others throw {@link UnsupportedOperationException}, see their javadoc).
 * All of them are O(capacity) and allocate (the iterator), unlike the queue operations.
 */
abstract class ArrayQueueBase<E> extends ArrayQueuePad2<E> implements ConcurrentQueue<E> {
    /*
     * Implementation notes.
     * Invariant (all kinds): consumerIndex <= producerIndex <= consumerIndex + capacity, where the
     * multi-consumer kinds count a claimed-but-not-yet-read slot as consumed and the multi-producer
     * kinds count a claimed-but-not-yet-written slot as produced. size() reads them as described there.
     *
     * Contract with BlockingQueueAdapter (each kind's isSeqCst(offerSide), which lets it skip
     * the StoreLoad fence of its no-lost-wake-up handshake; keep these when changing a queue):
     * - MPSC, MPMC: offer makes an element available by a volatile CAS of producerIndex
     *   (compareAndSetProducerIndex), and poll answers "empty" only after a volatile read of
     *   producerIndex (getVolatileProducerIndex), waiting for a claimed but unwritten slot.
     * - SPMC, MPMC: poll takes an element by a volatile CAS of consumerIndex
     *   (compareAndSetConsumerIndex), and offer answers "full" only after a volatile read of
     *   consumerIndex (getVolatileConsumerIndex), waiting for a claimed but unread slot.
     * - SPSC (both sides) and the single-threaded side of MPSC/SPMC end with release stores only: the
     *   adapter fences after them (flag false).
     * - MPSC, MPMC fill: a consumer that meets a PENDING slot answers "empty" (without waiting), and the
     *   fill hands the slot over by a release store; so fill ends with a full fence, which keeps the
     *   "offer is seq-cst" promise for the adapter's signal after fill. MPSC unbounded fill is a loop of
     *   offers. drain of every kind removes through the same index/slot operations as poll.
     */

    /** Array element access modes for the ring. */
    static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(Object[].class);

    /** The largest capacity (the next power of two above it would overflow an {@code int}). */
    static final int MAX_CAPACITY = 1 << 30;

    /**
     * Written in place of an element by a multi-producer {@code fill} whose supplier failed (threw or
     * returned null) after the batch was claimed: the claimed slots must still be filled, and consumers
     * skip these. Never handed to a caller.
     */
    static final Object FILLER = new Object() {
        @Override
        public String toString() {
            return "FILLER";
        }
    };

    /**
     * Written (opaque) by a multi-producer {@code fill} into the claimed slot whose element its supplier
     * is computing, for as long as the supplier runs: a consumer that finds it at the head answers
     * "empty" instead of waiting for user code. Overwritten by the element (or by {@link #FILLER} when
     * the supplier fails). Never handed to a caller.
     */
    static final Object PENDING = new Object() {
        @Override
        public String toString() {
            return "PENDING";
        }
    };

    /** The ring; its length is {@link #capacity}, a power of two. Read-only after construction. */
    final Object[] buffer;
    /** {@code capacity - 1}: slot of index i is {@code (int) i & mask}. */
    final int mask;
    final int capacity;

    ArrayQueueBase(int requestedCapacity, int minimum) {
        this.capacity = roundUpCapacity(requestedCapacity, minimum);
        this.mask = capacity - 1;
        this.buffer = new Object[capacity];
    }

    /**
     * The power of two at least {@code requested} (and at least {@code minimum}).
     *
     * @throws IllegalArgumentException if {@code requested <= 0} or {@code > 2^30}
     */
    static int roundUpCapacity(int requested, int minimum) {
        if (requested <= 0) {
            throw new IllegalArgumentException("capacity must be > 0: " + requested);
        }
        if (requested > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be <= " + MAX_CAPACITY + ": " + requested);
        }
        int c = Math.max(requested, minimum);
        return c == 1 ? 1 : Integer.highestOneBit(c - 1) << 1;
    }

    static void checkLimit(Object function, int limit) {
        Objects.requireNonNull(function, "consumer/supplier must not be null");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0: " + limit);
        }
    }

    /**
     * A consumer's short wait on an empty slot of {@code array} (up to {@link SpinPolicy#SLOT_SPINS}
     * spin steps): the slot's content once non-null, else null. It reads only the slot's own line, so
     * the producers keep theirs (MpscArrayQueue's notes, "Reading the producer index"). Acquire, as the
     * consumer's first read of the slot: pairs with the producer's release of the element.
     */
    static Object spinOnSlot(Object[] array, int i) {
        Object e = null;
        for (int step = 0; e == null && step < SpinPolicy.SLOT_SPINS; step++) {
            Thread.onSpinWait();
            e = ELEMENT.getAcquire(array, i);
        }
        return e;
    }

    /**
     * The MPSC consumers' empty mark before their first "empty" answer (MpscArrayQueue's notes, "Reading
     * the producer index"): no index, and the caller not yet seen spinning.
     */
    static final long NO_EMPTY_MARK = Long.MAX_VALUE;

    /**
     * Whether a strict poll that finds its slot empty at {@code c} first waits on it ({@link #spinOnSlot}):
     * only where it has not answered "empty" yet (just after an element), and only for a caller seen
     * polling again at the index where it last found the queue empty (the sign bit of {@code mark}): a
     * caller that spins on "empty" gains from the wait, one that parks on it loses its batch (the notes).
     */
    static boolean waitsOnSlot(long mark, long c) {
        return mark < 0 && c != (mark & Long.MAX_VALUE);
    }

    /** The empty mark after a strict poll answered "empty" at {@code c}: the sign bit for a repeat there. */
    static long emptyMark(long mark, long c) {
        return c == (mark & Long.MAX_VALUE) ? c | Long.MIN_VALUE : c;
    }

    static <T> T checkElement(T e) {
        if (e == null) {
            throw new NullPointerException("null elements are not allowed");
        }
        return e;
    }

    @Override
    public final int capacity() {
        return capacity;
    }

    /**
     * The number of elements, always within {@code [0, capacity()]}. Reads the consumer index, the
     * producer index and the consumer index again, and retries until the two consumer reads agree (so
     * the producer read fell between two observations of the same consumer index: a consistent pair,
     * as JCTools does), then clamps the difference to {@code [0, capacity()]} (the multi-producer and
     * multi-consumer kinds count claimed slots, which are in flight). Under contention it is a
     * snapshot, not a linearizable count.
     */
    @Override
    public final int size() {
        long after = getVolatileConsumerIndex(); // volatile: the three reads stay in program order
        while (true) {
            long before = after;
            long p = getVolatileProducerIndex();
            after = getVolatileConsumerIndex();
            if (before == after) {
                long size = p - after - markerCount();
                return size <= 0 ? 0 : (int) Math.min(size, capacity);
            }
        }
    }

    /**
     * How many slots between the indices hold an internal marker rather than an element (counted only
     * by the kinds that can remove from the middle, {@link MpmcArrayQueue}); 0 by default.
     */
    long markerCount() {
        return 0;
    }

    /** Whether the queue looked empty at one instant (the same consistent pair as {@link #size()}). */
    @Override
    public final boolean isEmpty() {
        return size() == 0;
    }

    /**
     * The element at index {@code i} if the slot still holds one for that index (or, in the kinds where
     * the slot is its own full flag, for a later index: never visited by the same traversal), with its
     * fields visible to the caller; null if consumed, not yet written, or a marker. Called by the
     * iterator from any thread.
     */
    abstract Object elementAt(long i);

    /**
     * Removes the element {@code e} found at index {@code i} if it is still there, not yet claimed by a
     * consumer. Only the kinds that support removal override this.
     *
     * @return whether this call removed it
     * @throws UnsupportedOperationException if this kind cannot remove from the middle
     */
    boolean removeAt(long i, Object e) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " cannot remove from the middle (its consumers take slots with plain reads, which a removal"
                + " would race): use MpmcArrayQueue, or drain()");
    }

    /** A weakly consistent iterator: see the class comment. */
    @Override
    public final Iterator<E> iterator() {
        return new RingIterator();
    }

    /** False for null (the queue holds none); otherwise a traversal with {@code equals}. */
    @Override
    public final boolean contains(Object o) {
        if (o == null) {
            return false;
        }
        for (long i = startIndex(), end = endIndex(i); i < end; i++) {
            Object e = elementAt(i);
            if (e != null && o.equals(e)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Removes one element equal to {@code o} that no consumer has claimed yet, and answers whether this
     * call removed it (false also when a consumer took it first). Supported only where
     * {@code removeAt} is (today {@link MpmcArrayQueue}).
     *
     * @throws UnsupportedOperationException if this kind cannot remove from the middle (and o is non-null)
     */
    @Override
    public final boolean remove(Object o) {
        if (o == null) {
            return false;
        }
        for (long i = startIndex(), end = endIndex(i); i < end; i++) {
            Object e = elementAt(i);
            if (e != null && o.equals(e) && removeAt(i, e)) {
                return true;
            }
        }
        return false;
    }

    /** The first index a traversal visits: the consumer index (volatile: read before the producer index). */
    private long startIndex() {
        return getVolatileConsumerIndex();
    }

    /** One past the last index a traversal visits: at most capacity indices from {@code start}. */
    private long endIndex(long start) {
        // Volatile: read after the consumer index (synchronization order), so p - start is a real count.
        return Math.min(getVolatileProducerIndex(), start + capacity);
    }

    /** The weakly consistent iterator (see the class comment); not thread-safe itself. */
    private final class RingIterator implements Iterator<E> {
        private long cursor;
        private final long end;
        private Object nextItem;
        private long nextIndex;
        private Object lastItem;
        private long lastIndex;

        RingIterator() {
            cursor = startIndex();
            end = endIndex(cursor);
            advance();
        }

        private void advance() {
            while (cursor < end) {
                long i = cursor++;
                Object e = elementAt(i);
                if (e != null) {
                    nextItem = e;
                    nextIndex = i;
                    return;
                }
            }
            nextItem = null;
        }

        @Override
        public boolean hasNext() {
            return nextItem != null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public E next() {
            Object e = nextItem;
            if (e == null) {
                throw new NoSuchElementException();
            }
            lastItem = e;
            lastIndex = nextIndex;
            advance();
            return (E) e;
        }

        /**
         * Removes the last returned element if no consumer has claimed it yet (otherwise it is gone
         * already, and this does nothing, as {@code ArrayBlockingQueue}'s iterator).
         *
         * @throws IllegalStateException         if {@code next} was not called, or remove already was
         * @throws UnsupportedOperationException if this kind cannot remove from the middle
         */
        @Override
        public void remove() {
            Object e = lastItem;
            if (e == null) {
                throw new IllegalStateException("next() has not returned an element since the last remove()");
            }
            lastItem = null;
            removeAt(lastIndex, e);
        }
    }
}
