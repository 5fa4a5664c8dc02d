package dev.lockstep.ipc.channel;

import java.nio.ByteBuffer;

/**
 * Receives messages from a channel, without copying: the body lies in {@code buffer} (the channel's
 * mapping) at {@code [offset, offset + length)}.
 *
 * <p>The bytes are valid only during the call: the consumer zeroes them right after it returns. Use
 * absolute gets ({@code buffer.getLong(offset)}, {@code buffer.get(offset, dst, 0, length)}); do not
 * change the buffer's position or limit, and do not write into it. Implement the handler as a field
 * or a non-capturing lambda so that receiving allocates nothing.
 */
@FunctionalInterface
public interface MessageHandler {
    /**
     * Called once per message, in channel order.
     *
     * @param type   the message type given by the sender (&gt;= 0)
     * @param buffer the channel's mapping (native byte order)
     * @param offset where the body starts in {@code buffer}
     * @param length body length in bytes (may be 0)
     */
    void onMessage(int type, ByteBuffer buffer, int offset, int length);
}
