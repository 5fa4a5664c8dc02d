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
 *  | Consumer position, head (long) | producers' wait word (int)   |    0  written by the consumer
 *  | space request (long) | space ack (long)                     |
 *  +---------------------------------------------------------------+
 *  | Producer position, tail (long) | consumer's wait word (int)   |  128  CAS by producers
 *  | sleep request (long, one-to-one) | sleep ack (long, one-to-one) |
 *  +---------------------------------------------------------------+
 *  | Consumer token (long) | reserved (long) | heartbeat ms (long)  |  256  consumer identity
 *  | delivery cursor (long, many-to-one)                           |
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
 *
 * <p>The two wait words are {@link dev.lockstep.ipc.wait.WaitWord}s (futex sequence | sleepers bit):
 * the consumer sleeps on the one next to the tail while the ring is empty, a producer on the one next
 * to head while the ring is full. Each shares the line of the position its waker has just written
 * (a producer reads the consumer's word right after moving the tail; the consumer reads the
 * producers' word right after moving head), so the waker's check is a read of a line it already
 * holds; the word is written only by a waiter about to sleep and by the waker of a sleeper. They lie
 * in bytes that were spare (always zero) in layout version 3, so files of that version need no
 * conversion: zero is "sequence 0, nobody sleeps".
 *
 * <p>One-to-one only: the sleep request {@code epoch << 1 | wantsSleep} (written by the consumer when
 * it wants to sleep in the kernel, and to withdraw that) and the sleep acknowledgement (the last
 * epoch the producer acknowledged; from then on it publishes its tail with a volatile store and
 * checks the consumer's wait word after each message). Both lie in the tail's line, which the
 * producer reads on every send, and in bytes that were spare (zero) in layout version 3: zero is
 * "no request", and a producer of an older library never acknowledges, so a newer consumer facing it
 * polls, as before (see {@link ShmChannel}'s notes on kernel waiting).
 *
 * <p>One-to-one only, the mirror image for a producer that waits on a full ring (layout version 4):
 * the space request {@code epoch << 1 | wantsSleep} (written by the producer when it wants to sleep in
 * the kernel until space is freed, and to withdraw that) and the space acknowledgement (the last
 * epoch the consumer acknowledged; from then on it releases head with a volatile store and checks the
 * producers' wait word after each release). Both lie in head's line, which the consumer writes on
 * every release, so its per-release read of the request is a read of a line it holds. Without a
 * request the consumer releases head with a release store and reads nothing else: no full fence per
 * receive (before this it paid a volatile head store and a wait-word read on every release). The
 * handshake and its proof are in {@link OneToOneSender}'s notes. Zero is "no request"; but a version-3
 * producer sleeps on a full ring without requesting, and a newer consumer would then release head
 * without waking it (a wake-up lost for up to {@code WaitMode.MAX_SLEEP_MILLIS}): hence the layout
 * version 4, so that processes of the two libraries never share a channel.
 *
 * <p>Many-to-one (layout version 5, issue 12): the same two words, shared by all producers. The
 * request {@code epoch << 1 | raised} is raised by a producer about to sleep on a full ring (a CAS
 * from a clear bit to the next epoch; a producer that finds it raised joins that epoch) and withdrawn
 * only by the consumer (after a run of fenced releases that found no sleeper announced, so a
 * requester that died or stopped costs a bounded number of fenced releases); the acknowledgement is
 * the last epoch the consumer acknowledged. Without a raised request the consumer releases head with a
 * release store (before: a volatile store and a wait-word read per release batch). Proof in
 * {@link ManyToOneSender}'s notes. A version-4 many-to-one producer sleeps without raising the request,
 * hence the version bump.
 *
 * <p>Many-to-one (layout version 6, issue 12): the consumer's delivery cursor
 * ({@link #CONSUMER_CURSOR_OFFSET}), so that a receive call can zero its records at its end (not each
 * right after its delivery, which took back the line the producer was writing the next record into)
 * while a successor of a consumer that died inside the call still delivers again at most the record
 * that was in the handler. A version-5 consumer taking over from a dead version-6 one would ignore the
 * cursor and deliver the dead one's whole call again: hence the version bump.
 */
public final class ChannelDescriptor {
    /** Consumer position (head, long): bytes consumed since creation; written by the consumer only. */
    public static final int HEAD_OFFSET = 0;
    /** Producer position (tail, long): bytes claimed since creation; advanced by compare-and-set. */
    public static final int TAIL_OFFSET = MappedAccess.LINE;
    /**
     * The producers' wait word (int, {@link dev.lockstep.ipc.wait.WaitWord}): a producer blocked on a
     * full ring sleeps on it; the consumer wakes it after releasing head. In head's line.
     */
    public static final int PRODUCER_WAIT_OFFSET = HEAD_OFFSET + 8;
    /**
     * The consumer's wait word (int, {@link dev.lockstep.ipc.wait.WaitWord}): the consumer blocked on
     * an empty ring sleeps on it; a producer wakes it after publishing. In the tail's line.
     */
    public static final int CONSUMER_WAIT_OFFSET = TAIL_OFFSET + 8;
    /**
     * One-to-one: the consumer's sleep request (long): {@code epoch << 1 | 1} while it asks to be
     * allowed to sleep in the kernel, {@code epoch << 1} once withdrawn; 0 = never asked. Written by the
     * consumer only. In the tail's line (the producer reads it on every send).
     */
    public static final int SLEEP_REQUEST_OFFSET = TAIL_OFFSET + 16;
    /**
     * One-to-one: the producer's sleep acknowledgement (long): the last request epoch the producer saw
     * and acknowledged (every later send of it checks the consumer's wait word). Written by the producer
     * only. In the tail's line.
     */
    public static final int SLEEP_ACK_OFFSET = TAIL_OFFSET + 24;
    /**
     * The producers' space request (long): {@code epoch << 1 | 1} while a producer asks to be allowed to
     * sleep in the kernel on a full ring, {@code epoch << 1} once withdrawn; 0 = never asked. One-to-one:
     * written by the producer only. Many-to-one: raised by producers (CAS from a clear bit), withdrawn by
     * the consumer. In head's line (the consumer reads it on every release of head).
     */
    public static final int SPACE_REQUEST_OFFSET = HEAD_OFFSET + 16;
    /**
     * The consumer's space acknowledgement (long): the last space-request epoch the consumer saw and
     * acknowledged (every later release of head checks the producers' wait word, until the request is
     * withdrawn). Written by the consumer only. In head's line.
     */
    public static final int SPACE_ACK_OFFSET = HEAD_OFFSET + 24;
    /** Consumer's participant token (long); 0 when no consumer is registered. */
    public static final int CONSUMER_OWNER_OFFSET = 2 * MappedAccess.LINE;
    /** Consumer's heartbeat (long, milliseconds). */
    public static final int CONSUMER_HEARTBEAT_OFFSET = CONSUMER_OWNER_OFFSET + 16;
    /**
     * Many-to-one: the consumer's delivery cursor (long, layout version 6, issue 12): the ring position
     * after the last record whose delivery returned, stored by the consumer after each one. Records in
     * {@code [head, cursor)} were delivered but may not be zeroed yet (a receive call zeroes its records
     * at its end); a successor taking over from a dead consumer zeroes them without delivering them
     * again. A cursor at or below head means nothing. Written by the consumer only, in its identity line
     * (the producers never touch it).
     */
    public static final int CONSUMER_CURSOR_OFFSET = CONSUMER_OWNER_OFFSET + 24;
    /** Start of the statistics line, written by the consumer. */
    public static final int STATS_OFFSET = 3 * MappedAccess.LINE;
    /** Count of claims of dead producers the consumer skipped (long). */
    public static final int RECOVERED_CLAIMS_OFFSET = STATS_OFFSET;
    /** Bytes of the ring skipped by those recoveries (long). */
    public static final int RECOVERED_BYTES_OFFSET = STATS_OFFSET + 8;
    /** Count of claims fenced because a live producer stalled past the claim timeout (long). */
    public static final int TIMEOUT_RECOVERIES_OFFSET = STATS_OFFSET + 16;
    /** Count of times a consumer took over from a dead one (long). */
    public static final int CONSUMER_TAKEOVERS_OFFSET = STATS_OFFSET + 24;
    /** Start of the producer slot table: one {@link #SLOT_LENGTH} line per slot. */
    public static final int PRODUCER_TABLE_OFFSET = 4 * MappedAccess.LINE;
    /** Bytes per producer slot: one line. */
    public static final int SLOT_LENGTH = MappedAccess.LINE;
    /** In a slot: the producer's participant token (long); 0 when the slot is free. */
    public static final int SLOT_OWNER_OFFSET = 0;
    /** In a slot: the producer's heartbeat (long, milliseconds). */
    public static final int SLOT_HEARTBEAT_OFFSET = 16;
    /** In a slot: the ring position of the claim the producer is making (long). */
    public static final int SLOT_INTENT_POSITION_OFFSET = 24;
    /** In a slot: the length of that claim (long); negated once the record header is written. */
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

    /**
     * Offset of a producer slot in the structure area.
     *
     * @param i the slot index, from 0
     * @return the offset of the slot's line
     */
    public static int slotOffset(int i) {
        return PRODUCER_TABLE_OFFSET + i * SLOT_LENGTH;
    }

    /**
     * Offset of the data ring in the structure area.
     *
     * @param producerSlots the number of producer slots in the table before it
     * @return the offset of the first ring byte
     */
    public static int dataOffset(int producerSlots) {
        return PRODUCER_TABLE_OFFSET + producerSlots * SLOT_LENGTH;
    }

    /**
     * Length of the structure area.
     *
     * @param capacity      the ring capacity in bytes
     * @param producerSlots the number of producer slots
     * @return the bytes needed after the file header: control lines, slot table and ring
     */
    public static long structureLength(int capacity, int producerSlots) {
        return (long) dataOffset(producerSlots) + capacity;
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
     * Checks a producer slot count.
     *
     * @param slots the proposed number of producer slots
     * @return {@code slots}
     * @throws IllegalArgumentException naming the value if it is not in [1, {@link #MAX_PRODUCER_SLOTS}]
     */
    public static int checkProducerSlots(int slots) {
        if (slots < 1 || slots > MAX_PRODUCER_SLOTS) {
            throw new IllegalArgumentException("producer slots must be in [1, " + MAX_PRODUCER_SLOTS + "]: " + slots);
        }
        return slots;
    }
}
