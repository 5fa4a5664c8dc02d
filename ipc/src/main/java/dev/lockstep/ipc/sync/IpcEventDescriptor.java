package dev.lockstep.ipc.sync;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * Layout of an {@link IpcEvent} file's structure area (offsets relative to
 * {@link dev.lockstep.ipc.shm.SharedFile#STRUCTURE_OFFSET}). Header kind
 * {@link dev.lockstep.ipc.shm.StructureKind#EVENT}; size parameter 0 is 1 for an auto-reset event,
 * 0 for a manual-reset one.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  State (long): 0 = not set, 1 = set                           |  0
 *  |  padding to 128 (polled by waiters: its own line)             |
 *  +---------------------------------------------------------------+
 *  |  Wait word (int): futex sequence | sleepers bit (WaitWord)    | 128
 *  |  padding to 256 (read by every set(): its own line)           |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class IpcEventDescriptor {
    /** The event's state. */
    public static final int STATE_OFFSET = 0;
    /** The futex word waiters sleep on ({@link dev.lockstep.ipc.wait.WaitWord}); layout version 3. */
    public static final int WAIT_WORD_OFFSET = MappedAccess.LINE;
    /** Header size parameter: 1 auto-reset, 0 manual-reset. */
    public static final int PARAM_AUTO_RESET = 0;
    /** Bytes of structure area. */
    public static final long STRUCTURE_LENGTH = 2L * MappedAccess.LINE;

    private IpcEventDescriptor() {
    }
}
