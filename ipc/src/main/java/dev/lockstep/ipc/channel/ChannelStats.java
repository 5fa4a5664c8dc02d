package dev.lockstep.ipc.channel;

import java.util.List;

/**
 * A snapshot of a channel's state, for monitoring and the {@code stat} command. Fields are read one by
 * one while the channel runs, so they are individually recent but not a consistent cut.
 *
 * @param file              the channel file
 * @param kind              "one-to-one" or "many-to-one"
 * @param capacity          ring capacity, bytes
 * @param maxMessageLength  largest message body, bytes
 * @param head              consumer position (bytes consumed since creation)
 * @param tail              producer position (bytes claimed since creation)
 * @param recoveredClaims   claims of dead or stalled producers the consumer turned into padding
 * @param recoveredBytes    ring bytes skipped by those recoveries
 * @param timeoutRecoveries recoveries done because a claim outlived the claim timeout (not a death)
 * @param consumerTakeovers times a consumer replaced a dead one
 * @param consumer          the registered consumer, or {@code null} if none
 * @param producers         the registered producers
 */
public record ChannelStats(String file, String kind, int capacity, int maxMessageLength, long head, long tail,
                           long recoveredClaims, long recoveredBytes, long timeoutRecoveries,
                           long consumerTakeovers, Endpoint consumer, List<Endpoint> producers) {

    /**
     * One registered endpoint.
     *
     * @param slot               producer slot index, or -1 for the consumer
     * @param pid                its process id
     * @param startTime          its process start time ({@link dev.lockstep.ipc.shm.ProcessIdentity})
     * @param alive              whether that process is running (pid and start time match)
     * @param heartbeatAgeMillis ms since its last heartbeat ({@code Long.MAX_VALUE} if none)
     */
    public record Endpoint(int slot, long pid, long startTime, boolean alive, long heartbeatAgeMillis) {
        @Override
        public String toString() {
            return (slot < 0 ? "consumer" : "producer[" + slot + "]") + " pid " + pid
                    + (alive ? " alive" : " DEAD") + ", heartbeat "
                    + (heartbeatAgeMillis == Long.MAX_VALUE ? "never" : heartbeatAgeMillis + " ms ago");
        }
    }

    /**
     * Bytes claimed and not yet consumed.
     *
     * @return {@code tail - head}
     */
    public long fill() {
        return tail - head;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(kind).append(" channel ").append(file).append('\n');
        sb.append("  capacity ").append(capacity).append(" B, max message ").append(maxMessageLength).append(" B\n");
        sb.append("  head ").append(head).append(", tail ").append(tail).append(", fill ").append(fill())
                .append(" B (").append(String.format("%.1f", 100.0 * fill() / capacity)).append("%)\n");
        sb.append("  recovered claims ").append(recoveredClaims).append(" (").append(recoveredBytes)
                .append(" B, ").append(timeoutRecoveries).append(" by timeout), consumer take-overs ")
                .append(consumerTakeovers).append('\n');
        sb.append("  ").append(consumer == null ? "no consumer" : consumer.toString()).append('\n');
        if (producers.isEmpty()) {
            sb.append("  no producers\n");
        }
        for (Endpoint p : producers) {
            sb.append("  ").append(p).append('\n');
        }
        return sb.toString();
    }
}
