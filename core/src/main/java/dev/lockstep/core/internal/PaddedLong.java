package dev.lockstep.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The value of {@link PaddedLong}, between its two paddings. */
abstract class PaddedLongValue extends LhsPadding {
    static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(PaddedLongValue.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    long value;
}

/**
 * A {@code long} alone on its cache lines (128 bytes of padding on each side), with one accessor per
 * {@link VarHandle} access mode, named after the mode (see the package documentation). Used for
 * counters and indices that different threads write: ticket counters, queue indices.
 *
 * <p>Like the LMAX Disruptor's {@code Sequence}: one allocation at construction, then none.
 */
@SuppressWarnings("unused")
public final class PaddedLong extends PaddedLongValue {
    byte q000, q001, q002, q003, q004, q005, q006, q007, q008, q009, q010, q011, q012, q013, q014, q015;
    byte q016, q017, q018, q019, q020, q021, q022, q023, q024, q025, q026, q027, q028, q029, q030, q031;
    byte q032, q033, q034, q035, q036, q037, q038, q039, q040, q041, q042, q043, q044, q045, q046, q047;
    byte q048, q049, q050, q051, q052, q053, q054, q055, q056, q057, q058, q059, q060, q061, q062, q063;
    byte q064, q065, q066, q067, q068, q069, q070, q071, q072, q073, q074, q075, q076, q077, q078, q079;
    byte q080, q081, q082, q083, q084, q085, q086, q087, q088, q089, q090, q091, q092, q093, q094, q095;
    byte q096, q097, q098, q099, q100, q101, q102, q103, q104, q105, q106, q107, q108, q109, q110, q111;
    byte q112, q113, q114, q115, q116, q117, q118, q119, q120, q121, q122, q123, q124, q125, q126, q127;

    /** A cell holding {@code initial} (published by the constructing thread's safe publication).
     *
     * @param initial the initial value
     */
    public PaddedLong(long initial) {
        value = initial;
    }

    /**
     * Returns the value with a plain read (no ordering; only for the single writer or under another
     * happens-before edge).
     *
     * @return the current value
     */
    public long getPlain() {
        return value;
    }

    /**
     * Returns the value, read with the memory semantics of {@link VarHandle#getOpaque}.
     *
     * @return the current value
     */
    public long getOpaque() {
        return (long) VALUE.getOpaque(this);
    }

    /**
     * Returns the value, read with the memory semantics of {@link VarHandle#getAcquire}.
     *
     * @return the current value
     */
    public long getAcquire() {
        return (long) VALUE.getAcquire(this);
    }

    /**
     * Returns the value, read with the memory semantics of {@link VarHandle#getVolatile}.
     *
     * @return the current value
     */
    public long getVolatile() {
        return (long) VALUE.getVolatile(this);
    }

    /**
     * Sets the value with a plain write (no ordering; only where another happens-before edge publishes it).
     *
     * @param newValue the new value
     */
    public void setPlain(long newValue) {
        value = newValue;
    }

    /**
     * Sets the value, with the memory semantics of {@link VarHandle#setOpaque}.
     *
     * @param newValue the new value
     */
    public void setOpaque(long newValue) {
        VALUE.setOpaque(this, newValue);
    }

    /**
     * Sets the value, with the memory semantics of {@link VarHandle#setRelease}.
     *
     * @param newValue the new value
     */
    public void setRelease(long newValue) {
        VALUE.setRelease(this, newValue);
    }

    /**
     * Sets the value, with the memory semantics of {@link VarHandle#setVolatile}.
     *
     * @param newValue the new value
     */
    public void setVolatile(long newValue) {
        VALUE.setVolatile(this, newValue);
    }

    /**
     * Atomically sets the value to {@code newValue} if it equals {@code expected}, with the memory semantics
     * of {@link VarHandle#compareAndSet}.
     *
     * @param expected the expected value
     * @param newValue the new value
     * @return {@code true} if successful, {@code false} if the value was not {@code expected}
     */
    public boolean compareAndSet(long expected, long newValue) {
        return VALUE.compareAndSet(this, expected, newValue);
    }

    /**
     * Atomically adds {@code delta} to the value and returns the old value, with the memory semantics of
     * {@link VarHandle#getAndAdd}.
     *
     * @param delta the amount to add (may be negative)
     * @return the previous value
     */
    public long getAndAdd(long delta) {
        return (long) VALUE.getAndAdd(this, delta);
    }

    /**
     * Atomically sets the value to {@code newValue} and returns the old value, with the memory semantics of
     * {@link VarHandle#getAndSet}.
     *
     * @param newValue the new value
     * @return the previous value
     */
    public long getAndSet(long newValue) {
        return (long) VALUE.getAndSet(this, newValue);
    }

    @Override
    public String toString() {
        return Long.toString(getVolatile());
    }
}
