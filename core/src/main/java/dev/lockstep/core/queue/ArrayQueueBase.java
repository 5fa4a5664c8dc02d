package dev.lockstep.core.queue;

import dev.lockstep.core.internal.PaddedLong;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.Objects;

/**
 * What the bounded array queues share: the ring (a power-of-two {@code Object[]}), the two padded
 * indices, argument checks, {@link #size()}, and the unsupported iterator.
 *
 * <p>Indices are {@code long}s that only grow (2^63 operations before they wrap); the slot of index
 * {@code i} is {@code i & (buffer.length - 1)}, a form for which HotSpot's C2 drops the array bounds
 * check.
 *
 * <p>The indices live in {@link PaddedLong} cells (one allocation each, at construction), so the
 * producer's and the consumer's index never share a cache line with each other or with the queue's
 * read-only fields ({@code buffer}, {@code capacity}).
 */
abstract class ArrayQueueBase<E> extends AbstractQueue<E> implements ConcurrentQueue<E> {
    /*
     * Implementation notes.
     * Invariant (all kinds): consumerIndex <= producerIndex <= consumerIndex + capacity, where the
     * multi-consumer kinds count a claimed-but-not-yet-read slot as consumed and the multi-producer
     * kinds count a claimed-but-not-yet-written slot as produced. size() reads them as described there.
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

    /** The ring; its length is {@link #capacity}, a power of two. Read-only after construction. */
    final Object[] buffer;
    final int capacity;
    final PaddedLong producerIndex = new PaddedLong(0);
    final PaddedLong consumerIndex = new PaddedLong(0);

    ArrayQueueBase(int requestedCapacity, int minimum) {
        this.capacity = roundUpCapacity(requestedCapacity, minimum);
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
        long after = consumerIndex.getVolatile(); // volatile: the three reads stay in program order
        while (true) {
            long before = after;
            long p = producerIndex.getVolatile();
            after = consumerIndex.getVolatile();
            if (before == after) {
                long size = p - after;
                return size <= 0 ? 0 : (int) Math.min(size, capacity);
            }
        }
    }

    /** Whether the queue looked empty at one instant (the same consistent pair as {@link #size()}). */
    @Override
    public final boolean isEmpty() {
        return size() == 0;
    }

    /**
     * Not supported: a concurrent ring has no cheap consistent traversal. Consequently the
     * {@code AbstractCollection} methods built on the iterator ({@code contains}, {@code remove(Object)},
     * {@code toArray}, {@code removeAll}, ...) throw {@link UnsupportedOperationException} too; use
     * {@link #drain} to take elements out in bulk. {@link #toString()} is overridden and works.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public final Iterator<E> iterator() {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " has no iterator (a concurrent ring cannot be traversed consistently); use drain()");
    }

    /** Class name, size and capacity, e.g. {@code SpscArrayQueue[size=3, capacity=16]}. */
    @Override
    public final String toString() {
        return getClass().getSimpleName() + "[size=" + size() + ", capacity=" + capacity + "]";
    }
}
