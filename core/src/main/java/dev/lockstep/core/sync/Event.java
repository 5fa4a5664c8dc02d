package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.util.concurrent.TimeUnit;

/**
 * A settable event flag that threads wait for, in the two flavours of Win32 and .NET events:
 * {@linkplain Mode#MANUAL_RESET manual-reset} (a gate: {@link #set()} opens it for every waiter until
 * {@link #reset()}) and {@linkplain Mode#AUTO_RESET auto-reset} (a turnstile: each {@code set()} lets
 * exactly one waiter through and closes again).
 *
 * <pre>{@code
 * Event dataReady = new Event(Event.Mode.AUTO_RESET);
 * // consumer                        // producer
 * dataReady.await();                 publish(data);
 * consume();                         dataReady.set();
 * }</pre>
 *
 * <p>Semantics, precisely:
 * <ul>
 *   <li><b>Manual-reset.</b> {@code set()} makes the event set and releases every thread that is
 *       waiting at that moment, <em>even if {@code reset()} follows immediately</em> (each set starts a
 *       new epoch, and a waiter returns once the epoch it started in has ended). While set,
 *       {@code await} returns at once. {@code reset()} makes it unset; threads that start waiting after
 *       it wait for the next {@code set()}. Setting a set event, or resetting an unset one, does
 *       nothing.</li>
 *   <li><b>Auto-reset.</b> The event holds at most one pending signal. {@code set()} on an unset event
 *       makes it set; the first {@code await} to take the signal (a waiting thread, which
 *       {@code set()} wakes, or a thread arriving just then) returns and the event is unset again, in
 *       the same atomic step. If nobody waits, the event stays set until one thread consumes it.
 *       {@code set()} on an event that is already set does nothing (signals do not accumulate: use a
 *       semaphore to count them). So each {@code set()} that changes the state lets exactly one
 *       {@code await} return. {@code reset()} withdraws a pending signal. Which waiter gets the signal
 *       is not specified (not FIFO).</li>
 * </ul>
 * In both modes, actions before a {@code set()} happen-before the return of the {@code await} it
 * released. {@link #isSet()} is a snapshot.
 *
 * <p>Algorithm: one padded state word (set bit, plus an epoch counter in manual-reset mode) changed
 * by compare-and-set; waiters enter Lockstep's waiting layer ({@code dev.lockstep.core.internal.WaitQueue}):
 * one thread at a time spins for {@link SpinPolicy#SPINS} steps, the others queue their reusable
 * per-thread node and park; manual {@code set()} grants every waiter, auto {@code set()} wakes one. A woken auto-reset waiter that finds the signal already taken parks again; one that
 * gives up (timeout, interrupt) after being chosen passes the wake-up on, so no signal is stranded.
 *
 * <p>Properties: safety as above; progress — {@code set}, {@code reset}, {@code isSet} are lock-free,
 * {@code await} on a set event is one load (manual) or one CAS (auto), and allocates nothing; no lost
 * wake-up (Dekker order between the state word and the queue head, both volatile); space — one padded
 * word and one wait queue; waiting allocates nothing (each thread reuses its wait node). Works with virtual threads.
 */
public final class Event {
    static {
        WaitNode.initialize(); // here, not lazily under contention (see Mutex)
    }

    /** How an {@link Event} behaves after {@link Event#set()}. */
    public enum Mode {
        /** Stays set, releasing every waiter, until {@link Event#reset()}. */
        MANUAL_RESET,
        /** Releases exactly one waiter per set, which resets it atomically. */
        AUTO_RESET
    }

    /*
     * Implementation notes.
     * state: bit 0 = set; bits 1..63 = epoch (manual-reset only: incremented by every effective set).
     * Manual: a waiter that starts at an unset state s0 is released once state != s0 (the only change
     * from an unset state is a set, which bumps the epoch; a later reset keeps the new epoch).
     * Auto: the epoch stays 0; await consumes by CAS 1 -> 0.
     */
    private static final long SET = 1L;
    private static final long EPOCH_ONE = 2L;

    private final boolean autoReset;
    private final PaddedLong state;
    private final Queue waiters;

    /**
     * An unset event of the given mode.
     *
     * @param mode manual- or auto-reset
     * @throws NullPointerException if {@code mode} is null
     */
    public Event(Mode mode) {
        this(mode, false);
    }

    /**
     * An event of the given mode, set if {@code initiallySet}.
     *
     * @param mode         manual- or auto-reset
     * @param initiallySet whether the event starts set
     * @throws NullPointerException if {@code mode} is null
     */
    public Event(Mode mode, boolean initiallySet) {
        if (mode == null) {
            throw new NullPointerException("mode");
        }
        this.autoReset = mode == Mode.AUTO_RESET;
        this.state = new PaddedLong(initiallySet ? SET : 0L);
        this.waiters = new Queue(this);
    }

    /**
     * This event's mode.
     *
     * @return the mode given at construction
     */
    public Mode getMode() {
        return autoReset ? Mode.AUTO_RESET : Mode.MANUAL_RESET;
    }

