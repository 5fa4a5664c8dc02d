package dev.lockstep.aeron;

/**
 * A snapshot of a bridge, read from its status file (so the same view is available to the process
 * running the bridge, through {@link Bridge#stats()}, and to any other local process, through
 * {@link BridgeStatus#read}). Counters are cumulative over the bridge's restarts (they live in the
 * status file, which a restarted bridge reopens). Fields are read one by one while the bridge runs:
 * individually recent (at most one batch behind), not a consistent cut.
 *
 * @param direction          {@code out} (local mailbox to Aeron) or {@code in} (Aeron to local mailbox)
 * @param mailbox            the local mailbox name
 * @param channel            the Aeron channel URI
 * @param streamId           the Aeron stream id
 * @param pid                the process that runs (or last ran) the bridge
 * @param alive              whether that process is still running (pid and start time match)
 * @param state              {@code STARTING}, {@code RUNNING}, {@code CLOSED} or {@code FAILED}
 * @param connected          out: the publication has a subscriber; in: the subscription has a publisher
 * @param messages           messages forwarded (out: accepted by Aeron; in: committed to the mailbox)
 * @param bytes              body bytes of those messages (headers not counted)
 * @param backPressureEvents times the bridge stopped consuming (one per held message, however many
 *                           retries it took): out, Aeron answered {@code BACK_PRESSURED} or
 *                           {@code ADMIN_ACTION}; in, the mailbox was full
 * @param notConnectedEvents out: times a message was held because Aeron answered {@code NOT_CONNECTED}
 *                           (one per episode; the message is held, not dropped)
 * @param gapEvents          in: gaps detected in the sequence numbers
 * @param missingMessages    in: messages found missing over all gaps
 * @param duplicatesDropped  in: frames dropped because their sequence number was already delivered
 * @param resets             in: changes of the sender's epoch (see {@link SequenceTracker})
 * @param rejected           in: messages longer than the local mailbox's maximum, dropped and logged
 * @param sequence           out: the next sequence number to send; in: the next one expected
 * @param epoch              out: this bridge's epoch; in: the epoch being received
 * @param heartbeatAgeMillis ms since the bridge's loop last ran
 * @param lastError          the last error the bridge reported (empty if none)
 */
public record BridgeStats(String direction, String mailbox, String channel, int streamId, long pid, boolean alive,
                          String state, boolean connected, long messages, long bytes, long backPressureEvents,
                          long notConnectedEvents, long gapEvents, long missingMessages, long duplicatesDropped,
                          long resets, long rejected, long sequence, int epoch, long heartbeatAgeMillis,
                          String lastError) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("bridge ").append(direction).append(' ').append(mailbox).append(' ')
                .append(direction.equals("out") ? "-> " : "<- ").append(channel).append(" stream ").append(streamId)
                .append('\n');
        sb.append("  pid ").append(pid).append(alive ? " alive" : " DEAD").append(", ").append(state)
                .append(connected ? ", connected" : ", not connected").append(", heartbeat ")
                .append(heartbeatAgeMillis).append(" ms ago\n");
        sb.append("  messages ").append(messages).append(", bytes ").append(bytes).append(", back-pressure ")
                .append(backPressureEvents);
        if (direction.equals("out")) {
            sb.append(", not connected ").append(notConnectedEvents).append(", next sequence ").append(sequence);
        } else {
            sb.append(", gaps ").append(gapEvents).append(" (").append(missingMessages).append(" missing), duplicates ")
                    .append(duplicatesDropped).append(", resets ").append(resets).append(", rejected ")
                    .append(rejected).append(", next expected ").append(sequence);
        }
        sb.append(", epoch ").append(Integer.toHexString(epoch)).append('\n');
        if (!lastError.isEmpty()) {
            sb.append("  last error: ").append(lastError).append('\n');
        }
        return sb.toString();
    }
}
