package dev.lockstep.ipc.sync;

/**
 * Thrown by {@link IpcMutex#lock()}, {@link IpcMutex#lockInterruptibly()} and
 * {@link IpcMutex#tryLock} when they acquired a lock whose previous owner died holding it (POSIX
 * {@code EOWNERDEAD}). <strong>The caller holds the lock</strong>: it should repair the protected
 * state, call {@link IpcMutex#markConsistent()}, and unlock.
 */
public final class OwnerDiedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The pid of the owner that died holding the lock (in its own PID namespace). */
    private final long deadOwnerPid;

    OwnerDiedException(String mutex, long deadOwnerPid) {
        super(mutex + ": acquired, but the previous owner (pid " + deadOwnerPid
                + ") died holding it; the caller holds the lock: repair the protected state, call"
                + " markConsistent(), then unlock()");
        this.deadOwnerPid = deadOwnerPid;
    }

    /**
     * The pid of the owner that died holding the lock.
     *
     * @return that pid, as seen in the dead owner's PID namespace
     */
    public long deadOwnerPid() {
        return deadOwnerPid;
    }
}
