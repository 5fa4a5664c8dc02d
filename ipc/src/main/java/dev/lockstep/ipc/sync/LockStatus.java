package dev.lockstep.ipc.sync;

/**
 * Result of the robust acquisition methods of {@link IpcMutex} ({@code lockRobust},
 * {@code tryLockRobust}).
 */
public enum LockStatus {
    /** Acquired; the protected state is consistent. */
    ACQUIRED,
    /**
     * Acquired, but a previous owner died holding the lock (POSIX {@code EOWNERDEAD}) and nobody has
     * called {@link IpcMutex#markConsistent()} since: the caller holds the lock and should repair the
     * protected state, then call {@code markConsistent()} before unlocking.
     */
    OWNER_DIED,
    /** Not acquired (a {@code tryLockRobust} that failed or timed out). */
    NOT_ACQUIRED;

    /**
     * Whether the caller now holds the lock ({@link #ACQUIRED} or {@link #OWNER_DIED}).
     *
     * @return {@code true} unless this is {@link #NOT_ACQUIRED}
     */
    public boolean acquired() {
        return this != NOT_ACQUIRED;
    }
}
