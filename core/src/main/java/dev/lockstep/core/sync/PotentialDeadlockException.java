package dev.lockstep.core.sync;

import java.util.List;

/**
 * A lock-order violation found by {@link Lockdep}: the current thread acquires a Mutex while holding
 * another one that, by an earlier acquisition (maybe in another thread), is ordered after it. Two
 * threads following the two orders at the same time would deadlock.
 *
 * <p>The exception's own stack trace is the current acquisition; its {@linkplain #getCause() cause}
 * carries the stack trace of the acquisition that established the reverse order (for a longer cycle,
 * of the first edge of the reverse path; {@link #reversePath()} lists the whole path).
 */
public final class PotentialDeadlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient Object held;
    private final transient Object acquiring;
    private final transient List<Object> reversePath;

    PotentialDeadlockException(String message, Object held, Object acquiring, List<Object> reversePath,
                               Throwable reverseOrderTrace) {
        super(message, reverseOrderTrace);
        this.held = held;
        this.acquiring = acquiring;
        this.reversePath = reversePath;
    }

    /**
     * The lock the thread holds.
     *
     * @return the held lock
     */
    public Object heldLock() {
        return held;
    }

    /**
     * The lock the thread tried to acquire.
     *
     * @return the lock whose acquisition contradicts the established order
     */
    public Object acquiredLock() {
        return acquiring;
    }

    /**
     * The established order that the acquisition contradicts: a path of locks from
     * {@link #acquiredLock()} to {@link #heldLock()}, each acquired while holding the one before.
     *
     * @return the locks of the established order, from {@link #acquiredLock()} to {@link #heldLock()}
     */
    public List<Object> reversePath() {
        return reversePath;
    }
}
