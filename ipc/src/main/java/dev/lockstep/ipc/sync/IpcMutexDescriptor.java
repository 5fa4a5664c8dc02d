package dev.lockstep.ipc.sync;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * Layout of an {@link IpcMutex} file's structure area (offsets relative to
 * {@link dev.lockstep.ipc.shm.SharedFile#STRUCTURE_OFFSET}). Header kind
 * {@link dev.lockstep.ipc.shm.StructureKind#MUTEX}; size parameter 0 is the length of the protected
 * data area.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  Lock word (long): 0 = free, else owner token                 |  0
 *  |  (pid &lt;&lt; 32 | low 32 bits of the process start time)         |
 *  +---------------------------------------------------------------+
 *  |  padding to 128 bytes (the lock word's line is its own)       |
 *  +---------------------------------------------------------------+
 *  |  Inconsistent (long): 0, or the token of the owner that died  | 128
 *  |  Recoveries (long): times a dead owner's lock was taken over  | 136
 *  |  padding to 192                                               |
 *  |  Wait word (int): futex sequence | sleepers bit (WaitWord)    | 192
 *  |  padding to 256                                               |
 *  +---------------------------------------------------------------+
 *  |  Protected data area (parameter 0 bytes, 128-aligned) ...     | 256
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class IpcMutexDescriptor {
    /** The lock word: CAS 0 -&gt; owner token to acquire, release-store 0 to unlock. */
    public static final int LOCK_WORD_OFFSET = 0;
    /** Non-zero while the state is marked inconsistent after an owner died (cleared by markConsistent). */
    public static final int INCONSISTENT_OFFSET = MappedAccess.LINE;
    /** Count of dead-owner take-overs (statistics). */
    public static final int RECOVERIES_OFFSET = INCONSISTENT_OFFSET + 8;
    /**
     * The futex word waiters sleep on ({@link dev.lockstep.ipc.wait.WaitWord}; layout version 3): in
     * the rarely written second line, on its own 64-byte cache line.
     */
    public static final int WAIT_WORD_OFFSET = MappedAccess.LINE + 64;
    /** Start of the protected data area. */
    public static final int DATA_OFFSET = 2 * MappedAccess.LINE;
    /** Header size parameter holding the data area's length. */
    public static final int PARAM_DATA_LENGTH = 0;

    private IpcMutexDescriptor() {
    }

    /**
     * Bytes of structure area for a data area of {@code dataLength} bytes.
     *
     * @param dataLength the size of the protected data area
     * @return the structure length (the data area rounded up to whole lines)
     */
    public static long structureLength(int dataLength) {
        return DATA_OFFSET + MappedAccess.align((long) dataLength, MappedAccess.LINE);
    }
}
