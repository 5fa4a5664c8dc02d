package dev.lockstep.core.lock;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * The {@link Lock} contract shared by every spin lock of this package, written once: ownership checks,
 * the three waiting modes, and the refusal of conditions. Each subclass supplies one algorithm through
 * {@link #tryAcquire()}, {@link #acquire(int, long)} and {@link #release()}.
 *
 * <p>Contract, for every lock:
 * <ul>
 *   <li>{@link #tryLock()} never waits;</li>
 *   <li>{@link #tryLock(long, TimeUnit)} waits until it gets the lock or the time has elapsed, and
 *       throws {@link InterruptedException} if interrupted while waiting;</li>
 *   <li>{@link #lockInterruptibly()} throws {@link InterruptedException} if interrupted before or
 *       while waiting;</li>
 *   <li>{@link #lock()} ignores interrupts (the status is kept);</li>
 *   <li>{@link #unlock()} by a thread that does not hold the lock, or of a free lock, throws
 *       {@link IllegalMonitorStateException};</li>
 *   <li>the locks are not reentrant: {@link #lock()} by the holder throws
 *       {@link IllegalMonitorStateException} instead of deadlocking;</li>
 *   <li>{@link #newCondition()} throws {@link UnsupportedOperationException}.</li>
 * </ul>
 * Waiting follows {@link dev.lockstep.core.internal.SpinPolicy}: spin, yield, then short parks.
 *
 * <p>JFR: every lock of this package emits {@code dev.lockstep.ContendedAcquire} for an acquisition
 * that waited at least the event's threshold (begun by {@link #beginContended()} once the first attempt
 * failed, ended when the wait ends: {@code acquired} is false for a timeout or an interrupt). The
 * uncontended path does not reach the hook.
 */
abstract class SpinLockBase implements Lock {
    /**
     * The holder, for the ownership checks only. Plain: written by the holder after it acquired and
     * cleared by it before it releases, so the algorithm's own acquire/release orders these writes. A
     * thread reading it can see its own reference only if it wrote it itself and has not cleared it
     * since (a thread never sees an older value than its own last write), i.e. only if it holds the
     * lock; any other value, stale or not, means "not me".
     */
    private Thread owner;

    /**
     * Steps of the FIFO locks' wait before the doorway while other threads are queued behind the holder
     * (see {@link #drainStep}): {@code lockstep.drainSteps}, by default {@link SpinPolicy#SPINS} spins +
     * {@link SpinPolicy#YIELDS} yields + 10 timed naps of {@link SpinPolicy#PARK_NANOS} (about 0.2-0.7 ms
     * in all with Linux timer slack, on top of the yields); 0 queues behind waiters at once (the
     * behaviour before 1 Dec 2026, kept for A/B measurements).
     */
    static final int DRAIN_STEPS = Integer.getInteger("lockstep.drainSteps", SpinPolicy.SPINS + SpinPolicy.YIELDS + 10);

    /**
     * {@link #drainStep} for an {@link Waits#UNINTERRUPTIBLE} wait only: a timed or interruptible one
     * queues at once (the wait before the doorway checks no deadline or interrupt).
     */
    static boolean drain(int mode, int step) {
        return mode == Waits.UNINTERRUPTIBLE && drainStep(step);
    }

    /**
     * One step of a FIFO lock's bounded wait before its doorway while other threads are queued behind the
     * holder (TicketLock, ClhLock, McsLock: "Letting a queue drain" in their javadoc): it waits as
     * {@link SpinPolicy#idle} does (spin, yield, then short timed naps, which nobody needs to cut short:
     * the thread has not queued, so no hand-over waits for it) instead of joining the queue, so that a
     * convoy of parked waiters can drain. Never parks untimed, allocates nothing.
     *
     * @param step the steps this thread has waited so far before the doorway
     * @return {@code true} if it waited once; {@code false} once {@link #DRAIN_STEPS} are spent (the
     * caller queues)
     */
    static boolean drainStep(int step) {
        if (step >= DRAIN_STEPS) {
            return false;
        }
        SpinPolicy.idle(step);
        return true;
    }

    /**
     * Begins the JFR {@code ContendedAcquire} event of a wait on this lock: called on a slow path only,
     * once the first attempt failed. Returns null (and computes nothing else) unless a recording enables
     * the event; pass the result to {@link Jfr#endContended}.
     *
     * @return the event, or {@code null}
     */
    final Object beginContended() {
        // Plain read of owner: a diagnostic snapshot for the event's holder field only (a reference read
        // is atomic, JLS 17.7, so it is some holder's thread, or null where not yet or no longer set).
        return Jfr.beginContended(this, null, owner);
    }

    /**
     * The contended part of {@link #acquire} for the locks whose first attempt is one try (TAS, TTAS
     * and the slot locks): {@link #awaitAfterFailedAttempt} inside the JFR {@code ContendedAcquire}
     * event. A method of its own, so that the uncontended path of {@code acquire} (one try, then return)
     * stays as small as it was before the event and is inlined whole.
     *
     * @return as {@link #acquire}
     * @throws InterruptedException as {@link #acquire}
     */
    final boolean acquireContended(int mode, long deadline) throws InterruptedException {
        Object jfr = beginContended(); // JFR ContendedAcquire: null unless a recording enables it
        boolean acquired = false;
        try {
            acquired = awaitAfterFailedAttempt(mode, deadline);
        } finally {
            Jfr.endContended(jfr, acquired);
        }
        return acquired;
    }

    /**
     * The wait of a lock that calls {@link #acquireContended}, after its first attempt failed: as
     * {@link #acquire}. The other locks (ticket, CLH, MCS) begin the event inside their own wait and
     * never call this.
     *
     * @return as {@link #acquire}
     * @throws InterruptedException as {@link #acquire}
     */
    boolean awaitAfterFailedAttempt(int mode, long deadline) throws InterruptedException {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " waits in its own acquire");
    }

    /** Acquires if that needs no waiting; never waits. */
    abstract boolean tryAcquire();

    /**
     * Acquires, waiting as {@code mode} says ({@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE}
     * or {@link Waits#TIMED} until {@code deadline}).
     *
     * @return {@code true} once acquired; {@code false} only for a timed wait that reached its deadline,
     * after withdrawing from the lock
     * @throws InterruptedException only in the interruptible modes, after withdrawing from the lock
     */
    abstract boolean acquire(int mode, long deadline) throws InterruptedException;

    /** Releases the lock; called by the holder only. */
    abstract void release();

    /**
     * Whether some thread holds the lock: a snapshot for monitoring and tests, not for
     * synchronization (the holder is recorded just after it acquires and cleared just before it
     * releases).
     *
     * @return {@code true} if some thread holds the lock at the time of the call
     */
    public final boolean isLocked() {
        return owner != null;
    }

    /**
     * Whether the current thread holds this lock.
     *
     * @return {@code true} if the calling thread holds the lock
     */
    public final boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }

    private void checkNotHeld() {
        if (owner == Thread.currentThread()) {
            throw new IllegalMonitorStateException(getClass().getSimpleName()
                    + " is not reentrant and the current thread already holds it");
        }
    }

    @Override
    public final void lock() {
        checkNotHeld();
        try {
            acquire(Waits.UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError("uninterruptible acquire threw", impossible);
        }
        owner = Thread.currentThread();
    }

    @Override
    public final void lockInterruptibly() throws InterruptedException {
        checkNotHeld();
        Waits.checkInterrupt();
        acquire(Waits.INTERRUPTIBLE, 0L);
        owner = Thread.currentThread();
    }

    @Override
    public final boolean tryLock() {
        checkNotHeld();
        if (tryAcquire()) {
            owner = Thread.currentThread();
            return true;
        }
        return false;
    }

    @Override
    public final boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        checkNotHeld();
        Waits.checkInterrupt();
        long deadline = Waits.deadline(time, unit);
        if (tryAcquire() || acquire(Waits.TIMED, deadline)) {
            owner = Thread.currentThread();
            return true;
        }
        return false;
    }

    @Override
    public final void unlock() {
        if (owner != Thread.currentThread()) {
            throw new IllegalMonitorStateException(getClass().getSimpleName() + " is "
                    + (isLocked() ? "held by another thread" : "not locked") + "; only its holder may unlock it");
        }
        owner = null;
        release();
    }

    /**
     * Not supported: spin locks have no wait queue to park condition waiters on.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public final Condition newCondition() {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " is a spin lock and has no conditions; use dev.lockstep.core.sync.Mutex, whose"
                + " newCondition() supports await/signal");
    }

    @Override
    public String toString() {
        Thread holder = owner;
        return super.toString() + (holder != null && isLocked() ? "[Locked by thread " + holder.getName() + "]"
                : isLocked() ? "[Locked]" : "[Unlocked]");
    }
}
