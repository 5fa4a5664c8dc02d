package dev.lockstep.ipc.queue;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The binary layout of a {@link SharedPriorityQueue}'s structure area (after the 128-byte file header),
 * described once, in the style of Agrona's {@code RingBufferDescriptor}. Queue layout revision
 * {@value #QUEUE_LAYOUT} (header size parameter {@link #PARAM_QUEUE_LAYOUT}; files of the earlier
 * slot-state-word layout have 0 there and are refused untouched).
 *
 * <pre>
 *  offset (from the structure area's start)
 *  +---------------------------------------------------------------+
 *  | Priorities word (long): bit p set = ring p was ever used      |  0      line 0
 *  | Not-empty wait word (int): futex sequence | sleepers bit      |  64     receivers sleep on it
 *  | Not-full wait word (int): futex sequence | sleepers bit       |  96     senders sleep on it
 *  +---------------------------------------------------------------+
 *  | Free ring head (long): next position senders take a slot from |  128    own line (senders)
 *  +---------------------------------------------------------------+
 *  | Free ring tail (long) - maxMessages: next position receivers  |  256    own line (receivers)
 *  | give a slot back at                                           |
 *  +---------------------------------------------------------------+
 *  | Ring p tail (long): next position senders claim in ring p     |  384 + 256 p        (senders)
 *  | Ring p head (long): next position receivers take in ring p    |  384 + 256 p + 128  (receivers)
 *  |   ... p = 0 .. 31                                             |
 *  +---------------------------------------------------------------+
 *  | Free ring cells: ringCapacity longs (stored XOR initial word)  |  CELLS_OFFSET = 8576
 *  +---------------------------------------------------------------+
 *  | Ring 0 cells: ringCapacity longs, padded to 128               |  ringCellsOffset(0)
 *  | ... Ring 31 cells                                             |
 *  +---------------------------------------------------------------+
 *  | Slot 0: reserved (long) | length (int) | reserved (int)       |  slotsOffset(maxMessages)
 *  |         payload (maxMessageSize bytes, padded to 64)          |
 *  | Slot 1 ...                                                    |  + slotStride
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <h2>Rings</h2>
 * Every ring is a bounded MPMC ring of {@code ringCapacity = nextPowerOfTwo(maxMessages)} cells in the
 * manner of D. Vyukov's bounded MPMC queue (2010): position {@code n} lives in cell
 * {@code n & (ringCapacity - 1)}, and the cell's word tells which lap it is ready for.
 * <pre>
 *   bits 63..23   lap: position &gt;&gt;&gt; log2(ringCapacity), low 41 bits
 *   bit  22       FULL: the cell holds a value for position (lap, index)
 *   bits 21..0    value: a slot index (FULL), else zero
 *   EMPTY(n)      = lap(n) &lt;&lt; 23                 ready for a sender of position n
 *   FULL(n, slot) = lap(n) &lt;&lt; 23 | 1 &lt;&lt; 22 | slot   position n published
 *   after a take  = EMPTY(n + ringCapacity)         ready for the next lap
 * </pre>
 * An all-zero ring is empty (cell i = EMPTY(i)). The free ring starts full (every slot free): its cells
 * are stored XOR {@link #freeInitialWord} and its tail minus {@code maxMessages}, so that an all-zero
 * structure area is a valid empty queue (as {@link SharedPriorityQueue#wrap} requires).
 *
 * <h2>Wait words</h2>
 * The two futex words ({@link dev.lockstep.ipc.wait.WaitWord}) live in line 0 next to the priorities
 * word, which is written once per priority in the queue's life.
 *
 * <p>Header size parameters: 0 = maximum message count, 1 = maximum message size (bytes),
 * 2 = maximum priority, 3 = queue layout revision ({@value #QUEUE_LAYOUT}).
 */
public final class PriorityQueueDescriptor {
    /** Header size parameter: maximum number of messages. */
    public static final int PARAM_MAX_MESSAGES = 0;
    /** Header size parameter: maximum message size in bytes. */
    public static final int PARAM_MAX_MESSAGE_SIZE = 1;
    /** Header size parameter: maximum priority. */
    public static final int PARAM_MAX_PRIORITY = 2;
    /** Header size parameter: the queue layout revision, {@link #QUEUE_LAYOUT}. */
    public static final int PARAM_QUEUE_LAYOUT = 3;
    /**
     * The queue layout revision this library reads and writes: 2, per-priority rings (issue 12). The
     * slot-state-word layout before it wrote 0 (no such parameter).
     */
    public static final long QUEUE_LAYOUT = 2;

    /** Number of priorities, hence of rings. */
    public static final int PRIORITIES = 32;

    /** The priorities word (long): bit p is set (once, before ring p's first publish) when ring p was used. */
    public static final int PRIORITIES_OFFSET = 0;
    /**
     * The futex word receivers sleep on while the queue is empty ({@link dev.lockstep.ipc.wait.WaitWord});
     * every publish signals it.
     */
    public static final int NOT_EMPTY_WAIT_WORD_OFFSET = 64;
    /**
     * The futex word senders sleep on while the queue is full ({@link dev.lockstep.ipc.wait.WaitWord});
     * every slot given back signals it.
     */
    public static final int NOT_FULL_WAIT_WORD_OFFSET = 96;
    /** The free ring's head (long): written by senders only. */
    public static final int FREE_HEAD_OFFSET = MappedAccess.LINE;
    /** The free ring's tail minus maxMessages (long): written by receivers only. */
    public static final int FREE_TAIL_OFFSET = 2 * MappedAccess.LINE;
    /** Ring 0's tail (long); ring p's is {@link #ringTailOffset}. */
    public static final int RINGS_COUNTERS_OFFSET = 3 * MappedAccess.LINE;
    /** The free ring's cells. */
    public static final int CELLS_OFFSET = RINGS_COUNTERS_OFFSET + PRIORITIES * 2 * MappedAccess.LINE;

    /** Within a cell word: the FULL bit. */
    public static final long FULL = 1L << 22;
    /** Within a cell word: the value's bits. */
    public static final long VALUE_MASK = FULL - 1;
    /** Within a cell word: where the lap starts. */
    public static final int LAP_SHIFT = 23;

    /** Within a slot: the message length. */
    public static final int SLOT_LENGTH_OFFSET = 8;
    /** Within a slot: the payload. */
    public static final int SLOT_PAYLOAD_OFFSET = 16;
    /** Slots are 64-byte aligned so that one slot's payload never shares a cache line with another's. */
    public static final int SLOT_ALIGNMENT = 64;

    private PriorityQueueDescriptor() {
    }

    /**
     * The cell count of every ring.
     *
     * @param maxMessages the queue's slot count
     * @return the smallest power of two {@code >= maxMessages}
     */
    public static int ringCapacity(int maxMessages) {
        return maxMessages <= 1 ? 1 : Integer.highestOneBit(maxMessages - 1) << 1;
    }

    /**
     * Offset of ring {@code p}'s tail counter (senders); its head counter (receivers) is one line after.
     *
     * @param p the priority
     * @return its offset in the structure area
     */
    public static int ringTailOffset(int p) {
        return RINGS_COUNTERS_OFFSET + p * 2 * MappedAccess.LINE;
    }

    /**
     * Offset of ring {@code p}'s head counter (receivers).
     *
     * @param p the priority
     * @return its offset in the structure area
     */
    public static int ringHeadOffset(int p) {
        return ringTailOffset(p) + MappedAccess.LINE;
    }

    /**
     * Bytes of one ring's cells, padded to a line.
     *
     * @param maxMessages the queue's slot count
     * @return the padded length
     */
    public static int ringLength(int maxMessages) {
        return MappedAccess.align(8 * ringCapacity(maxMessages), MappedAccess.LINE);
    }

    /**
     * Offset of ring {@code p}'s first cell.
     *
     * @param maxMessages the queue's slot count
     * @param p           the priority
     * @return its offset in the structure area
     */
    public static long ringCellsOffset(int maxMessages, int p) {
        return CELLS_OFFSET + (long) (p + 1) * ringLength(maxMessages);
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
        return CELLS_OFFSET + (long) (PRIORITIES + 1) * ringLength(maxMessages);
    }

    /**
     * Length of the whole structure area.
     *
     * @param maxMessages    the queue's slot count (maximum number of messages)
     * @param maxMessageSize the largest payload in bytes
     * @return the bytes needed after the file header
     */
    public static long structureLength(int maxMessages, int maxMessageSize) {
        return slotsOffset(maxMessages) + (long) maxMessages * slotStride(maxMessageSize);
    }

    /**
     * The cell word EMPTY(position): ready for the sender of {@code position}.
     *
     * @param position the ring position
     * @param shift    log2 of the ring capacity
     * @return the word
     */
    public static long empty(long position, int shift) {
        return (position >>> shift) << LAP_SHIFT;
    }

    /**
     * The cell word FULL(position, value).
     *
     * @param position the ring position
     * @param shift    log2 of the ring capacity
     * @param value    the slot index
     * @return the word
     */
    public static long full(long position, int shift, int value) {
        return ((position >>> shift) << LAP_SHIFT) | FULL | value;
    }

    /**
     * The free ring's initial cell word of cell {@code i}: FULL(i, i) for the first maxMessages cells
     * (every slot free), EMPTY(i) after them. Stored free-ring cells are XORed with it.
     *
     * @param maxMessages the queue's slot count
     * @param i           the cell index
     * @return the word
     */
    public static long freeInitialWord(int maxMessages, int i) {
        return i < maxMessages ? FULL | i : 0L;
    }
}