    /**
     * Whether the event is set now: a snapshot (volatile read).
     *
     * @return {@code true} if the event was set at the time of the call
     */
    public boolean isSet() {
        return (state.getVolatile() & SET) != 0;
    }

    /**
     * Sets the event: manual-reset releases every waiting thread; auto-reset releases one waiting
     * thread, or stays set until a thread consumes the signal. No effect if already set.
     */
    public void set() {
        for (; ; ) {
            long s = state.getVolatile();
            if ((s & SET) != 0) {
                return;
            }
            long next = autoReset ? SET : (s + EPOCH_ONE) | SET;
            // Volatile CAS: publishes the setter's prior writes, and precedes the stack read (Dekker).
            if (state.compareAndSet(s, next)) {
                break;
            }
        }
        waiters.wakeWaiters(); // volatile read of the queue head after the CAS (Dekker)
    }

    /** Resets the event to unset (withdraws a pending auto-reset signal). No effect if unset. */
    public void reset() {
        for (; ; ) {
            long s = state.getVolatile();
            if ((s & SET) == 0 || state.compareAndSet(s, s & ~SET)) {
                return;
            }
        }
    }

    /**
     * Waits until the event is set (and, in auto-reset mode, consumes the signal).
     *
     * @throws InterruptedException if interrupted before or while waiting
     */
    public void await() throws InterruptedException {
        Waits.checkInterrupt();
        awaitSet(Waits.INTERRUPTIBLE, 0L);
    }

    /**
     * Waits until the event is set (and, in auto-reset mode, consumes the signal), or the time elapses.
     *
     * @param timeout the maximum time to wait; zero or negative: do not wait
     * @param unit    the unit of {@code timeout}
     * @return {@code true} if released by a set, {@code false} if the time elapsed first (in auto-reset
     * mode no signal was consumed then)
     * @throws InterruptedException if interrupted before or while waiting (no signal consumed)
     */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        Waits.checkInterrupt();
        return awaitSet(Waits.TIMED, Waits.deadline(timeout, unit));
    }

    /**
     * Whether a waiter that started at epoch {@code epoch0} (its low 32 bits) may return; consumes the
     * signal in auto-reset mode. Volatile read / CAS: ordered after the waiter's node became visible
     * (Dekker with set()), and acquiring the setter's writes.
     */
    private boolean ready(int epoch0) {
        long s = state.getVolatile();
        if (autoReset) {
            return (s & SET) != 0 && state.compareAndSet(s, 0L);
        }
        return (int) (s >>> 1) != epoch0;
    }

    private boolean awaitSet(int mode, long deadline) throws InterruptedException {
        // Fast path. Manual: acquire load (a set bit makes the setter's writes visible). Auto: consume.
        long s0 = state.getAcquire();
        if ((s0 & SET) != 0 && (!autoReset || state.compareAndSet(s0, 0L))) {
            return true;
        }
        // Manual: s0 is unset; the wait ends when the epoch moves on from s0's (the next set). The low
        // 32 bits of the epoch suffice: every set grants every queued waiter, so a waiter never needs
        // to tell apart epochs 2^32 sets apart.
        return waiters.acquire(this, (int) (s0 >>> 1), mode, deadline);
    }

    /**
     * This event's grant decision in the waiting layer. Manual reset: a set grants every queued waiter
     * whose epoch has passed (hand-off: the set already happened for it, a later reset does not undo
     * it). Auto reset: a set wakes one waiter, which retries to consume the signal (wake-and-retry:
     * a barging await may take it first; the woken waiter then queues again at the head), and a woken
     * waiter that gives up passes the wake-up on while the event is still set.
     */
    private static final class Queue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final transient Event event;

        Queue(Event event) {
            super(!event.autoReset, true);
            this.event = event;
        }

        @Override
        protected boolean tryAcquire(int epoch0, boolean woken) {
            return event.ready(epoch0);
        }

        @Override
        protected boolean parkLocked(int epoch0, boolean woken) {
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            // Volatile read, under the queue lock after the node was linked (volatile head): Dekker with
            // set()'s volatile CAS followed by its hasWaiters() read.
            long s = event.state.getVolatile();
            if (event.autoReset) {
                return (s & SET) != 0 && !isEmpty() ? grantFirst() : null;
            }
            int epoch = (int) (s >>> 1);
            WaitNode first = null;
            // Every node whose epoch has passed, wherever it is: a waiter that read an older epoch may
            // link its node after one that read a newer one.
            for (WaitNode p = first(), next; p != null; p = next) {
                next = p.next; // read before the grant unlinks p
                if (p.arg != epoch) {
                    grant(p);
                    if (first == null) {
                        first = p;
                    } else {
                        unpark(p);
                    }
                }
            }
            return first;
        }
    }

    @Override
    public String toString() {
        return super.toString() + "[" + getMode() + (isSet() ? ", set]" : ", unset]");
    }
}
