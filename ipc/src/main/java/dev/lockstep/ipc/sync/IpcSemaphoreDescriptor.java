package dev.lockstep.ipc.sync;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * Layout of an {@link IpcSemaphore} file's structure area (offsets relative to
 * {@link dev.lockstep.ipc.shm.SharedFile#STRUCTURE_OFFSET}). Header kind
 * {@link dev.lockstep.ipc.shm.StructureKind#SEMAPHORE}; size parameter 0 is the number of permits,
 * parameter 1 the number of process slots in the holding table.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |  Available permits (long)                                     |  0
 *  |  padding to 128 (polled by waiters: its own line)             |
 *  +---------------------------------------------------------------+
 *  |  Guard word (long): 0, or the token of the process updating   | 128
 *  |  Recoveries (long): dead holders whose permits were returned  | 136
 *  |  padding to 192                                               |
 *  |  Wait word (int): futex sequence | sleepers bit (WaitWord)    | 192
 *  |  padding to 256                                               |
 *  +---------------------------------------------------------------+
 *  |  Slot 0: process token (long)                                 | 256
 *  |          permits held by that process (long)                  | 264
 *  |          padding to 128 (a slot is written by its process)    |
 *  +---------------------------------------------------------------+
 *  |  Slot 1 ...                                                   | 384
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class IpcSemaphoreDescriptor {
    /** Permits not held by any process. */
    public static final int AVAILABLE_OFFSET = 0;
    /** The guard: a robust spin lock (CAS 0 -&gt; token) serializing updates of the table. */
    public static final int GUARD_OFFSET = MappedAccess.LINE;
    /** Count of dead holders whose permits came back (statistics). */
    public static final int RECOVERIES_OFFSET = GUARD_OFFSET + 8;
    /**
     * The futex word waiters sleep on ({@link dev.lockstep.ipc.wait.WaitWord}; layout version 3): on
     * its own 64-byte cache line after the guard's.
     */
    public static final int WAIT_WORD_OFFSET = MappedAccess.LINE + 64;
    /** First slot of the holding table. */
    public static final int SLOTS_OFFSET = 2 * MappedAccess.LINE;
    /** Bytes per slot. */
    public static final int SLOT_LENGTH = MappedAccess.LINE;
    /** In a slot: the owning process's token (0 = free). */
    public static final int SLOT_TOKEN = 0;
    /** In a slot: permits held by that process. */
    public static final int SLOT_HELD = 8;
    /** Header size parameter: total permits. */
    public static final int PARAM_PERMITS = 0;
    /** Header size parameter: slots in the holding table. */
    public static final int PARAM_SLOTS = 1;

    private IpcSemaphoreDescriptor() {
    }

    /**
     * Offset of slot {@code i} of the holding table.
     *
     * @param i the slot index
     * @return its offset in the structure area
     */
    public static int slotOffset(int i) {
        return SLOTS_OFFSET + i * SLOT_LENGTH;
    }

    /**
     * Bytes of structure area for {@code slots} slots.
     *
     * @param slots the size of the holding table
     * @return the structure length
     */
    public static long structureLength(int slots) {
        return SLOTS_OFFSET + (long) slots * SLOT_LENGTH;
    }
}
