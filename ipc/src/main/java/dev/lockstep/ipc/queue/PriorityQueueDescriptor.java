package dev.lockstep.ipc.queue;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The binary layout of a {@link SharedPriorityQueue}'s structure area (layout revision 2, lanes; file
 * layout version 8), described once, in the style of Agrona's {@code RingBufferDescriptor}. Design and
 * measurements: {@code docs/design/shared-priority-queue-r2.md}. In a file the area follows the
 * 128-byte header ({@code dev.lockstep.ipc.shm.FileLayout}) of kind {@code PRIORITY_QUEUE}, whose size
 * parameters are {@link #PARAM_MAX_MESSAGES}, {@link #PARAM_MAX_MESSAGE_SIZE}, {@link #PARAM_MAX_PRIORITY}
 * and {@link #PARAM_LANES}.
 *
 * <pre>
 *  offset (from the structure area's start)
 *  +-------------------------------------------------------------------+
 *  | (spare)                                                           | 0      control line
 *  | not-empty wait word (int)                                         | 64     receivers sleep on it
 *  | not-full wait word (int)                                          | 96     senders sleep on it
 *  +-------------------------------------------------------------------+
 *  | sleep request (long): epoch &lt;&lt; 32 | sleeper bits: bit i = the  | 128    own 128-byte line
 *  |   receiver in sleeper slot i is in its sleep phase; the epoch     |
 *  |   grows when the bits leave 0                                     |
 *  +-------------------------------------------------------------------+
 *  | sleeper slots: 32 longs, 0 | token | RECOVERING | token            | 256    two lines
 *  +-------------------------------------------------------------------+
 *  | active bits: ceil(lanes / 64) longs, bit k = lane k not FREE      | 512    padded to 128
 *  +-------------------------------------------------------------------+
 *  | lane table: lanes entries of 512 bytes (four 128-byte lines)      | laneTableOffset
 *  |   line A, written when the lane changes hands or priority:        |
 *  |   +0   owner (long): FREE 0 | BOUND [| SPARE], RETIRED,           |
 *  |        FREEING | token                                            |
 *  |   +8   priority (int): every waiting record's priority            |
 *  |   +16  sleep acknowledgement (long): the last request epoch the    |
 *  |        lane's sender acknowledged (0: none)                       |
 *  |   +24  binder (long): which binding (thread, handle) of the       |
 *  |        owner's process claimed the lane; read by that process only |
 *  |   line B, written by receivers:                                   |
 *  |   +128 head (long): position &lt;&lt; 16 | claimer                  |
 *  |   +136 hold owner (long): 0 | HOLDING, CLEARING | token; GIVEN_BACK |
 *  |   +144 hold from (long): position &lt;&lt; 2 | mode (HELD, GIVEN_BACK) |
 *  |   +152 hold end (long): position &lt;&lt; 1 | won                      |
 *  |   +160 zeroed (long): position &lt;&lt; 16 | words: the words before  |
 *  |        position (up to 65535 of them) were zeroed by the holds    |
 *  |        that delivered them; while a hold is up, also the end of   |
 *  |        the sender's free space                                    |
 *  |   line C, written only by a blocked sender:                       |
 *  |   +256 space request (int): 1 while the lane's sender waits for   |
 *  |        room; the receive that moves the head clears it and wakes  |
 *  |   line D, written by the lane's sender on every send:             |
 *  |   +384 published stamp (long): the lane's last stamp              |
 *  +-------------------------------------------------------------------+
 *  | lane 0's ring: R bytes of records                                 | ringsOffset, 4096-aligned
 *  | lane 1's ring ...                                                 | + R
 *  +-------------------------------------------------------------------+
 * </pre>
 *
 * <h2>Positions</h2>
 * A lane's positions (its head, its sender's tail) count 8-byte words since the lane was first used,
 * modulo 2^{@value #POSITION_BITS}, and are compared only by their difference (always below
 * {@code R / 8}); the record at position {@code p} starts at ring offset {@code (8 p) & (R - 1)}.
 *
 * <h2>Record</h2>
 * A header (long), then the body, padded to 8 bytes; a record never crosses the ring's end. The word
 * after the last published record is 0 (no record yet): the sender zeroes it with each record, unless
 * the lane's zeroed word says a hold already zeroed it (the hold zeroes what it delivered).
 * <pre>
 *   bit 63       VALID     set in every published header
 *   bit 62       PAD       a padding record up to the ring's end (its body is not a message)
 *   bits 60..56  priority
 *   bits 55..24  stamp     32 bits, compared modulo 2^32 (serial-number arithmetic)
 *   bits 23..0   length    of the body in bytes
 *   0            no record (yet) at this position
 * </pre>
 */
public final class PriorityQueueDescriptor {
    /** File header size parameter: messages of the largest size one lane holds at least. */
    public static final int PARAM_MAX_MESSAGES = 0;
    /** File header size parameter: the largest message in bytes. */
    public static final int PARAM_MAX_MESSAGE_SIZE = 1;
    /** File header size parameter: the highest priority ({@link SharedPriorityQueue#MAX_PRIORITY}). */
    public static final int PARAM_MAX_PRIORITY = 2;
    /** File header size parameter: the number of lanes. */
    public static final int PARAM_LANES = 3;

    /** The not-empty futex word: receivers sleep on it while the queue is empty. */
    public static final int NOT_EMPTY_WAIT_WORD_OFFSET = 64;
    /** The not-full futex word: senders sleep on it while their lane is full or no lane is free. */
    public static final int NOT_FULL_WAIT_WORD_OFFSET = 96;
    /** The receivers' sleep request: {@code epoch << }{@value #EPOCH_SHIFT}{@code  | sleeper bits}. */
    public static final int SLEEP_REQUEST_OFFSET = MappedAccess.LINE;
    /** Position of the epoch in the sleep request. */
    public static final int EPOCH_SHIFT = 32;
    /** The sleeper bits of the sleep request: bit i set while slot i's receiver is in its sleep phase. */
    public static final long SLEEPERS_MASK = 0xFFFF_FFFFL;
    /** The sleeper slots: a receiver names itself (its token) in one before it sets its bit. */
    public static final int SLEEPER_SLOTS_OFFSET = 2 * MappedAccess.LINE;
    /** How many receivers may be in their sleep phase at once (more nap instead). */
    public static final int SLEEPER_SLOTS = 32;
    /** A sleeper slot's state bit while a recoverer clears a dead receiver's bit (low bits: its token). */
    public static final long SLOT_RECOVERING = 1L << 62;
    /** The active bits: bit k of word k / 64 set while lane k is not FREE. */
    public static final int ACTIVE_BITS_OFFSET = 4 * MappedAccess.LINE;
    /**
     * Bytes per lane table entry: four 128-byte lines, so that receivers, which read the owner word of
     * empty lanes and write the head, never share a line with the word a sender writes per message.
     */
    public static final int LANE_ENTRY_LENGTH = 4 * MappedAccess.LINE;

    /** Within a lane entry: the owner word. */
    public static final int LANE_OWNER_OFFSET = 0;
    /**
     * Within a lane entry: the priority the lane is bound for (int), which every record waiting in it
     * has; its binder may move a drained lane to another priority in place.
     */
    public static final int LANE_PRIORITY_OFFSET = 8;
    /** Within a lane entry: the last sleep-request epoch the lane's sender acknowledged (long, 0: none). */
    public static final int LANE_ACK_OFFSET = 16;
    /**
     * Within a lane entry: the binder word (long), a number the claiming process gives each binding (a
     * thread's table in one handle), written and read only by the process whose token the owner word
     * carries, so two bindings of one process (equal owner words) are told apart. Zero bytes in files
     * written before it and never read for another process's lane: no layout version change.
     */
    public static final int LANE_BINDER_OFFSET = 24;
    /** Within a lane entry: the stamp of the lane's last published record (long, low 32 bits used). */
    public static final int LANE_PUBLISHED_STAMP_OFFSET = 3 * MappedAccess.LINE;
    /** Within a lane entry: the receivers' head word, {@code position << 16 | claimer}. */
    public static final int LANE_HEAD_OFFSET = MappedAccess.LINE;
    /** Within a lane entry: the hold's owner word (a batch receive's claim on a run of the lane). */
    public static final int LANE_HOLD_OWNER_OFFSET = MappedAccess.LINE + 8;
    /** Within a lane entry: the hold's from word, {@code position << 2 | mode}: its next undelivered record. */
    public static final int LANE_HOLD_FROM_OFFSET = MappedAccess.LINE + 16;
    /** Within a lane entry: the hold's end word, {@code position << 1 | won}: where its run ends, and whether its claim won. */
    public static final int LANE_HOLD_END_OFFSET = MappedAccess.LINE + 24;
    /**
     * Within a lane entry: the zeroed word, {@code position << }{@value #ZEROED_WORDS_BITS}{@code  | words}:
     * the {@code words} words before {@code position} were zeroed by the holds that delivered them, in
     * one contiguous run (at most {@value #ZEROED_WORDS_MAX} words are claimed); written only by a lane's
     * holder. While a hold is up its position is also where the sender's free space ends (at or before
     * the hold's from word).
     */
    public static final int LANE_ZEROED_OFFSET = MappedAccess.LINE + 32;
    /** Bits of the word count in a zeroed word. */
    public static final int ZEROED_WORDS_BITS = 16;
    /** The most words a zeroed word claims. */
    public static final int ZEROED_WORDS_MAX = (1 << ZEROED_WORDS_BITS) - 1;
    /** The claimer a batch's head CAS writes into the head word. */
    public static final int HOLD_CLAIMER = 1;
    /** Hold owner state: a live batch receiver delivers the run (low bits: its token). */
    public static final long HOLDING = 1L << 62;
    /** Hold owner state: the rest of the run is given back (an exception, a dead holder). */
    public static final long GIVEN_BACK = 2L << 62;
    /** Hold owner state: one process ends the hold (low bits: its token). */
    public static final long CLEARING = 3L << 62;
    /** Bits of the mode in a hold's from word. */
    public static final int FROM_MODE_BITS = 2;
    /** The mode's mask in a hold's from word. */
    public static final long FROM_MODE_MASK = 3L;
    /** From-word mode: only the holder advances it (plain stores). */
    public static final long FROM_HELD = 1L;
    /** From-word mode: receivers claim the run's records by CAS of the from word. */
    public static final long FROM_GIVEN_BACK = 2L;
    /** Within a lane entry: the space request of a sender waiting for room (int, 1 while it waits). */
    public static final int LANE_SPACE_REQUEST_OFFSET = 2 * MappedAccess.LINE;

    /**
     * The rings start on a page, so rings of a page or more never share one and a lane never used costs
     * no memory on tmpfs.
     */
    public static final int RING_ALIGNMENT = 4096;
    /** The smallest ring (small queues, e.g. the jcstress states, stay small). */
    public static final int MIN_RING_BYTES = 1024;

    /** Owner word of a lane no sender holds. */
    public static final long FREE = 0L;
    /** State bits (63..62) of a lane a sending thread holds; the low bits are its process's token. */
    public static final long BOUND = 1L << 62;
    /** State bits of a lane whose sender is gone; receivers drain it, then free it. */
    public static final long RETIRED = 2L << 62;
    /** State bits of a lane one process is freeing (clearing its active bit). */
    public static final long FREEING = 3L << 62;
    /**
     * With {@link #BOUND}: a lane its sender bound beyond its budget of lanes ({@code
     * SharedPriorityQueue.LANES_PER_THREAD}) and has not sent into since; the sender takes it back by CAS to
     * BOUND before its next record there, and a receiver that finds it drained retires it by CAS, so a
     * sender that stops sending does not keep it.
     */
    public static final long SPARE = 1L << 61;
    /** The state bits of an owner word. */
    public static final long STATE_MASK = 3L << 62;
    /** The token bits of an owner word. */
    public static final long TOKEN_MASK = (1L << 56) - 1;

    /** A header's VALID bit. */
    public static final long VALID = 1L << 63;
    /** A header's PAD bit. */
    public static final long PAD = 1L << 62;
    /** Position of the priority in a header. */
    public static final int PRIORITY_SHIFT = 56;
    /** Position of the stamp in a header. */
    public static final int STAMP_SHIFT = 24;
    /** The length's bits of a header. */
    public static final long LENGTH_MASK = (1L << STAMP_SHIFT) - 1;
    /** The largest message length a header can hold. */
    public static final int MAX_LENGTH = (int) LENGTH_MASK;

    /** Bits of a position. */
    public static final int POSITION_BITS = 48;
    /** The mask of a position. */
    public static final long POSITION_MASK = (1L << POSITION_BITS) - 1;
    /** Bits of the claimer in a head word. */
    public static final int CLAIMER_BITS = 16;

    private PriorityQueueDescriptor() {
    }

    /**
     * Bytes of one lane's ring: a power of two that holds {@code maxMessages} records of the largest size
     * wherever the ring's end falls (one more record's worth, as a padding record may waste up to that).
     *
     * @param maxMessages    messages of the largest size one lane must hold
     * @param maxMessageSize the largest body in bytes
     * @return the ring's size in bytes
     */
    public static long ringBytes(int maxMessages, int maxMessageSize) {
        long need = (maxMessages + 1L) * recordBytes(maxMessageSize) + 8; // + padding, + the zeroed next header
        long r = MIN_RING_BYTES;
        while (r < need) {
            r <<= 1;
        }
        return r;
    }

    /**
     * Bytes a record of a {@code length}-byte body takes.
     *
     * @param length the body's length
     * @return header plus body, rounded up to 8
     */
    public static int recordBytes(int length) {
        return (8 + length + 7) & ~7;
    }

    /**
     * Offset of the lane table.
     *
     * @param lanes the number of lanes
     * @return its offset in the structure area
     */
    public static int laneTableOffset(int lanes) {
        return ACTIVE_BITS_OFFSET + MappedAccess.align(8 * ((lanes + 63) >>> 6), MappedAccess.LINE);
    }

    /**
     * Offset of lane {@code k}'s entry.
     *
     * @param lanes the number of lanes
     * @param k     the lane's index
     * @return its offset in the structure area
     */
    public static int laneOffset(int lanes, int k) {
        return laneTableOffset(lanes) + LANE_ENTRY_LENGTH * k;
    }

    /**
     * Offset of lane 0's ring.
     *
     * @param lanes the number of lanes
     * @return its offset in the structure area
     */
    public static long ringsOffset(int lanes) {
        return MappedAccess.align(laneTableOffset(lanes) + (long) LANE_ENTRY_LENGTH * lanes, RING_ALIGNMENT);
    }

    /**
     * Length of the whole structure area.
     *
     * @param maxMessages    messages of the largest size one lane holds
     * @param maxMessageSize the largest body in bytes
     * @param lanes          the number of lanes
     * @return the bytes needed
     */
    public static long structureLength(int maxMessages, int maxMessageSize, int lanes) {
        return ringsOffset(lanes) + lanes * ringBytes(maxMessages, maxMessageSize);
    }

    /**
     * A message record's header.
     *
     * @param priority the priority, 0..31
     * @param stamp    the Lamport stamp (low 32 bits kept)
     * @param length   the body's length
     * @return the header word
     */
    public static long header(int priority, int stamp, int length) {
        return VALID | ((long) priority << PRIORITY_SHIFT) | ((stamp & 0xFFFF_FFFFL) << STAMP_SHIFT) | length;
    }

    /**
     * A padding record's header.
     *
     * @param bytes the padding's length, header included (a multiple of 8, at least 8)
     * @return the header word
     */
    public static long padHeader(int bytes) {
        return VALID | PAD | (bytes - 8);
    }

    /**
     * The priority of a header.
     *
     * @param header a message header
     * @return its priority
     */
    public static int priority(long header) {
        return (int) (header >>> PRIORITY_SHIFT) & 0x1F;
    }

    /**
     * The stamp of a header.
     *
     * @param header a message header
     * @return its stamp
     */
    public static int stamp(long header) {
        return (int) (header >>> STAMP_SHIFT);
    }

    /**
     * The body length of a header (for a padding record: its length less 8).
     *
     * @param header a record header
     * @return the length
     */
    public static int length(long header) {
        return (int) (header & LENGTH_MASK);
    }

    /**
     * A head word.
     *
     * @param position the head's position
     * @param claimer  who moved it there (0: a copying receive)
     * @return the head word
     */
    public static long headWord(long position, int claimer) {
        return (position & POSITION_MASK) << CLAIMER_BITS | claimer;
    }

    /**
     * The position of a head word.
     *
     * @param headWord a head word
     * @return its position
     */
    public static long position(long headWord) {
        return headWord >>> CLAIMER_BITS;
    }
}
