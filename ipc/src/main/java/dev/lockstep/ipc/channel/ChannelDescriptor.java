package dev.lockstep.ipc.channel;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;

/**
 * The layout of a channel file after the Lockstep file header (Agrona {@code RingBufferDescriptor}
 * style). Offsets below are relative to the start of the file's structure area
 * ({@link SharedFile#STRUCTURE_OFFSET}); every hot field has a 128-byte line to itself.
 *
 * <pre>
 *  structure area
 *  +---------------------------------------------------------------+
 *  | Consumer position, head (long)                                |    0  written by the consumer
 *  +---------------------------------------------------------------+
 *  | Producer position, tail (long)                                |  128  CAS by producers
 *  +---------------------------------------------------------------+
 *  | Consumer token (long) | reserved (long) | heartbeat ms (long)  |  256  consumer identity
 *  +---------------------------------------------------------------+
 *  | Recovered claims | recovered bytes | timeout recoveries |      |  384  statistics (consumer)
 *  | consumer take-overs (longs)                                   |
 *  +---------------------------------------------------------------+
 *  | Producer slot 0: token | reserved | heartbeat ms |            |  512  one line per slot
 *  |                  intent position | intent length (longs)      |
 *  +---------------------------------------------------------------+
 *  | ... producer slot N-1                                         |  512 + 128 (N-1)
 *  +---------------------------------------------------------------+
 *  | Data ring: capacity bytes (power of two, &gt;= 1 KiB) of records |  512 + 128 N
 *  | (see RecordDescriptor)                                   ...  |
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>Header size parameters: 0 = ring capacity, 1 = maximum message length (capacity / 8),
 * 2 = producer slot count. Positions (head, tail, intent) are byte counts since creation, never
 * wrapped; the ring index is {@code position & (capacity - 1)}.
 *
 * <p>A slot's owner field is 0 when free, else the owner's {@link dev.lockstep.ipc.shm.Participants}
 * token (the folder registry's name for a process, valid across PID namespaces and never reissued);
 * the same for the consumer. Liveness is {@code Participants.isDead(token)}.
 * The intent {position, length} is the range of the ring the slot's producer is claiming (written
 * before its tail compare-and-set): it lets the consumer skip a claim whose producer died between
 * moving the tail and writing the record header, or fence one whose producer stalled there. Once the
 * header is written the length is negated (a release store): the intent no longer covers anything,
 * and {@code position + |length|} still tells a successor taking over a dead owner's slot where that
 * owner's last claim ends.
 */
public final class ChannelDescriptor {
    public static final int HEAD_OFFSET = 0;
    public static final int TAIL_OFFSET = MappedAccess.LINE;
    public static final int CONSUMER_OWNER_OFFSET = 2 * MappedAccess.LINE;
    public static final int CONSUMER_HEARTBEAT_OFFSET = CONSUMER_OWNER_OFFSET + 16;
    public static final int STATS_OFFSET = 3 * MappedAccess.LINE;
    public static final int RECOVERED_CLAIMS_OFFSET = STATS_OFFSET;
    public static final int RECOVERED_BYTES_OFFSET = STATS_OFFSET + 8;
    public static final int TIMEOUT_RECOVERIES_OFFSET = STATS_OFFSET + 16;
    public static final int CONSUMER_TAKEOVERS_OFFSET = STATS_OFFSET + 24;
    public static final int PRODUCER_TABLE_OFFSET = 4 * MappedAccess.LINE;
    /** Bytes per producer slot: one line. */
    public static final int SLOT_LENGTH = MappedAccess.LINE;
    public static final int SLOT_OWNER_OFFSET = 0;
    public static final int SLOT_HEARTBEAT_OFFSET = 16;
    public static final int SLOT_INTENT_POSITION_OFFSET = 24;
    public static final int SLOT_INTENT_LENGTH_OFFSET = 32;

    /** Header size parameter index: ring capacity. */
    public static final int PARAM_CAPACITY = 0;
    /** Header size parameter index: maximum message length. */
    public static final int PARAM_MAX_MESSAGE_LENGTH = 1;
    /** Header size parameter index: producer slot count. */
    public static final int PARAM_PRODUCER_SLOTS = 2;

    /** Smallest ring capacity. */
    public static final int MIN_CAPACITY = 1024;
    /** Largest ring capacity. */
    public static final int MAX_CAPACITY = 1 << 30;
    /** Most producer slots (the slot index must fit {@link RecordDescriptor#SLOT_MASK}). */
    public static final int MAX_PRODUCER_SLOTS = 4096;

    private ChannelDescriptor() {
    }

    /** Offset of slot {@code i} in the structure area. */
    public static int slotOffset(int i) {
        return PRODUCER_TABLE_OFFSET + i * SLOT_LENGTH;
    }

    /** Offset of the data ring in the structure area. */
    public static int dataOffset(int producerSlots) {
        return PRODUCER_TABLE_OFFSET + producerSlots * SLOT_LENGTH;
    }

    /** Length of the structure area. */
    public static long structureLength(int capacity, int producerSlots) {
        return (long) dataOffset(producerSlots) + capacity;
    }

    /**
     * Checks a capacity.
     *
     * @throws IllegalArgumentException naming the value if it is not a power of two in
     *                                  [{@link #MIN_CAPACITY}, {@link #MAX_CAPACITY}]
     */
    public static int checkCapacity(int capacity) {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two in [" + MIN_CAPACITY + ", "
                    + MAX_CAPACITY + "]: " + capacity);
        }
        return capacity;
    }

    /** Checks a producer slot count. */
    public static int checkProducerSlots(int slots) {
        if (slots < 1 || slots > MAX_PRODUCER_SLOTS) {
            throw new IllegalArgumentException("producer slots must be in [1, " + MAX_PRODUCER_SLOTS + "]: " + slots);
        }
        return slots;
    }
}
