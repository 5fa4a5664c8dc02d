package dev.lockstep.core.sync;

import dev.lockstep.core.internal.Waits;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.function.BooleanSupplier;

/**
 * A monitor with guards: one thread at a time occupies it, and a thread can wait, on entering or
 * while inside, for a boolean condition over the monitor's state (a {@link Guard}). Leaving the
 * monitor re-evaluates the guards that threads wait for and wakes one thread whose guard has become
 * true &mdash; never a herd that re-checks and goes back to sleep, and no {@code signal} call to
 * forget.
 *
 * <pre>{@code
 * final class BoundedBuffer<E> {
 *     private final Monitor monitor = new Monitor();
 *     private final Monitor.Guard notFull = monitor.newGuard(() -> count < items.length);
 *     private final Monitor.Guard notEmpty = monitor.newGuard(() -> count > 0);
 *     // items, putIndex, takeIndex, count: guarded by monitor
 *
 *     void put(E e) throws InterruptedException {
 *         monitor.enterWhen(notFull);
 *         try {
 *             items[putIndex] = e; putIndex = (putIndex + 1) % items.length; count++;
 *         } finally {
 *             monitor.leave(); // wakes one thread waiting on notEmpty (now true), if any
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>The construct is Hoare's and Brinch Hansen's monitor (C.A.R. Hoare, <i>Monitors: an operating
 * system structuring concept</i>, CACM 17(10), 1974; P. Brinch Hansen, <i>Operating System
 * Principles</i>, 1973) with implicit signalling on declarative conditions, as in Guava's
 * {@code com.google.common.util.concurrent.Monitor} (whose API this follows) and the "automatic
 * signal" monitors of Buhr, Fortier &amp; Coffin (<i>Monitor classification</i>, ACM Computing
 * Surveys 27(1), 1995). Signalling is signal-and-continue (Mesa semantics): a woken thread re-acquires
 * the monitor and re-checks its guard, so guards need no care about who runs first.
 *
 * <p>Implementation: a {@link Mutex} (spin-then-park, optionally fair) with one {@link Condition} per
 * guard. The monitor keeps the list of guards that have waiters; when the occupant leaves (or starts
 * waiting), it evaluates those guards in turn and signals <em>one</em> waiter of the first guard found
 * true. That waiter, once it has entered and left, signals the next, and so on (chained signalling):
 * each state change wakes at most one thread, and only one whose guard was true at the time.
 *
 * <p>Properties: mutual exclusion (the Mutex); reentrant (an occupant may enter again and must leave
 * as many times; guards are evaluated only when the outermost occupancy ends); no lost wake-up (a
 * thread that waits for a guard is woken whenever the guard is true at some leave and no other
 * thread takes it first); fairness: that of the Mutex for entering, FIFO among the waiters of one
 * guard, and guards are checked most-recently-waited-for first; progress: blocking. Guards are
 * evaluated only by the occupant, so they may read the monitor's state with plain accesses; they must
 * be quick and free of side effects. A guard that throws makes the monitor wake every waiter (so that
 * none is stranded) and the exception propagates to the thread that evaluated it (a thread whose own
 * guard threw gets that exception, any later one from passing its wake-up on added as suppressed). A
 * guard may use the monitor re-entrantly (queries, balanced enter/leave, enterIf), but must not wait
 * (waitFor, enterWhen that would wait) or leave the level it is evaluated at: that would release the
 * monitor in the middle of the evaluation, and is refused with {@link IllegalStateException}. A guard
 * that blocks blocks its evaluator, who occupies the monitor; other threads' timed and interruptible
 * entries still time out and are interruptible. Space: one Mutex,
 * one condition per guard, nothing per waiting thread beyond the Mutex's reusable node. Works with
 * virtual threads.
 */
public final class Monitor {
    /*
     * Implementation notes.
     * activeGuards (a singly linked list through Guard.next) and every Guard.waiterCount are guarded by
     * the Mutex: plain accesses. A guard is in the list iff waiterCount > 0. Signalling before waiting:
     * a thread that waits while it has occupied the monitor (waitFor, or enterWhen by an occupant
     * re-entering) may have changed the state, and await releases the monitor, so it signals first, as
     * leave() would. A freshly entered thread has changed nothing since the last leave signalled, so it
     * does not. A thread that gives up after it may have consumed a signal (interrupted) passes it on.
     */

