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
     * @param length number of elements, at least 1 (callers validate user-facing sizes first)
     */
    public PaddedLongArray(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be at least 1: " + length);
        }
        this.length = length;
        this.cells = new long[(length + 2) * STRIDE];
    }

    public int length() {
        return length;
    }

    private static int at(int i) {
        return (i + 1) * STRIDE;
    }

    public long getPlain(int i) {
        return cells[at(i)];
    }

    public long getOpaque(int i) {
        return (long) ELEMENT.getOpaque(cells, at(i));
    }

    public long getAcquire(int i) {
        return (long) ELEMENT.getAcquire(cells, at(i));
    }

    public long getVolatile(int i) {
        return (long) ELEMENT.getVolatile(cells, at(i));
    }

    public void setPlain(int i, long value) {
        cells[at(i)] = value;
    }

    public void setOpaque(int i, long value) {
        ELEMENT.setOpaque(cells, at(i), value);
    }

    public void setRelease(int i, long value) {
        ELEMENT.setRelease(cells, at(i), value);
    }

    public void setVolatile(int i, long value) {
        ELEMENT.setVolatile(cells, at(i), value);
    }

    public boolean compareAndSet(int i, long expected, long value) {
        return ELEMENT.compareAndSet(cells, at(i), expected, value);
    }

    public long getAndAdd(int i, long delta) {
        return (long) ELEMENT.getAndAdd(cells, at(i), delta);
    }
}
