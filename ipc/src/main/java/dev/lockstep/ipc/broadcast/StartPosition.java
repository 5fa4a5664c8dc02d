package dev.lockstep.ipc.broadcast;

/**
 * Where a new {@link BroadcastReceiver} begins reading ({@link BroadcastChannel#receiver(StartPosition)}).
 */
public enum StartPosition {
    /**
     * After the newest message published when the receiver is made: it receives the messages sent
     * from then on (Agrona's {@code BroadcastReceiver} behaviour; the default).
     */
    NEXT,
    /**
     * At the oldest message still in the ring (one the producer is not overwriting; the producer
     * keeps that boundary in steps of a sixteenth of the ring, so the backlog offered is the ring's
     * messages minus at most {@code capacity / 16} bytes of the oldest): the receiver
     * first gets the backlog the ring holds, oldest first, then the messages sent from then on (as an
     * Aeron subscription joining at the start of a term). If the producer overwrites that backlog
     * before it is read, the receiver is lapped as usual: counted, never handed a torn message.
     */
    OLDEST
}
