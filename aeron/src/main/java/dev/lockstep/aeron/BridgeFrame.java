package dev.lockstep.aeron;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The bridge's frame: every Aeron message a bridge sends is this 16-byte header followed by the local
 * message's body, byte for byte.
 *
 * <pre>
 *  0: sequence   long  per-mailbox sequence number of the message (0, 1, 2, ... within an epoch)
 *  8: type       int   the local channel's message type (&gt;= 0), delivered unchanged
 * 12: epoch      int   identifies the outbound bridge's sequence (random, kept in its status file)
 * 16: body       the message body (may be empty)
 * </pre>
 *
 * Little-endian on the wire whatever the hosts' byte order (the body is opaque bytes and is not
 * converted). Aeron keeps message boundaries (it fragments and reassembles long messages), so one
 * frame is one local message.
 *
 * <p><b>Coalesced frame</b> (an outbound bridge with {@code BridgeOptions.withCoalesce(true)}, the default): several
 * local messages in one Aeron message. The header's type is {@link #COALESCED} (a local type is never
 * negative), its sequence the first record's; records follow back to back, unpadded, each
 *
 * <pre>
 *  0: type       int   the local message's type (&gt;= 0)
 *  4: length     int   its body's length
 *  8: body
 * </pre>
 *
 * and record {@code i} has sequence number {@code sequence + i}: every message keeps its own number,
 * so gap and duplicate detection work per message as with plain frames. A frame that ends inside a
 * record header or body is malformed.
 */
public final class BridgeFrame {
    /** Header length in bytes. */
    public static final int HEADER_LENGTH = 16;
    /** Offset of the sequence number. */
    public static final int SEQUENCE_OFFSET = 0;
    /** Offset of the message type. */
    public static final int TYPE_OFFSET = 8;
    /** Offset of the epoch. */
    public static final int EPOCH_OFFSET = 12;
    /** The header type of a coalesced frame (records follow the header). */
    public static final int COALESCED = -1;
    /** Length of a coalesced frame's record header (type, length). */
    public static final int RECORD_HEADER_LENGTH = 8;
    /** Byte order of the header fields. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private BridgeFrame() {
    }

    /**
     * Writes a frame header at {@code offset} (the body, if any, goes at {@code offset + HEADER_LENGTH}).
     *
     * @param buffer   the buffer to write into
     * @param offset   where the header starts in {@code buffer}
     * @param sequence the message's sequence number within the epoch
     * @param type     the local message's type
     * @param epoch    the outbound bridge's epoch
     */
    public static void write(MutableDirectBuffer buffer, int offset, long sequence, int type, int epoch) {
        buffer.putLong(offset + SEQUENCE_OFFSET, sequence, ORDER);
        buffer.putInt(offset + TYPE_OFFSET, type, ORDER);
        buffer.putInt(offset + EPOCH_OFFSET, epoch, ORDER);
    }

    /**
     * Reads the sequence number of the frame at {@code offset}.
     *
     * @param buffer the buffer holding the frame
     * @param offset where the frame's header starts
     * @return the frame's sequence number
     */
    public static long sequence(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ORDER);
    }

    /**
     * Reads the message type of the frame at {@code offset}.
     *
     * @param buffer the buffer holding the frame
     * @param offset where the frame's header starts
     * @return the local message type the frame carries
     */
    public static int type(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + TYPE_OFFSET, ORDER);
    }

    /**
     * Reads the epoch of the frame at {@code offset}.
     *
     * @param buffer the buffer holding the frame
     * @param offset where the frame's header starts
     * @return the epoch of the outbound bridge that sent the frame
     */
    public static int epoch(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + EPOCH_OFFSET, ORDER);
    }

    /**
     * Writes a coalesced frame's record header at {@code offset} (its body goes at
     * {@code offset + RECORD_HEADER_LENGTH}).
     *
     * @param buffer the buffer to write into
     * @param offset where the record starts
     * @param type   the local message's type
     * @param length the body's length
     */
    public static void writeRecord(MutableDirectBuffer buffer, int offset, int type, int length) {
        buffer.putInt(offset, type, ORDER);
        buffer.putInt(offset + 4, length, ORDER);
    }

    /**
     * Reads the type of the coalesced record at {@code offset}.
     *
     * @param buffer the buffer holding the frame
     * @param offset where the record starts
     * @return the record's local message type
     */
    public static int recordType(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset, ORDER);
    }

    /**
     * Reads the body length of the coalesced record at {@code offset}.
     *
     * @param buffer the buffer holding the frame
     * @param offset where the record starts
     * @return the record's body length (checked by the reader against the frame's end)
     */
    public static int recordLength(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + 4, ORDER);
    }
}
