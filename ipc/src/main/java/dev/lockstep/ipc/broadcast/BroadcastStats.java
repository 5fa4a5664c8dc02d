package dev.lockstep.ipc.broadcast;

import java.util.List;

/**
 * A snapshot of a broadcast channel's state, for monitoring and the {@code stat} command. Fields are
 * read one by one while the channel runs, so they are individually recent but not a consistent cut.
 *
 * @param file               the channel file
 * @param capacity           ring capacity, bytes
 * @param maxMessageLength   largest message body, bytes
 * @param consumerSlots      slots in which consumers are listed
 * @param tailIntent         end of the range the producer is writing or last wrote
 * @param tail               producer position (bytes published since creation)
 * @param latest             start of the newest message
 * @param oldest             start of the oldest message still whole in the ring (where a
 *                           {@link StartPosition#OLDEST} receiver starts)
 * @param nextSequence       messages sent since creation
 * @param producerTakeovers  times a producer replaced a dead one
 * @param recoveredBytes     bytes of dead producers' partial sends turned into padding
 * @param producerPid        the registered producer's pid, 0 if unknown, -1 if none is registered
 * @param producerAlive      whether the registered producer's process may be running
 * @param producerHeartbeatAgeMillis ms since the producer's last heartbeat ({@code Long.MAX_VALUE} if never)
 * @param consumers          the listed consumers
 */
public record BroadcastStats(String file, int capacity, int maxMessageLength, int consumerSlots, long tailIntent,
                             long tail, long latest, long oldest, long nextSequence, long producerTakeovers, long recoveredBytes,
                             long producerPid, boolean producerAlive, long producerHeartbeatAgeMillis,
                             List<Consumer> consumers) {

    /**
     * One listed consumer.
     *
     * @param slot               its slot index
     * @param pid                its process id (0 if unknown)
     * @param alive              whether its process may be running
     * @param heartbeatAgeMillis ms since its last heartbeat
     * @param position           where it reads next
     * @param lapped             times it was lapped
     * @param lost               messages it missed by being lapped
     * @param received           messages it received
     */
    public record Consumer(int slot, long pid, boolean alive, long heartbeatAgeMillis, long position, long lapped,
                           long lost, long received) {
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("broadcast channel ").append(file).append('\n');
        sb.append("  capacity ").append(capacity).append(" B, max message ").append(maxMessageLength)
                .append(" B, consumer slots ").append(consumerSlots).append('\n');
        sb.append("  tail ").append(tail).append(", tail intent ").append(tailIntent)
                .append(tailIntent > tail ? " (send in progress or producer died inside one)" : "")
                .append(", latest ").append(latest).append(", oldest ").append(oldest).append(", messages sent ").append(nextSequence).append('\n');
        sb.append("  ").append(producerPid < 0 ? "no producer" : "producer pid " + producerPid
                + (producerAlive ? " alive" : " DEAD") + ", heartbeat " + age(producerHeartbeatAgeMillis))
                .append(", take-overs ").append(producerTakeovers).append(" (recovered ").append(recoveredBytes)
                .append(" B)\n");
        if (consumers.isEmpty()) {
            sb.append("  no listed consumers\n");
        }
        for (Consumer c : consumers) {
            sb.append("  consumer[").append(c.slot).append("] pid ").append(c.pid).append(c.alive ? " alive" : " DEAD")
                    .append(", heartbeat ").append(age(c.heartbeatAgeMillis)).append(", position ").append(c.position)
                    .append(" (behind ").append(Math.max(0, tail - c.position)).append(" B)")
                    .append(", received ").append(c.received).append(", lapped ").append(c.lapped)
                    .append(", lost ").append(c.lost).append('\n');
        }
        return sb.toString();
    }

    private static String age(long ms) {
        return ms == Long.MAX_VALUE ? "never" : ms + " ms ago";
    }
}
