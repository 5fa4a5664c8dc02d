package dev.lockstep.ipc.sync;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * Layout of an {@link IpcBarrier} file's structure area (offsets relative to
 * {@link dev.lockstep.ipc.shm.SharedFile#STRUCTURE_OFFSET}). Header kind
 * {@link dev.lockstep.ipc.shm.StructureKind#BARRIER}; size parameter 0 is the number of parties.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  State (long): generation (bits 63..32) | broken (bit 31)     |  0
 *  |                | arrived in this generation (bits 30..0)      |
 *  |  padding to 128 (CAS'ed by arrivals, polled by waiters)       |
 *  +---------------------------------------------------------------+
 *  |  Break reason (long): generation (63..32) | code (31..0):     | 128
 *  |     pid of a dead party, or -1 timeout, -2 interrupt, -3 reset|
 *  |     -4 a dead party of unknown pid                            |
 *  |  Ended broken (long): generation + 1 of the last generation   | 136
 *  |     that reset() ended broken (0 = none)                      |
 *  |  padding to 192                                               |
 *  |  Wait word (int): futex sequence | sleepers bit (WaitWord)    | 192
 *  |  padding to 256                                               |
 *  +---------------------------------------------------------------+
 *  |  Party slot 0 (long): Participants token of the registered    | 256
 *  |     party's process, 0 = free                                 |
 *  |  Party slot 1 ...                                             | 264
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class IpcBarrierDescriptor {
    /** Generation, broken bit and arrival count, changed only by compare-and-set. */
    public static final int STATE_OFFSET = 0;
    /** Why the current generation broke (generation-tagged). */
    public static final int REASON_OFFSET = MappedAccess.LINE;
    /** Generation + 1 of the last generation that {@code reset()} ended while broken. */
    public static final int ENDED_BROKEN_OFFSET = REASON_OFFSET + 8;
    /**
     * The futex word waiters sleep on ({@link dev.lockstep.ipc.wait.WaitWord}; layout version 3): on
     * its own 64-byte cache line in the rarely written second line.
     */
    public static final int WAIT_WORD_OFFSET = MappedAccess.LINE + 64;
    /** First party slot (8 bytes each: written only on register/leave/reset, read by waiters each ms). */
    public static final int SLOTS_OFFSET = 2 * MappedAccess.LINE;
    /** Bit of the state set while the generation is broken. */
    public static final long BROKEN_BIT = 1L << 31;
    /** Mask of the arrival count in the state. */
    public static final long ARRIVED_MASK = BROKEN_BIT - 1;
    /**
     * Break code: a party's timed wait elapsed. Break codes are negative; a positive code is a dead
     * party's pid.
     */
    public static final int REASON_TIMEOUT = -1;
    /** Break code: a party was interrupted while waiting. */
    public static final int REASON_INTERRUPT = -2;
    /** Break code: the barrier was {@link IpcBarrier#reset() reset} while parties waited. */
    public static final int REASON_RESET = -3;
    /** A party died whose pid is no longer known (its registry entry was already reused). */
    public static final int REASON_DEAD_PARTY = -4;
    /** Header size parameter: parties. */
    public static final int PARAM_PARTIES = 0;

    private IpcBarrierDescriptor() {
    }

    /**
     * Offset of party slot {@code i}.
     *
     * @param i the slot index
     * @return the offset of its 8-byte identity word in the structure area
     */
    public static int slotOffset(int i) {
        return SLOTS_OFFSET + 8 * i;
    }

    /**
     * Bytes of structure area for {@code parties} parties.
     *
     * @param parties the number of parties (one slot each)
     * @return the structure length
     */
    public static long structureLength(int parties) {
        return SLOTS_OFFSET + 8L * parties;
    }
}
