package dev.lockstep.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** The value of {@link PaddedReference}, between its two paddings. */
abstract class PaddedReferenceValue<V> extends LhsPadding {
    static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(PaddedReferenceValue.class, "value", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    V value;
}

/**
 * A reference alone on its cache lines (128 bytes of padding on each side), with one accessor per
 * {@link VarHandle} access mode, named after the mode. Used for the tail of queue locks and the
 * like.
 *
 * @param <V> the referenced type
 */
@SuppressWarnings({"unused", "unchecked"})
public final class PaddedReference<V> extends PaddedReferenceValue<V> {
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
    public PaddedReference(V initial) {
        value = initial;
    }

    /**
     * Returns the value with a plain read (no ordering; only for the single writer or under another
     * happens-before edge).
     *
     * @return the current value
     */
    public V getPlain() {
        return value;
    }

    /**
     * Returns the value, read with the memory semantics of {@link VarHandle#getOpaque}.
     *
     * @return the current value
     */
    public V getOpaque() {
        return (V) VALUE.getOpaque(this);
    }

    /**
     * Returns the value, read with the memory semantics of {@link VarHandle#getAcquire}.
     *
     * @return the current value
     */
    public V getAcquire() {
        return (V) VALUE.getAcquire(this);
    }

    /**
     * Returns the value, read with the memory semantics of {@link VarHandle#getVolatile}.
     *
     * @return the current value
     */
    public V getVolatile() {
        return (V) VALUE.getVolatile(this);
    }

    /**
     * Sets the value with a plain write (no ordering; only where another happens-before edge publishes it).
     *
     * @param newValue the new value
     */
    public void setPlain(V newValue) {
        value = newValue;
    }

    /**
     * Sets the value, with the memory semantics of {@link VarHandle#setRelease}.
     *
     * @param newValue the new value
     */
    public void setRelease(V newValue) {
        VALUE.setRelease(this, newValue);
    }

    /**
     * Sets the value, with the memory semantics of {@link VarHandle#setVolatile}.
     *
     * @param newValue the new value
     */
    public void setVolatile(V newValue) {
        VALUE.setVolatile(this, newValue);
    }

    /**
     * Atomically sets the value to {@code newValue} if it is the same reference as (==) {@code expected},
     * with the memory semantics of {@link VarHandle#compareAndSet}.
     *
     * @param expected the expected value
     * @param newValue the new value
     * @return {@code true} if successful, {@code false} if the value was not {@code expected}
     */
    public boolean compareAndSet(V expected, V newValue) {
        return VALUE.compareAndSet(this, expected, newValue);
    }

    /**
     * Atomically sets the value to {@code newValue} and returns the old value, with the memory semantics of
     * {@link VarHandle#getAndSet}.
     *
     * @param newValue the new value
     * @return the previous value
     */
    public V getAndSet(V newValue) {
        return (V) VALUE.getAndSet(this, newValue);
    }

    @Override
    public String toString() {
        return String.valueOf(getVolatile());
    }
}
