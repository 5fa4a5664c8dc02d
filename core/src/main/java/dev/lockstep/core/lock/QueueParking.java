package dev.lockstep.core.lock;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

import java.util.concurrent.locks.LockSupport;

/**
 * Spin-then-park for the waiters of the FIFO locks ({@link TicketLock}, {@link ClhLock},
 * {@link McsLock}): a waiter spins at most {@link #SPINS} times on its wait condition, then announces
 * that it parks (each lock has its own announcement, checked again after it is published) and parks
 * until the thread that hands the lock over unparks it.
 *
 * <p>Why the FIFO locks need it: a FIFO lock hands the lock to one particular thread. When threads
 * outnumber cores that thread is often not running, and a pure spin lock then waits for the scheduler
 * to run it while the other waiters burn the cores it needs (the "0.002x" of the old report). Parking
 * after a short spin keeps the runnable threads to the holder and the next in line, and the explicit
 * unpark makes the hand-over cost one wake-up instead of a scheduler time slice.
 *
 * <p>This class owns only the parking itself: the timed/untimed park and the handling of interrupts in
 * {@link Waits#UNINTERRUPTIBLE} mode (cleared before parking, since a pending interrupt makes
 * {@code park} return at once, and reported to the caller, which sets the status again once it holds
 * the lock, as {@code AbstractQueuedSynchronizer} does). Package-private on purpose: a candidate for
 * the shared waiting layer in {@code core.internal}, where it can be folded in later.
 */
final class QueueParking {
    /**
     * Spins (each one {@link Thread#onSpinWait()}) before a waiter announces that it parks: the
     * {@code lockstep.spins} setting of {@link SpinPolicy}, so that one property tunes every spinning
     * primitive (and {@code -Dlockstep.spins=0} makes every waiter park at once, which the jcstress
     * hand-off tests use).
     */
    static final int SPINS = SpinPolicy.SPINS;

    private QueueParking() {
    }

    /**
     * Parks the current thread once, until unparked, interrupted, the deadline of a
     * {@link Waits#TIMED} wait, or spuriously: the caller checks its condition again in every case.
     *
     * @param blocker  the lock, shown by thread dumps as the object the thread is parked on
     * @param mode     {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE} or {@link Waits#TIMED}
     * @param deadline for {@link Waits#TIMED}, as from {@link Waits#deadline}
     * @return whether an interrupt of an {@link Waits#UNINTERRUPTIBLE} wait was cleared: the caller
     * must interrupt itself again once it is done waiting
     */
    static boolean park(Object blocker, int mode, long deadline) {
        boolean cleared = mode == Waits.UNINTERRUPTIBLE && Thread.interrupted();
        if (mode == Waits.TIMED) {
            long remaining = deadline - System.nanoTime();
            if (remaining > 0L) {
                LockSupport.parkNanos(blocker, remaining);
            }
        } else {
            LockSupport.park(blocker);
        }
        return cleared;
    }

    /** Sets the interrupt status again if {@link #park} cleared it. */
    static void restoreInterrupt(boolean cleared) {
        if (cleared) {
            Thread.currentThread().interrupt();
        }
    }
}