    /**
     * A boolean condition over the monitor's state that threads can wait for. Evaluated only while
     * occupying the monitor.
     */
    public abstract static class Guard {
        final Monitor monitor;
        final Condition condition;
        /** Threads waiting for this guard; guarded by the monitor. */
        int waiterCount;
        /** The next guard with waiters; guarded by the monitor. */
        Guard next;

        /**
         * A guard of {@code monitor}; subclasses implement {@link #isSatisfied()}.
         *
         * @param monitor the monitor whose state this guard reads
         * @throws NullPointerException if {@code monitor} is null
         */
        protected Guard(Monitor monitor) {
            if (monitor == null) {
                throw new NullPointerException("monitor");
            }
            this.monitor = monitor;
            this.condition = monitor.lock.newCondition();
        }

        /**
         * Evaluates the guard. Called only by the thread occupying the monitor; must not change the
         * monitor's state.
         *
         * @return {@code true} if the condition holds in the monitor's current state
         */
        public abstract boolean isSatisfied();
    }

    private static final class SupplierGuard extends Guard {
        private final BooleanSupplier test;

        SupplierGuard(Monitor monitor, BooleanSupplier test) {
            super(monitor);
            this.test = test;
        }

        @Override
        public boolean isSatisfied() {
            return test.getAsBoolean();
        }
    }

    /** {@link #doAwait}'s fourth mode, besides those of {@link Waits}: timed, ignoring interrupts. */
    private static final int TIMED_UNINTERRUPTIBLE = -1;

    private final Mutex lock;
    /** Guards with waiters, most recently waited-for first; guarded by lock. */
    private Guard activeGuards;
    /**
     * While a guard is being evaluated: the evaluator's occupancy depth at that moment, else 0.
     * Guarded by lock (only the occupant evaluates, reads or writes it).
     */
    private int evaluatingAt;

    /** An unfair monitor (entering threads may barge ahead of queued ones, like {@code new ReentrantLock()}). */
    public Monitor() {
        this(false);
    }

    /**
     * A monitor whose entering threads are served FIFO if {@code fair}.
     *
     * @param fair {@code true} to serve entering threads in FIFO order, {@code false} to let them barge
     */
    public Monitor(boolean fair) {
        this.lock = new Mutex(fair, "Monitor");
    }

    /**
     * A guard evaluating {@code condition}, e.g. {@code monitor.newGuard(() -> count < capacity)}.
     *
     * @param condition the condition, evaluated by the occupying thread only; it must not change the
     *                  monitor's state
     * @return a new guard of this monitor
     * @throws NullPointerException if {@code condition} is null
     */
    public Guard newGuard(BooleanSupplier condition) {
        if (condition == null) {
            throw new NullPointerException("condition");
        }
        return new SupplierGuard(this, condition);
    }

    // ---------------------------------------------------------------------------------------------
    // Entering unconditionally

    /** Enters, waiting as long as needed; ignores interrupts (the status is kept). */
    public void enter() {
        lock.lock();
    }

    /**
     * Enters, waiting at most the given time; ignores interrupts (the status is kept).
     *
     * @param time the maximum time to wait; zero or negative: do not wait
     * @param unit the unit of {@code time}
     * @return {@code true} if the monitor was entered, {@code false} if the time elapsed first
     */
    public boolean enter(long time, TimeUnit unit) {
        return lockUninterruptibly(Waits.deadline(time, Waits.requireUnit(unit)));
    }

    /**
     * Enters, waiting as long as needed.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void enterInterruptibly() throws InterruptedException {
        lock.lockInterruptibly();
    }

    /**
     * Enters, waiting at most the given time.
     *
     * @param time the maximum time to wait; zero or negative: do not wait
     * @param unit the unit of {@code time}
     * @return {@code true} if the monitor was entered, {@code false} if the time elapsed first
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean enterInterruptibly(long time, TimeUnit unit) throws InterruptedException {
        return lock.tryLock(time, Waits.requireUnit(unit));
    }

    /**
     * Enters if that needs no waiting; like {@code ReentrantLock.tryLock()}, ignores fairness.
     *
     * @return {@code true} if the monitor was entered
     */
    public boolean tryEnter() {
        return lock.tryLock();
    }

