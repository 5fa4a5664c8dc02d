package dev.lockstep.ipc.shm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The atomic views of a mapped file, defined once for the whole ipc module.
 *
 * <p>Every shared field of every structure is read and written through these two handles, with the
 * access mode named at the call site as in {@code dev.lockstep.core.internal} (plain, opaque,
 * acquire/release, volatile). The handles view a {@link java.nio.ByteBuffer} at a <em>byte</em>
 * offset; atomic modes require the offset to be a multiple of the value's size (mapped buffers start
 * on a page boundary, so a file offset that is a multiple of 8 is aligned). Misaligned atomic access
 * throws {@link IllegalStateException} instead of tearing, and an offset outside the buffer throws
 * {@link IndexOutOfBoundsException} instead of touching memory it should not: a corrupt position read
 * from a file can fail an operation but never crash the JVM.
 *
 * <p>Byte order is the platform's: files are shared between processes of one machine. The header's
 * magic number detects a file written with the other order ({@link FileLayout}).
 */
public final class MappedAccess {
    /** {@code long} view: {@code (ByteBuffer buffer, int byteOffset)}. */
    public static final VarHandle LONG =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());
    /** {@code int} view: {@code (ByteBuffer buffer, int byteOffset)}. */
    public static final VarHandle INT =
            MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    /** Size of the line every hot field gets to itself: two 64-byte cache lines (adjacent-line prefetch). */
    public static final int LINE = 128;

    private MappedAccess() {
    }

    /**
     * {@code value} rounded up to a multiple of {@code alignment} (a power of two).
     *
     * @param value     a non-negative length or offset
     * @param alignment a power of two
     * @return the smallest multiple of {@code alignment} that is &gt;= {@code value}
     */
    public static long align(long value, int alignment) {
        return (value + alignment - 1) & -alignment;
    }

    /**
     * {@code value} rounded up to a multiple of {@code alignment} (a power of two).
     *
     * @param value     a non-negative length or offset
     * @param alignment a power of two
     * @return the smallest multiple of {@code alignment} that is &gt;= {@code value}
     */
    public static int align(int value, int alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
