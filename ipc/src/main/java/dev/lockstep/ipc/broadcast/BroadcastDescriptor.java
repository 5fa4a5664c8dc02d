package dev.lockstep.ipc.broadcast;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;

/**
 * The layout of a broadcast channel file after the Lockstep file header, and of its records: the one
 * place that describes the format (Agrona {@code BroadcastBufferDescriptor} style). Offsets are
 * relative to the start of the structure area ({@link SharedFile#STRUCTURE_OFFSET}); every line is
 * 128 bytes and has one writer.
 *
 * <pre>
 *  structure area
 *  +---------------------------------------------------------------+
 *  | tail intent | tail | latest | next sequence | oldest (longs)  |    0  producer line: written only
 *  |                                                               |       by the producer
 *  +---------------------------------------------------------------+
 *  | producer token | reserved | heartbeat ms | producer take-overs|  128  producer identity
 *  | recovered bytes (longs)                                       |
 *  +---------------------------------------------------------------+
 *  | consumer slot 0: token | reserved | heartbeat ms | position | |  256  one line per slot, written
 *  |   lapped | lost messages | received messages (longs)          |       by its consumer only
 *  +---------------------------------------------------------------+
 *  | ... consumer slot N-1                                         |  256 + 128 (N-1)
 *  +---------------------------------------------------------------+
 *  | Data ring: capacity bytes (power of two, &gt;= 256) of records   |  256 + 128 N
 *  +---------------------------------------------------------------+
 *
 *  record (8-byte aligned; a message never crosses the ring's end)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  Length (int): header + body, unaligned; padding: bytes skipped|  0   } one 8-byte word
 *  |  Type (int): &gt;= 0 message, -1 padding                         |  4   }
 *  +---------------------------------------------------------------+
 *  |  Sequence (long): message number since creation (messages)    |  8
 *  +---------------------------------------------------------------+
 *  |  Body ...                                                     | 16
 * </pre>
 *
 * <p>Header size parameters: 0 = ring capacity, 1 = maximum message length (capacity / 8),
 * 2 = consumer slot count, 3 = {@link #FORMAT_VERSION} of this structure layout (checked at open, on
 * top of the file's {@link dev.lockstep.ipc.shm.FileLayout#LAYOUT_VERSION}). Positions (tail intent,
 * tail, latest, consumer positions) are byte counts since creation, never wrapped; the ring index is
 * {@code position & (capacity - 1)}.
 *
 * <p>Producer line: the <em>tail intent</em> is the end of the range the producer is writing or last
 * wrote (it only grows, and it is stored before the first byte of that range); the <em>tail</em> is
 * the end of the last complete record; <em>latest</em> the start of the newest complete message
 * (stored after the tail, so a reader that sees it also sees a tail past it); <em>next sequence</em>
 * the number the next message gets (stored before the tail); <em>oldest</em> the start of the oldest
 * record not yet being overwritten (a record boundary at or after tail intent - capacity, stored
 * before the tail intent; format version 2). Padding records have a length of at
 * least 8 and may cross the ring's end (only their first word is read). Owner fields are 0 when
 * free, else the owner's {@link dev.lockstep.ipc.shm.Participants} token.
 */
public final class BroadcastDescriptor {
    /** Version of the broadcast layout (size parameter 3); bump on any change of this class's format. */
    public static final int FORMAT_VERSION = 2;

    /** Tail intent (long): end of the range the producer is writing or last wrote. */
    public static final int TAIL_INTENT_OFFSET = 0;
    /** Tail (long): end of the last complete record. */
    public static final int TAIL_OFFSET = 8;
    /** Latest (long): start of the newest complete message. */
    public static final int LATEST_OFFSET = 16;
    /** Next sequence (long): the number the next message gets. */
    public static final int NEXT_SEQUENCE_OFFSET = 24;
    /**
     * Oldest (long): start of the oldest record the producer is not overwriting, a record boundary
     * &gt;= tail intent - capacity (where a consumer made with {@link StartPosition#OLDEST} begins).
     */
    public static final int OLDEST_OFFSET = 32;
    /** Start of the producer identity line. */
    public static final int PRODUCER_OFFSET = MappedAccess.LINE;
    /** Producer's participant token (long); 0 when no producer is registered. */
    public static final int PRODUCER_OWNER_OFFSET = PRODUCER_OFFSET;
    /** Producer's heartbeat (long, milliseconds). */
    public static final int PRODUCER_HEARTBEAT_OFFSET = PRODUCER_OFFSET + 16;
    /** Count of times a producer took over from a dead one (long). */
    public static final int PRODUCER_TAKEOVERS_OFFSET = PRODUCER_OFFSET + 24;
    /** Bytes of dead producers' partial sends turned into padding (long). */
    public static final int RECOVERED_BYTES_OFFSET = PRODUCER_OFFSET + 32;
    /** Start of the consumer slot table: one {@link #SLOT_LENGTH} line per slot. */
    public static final int CONSUMER_TABLE_OFFSET = 2 * MappedAccess.LINE;
    /** Bytes per consumer slot: one line. */
    public static final int SLOT_LENGTH = MappedAccess.LINE;
    /** In a slot: the consumer's participant token (long); 0 when the slot is free. */
    public static final int SLOT_OWNER_OFFSET = 0;
    /** In a slot: the consumer's heartbeat (long, milliseconds). */
    public static final int SLOT_HEARTBEAT_OFFSET = 16;
    /** In a slot: the consumer's read position (long), for monitoring. */
    public static final int SLOT_POSITION_OFFSET = 24;
    /** In a slot: how many times the consumer was lapped by the producer (long). */
    public static final int SLOT_LAPPED_OFFSET = 32;
    /** In a slot: messages the consumer missed by being lapped (long). */
    public static final int SLOT_LOST_OFFSET = 40;
    /** In a slot: messages the consumer received (long). */
    public static final int SLOT_RECEIVED_OFFSET = 48;