    // ---------------------------------------------------------------------------------------------
    // Entering when a guard is satisfied

    /**
     * Enters when the guard is satisfied, waiting as long as needed.
     *
     * @param guard a guard of this monitor
     * @throws InterruptedException if interrupted while waiting (the monitor is then not occupied)
     */
    public void enterWhen(Guard guard) throws InterruptedException {
        checkGuard(guard);
        boolean reentrant = lock.isHeldByCurrentThread();
        lock.lockInterruptibly();
        try {
            if (!evaluate(guard)) {
                await(guard, reentrant);
            }
        } catch (Throwable t) {
            leaveAfterFailure(reentrant, t);
            throw t;
        }
    }

    /**
     * Enters when the guard is satisfied, waiting at most the given time in all (for the monitor and
     * for the guard).
     *
     * @param guard a guard of this monitor
     * @param time  the maximum time to wait; zero or negative: do not wait
     * @param unit  the unit of {@code time}
     * @return whether the monitor was entered (with the guard satisfied)
     * @throws InterruptedException if interrupted while waiting (the monitor is then not occupied)
     */
    public boolean enterWhen(Guard guard, long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        checkGuard(guard);
        long deadline = Waits.deadline(time, unit);
        boolean reentrant = lock.isHeldByCurrentThread();
        Waits.checkInterrupt();
        // A fair monitor does not barge (Mutex.tryLock() would, as ReentrantLock's does).
        if ((lock.isFair() || !lock.tryLock())
                && !lock.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        boolean satisfied;
        try {
            satisfied = evaluate(guard) || awaitNanos(guard, deadline, reentrant);
        } catch (Throwable t) {
            leaveAfterFailure(reentrant, t);
            throw t;
        }
        if (!satisfied) {
            leaveAfterFailure(reentrant, null);
        }
        return satisfied;
    }

    /**
     * Enters when the guard is satisfied, waiting as long as needed; ignores interrupts (status kept).
     *
     * @param guard a guard of this monitor
     */
    public void enterWhenUninterruptibly(Guard guard) {
        checkGuard(guard);
        boolean reentrant = lock.isHeldByCurrentThread();
        lock.lock();
        try {
            if (!evaluate(guard)) {
                awaitUninterruptibly(guard, reentrant);
            }
        } catch (Throwable t) {
            leaveAfterFailure(reentrant, t);
            throw t;
        }
    }

    /**
     * Enters when the guard is satisfied, waiting at most the given time in all; ignores interrupts
     * (the status is kept).
     *
     * @param guard a guard of this monitor
     * @param time  the maximum time to wait; zero or negative: do not wait
     * @param unit  the unit of {@code time}
     * @return whether the monitor was entered (with the guard satisfied)
     */
    public boolean enterWhenUninterruptibly(Guard guard, long time, TimeUnit unit) {
        Waits.requireUnit(unit);
        checkGuard(guard);
        long deadline = Waits.deadline(time, unit);
        boolean reentrant = lock.isHeldByCurrentThread();
        if (!lockUninterruptibly(deadline)) {
            return false;
        }
        boolean satisfied;
        try {
            satisfied = evaluate(guard) || awaitNanosUninterruptibly(guard, deadline, reentrant);
        } catch (Throwable t) {
            leaveAfterFailure(reentrant, t);
            throw t;
        }
        if (!satisfied) {
            leaveAfterFailure(reentrant, null);
        }
        return satisfied;
    }

    // ---------------------------------------------------------------------------------------------
    // Entering if a guard is satisfied (no waiting for the guard)

    /**
     * Enters (waiting for the monitor as long as needed, ignoring interrupts) if the guard is then
     * satisfied; otherwise leaves at once.
     *
     * @param guard a guard of this monitor
     * @return whether the monitor was entered
     */
    public boolean enterIf(Guard guard) {
        checkGuard(guard);
        lock.lock();
        return stayIfSatisfied(guard);
    }

    /**
     * As {@link #enterIf(Guard)}, waiting at most the given time for the monitor.
     *
     * @param guard a guard of this monitor
     * @param time  the maximum time to wait; zero or negative: do not wait
     * @param unit  the unit of {@code time}
     * @return whether the monitor was entered (within the time, with the guard satisfied)
     */
    public boolean enterIf(Guard guard, long time, TimeUnit unit) {
        Waits.requireUnit(unit);
        checkGuard(guard);
        return lockUninterruptibly(Waits.deadline(time, unit)) && stayIfSatisfied(guard);
    }

    /**
     * As {@link #enterIf(Guard)}, but interruptible while waiting for the monitor.
     *
     * @param guard a guard of this monitor
     * @return whether the monitor was entered (with the guard satisfied)
     * @throws InterruptedException if interrupted while waiting (the monitor is then not occupied)
     */
    public boolean enterIfInterruptibly(Guard guard) throws InterruptedException {
        checkGuard(guard);
        lock.lockInterruptibly();
        return stayIfSatisfied(guard);
    }

    /**
     * Enters if the monitor is free and the guard satisfied; never waits.
     *
     * @param guard a guard of this monitor
     * @return whether the monitor was entered (with the guard satisfied)
     */
    public boolean tryEnterIf(Guard guard) {
        checkGuard(guard);
        return lock.tryLock() && stayIfSatisfied(guard);
    }

    // ---------------------------------------------------------------------------------------------
    // Waiting inside

    /**
     * Waits, while occupying the monitor, until the guard is satisfied (the monitor is released while
     * waiting and re-occupied, with the same depth, before returning or throwing).
     *
     * @param guard a guard of this monitor
     * @throws IllegalMonitorStateException if the current thread does not occupy the monitor
     * @throws InterruptedException         if interrupted while waiting
     */
    public void waitFor(Guard guard) throws InterruptedException {
        checkOccupant(guard);
        if (!evaluate(guard)) {
            await(guard, true);
        }
    }

    /**
     * As {@link #waitFor(Guard)}, waiting at most the given time.
     *
     * @param guard a guard of this monitor
     * @param time  the maximum time to wait; zero or negative: do not wait
     * @param unit  the unit of {@code time}
     * @return whether the guard is satisfied
     * @throws IllegalMonitorStateException if the current thread does not occupy the monitor
     * @throws InterruptedException         if interrupted while waiting (the monitor is still occupied)
     */
    public boolean waitFor(Guard guard, long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        checkOccupant(guard);
        long deadline = Waits.deadline(time, unit);
        return evaluate(guard) || awaitNanos(guard, deadline, true);
    }

    /**
     * As {@link #waitFor(Guard)}, ignoring interrupts (the status is kept).
     *
     * @param guard a guard of this monitor
     * @throws IllegalMonitorStateException if the current thread does not occupy the monitor
     */
    public void waitForUninterruptibly(Guard guard) {
        checkOccupant(guard);
        if (!evaluate(guard)) {
            awaitUninterruptibly(guard, true);
        }
    }

    /**
     * As {@link #waitFor(Guard, long, TimeUnit)}, ignoring interrupts (the status is kept).
     *
     * @param guard a guard of this monitor
     * @param time  the maximum time to wait; zero or negative: do not wait
     * @param unit  the unit of {@code time}
     * @return whether the guard is satisfied
     * @throws IllegalMonitorStateException if the current thread does not occupy the monitor
     */
    public boolean waitForUninterruptibly(Guard guard, long time, TimeUnit unit) {
        Waits.requireUnit(unit);
        checkOccupant(guard);
        long deadline = Waits.deadline(time, unit);
        return evaluate(guard) || awaitNanosUninterruptibly(guard, deadline, true);
    }

    // ---------------------------------------------------------------------------------------------
    // Leaving and introspection

    /**
     * Leaves the monitor (one level, if entered several times). Leaving the outermost level wakes one
     * thread waiting for a guard that is now satisfied, if any.
     *
     * @throws IllegalMonitorStateException if the current thread does not occupy the monitor
     */
    public void leave() {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("the current thread does not occupy this Monitor");
        }
        checkNotEvaluating("leave()");
        try {
            if (lock.getHoldCount() == 1) {
                signalNextWaiter();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the monitor is fair.
     *
     * @return {@code true} if entering threads are served in FIFO order
     */
    public boolean isFair() {
        return lock.isFair();
    }

    /**
     * Whether some thread occupies the monitor: a snapshot.
     *
     * @return {@code true} if some thread occupied the monitor at the time of the call
     */
    public boolean isOccupied() {
        return lock.isLocked();
    }

    /**
     * Whether the current thread occupies the monitor.
     *
     * @return {@code true} if the current thread occupies the monitor
     */
    public boolean isOccupiedByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /**
     * How many times the current thread has entered without leaving (0 if it does not occupy it).
     *
     * @return the current thread's occupancy depth, or 0
     */
    public int getOccupiedDepth() {
        return lock.getHoldCount();
    }

    /**
     * The number of threads waiting to enter (not counting guard waiters): an estimate.
     *
     * @return an estimate of the number of threads waiting to enter
     */
    public int getQueueLength() {
        return lock.getQueueLength();
    }

    /**
     * The number of threads waiting for the guard: an estimate. The caller must occupy the monitor.
     *
     * @param guard a guard of this monitor
     * @return an estimate of the number of threads waiting for {@code guard}
     * @throws IllegalMonitorStateException if the current thread does not occupy the monitor
     */
    public int getWaitQueueLength(Guard guard) {
        checkOccupant(guard);
        return guard.waiterCount;
    }

    /**
     * Whether threads wait for the guard (same rules as {@link #getWaitQueueLength(Guard)}).
     *
     * @param guard a guard of this monitor
     * @return {@code true} if some thread waits for {@code guard}
     * @throws IllegalMonitorStateException if the current thread does not occupy the monitor
     */
    public boolean hasWaiters(Guard guard) {
        return getWaitQueueLength(guard) > 0;
    }

    @Override
    public String toString() {
        return super.toString() + "[" + lock + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // Internals; all but the lock helpers run while occupying the monitor

    private void checkGuard(Guard guard) {
        if (guard == null) {
            throw new NullPointerException("guard");
        }
        if (guard.monitor != this) {
            throw new IllegalMonitorStateException("the guard belongs to another Monitor");
        }
    }

    private void checkOccupant(Guard guard) {
        checkGuard(guard);
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("the current thread does not occupy this Monitor");
        }
    }

    /**
     * Evaluates a guard (the occupant only), recording that an evaluation is in progress so that a
     * guard that tries to wait or to leave is refused ({@link #checkNotEvaluating}).
     */
    private boolean evaluate(Guard guard) {
        int outer = evaluatingAt;
        evaluatingAt = lock.getHoldCount();
        try {
            return guard.isSatisfied();
        } finally {
            evaluatingAt = outer;
        }
    }

    /**
     * Refuses to release the monitor from inside a guard's evaluation: waiting (which releases it) or
     * leaving the level the guard is evaluated at would let other threads change the state the
     * evaluation reads, and, from leave(), evaluate the same guard again, recursively without end.
     */
    private void checkNotEvaluating(String what) {
        // Waiting releases every level (the condition wait releases all holds); leaving releases one.
        boolean releases = what.startsWith("leave") ? lock.getHoldCount() <= evaluatingAt : true;
        if (evaluatingAt != 0 && releases) {
            throw new IllegalStateException("a Guard of " + this + " called " + what
                    + " while being evaluated: guards must not wait or leave the monitor");
        }
    }

    /** Timed, uninterruptible acquisition of the Mutex (its tryLock(time) is interruptible). */
    private boolean lockUninterruptibly(long deadline) {
        boolean interrupted = false;
        try {
            for (; ; ) {
                try {
                    // A fair monitor does not barge (Mutex.tryLock() would, as ReentrantLock's does).
                    return (!lock.isFair() && lock.tryLock())
                            || lock.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting; restore the status at the end
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean stayIfSatisfied(Guard guard) {
        boolean satisfied = false;
        try {
            satisfied = evaluate(guard);
            return satisfied;
        } finally {
            if (!satisfied) {
                lock.unlock(); // nothing changed while inside: no signal needed
            }
        }
    }

    /**
     * Leaves after a failed enterWhen. A thread that was interrupted or whose guard threw
     * ({@code failure} not null) may have been signalled (consumed a wake-up) without using it: pass it
     * on, unless it is a re-entrant occupant (it already signalled before waiting, and its outer level
     * still occupies). If passing it on throws too (another guard), that exception is added to
     * {@code failure} as suppressed: the caller sees its own failure first.
     */
    private void leaveAfterFailure(boolean reentrant, Throwable failure) {
        try {
            if (failure != null && !reentrant) {
                signalNextWaiter();
            }
        } catch (RuntimeException | Error e) {
            if (e != failure) { // a guard may throw one cached instance again: no self-suppression
                failure.addSuppressed(e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Signals one waiter of the first satisfied guard with waiters. */
    private void signalNextWaiter() {
        for (Guard g = activeGuards; g != null; g = g.next) {
            if (isSatisfied(g)) {
                g.condition.signal();
                return;
            }
        }
    }

    /** Evaluates a guard for signalling; if it throws, wakes everybody so that nobody is stranded. */
    private boolean isSatisfied(Guard guard) {
        try {
            return evaluate(guard);
        } catch (RuntimeException | Error e) {
            signalAllWaiters();
            throw e;
        }
    }

    private void signalAllWaiters() {
        for (Guard g = activeGuards; g != null; g = g.next) {
            g.condition.signalAll();
        }
    }

    private void beginWaitingFor(Guard guard) {
        if (guard.waiterCount++ == 0) {
            guard.next = activeGuards;
            activeGuards = guard;
        }
    }

    private void endWaitingFor(Guard guard) {
        if (--guard.waiterCount == 0) {
            Guard prev = null;
            for (Guard g = activeGuards; g != null; prev = g, g = g.next) {
                if (g == guard) {
                    if (prev == null) {
                        activeGuards = g.next;
                    } else {
                        prev.next = g.next;
                    }
                    g.next = null;
                    return;
                }
            }
        }
    }

    private void await(Guard guard, boolean signalBeforeWaiting) throws InterruptedException {
        doAwait(guard, Waits.INTERRUPTIBLE, 0L, signalBeforeWaiting);
    }

    private void awaitUninterruptibly(Guard guard, boolean signalBeforeWaiting) {
        try {
            doAwait(guard, Waits.UNINTERRUPTIBLE, 0L, signalBeforeWaiting);
        } catch (InterruptedException impossible) {
            throw new AssertionError("uninterruptible wait threw", impossible);
        }
    }

    /** Waits for the guard until the deadline; false if it passed with the guard unsatisfied. */
    private boolean awaitNanos(Guard guard, long deadline, boolean signalBeforeWaiting)
            throws InterruptedException {
        return doAwait(guard, Waits.TIMED, deadline, signalBeforeWaiting);
    }

    private boolean awaitNanosUninterruptibly(Guard guard, long deadline, boolean signalBeforeWaiting) {
        try {
            return doAwait(guard, TIMED_UNINTERRUPTIBLE, deadline, signalBeforeWaiting);
        } catch (InterruptedException impossible) {
            throw new AssertionError("uninterruptible wait threw", impossible);
        }
    }

    /**
     * The one guard-waiting loop: signal first if asked (see the implementation notes), register as a
     * waiter of the guard, await its condition until the guard is satisfied or the wait gives up.
     *
     * @param mode {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE}, {@link Waits#TIMED} or
     *             {@link #TIMED_UNINTERRUPTIBLE} (an interrupt is remembered and re-asserted at the end)
     * @return true with the guard satisfied; false if a timed wait passed its deadline first
     */
    private boolean doAwait(Guard guard, int mode, long deadline, boolean signalBeforeWaiting)
            throws InterruptedException {
        checkNotEvaluating("a waiting method");
        boolean timed = mode == Waits.TIMED || mode == TIMED_UNINTERRUPTIBLE;
        boolean interrupted = false;
        boolean waiting = false;
        try {
            do {
                long nanos = timed ? deadline - System.nanoTime() : 0L;
                if (timed && nanos <= 0) {
                    return false;
                }
                if (!waiting) {
                    if (signalBeforeWaiting) {
                        signalNextWaiter();
                    }
                    beginWaitingFor(guard);
                    waiting = true;
                }
                if (mode == Waits.UNINTERRUPTIBLE) {
                    guard.condition.awaitUninterruptibly();
                } else if (mode == Waits.INTERRUPTIBLE) {
                    guard.condition.await();
                } else if (mode == Waits.TIMED) {
                    guard.condition.awaitNanos(nanos);
                } else {
                    try {
                        guard.condition.awaitNanos(nanos);
                    } catch (InterruptedException e) {
                        interrupted = true; // keep waiting; restore the status at the end
                    }
                }
            } while (!evaluate(guard));
            return true;
        } finally {
            if (waiting) {
                endWaitingFor(guard);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
