package dev.lockstep.aeron;

import java.io.IOException;

import org.agrona.concurrent.IdleStrategy;

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

    /**
     * Starts a bridge host: one thread that runs an embedded media driver ({@code INVOKER} threading)
     * and every bridge added to it ({@link BridgeHost#out}, {@link BridgeHost#in}), so a host's bridges
     * add one thread, not two per bridge.
     *
     * @param name    the host's name (mailbox-name grammar): its driver directory is
     *                {@code <mailboxFolder>/.aeron-host-<name>} unless {@code embeddedDirectory} is set,
     *                its lock {@code <mailboxFolder>/.bridge-host-<name>.lock}
     * @param options the host's options: mailbox folder, embedded directory, log, and the defaults of
     *                its bridges; {@code threadingMode}, {@code idle} and {@code mailboxWait} do not apply
     *                (the thread idles with {@link BridgeHost#defaultIdle()})
     * @return the running host, which the caller closes (closing its bridges)
     * @throws IllegalArgumentException if the name is bad or an external driver is configured
     * @throws IllegalStateException    if another host of this name runs on the folder
     * @throws IOException              if the folder or the lock file cannot be opened
     */
    public static BridgeHost host(String name, BridgeOptions options) throws IOException {
        return BridgeHost.launch(name, options, BridgeHost::defaultIdle);
    }

    /**
     * As {@link #host(String, BridgeOptions)}, idling with {@code idle} when a cycle did nothing.
     *
     * @param name    the host's name
     * @param options the host's options
     * @param idle    called once for the thread's strategy (e.g. {@code BridgeOptions.Wait.SLEEP.strategy()})
     * @return the running host
     * @throws IllegalArgumentException if the name is bad or an external driver is configured
     * @throws IllegalStateException    if another host of this name runs on the folder
     * @throws IOException              if the folder or the lock file cannot be opened
     */
    public static BridgeHost host(String name, BridgeOptions options, java.util.function.Supplier<IdleStrategy> idle)
            throws IOException {
        return BridgeHost.launch(name, options, idle);
    }
}
