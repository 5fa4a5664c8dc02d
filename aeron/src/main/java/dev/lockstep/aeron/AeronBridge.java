package dev.lockstep.aeron;

import java.io.IOException;

/**
 * Bridges between Lockstep mailboxes and Aeron: producers and consumers keep using local
 * shared-memory channels; two bridges carry the messages between hosts.
 *
 * <pre>{@code
 * // host A: everything sent to mailbox "orders" goes to host B
 * try (Bridge out = AeronBridge.out("orders", "aeron:udp?endpoint=10.0.0.2:40123", 1001, BridgeOptions.defaults())) {
 *     ...
 * }
 * // host B: what arrives is delivered into mailbox "orders" there
 * try (Bridge in = AeronBridge.in("orders", "aeron:udp?endpoint=10.0.0.2:40123", 1001, BridgeOptions.defaults())) {
 *     System.out.println(in.stats());
 * }
 * }</pre>
 *
 * Message boundaries and types are kept; back-pressure crosses the bridge both ways (nothing is dropped
 * silently); the delivery guarantee across restarts is in the README ("lockstep-aeron") and in
 * {@link OutboundBridge} / {@link InboundBridge}. Needs the JVM flag
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona's buffers; the shaded jar's
 * manifest carries it for {@code java -jar}).
 */
public final class AeronBridge {
    private AeronBridge() {
    }

    /**
     * Starts forwarding mailbox {@code mailbox} (created with the options' kind and capacity if absent)
     * to the Aeron {@code channel} / {@code streamId}: the bridge becomes the mailbox's consumer.
     *
     * @param mailbox  the local mailbox's name in the options' {@code Mailboxes} folder
     * @param channel  the Aeron channel URI to publish on (e.g. {@code aeron:udp?endpoint=host:port})
     * @param streamId the Aeron stream id within that channel
     * @param options  how the bridge runs ({@link BridgeOptions#defaults()} and its {@code withX})
     * @return the running bridge, which the caller closes
     * @throws IllegalArgumentException if the name or the URI is bad, or the mailbox's messages do not fit
     *                                  the publication
     * @throws IllegalStateException    if the mailbox has another live consumer, or another outbound
     *                                  bridge runs for it
     * @throws IOException              if the mailbox or the status file cannot be opened
     */
    public static Bridge out(String mailbox, String channel, int streamId, BridgeOptions options) throws IOException {
        return new OutboundBridge(mailbox, channel, streamId, options);
    }

    /**
     * Starts delivering what arrives on {@code channel} / {@code streamId} into mailbox {@code mailbox}
     * (created if absent): the bridge becomes one of its producers.
     *
     * @param mailbox  the local mailbox's name in the options' {@code Mailboxes} folder
     * @param channel  the Aeron channel URI to subscribe to
     * @param streamId the Aeron stream id within that channel
     * @param options  how the bridge runs ({@link BridgeOptions#defaults()} and its {@code withX})
     * @return the running bridge, which the caller closes
     * @throws IllegalArgumentException if the name or the URI is bad
     * @throws IllegalStateException    if the mailbox has no free producer slot, or another inbound bridge
     *                                  runs for this mailbox and stream
     * @throws IOException              if the mailbox or the status file cannot be opened
     */
    public static Bridge in(String mailbox, String channel, int streamId, BridgeOptions options) throws IOException {
        return new InboundBridge(mailbox, channel, streamId, options);
    }
}
