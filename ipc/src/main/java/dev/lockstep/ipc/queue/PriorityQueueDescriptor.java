package dev.lockstep.ipc.queue;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The binary layout of a {@link SharedPriorityQueue}'s structure area (after the 128-byte file header),
 * described once, in the style of Agrona's {@code RingBufferDescriptor}.
 *
 * <pre>
 *  offset (from the structure area's start)
 *  +---------------------------------------------------------------+
 *  | Sequence counter (long): next send sequence number            |  0      own 128-byte line
 *  | (spare)                                                       |  8
 *  | Not-empty wait word (int): futex sequence | sleepers bit      |  64     receivers sleep on it
 *  | Not-full wait word (int): futex sequence | sleepers bit       |  96     senders sleep on it
 *  +---------------------------------------------------------------+
 *  | Ready bits: one bit per slot, ceil(maxMessages / 64) longs;   |  128
 *  | bit i set = slot i may be READY (a superset), padded to 128   |
 *  +---------------------------------------------------------------+
 *  | State words: one long per slot, maxMessages of them,          |  statesOffset(maxMessages)
 *  | densely packed, padded to 128                                 |
 *  +---------------------------------------------------------------+
 *  | Slot 0: ready word copy (long) | length (int) | reserved (int)|  slotsOffset(maxMessages)
 *  |         payload (maxMessageSize bytes, padded to 64)          |
 *  | Slot 1 ...                                                    |  + slotStride
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>State word</h2>
 * <pre>
 *   bits 63..62   state: 00 FREE, 01 WRITING, 10 READY, 11 READING
 *   FREE          all other bits zero
 *   READY         bits 61..56 priority, bits 55..0 sequence number
 *   WRITING,
 *   READING       bits 61..56 zero, bits 55..0 the owner's token
 * </pre>
 * The owner is a process, named by its {@link dev.lockstep.ipc.shm.Participants} token (unique among the
 * live processes of the folder in every PID namespace, never reissued, below 2^56), so one
 * compare-and-set both claims the slot and names its owner: there is no window in which a slot is
 * claimed but its owner unknown, and an owner word is never reused by another process.
 *
 * <h2>Wait words</h2>
 * The two futex words ({@link dev.lockstep.ipc.wait.WaitWord}: bit 0 "a sleeper announced itself",
 * bits 1..31 a wake-up sequence) live in the sequence counter's line, in bytes that earlier versions of
 * this layout left zero: zero is a valid wait word (sequence 0, no sleeper), so files created before
 * them need no new layout version. They are off the counter's 64-byte half (the counter is written by
 * every send; the words are only read on the fast path, written only when someone sleeps).
 *
 * <p>Header size parameters: 0 = maximum message count, 1 = maximum message size (bytes),
 * 2 = maximum priority.
 */
public final class PriorityQueueDescriptor {
    /** Header size parameter: maximum number of messages. */
    public static final int PARAM_MAX_MESSAGES = 0;
    /** Header size parameter: maximum message size in bytes. */
    public static final int PARAM_MAX_MESSAGE_SIZE = 1;
    /** Header size parameter: maximum priority. */
    public static final int PARAM_MAX_PRIORITY = 2;

    /** Sequence counter (long): the next send's sequence number; on its own line. */
    public static final int SEQUENCE_OFFSET = 0;
    /**
     * The futex word receivers sleep on while the queue is empty ({@link dev.lockstep.ipc.wait.WaitWord});
     * every publish of a READY word (a send, or recovery of a dead receiver's claim) signals it.
     */
    public static final int NOT_EMPTY_WAIT_WORD_OFFSET = 64;
    /**
     * The futex word senders sleep on while the queue is full ({@link dev.lockstep.ipc.wait.WaitWord});
     * every slot freed (a receive, a failed send, recovery of a dead sender's claim) signals it.
     */
    public static final int NOT_FULL_WAIT_WORD_OFFSET = 96;
    /** Start of the ready bits: one bit per slot, a superset of the READY slots. */
    public static final int READY_BITS_OFFSET = MappedAccess.LINE;

    /** Within a slot: the READY word the sender published, kept so a crashed reader's claim can be undone. */
    public static final int SLOT_READY_WORD_OFFSET = 0;
    /** Within a slot: the message length. */
    public static final int SLOT_LENGTH_OFFSET = 8;
    /** Within a slot: the payload. */
    public static final int SLOT_PAYLOAD_OFFSET = 16;
    /** Slots are 64-byte aligned so that one slot's payload never shares a cache line with another's. */
    public static final int SLOT_ALIGNMENT = 64;

