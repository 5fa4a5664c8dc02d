package dev.lockstep.ipc.wait;

import java.nio.ByteBuffer;

/**
 * The one internal interface that chooses how a waiter sleeps: the kernel primitive behind
 * {@link WaitWord}. The only implementation is {@code LinuxFutex} (JDK 22+, in
 * {@code META-INF/versions/22} of the jar), found by {@link Waiting}; without it (JDK 17-21, another
 * OS, native access refused, {@code -Dlockstep.ipc.wait=poll}) there is no kernel sleep and every
 * wait polls with its idle strategy.
 *
 * <p>Implementation notes: both operations address a 32-bit word of a {@code MAP_SHARED} file
 * mapping, so they must use the shared (non-private) futex operations, keyed by the file's inode and
 * offset, which processes mapping the file at different addresses agree on.
 */
public interface KernelSleep {
    /** Whether the calling thread may sleep in the kernel now (a virtual thread may not: it would pin its carrier). */
    boolean canSleep();

    /**
     * If the word at {@code buffer[offset]} still holds {@code expected}, sleeps until a
     * {@link #wakeAll} on it, a signal or {@code nanos} (&gt; 0) elapse, whichever comes first; returns
     * at once if the word differs. Spurious returns are allowed: callers re-check their condition.
     *
     * @return {@code false} if the kernel refused the call for another reason than those (the caller
     * then polls instead for the rest of its wait)
     */
    boolean sleep(ByteBuffer buffer, int offset, int expected, long nanos);

    /** Wakes every thread of every process sleeping on the word at {@code buffer[offset]}. */
    void wakeAll(ByteBuffer buffer, int offset);
}
