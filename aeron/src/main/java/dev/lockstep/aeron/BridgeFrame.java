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
    /** Byte order of the header fields. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private BridgeFrame() {
    }

    /** Writes a header at {@code offset}. */
    public static void write(MutableDirectBuffer buffer, int offset, long sequence, int type, int epoch) {
        buffer.putLong(offset + SEQUENCE_OFFSET, sequence, ORDER);
        buffer.putInt(offset + TYPE_OFFSET, type, ORDER);
        buffer.putInt(offset + EPOCH_OFFSET, epoch, ORDER);
    }

    /** The sequence number of the frame at {@code offset}. */
    public static long sequence(DirectBuffer buffer, int offset) {
        return buffer.getLong(offset + SEQUENCE_OFFSET, ORDER);
    }

    /** The message type of the frame at {@code offset}. */
    public static int type(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + TYPE_OFFSET, ORDER);
    }

    /** The epoch of the frame at {@code offset}. */
    public static int epoch(DirectBuffer buffer, int offset) {
        return buffer.getInt(offset + EPOCH_OFFSET, ORDER);
    }
}
