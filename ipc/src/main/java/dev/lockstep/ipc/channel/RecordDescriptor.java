package dev.lockstep.ipc.channel;

import java.nio.ByteOrder;

/**
 * The record format of a channel's data ring, described once (Agrona {@code RecordDescriptor} style).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |R|                       Length (int)                          |  0
 *  +-+-------------------------------------------------------------+
 *  |                        Type (int)                             |  4
 *  +---------------------------------------------------------------+
 *  |                       Message body                          ...  8
 * ...                                                              |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>The two header ints are read and written together as ONE 8-byte atomic word, so a reader never
 * sees a length of one state with the type of another. Records start on 8-byte boundaries; the space
 * between a record's end and the next boundary is zero.
 *
 * <ul>
 *   <li>Committed message: length = {@link #HEADER_LENGTH} + body length (&gt; 0), type &gt;= 0.</li>
 *   <li>Padding (skipped by the consumer: wrap-around, aborted or recovered claims):
 *       length = aligned record length (&gt; 0), type = {@link #PADDING_TYPE}.</li>
 *   <li>Claimed, being written: length = -(aligned record length) (&lt; 0), type =
 *       {@link #CLAIMED_FLAG} | producer slot index: the consumer knows the record's extent and who
 *       holds it, so it can check that producer's liveness.</li>
 *   <li>Revoked (a fence): length = -(extent), type = {@link #CLAIMED_FLAG} | {@link #REVOKED_FLAG} |
 *       slot: a live producer's claim (header written) that outlived the claim timeout; the space
 *       stays out of use until its owner commits or aborts over it, or dies.</li>
 *   <li>Zero word: free space, or a claim whose producer has moved the tail but not yet written the
 *       header (never revoked while that producer may be alive; see {@link ShmChannel}'s notes).</li>
 * </ul>
 *
 * <p>Maximum message length: {@code capacity / 8}. It bounds how much of the ring one message may
 * take (and so what a wrap-around may waste) and keeps room for several messages in flight.
 */
public final class RecordDescriptor {
    /** Bytes of the record header. */
    public static final int HEADER_LENGTH = 8;
    /** Record alignment. */
    public static final int ALIGNMENT = 8;
    /** Offset of the length int within the record. */
    public static final int LENGTH_OFFSET = 0;
    /** Offset of the type int within the record. */
    public static final int TYPE_OFFSET = 4;
    /** Type of a padding record. Message types are &gt;= 0. */
    public static final int PADDING_TYPE = -1;
    /** Flag of a claimed record's type word; the low 16 bits are the claimant's producer slot. */
    public static final int CLAIMED_FLAG = 0x8000_0000;
    /**
     * Flag (with {@link #CLAIMED_FLAG}) of a revoked claim's type word: the consumer took the claim
     * of a live producer that outlived the claim timeout after writing its header. The length stays
     * negative (the claim's extent); the low 16 bits name the slot. The consumer does not reuse the
     * space until the claimant commits or aborts over it (delivered late, or skipped) or is dead.
     * (Before issue 12 a claim whose header was not yet written could be fenced too, with
     * {@link #SLOT_MASK} for the slot; layout version 4 never makes such fences.)
     */
    public static final int REVOKED_FLAG = 0x4000_0000;
    /** Mask of the slot index in a claimed record's type. */
    public static final int SLOT_MASK = 0xFFFF;

    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private RecordDescriptor() {
    }

    /**
     * The 8-byte header word with {@code length} at offset 0 and {@code type} at offset 4 (native order).
     *
     * @param length the record length field (header included; negative for a consumed mark)
     * @param type   the record type field
     * @return the word, to be stored with one 8-byte access
     */
    public static long header(int length, int type) {
        return LITTLE
                ? ((long) type << 32) | (length & 0xFFFF_FFFFL)
                : ((long) length << 32) | (type & 0xFFFF_FFFFL);
    }

    /**
     * The length int of a header word.
     *
     * @param header a header word as read from the ring
     * @return its length field
     */
    public static int length(long header) {
        return LITTLE ? (int) header : (int) (header >>> 32);
    }

    /**
     * The type int of a header word.
     *
     * @param header a header word as read from the ring
     * @return its type field
     */
    public static int type(long header) {
        return LITTLE ? (int) (header >>> 32) : (int) header;
    }

    /**
     * Aligned length of a record carrying a {@code bodyLength}-byte message.
     *
     * @param bodyLength the message length in bytes
     * @return header plus body, rounded up to {@link #ALIGNMENT}
     */
    public static int alignedLength(int bodyLength) {
        return (HEADER_LENGTH + bodyLength + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * The maximum message (body) length for a ring of {@code capacity} bytes.
     *
     * @param capacity the ring capacity in bytes
     * @return {@code capacity / 8}
     */
    public static int maxMessageLength(int capacity) {
        return capacity / 8;
    }
}
