package dev.lockstep.core.internal;

import java.util.concurrent.locks.LockSupport;

/**
 * The waiting steps of a waiter that is handed over to by one particular thread and waits on a
 * variable of its own algorithm (the FIFO locks of {@code dev.lockstep.core.lock}: {@code TicketLock},
 * {@code ClhLock}, {@code McsLock}): a short spin, then an announcement (the lock's own, checked again
 * after it is published), then park until the thread that hands over unparks it. This class owns the
 * steps that do not depend on the algorithm, written once: the spin budget, the exit checks (deadline
 * and interrupt, per {@link Waits} mode), the timed or untimed park, and the interrupt bookkeeping of an
 * {@link Waits#UNINTERRUPTIBLE} wait. Each lock keeps only its wait condition and its announcement.
 *
 * <pre>{@code
 * int spins = nextInLine ? 0 : SpinThenPark.SPINS;  // only the next in line spins
 * boolean cleared = false;
 * try {
 *     for (;;) {
 *         if (granted()) return true;
 *         int exit = SpinThenPark.checkExit(mode, deadline);
 *         if (exit != SpinThenPark.GO_ON) { withdraw(); ... }   // TIMED_OUT or INTERRUPTED
 *         if (SpinThenPark.spin(spins)) spins++;
 *         else if (!announced()) announce();                   // re-checked at the top
 *         else cleared |= SpinThenPark.park(lock, mode, deadline);
 *     }
 * } finally {
 *     SpinThenPark.restoreInterrupt(cleared);
 * }
 * }</pre>
 *
 * <p>Why these locks park: a FIFO lock hands the lock to one particular thread. When threads outnumber
 * cores that thread is often not running, and a pure spin lock then waits for the scheduler to run it
 * while the other waiters burn the cores it needs. Parking after a short spin keeps the runnable
 * threads to the holder and the next in line, and the explicit unpark makes the hand-over cost one
 * wake-up instead of a scheduler time slice.
 *
 * <p>Relation to the rest of the waiting layer: {@link SpinPolicy} is the policy of waiters that
 * nobody unparks (spin, yield, timed naps); {@link WaitQueue} and {@link WaitNode} are the waiting
 * layer of the synchronizers whose waiters queue in a list this layer owns ({@code WaitNode.await}
 * waits on the node's status with this class's {@link #checkExit} and {@link #park}, so the exit and
 * park rules live here once, and reports a give-up with the same {@link #TIMED_OUT} /
 * {@link #INTERRUPTED} values). This class also serves the queue locks,
 * whose queue is the algorithm itself (a ticket counter, a CLH or MCS node chain), so it owns the steps
 * and not the queue.
 *
 * <p>Implementation notes. Interrupts in {@link Waits#UNINTERRUPTIBLE} mode are cleared before
 * parking, since a pending interrupt makes {@code park} return at once (the wait would spin), and
 * reported to the caller, which sets the status again once the wait is over, as
 * {@code AbstractQueuedSynchronizer} does. A park may return spuriously, early, or on an unpark meant
 * for an earlier wait of the same thread: callers re-check their condition after every park. Nothing
 * here allocates.
 */
public final class SpinThenPark {
    /**
     * Spins (each one {@link Thread#onSpinWait()}) before a waiter announces that it parks: the
     * {@code lockstep.spins} setting of {@link SpinPolicy}, so that one property tunes every spinning
     * primitive ({@code -Dlockstep.spins=0} makes every waiter park at once, which the jcstress
     * hand-off tests use).
     */
    public static final int SPINS = SpinPolicy.SPINS;

    /** {@link #checkExit} result: the wait goes on. */
    public static final int GO_ON = 0;
    /** {@link #checkExit} result: a timed wait reached its deadline (the value {@code WaitNode.TIMED_OUT} has). */
    public static final int TIMED_OUT = -1;
    /**
     * {@link #checkExit} result: an interruptible wait was interrupted, and the interrupt status is
     * cleared (the value {@code WaitNode.INTERRUPTED} has).
     */
    public static final int INTERRUPTED = -2;

    private SpinThenPark() {
    }

    /**
     * One spin step, if the budget allows.
     *
     * @param spins the spins this waiter has made so far in this wait
     * @return {@code true} if it spun once ({@link Thread#onSpinWait()}) and the caller counts it;
     * {@code false} if the budget of {@link #SPINS} is spent and the caller announces or parks instead
     */
    public static boolean spin(int spins) {
        if (spins < SPINS) {
            Thread.onSpinWait();
            return true;
        }
        return false;
    }

    /**
     * The exit checks of one step of a wait, before it spins or parks: the interrupt of an
     * interruptible wait, then the deadline of a timed one.
     *
     * @param mode     {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE} or {@link Waits#TIMED}
     * @param deadline for {@link Waits#TIMED}, as from {@link Waits#deadline}
     * @return {@link #GO_ON}; {@link #INTERRUPTED} (the interrupt status cleared, as
     * {@link Thread#interrupted()} does) when an interruptible wait is interrupted; {@link #TIMED_OUT}
     * when a timed wait reached its deadline. On either of the last two the caller withdraws.
     */
    public static int checkExit(int mode, long deadline) {
        if (mode == Waits.UNINTERRUPTIBLE) {
            return GO_ON;
        }
        if (Thread.interrupted()) {
            return INTERRUPTED;
        }
        return mode == Waits.TIMED && System.nanoTime() - deadline >= 0 ? TIMED_OUT : GO_ON;
    }

    /**
     * Parks the current thread once, until unparked, interrupted, the deadline of a
     * {@link Waits#TIMED} wait, or spuriously: the caller checks its condition again in every case.
     *
     * @param blocker  the primitive, shown by thread dumps as the object the thread is parked on
     * @param mode     {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE} or {@link Waits#TIMED}
     * @param deadline for {@link Waits#TIMED}, as from {@link Waits#deadline}
     * @return whether an interrupt of an {@link Waits#UNINTERRUPTIBLE} wait was cleared: the caller
     * passes the accumulated result to {@link #restoreInterrupt} once it is done waiting
     */
    public static boolean park(Object blocker, int mode, long deadline) {
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

    /**
     * Parks the current thread once for at most {@code nanos} (and, in a {@link Waits#TIMED} wait, not
     * past its deadline), or until unparked, interrupted, or spuriously: a nap whose end nobody signals,
     * for a waiter that is not in any list a releaser looks at (WaitQueue's woken loser). The caller
     * runs {@link #checkExit} before it and checks its condition again after it.
     *
     * @param blocker  the primitive, shown by thread dumps as the object the thread is parked on
     * @param mode     {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE} or {@link Waits#TIMED}
     * @param deadline for {@link Waits#TIMED}, as from {@link Waits#deadline}
     * @param nanos    the longest nap, {@code > 0}
     * @return whether an interrupt of an {@link Waits#UNINTERRUPTIBLE} wait was cleared (as {@link #park})
     */
    public static boolean nap(Object blocker, int mode, long deadline, long nanos) {
        boolean cleared = mode == Waits.UNINTERRUPTIBLE && Thread.interrupted();
        if (mode == Waits.TIMED) {
            nanos = Math.min(nanos, deadline - System.nanoTime());
        }
        if (nanos > 0L) {
            LockSupport.parkNanos(blocker, nanos);
        }
        return cleared;
    }

    /**
     * Sets the interrupt status again if {@link #park} cleared it during the wait.
     *
     * @param cleared the results of this wait's {@link #park} calls, or-ed together
     */
    public static void restoreInterrupt(boolean cleared) {
        if (cleared) {
            Thread.currentThread().interrupt();
        }
    }
}