    /** Record header length: length and type word, sequence word. */
    public static final int HEADER_LENGTH = 16;
    /** Record alignment. */
    public static final int ALIGNMENT = 8;
    /** Type of a padding record. */
    public static final int PADDING_TYPE = -1;
    /** Offset of the sequence word in a record. */
    public static final int SEQUENCE_FIELD_OFFSET = 8;

    /** Header size parameter index: ring capacity. */
    public static final int PARAM_CAPACITY = 0;
    /** Header size parameter index: maximum message length. */
    public static final int PARAM_MAX_MESSAGE_LENGTH = 1;
    /** Header size parameter index: consumer slot count. */
    public static final int PARAM_CONSUMER_SLOTS = 2;
    /** Header size parameter index: {@link #FORMAT_VERSION}. */
    public static final int PARAM_FORMAT_VERSION = 3;

    /** Smallest ring capacity. */
    public static final int MIN_CAPACITY = 256;
    /** Largest ring capacity. */
    public static final int MAX_CAPACITY = 1 << 30;
    /** Most consumer slots. */
    public static final int MAX_CONSUMER_SLOTS = 4096;
    /** Consumer slots of the factories that do not name a count. */
    public static final int DEFAULT_CONSUMER_SLOTS = 32;

    private BroadcastDescriptor() {
    }

    /**
     * Largest message body for a ring of {@code capacity} bytes: {@code capacity / 8}.
     *
     * @param capacity the ring capacity in bytes
     * @return the maximum message length in bytes
     */
    public static int maxMessageLength(int capacity) {
        return capacity / 8;
    }

    /**
     * Offset of a consumer slot in the structure area.
     *
     * @param i the slot index, from 0
     * @return the offset of the slot's line
     */
    public static int slotOffset(int i) {
        return CONSUMER_TABLE_OFFSET + i * SLOT_LENGTH;
    }

    /**
     * Offset of the data ring in the structure area.
     *
     * @param consumerSlots the number of consumer slots in the table before it
     * @return the offset of the first ring byte
     */
    public static int dataOffset(int consumerSlots) {
        return CONSUMER_TABLE_OFFSET + consumerSlots * SLOT_LENGTH;
    }

    /**
     * Length of the structure area.
     *
     * @param capacity      the ring capacity in bytes
     * @param consumerSlots the number of consumer slots
     * @return the bytes needed after the file header: producer lines, slot table and ring
     */
    public static long structureLength(int capacity, int consumerSlots) {
        return (long) dataOffset(consumerSlots) + capacity;
    }

    /**
     * The first word of a record: {@code length} in the low half, {@code type} in the high half.
     *
     * @param length the record length (header + body, unaligned; for padding, the bytes skipped)
     * @param type   the message type, or {@link #PADDING_TYPE}
     * @return the word, to be stored with one 8-byte access
     */
    public static long header(int length, int type) {
        return ((long) type << 32) | (length & 0xFFFF_FFFFL);
    }

    /**
     * The length field of a record's first word.
     *
     * @param word a record's first word as read from the ring
     * @return its length field
     */
    public static int length(long word) {
        return (int) word;
    }

    /**
     * The type field of a record's first word.
     *
     * @param word a record's first word as read from the ring
     * @return its type field
     */
    public static int type(long word) {
        return (int) (word >>> 32);
    }

    /**
     * {@code length} rounded up to the record alignment.
     *
     * @param length a length in bytes
     * @return the next multiple of {@link #ALIGNMENT}
     */
    public static int aligned(int length) {
        return (length + ALIGNMENT - 1) & -ALIGNMENT;
    }

    /**
     * Checks a capacity.
     *
     * @param capacity the proposed ring capacity in bytes
     * @return {@code capacity}
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

    /**
     * Checks a consumer slot count.
     *
     * @param slots the proposed number of consumer slots
     * @return {@code slots}
     * @throws IllegalArgumentException naming the value if it is not in [0, {@link #MAX_CONSUMER_SLOTS}]
     */
    public static int checkConsumerSlots(int slots) {
        if (slots < 0 || slots > MAX_CONSUMER_SLOTS) {
            throw new IllegalArgumentException("consumer slots must be in [0, " + MAX_CONSUMER_SLOTS + "]: " + slots);
        }
        return slots;
    }
}