    /** The state bits (63..62) of a state word. */
    public static final long STATE_MASK = 3L << 62;
    /** State word of a free slot (all bits zero). */
    public static final long FREE = 0L;
    /** State bits of a slot a sender is filling; the low bits hold its owner token. */
    public static final long WRITING = 1L << 62;
    /** State bits of a slot holding a message; the low bits hold priority and sequence number. */
    public static final long READY = 2L << 62;
    /** State bits of a slot a receiver is copying out; the low bits hold its owner token. */
    public static final long READING = 3L << 62;

    /** Position of the priority (bits 61..56) in a READY word. */
    public static final int PRIORITY_SHIFT = 56;
    /** Mask of the priority after shifting it down by {@link #PRIORITY_SHIFT}. */
    public static final long PRIORITY_MASK = 0x3FL;
    /** The sequence number's bits (55..0) in a READY word. */
    public static final long SEQUENCE_MASK = (1L << 56) - 1;

    /** The owner token's bits in a WRITING or READING word. */
    public static final long OWNER_MASK = (1L << 56) - 1;

    private PriorityQueueDescriptor() {
    }

    /**
     * Offset of the ready-bits word holding slot {@code i}'s bit ({@code 1L << (i & 63)}).
     *
     * @param i the slot index
     * @return the offset of that long in the structure area
     */
    public static int readyBitsOffset(int i) {
        return READY_BITS_OFFSET + 8 * (i >>> 6);
    }

    /**
     * Offset of the first state word.
     *
     * @param maxMessages the queue's slot count (maximum number of messages)
     * @return its offset in the structure area
     */
    public static int statesOffset(int maxMessages) {
        return READY_BITS_OFFSET + MappedAccess.align(8 * ((maxMessages + 63) >>> 6), MappedAccess.LINE);
    }

    /**
     * Offset of slot {@code i}'s state word.
     *
     * @param maxMessages the queue's slot count (maximum number of messages)
     * @param i           the slot index
     * @return its offset in the structure area
     */
    public static int stateOffset(int maxMessages, int i) {
        return statesOffset(maxMessages) + 8 * i;
    }

    /**
     * Distance between two slots.
     *
     * @param maxMessageSize the largest payload in bytes
     * @return slot header plus payload, rounded up to {@link #SLOT_ALIGNMENT}
     */
    public static int slotStride(int maxMessageSize) {
        return MappedAccess.align(SLOT_PAYLOAD_OFFSET + maxMessageSize, SLOT_ALIGNMENT);
    }

    /**
     * Offset of the first slot.
     *
     * @param maxMessages the queue's slot count (maximum number of messages)
     * @return its offset in the structure area
     */
    public static long slotsOffset(int maxMessages) {
        return MappedAccess.align(statesOffset(maxMessages) + 8L * maxMessages, MappedAccess.LINE);
    }

    /**
     * Length of the whole structure area.
     *
     * @param maxMessages the queue's slot count (maximum number of messages)
     * @param maxMessageSize the largest payload in bytes
     * @return the bytes needed after the file header
     */
    public static long structureLength(int maxMessages, int maxMessageSize) {
        return slotsOffset(maxMessages) + (long) maxMessages * slotStride(maxMessageSize);
    }

    /**
     * A READY word.
     *
     * @param priority the message priority, in [0, {@link SharedPriorityQueue#MAX_PRIORITY}]
     * @param sequence the message's sequence number (its low 56 bits are kept)
     * @return the state word of a slot holding that message
     */
    public static long readyWord(int priority, long sequence) {
        return READY | ((long) priority << PRIORITY_SHIFT) | (sequence & SEQUENCE_MASK);
    }

    /**
     * An owner word (WRITING or READING) for the process with {@code token}.
     *
     * @param state {@link #WRITING} or {@link #READING}
     * @param token the owner's {@link dev.lockstep.ipc.shm.Participants} token
     * @return the state word naming that owner
     * @throws IllegalArgumentException if the token is zero or does not fit in 56 bits
     */
    public static long ownerWord(long state, long token) {
        if (token == 0L || (token & ~OWNER_MASK) != 0L) {
            throw new IllegalArgumentException("owner token " + Long.toHexString(token) + " is zero or exceeds 56 bits");
        }
        return state | token;
    }

    /**
     * The priority of a READY word.
     *
     * @param readyWord a READY state word
     * @return its priority
     */
    public static int priority(long readyWord) {
        return (int) ((readyWord >>> PRIORITY_SHIFT) & PRIORITY_MASK);
    }

    /**
     * The sequence number of a READY word.
     *
     * @param readyWord a READY state word
     * @return its sequence number
     */
    public static long sequence(long readyWord) {
        return readyWord & SEQUENCE_MASK;
    }

    /**
     * The owner's token in an owner word.
     *
     * @param ownerWord a WRITING or READING state word
     * @return the owner's participant token
     */
    public static long ownerToken(long ownerWord) {
        return ownerWord & OWNER_MASK;
    }
}
