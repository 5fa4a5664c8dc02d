package dev.lockstep.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed-length array of {@code long}s, each alone on its own 128 bytes, with accessors named after
 * their {@link VarHandle} access mode. For per-thread slots that other threads read while their owner
 * writes them (Bakery tickets, filter levels, Peterson flags): without padding, one thread's store
 * would invalidate the line every other waiter spins on.
 *
 * <p>Element {@code i} lives at index {@code (i + 1) * STRIDE} of a plain {@code long[]}, so the first
 * element is also 128 bytes away from the array header and the last one from whatever follows.
 */
public final class PaddedLongArray {
    /** 16 longs = 128 bytes: one cache line pair, against the adjacent-line prefetcher. */
    private static final int STRIDE = 16;
    private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] cells;
    private final int length;

    /**
     * An array of {@code length} zeros, each element on its own cache lines.
     *
     * @param length number of elements, at least 1 (callers validate user-facing sizes first)
     */
    public PaddedLongArray(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be at least 1: " + length);
        }
        this.length = length;
        this.cells = new long[(length + 2) * STRIDE];
    }

    /**
     * The number of elements.
     *
     * @return the length given at construction
     */
    public int length() {
        return length;
    }

    private static int at(int i) {
        return (i + 1) * STRIDE;
    }

    /**
     * Returns the element at index {@code i} with a plain read (no ordering; only for the single writer or
     * under another happens-before edge).
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @return the current value
     */
    public long getPlain(int i) {
        return cells[at(i)];
    }

    /**
     * Returns the element at index {@code i}, read with the memory semantics of {@link VarHandle#getOpaque}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @return the current value
     */
    public long getOpaque(int i) {
        return (long) ELEMENT.getOpaque(cells, at(i));
    }

    /**
     * Returns the element at index {@code i}, read with the memory semantics of {@link VarHandle#getAcquire}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @return the current value
     */
    public long getAcquire(int i) {
        return (long) ELEMENT.getAcquire(cells, at(i));
    }

    /**
     * Returns the element at index {@code i}, read with the memory semantics of {@link
     * VarHandle#getVolatile}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @return the current value
     */
    public long getVolatile(int i) {
        return (long) ELEMENT.getVolatile(cells, at(i));
    }

    /**
     * Sets the element at index {@code i} with a plain write (no ordering; only where another happens-before
     * edge publishes it).
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @param value the new value
     */
    public void setPlain(int i, long value) {
        cells[at(i)] = value;
    }

    /**
     * Sets the element at index {@code i}, with the memory semantics of {@link VarHandle#setOpaque}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @param value the new value
     */
    public void setOpaque(int i, long value) {
        ELEMENT.setOpaque(cells, at(i), value);
    }

    /**
     * Sets the element at index {@code i}, with the memory semantics of {@link VarHandle#setRelease}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @param value the new value
     */
    public void setRelease(int i, long value) {
        ELEMENT.setRelease(cells, at(i), value);
    }

    /**
     * Sets the element at index {@code i}, with the memory semantics of {@link VarHandle#setVolatile}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @param value the new value
     */
    public void setVolatile(int i, long value) {
        ELEMENT.setVolatile(cells, at(i), value);
    }

    /**
     * Atomically sets the element at index {@code i} to {@code value} if it equals {@code expected}, with the
     * memory semantics of {@link VarHandle#compareAndSet}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @param expected the expected value
     * @param value the new value
     * @return {@code true} if successful, {@code false} if the element was not {@code expected}
     */
    public boolean compareAndSet(int i, long expected, long value) {
        return ELEMENT.compareAndSet(cells, at(i), expected, value);
    }

    /**
     * Atomically adds {@code delta} to the element at index {@code i} and returns its old value, with the
     * memory semantics of {@link VarHandle#getAndAdd}.
     *
     * @param i the index, {@code 0 <= i < length()} (not checked)
     * @param delta the amount to add (may be negative)
     * @return the previous value
     */
    public long getAndAdd(int i, long delta) {
        return (long) ELEMENT.getAndAdd(cells, at(i), delta);
    }
}
