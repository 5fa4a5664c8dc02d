package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.concurrent.TimeUnit;

/**
 * A counting semaphore with the public methods of {@link java.util.concurrent.Semaphore}: a pool of
 * permits that {@code acquire} takes (waiting while too few are available) and {@code release} gives
 * back. Permits are not owned: any thread may release.
 *
 * <pre>{@code
 * Semaphore slots = new Semaphore(10);     // at most 10 concurrent requests
 * slots.acquire();
 * try {
 *     callBackend();
 * } finally {
 *     slots.release();
 * }
 * }</pre>
 *
 * <p><b>Binary semaphore.</b> {@code new Semaphore(1)} is a lock without an owner: unlike {@link Mutex}
 * it is not reentrant and may be released by a thread other than the one that acquired it (for
 * hand-off between threads, or as a "done" signal with {@code new Semaphore(0)}); it has no conditions
 * and no deadlock diagnostics. Releasing more than acquired raises the count above one.
 *
 * <p><b>Fairness.</b> {@link #Semaphore(int)} is unfair: an arriving thread may take permits ahead of
 * parked waiters. {@link #Semaphore(int, boolean) Semaphore(n, true)} is fair: arriving threads queue
 * behind waiters, and permits go to waiters in FIFO order; a large request at the head of the queue
 * is served before smaller ones behind it. In both modes, the untimed {@link #tryAcquire()} barges,
 * as in the JDK. The initial count may be negative (releases must come first), as in the JDK.
 *
 * <p><b>Algorithm.</b> The permit count is one word changed by compare-and-set. A thread that cannot
 * take its permits enters Lockstep's waiting layer ({@code dev.lockstep.core.internal.WaitQueue}): in
 * unfair mode it spins for {@link SpinPolicy#BARGE_SPINS} steps (a few attempts, as AQS's arriving
 * thread; {@code SpinPolicy}'s class notes say why) if no other thread spins on this semaphore,
 * then it enqueues a reusable per-thread node in FIFO order and parks with
 * {@code LockSupport.park(this)}. Whoever
 * makes permits available (release, a waiter withdrawing) and sees a non-empty queue takes the
 * queue lock and wakes waiters from the head for as many permits as are available: in fair mode it
 * deducts the permits for them (direct hand-off: a woken waiter never competes again); in unfair mode
 * the woken waiters retry like arriving threads and, if they lose, queue again at the head (no lock
 * convoy: permits are never reserved for a thread that is not running yet); a woken waiter for one
 * permit that loses first naps (100 us, up to 8 times, retrying after each) keeping its wake-up, so the
 * releases meanwhile wake nobody, as unfair {@link Mutex}'s does: without it two threads on a binary
 * semaphore run a wake-up cycle, one unpark and one park per release (issue 12, thirty-sixth round:
 * 2 threads 0.37-0.51x of the JDK's semaphore before, 0.96-1.38x after). A waiter re-checks the count after enqueuing,
 * and a releaser checks the queue after adding permits, both with sequentially consistent accesses,
 * so one of them always sees the other (no lost wake-up). Same structure as the JDK's and
 * Linux's semaphores (a count plus a FIFO of sleepers under a spin lock: Linux
 * {@code kernel/locking/semaphore.c}).
 *
 * <p><b>Properties.</b> Safety: permits are conserved (granted + available = initial + released
 * &minus; acquired); progress: a waiter is woken whenever enough permits are available for the head of
 * the queue; fair mode is FIFO. Space: one object; one reusable node per waiting thread; acquire and
 * release allocate nothing.
 *
 * <p><b>Serialization.</b> As the JDK's: a deserialized semaphore has the permit count and fairness
 * of the original at the time it was written, and no waiters.
 */
public class Semaphore implements Serializable {
    /*
     * Implementation notes.
     * permits: changed only by CAS. Queue nodes: arg = permits wanted. A node is granted (dequeued,
     * status GRANTED; fair mode: permits already deducted; unfair mode: woken to retry) only under the
     * queue lock, by drainLocked(); a waiter that gives up withdraws under the queue lock if still
     * WAITING, and an unfair waiter woken while giving up passes the wake-up on. Invariant after every
     * drain: the head of the queue wants more permits than are available (or the queue is empty).
     * Unfair wake-ups: one token (the layer's waking count, 0 or 1) while a woken waiter has not retried;
     * releases skip their wake-up while it is out; the woken waiter gives it back when it succeeds,
     * queues again or gives up, not when a retry fails (its naps keep it: Queue.wokenNapNanos).
     */
    private static final long serialVersionUID = 1L;
    private static final VarHandle PERMITS;

    static {
        try {
            PERMITS = MethodHandles.lookup().findVarHandle(Semaphore.class, "permits", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        WaitNode.initialize(); // here, not lazily under contention (see Mutex)
    }

    /** The number of available permits, negative after {@link #reducePermits} (serialized). */
    private int permits;
    /** Whether waiters are served in FIFO order by direct hand-off (serialized). */
    private final boolean fair;
    /** Serialized as an empty queue (all its fields are transient). */
    private final Queue queue;

    /**
     * An unfair semaphore with {@code permits} initial permits (may be negative).
     *
     * @param permits the initial number of permits; may be negative, then releases must come first
     */
    public Semaphore(int permits) {
        this(permits, false);
    }

    /**
     * A semaphore with {@code permits} initial permits (may be negative), fair if {@code fair}.
     *
     * @param permits the initial number of permits; may be negative, then releases must come first
     * @param fair    {@code true} for FIFO hand-off of released permits to the longest waiter,
     *                {@code false} to let arriving threads barge
     */
    public Semaphore(int permits, boolean fair) {
        this.permits = permits;
        this.fair = fair;
        this.queue = new Queue(this, fair);
    }

    private static int checkPermits(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("permits must be >= 0: " + n);
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------
    // Acquire

    /**
     * Acquires one permit, waiting if needed; interruptible.
     *
     * @throws InterruptedException if the current thread is interrupted before or while waiting
     */
    public void acquire() throws InterruptedException {
        acquire(1);
    }

    /**
     * Acquires {@code n} permits at once, waiting if needed; interruptible.
     *
     * @param n the number of permits, at least 0
     * @throws IllegalArgumentException if {@code n} is negative
     * @throws InterruptedException if the current thread is interrupted before or while waiting
     */
    public void acquire(int n) throws InterruptedException {
        checkPermits(n);
        Waits.checkInterrupt();
        if (!tryTake(n, fair)) {
            acquireSlow(n, Waits.INTERRUPTIBLE, 0L);
        }
    }

    /** Acquires one permit, waiting if needed; ignores interrupts (the status is kept). */
    public void acquireUninterruptibly() {
        acquireUninterruptibly(1);
    }

    /**
     * Acquires {@code n} permits, waiting if needed; ignores interrupts (the status is kept).
     *
     * @param n the number of permits, at least 0
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void acquireUninterruptibly(int n) {
        checkPermits(n);
        if (!tryTake(n, fair)) {
            try {
                acquireSlow(n, Waits.UNINTERRUPTIBLE, 0L);
            } catch (InterruptedException impossible) {
                throw new AssertionError("uninterruptible wait threw", impossible);
            }
        }
    }

    /**
     * Takes one permit if available now; never waits; barges even when fair.
     *
     * @return {@code true} if a permit was taken, {@code false} if none was available
     */
    public boolean tryAcquire() {
        return tryTake(1, false);
    }

    /**
     * Takes {@code n} permits if available now; never waits; barges even when fair.
     *
     * @param n the number of permits, at least 0
     * @return {@code true} if {@code n} permits were taken, {@code false} (and none taken) otherwise
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public boolean tryAcquire(int n) {
        checkPermits(n);
        return tryTake(n, false);
    }

    /**
     * Acquires one permit, waiting at most {@code timeout}; interruptible.
     *
     * @param timeout the maximum time to wait; zero or negative: do not wait
     * @param unit    the unit of {@code timeout}
     * @return {@code true} if a permit was taken, {@code false} if the time elapsed first
     * @throws NullPointerException if {@code unit} is null
     * @throws InterruptedException if the current thread is interrupted before or while waiting
     */
    public boolean tryAcquire(long timeout, TimeUnit unit) throws InterruptedException {
        return tryAcquire(1, timeout, unit);
    }

    /**
     * Acquires {@code n} permits, waiting at most {@code timeout}; interruptible.
     *
     * @param n       the number of permits, at least 0
     * @param timeout the maximum time to wait; zero or negative: do not wait
     * @param unit    the unit of {@code timeout}
     * @return {@code true} if {@code n} permits were taken, {@code false} (and none taken) if the time
     *         elapsed first
     * @throws IllegalArgumentException if {@code n} is negative
     * @throws NullPointerException if {@code unit} is null
     * @throws InterruptedException if the current thread is interrupted before or while waiting
     */
    public boolean tryAcquire(int n, long timeout, TimeUnit unit) throws InterruptedException {
        checkPermits(n);
        Waits.requireUnit(unit);
        Waits.checkInterrupt();
        long deadline = Waits.deadline(timeout, unit);
        return tryTake(n, fair) || acquireSlow(n, Waits.TIMED, deadline);
    }

    /** One attempt; in fair mode ({@code respectQueue}) only if nobody is queued. */
    private boolean tryTake(int n, boolean respectQueue) {
        if (respectQueue && queue.hasWaiters()) {
            return false;
        }
        for (; ; ) {
            int s = (int) PERMITS.getVolatile(this);
            if (s - n < 0) {
                return false;
            }
            // Volatile CAS: acquires the releasers' writes (release-acquire through the count).
            if (PERMITS.compareAndSet(this, s, s - n)) {
                return true;
            }
        }
    }

    private boolean acquireSlow(int n, int mode, long deadline) throws InterruptedException {
        return queue.acquire(this, n, mode, deadline);
    }

    /**
     * Wakes waiters from the head while enough permits are available for them. Under the queue lock.
     * Fair mode hands the permits over (deducts them for the waiter: FIFO, no barging:
     * {@link #drainFairLocked}). Unfair mode only wakes the first waiter, which then competes for the
     * permits like an arriving thread (as the JDK's unfair Semaphore does): handing permits to a thread
     * that still has to be scheduled would idle them for a wake-up latency on every release (a lock
     * convoy); that decision, with its pending wake-up token, is {@code Queue.grantLocked}
     * ({@link #firstMayGoLocked}). Nodes after the first are unparked here (their links may be reused as
     * soon as they are granted); the first is returned for the caller to unpark after releasing the
     * queue lock.
     */
    private WaitNode drainLocked() {
        return fair ? drainFairLocked() : queue.grantLocked();
    }

    /**
     * Unfair mode: whether the first waiter may be woken, i.e. the permits it wants are available (it
     * then competes for them like an arriving thread: handing permits to a thread that still has to be
     * scheduled would idle them for a wake-up latency on every release, a lock convoy). One at a time:
     * the woken waiter wakes the next if permits are left (see Queue). Under the queue lock.
     */
    private boolean firstMayGoLocked() {
        return !queue.isEmpty() && (int) PERMITS.getVolatile(this) - queue.first().arg >= 0;
    }

    /** Fair mode: grants (deducts) permits to waiters from the head while enough are available. */
    private WaitNode drainFairLocked() {
        WaitNode first = null;
        while (!queue.isEmpty()) {
            WaitNode head = queue.first();
            int need = head.arg;
            int s;
            do {
                s = (int) PERMITS.getVolatile(this);
                if (s - need < 0) {
                    return first;
                }
                // Volatile CAS: deducts for the waiter; the grant's release store publishes it.
            } while (!PERMITS.compareAndSet(this, s, s - need));
            WaitNode granted = queue.grantFirst();
            if (first == null) {
                first = granted;
            } else {
                WaitQueue.unpark(granted);
            }
        }
        return first;
    }

    /**
     * This semaphore's grant decision in the waiting layer: {@link #tryTake} and {@link #drainLocked}.
     * Fair mode hands permits over and does not spin; unfair mode wakes waiters to retry and lets one
     * thread spin, with the layer's pending wake-up token ({@link WaitQueue#getVolatileWaking()}, 0 or 1:
     * while a woken waiter has not retried, releases wake nobody else; once it has, it wakes the next
     * one if permits are left, as AQS's setHeadAndPropagate). The Dekker handshake is the layer's: the waiter's node is visible (volatile head)
     * before the re-check {@link #drainLocked} after linking, and releasers look at the queue after
     * their volatile CAS of the count.
     */
    private static final class Queue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final Semaphore semaphore;
        Queue(Semaphore semaphore, boolean fair) {
            // Fair: hand-off, no spinning; non-fair: barging, the short barging budget (SpinPolicy).
            super(fair, fair ? 0 : SpinPolicy.BARGE_SPINS);
            this.semaphore = semaphore;
        }

        @Override
        protected boolean tryAcquire(int n, boolean woken) {
            boolean taken = semaphore.tryTake(n, semaphore.fair);
            // A woken waiter gives its token back when it succeeds; one that failed keeps it through
            // its spin and its naps (wokenNapNanos), while the releases skip their wake-up, and gives
            // it back when it queues again (parkLocked), whose re-check after linking sees what they
            // released, or passes it on when it gives up (passOnLocked).
            if (taken && woken && getVolatileWaking() != 0) {
                // Volatile store, then volatile reads of the count and the queue head: Dekker with a
                // releaser's volatile CAS of the count followed by its volatile read of this flag.
                // Either it sees the flag clear and wakes a waiter, or we see its permits here.
                setVolatileWaking(0);
                if ((int) PERMITS.getVolatile(semaphore) >= 0) {
                    // Propagate: the next waiter may want what is left (also a request of 0 permits).
                    wakeWaiters();
                }
            }
            return taken;
        }

        @Override
        protected boolean parkLocked(int n, boolean woken) {
            if (woken) {
                // Volatile store: queueing again, the woken waiter gives its turn up; the re-check
                // after linking (grantLocked) then wakes whoever may go.
                setVolatileWaking(0);
            }
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            if (semaphore.fair) {
                return semaphore.drainLocked();
            }
            // Volatile read: see tryAcquire. A woken waiter is pending: it wakes the next one.
            if (getVolatileWaking() != 0 || !semaphore.firstMayGoLocked()) {
                return null;
            }
            // Volatile store BEFORE the grant's release store (as Mutex and ReadWriteMutex do): the
            // woken thread reads GRANTED with acquire and so sees this token in its first retry, which
            // clears it. Set after the grant, a woken thread that was not parked yet could read GRANTED,
            // take the permit and skip the clear before the store landed: the token would stay 1 with
            // nobody pending, every later release would skip its wake-up, and the queued threads would
            // sleep for ever (SemaphoreWakeTokenTest).
            setVolatileWaking(1);
            return grantFirst();
        }

        @Override
        protected WaitNode passOnLocked() {
            setVolatileWaking(0); // our wake-up, unused: the next waiter gets it
            return grantLocked();
        }

        /**
         * Unfair, one permit: a woken waiter that lost its retry naps keeping the token, as unfair
         * {@code Mutex}'s does (the two-thread wake-up cycle: README "Waiting layer, thirty-sixth
         * round"); any release is what it waits for, so the releases it makes skip their wake-up lose
         * nothing but its timer's delay. Not for more permits: a release too small for the napper
         * would then not wake a queued waiter it suffices for. Fair: no naps (a grant is the permits).
         */
        @Override
        protected long wokenNapNanos(int n) {
            return !semaphore.fair && n == 1 ? SpinPolicy.WOKEN_NAP_NANOS : 0L;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Release

    /** Releases one permit. */
    public void release() {
        release(1);
    }

    /**
     * Releases {@code n} permits.
     *
     * @param n the number of permits to add, at least 0
     * @throws IllegalArgumentException if {@code n < 0}
     * @throws Error "Maximum permit count exceeded" if the count would overflow {@code int}
     */
    public void release(int n) {
        checkPermits(n);
        for (; ; ) {
            int s = (int) PERMITS.getVolatile(this);
            int next = s + n;
            if (next < s) {
                throw new Error("Maximum permit count exceeded");
            }
            // Volatile CAS: publishes the releaser's writes to the acquirer, and orders the queue check
            // below after it (Dekker handshake with an enqueuing waiter's re-check).
            if (PERMITS.compareAndSet(this, s, next)) {
                break;
            }
        }
        wakeWaiters();
    }

    private void wakeWaiters() {
        // Volatile read after the caller's volatile CAS of the count: see Queue.tryAcquire.
        if (queue.getVolatileWaking() == 0) { // none pending; a pending woken waiter wakes the next itself
            queue.wakeWaiters();
        }
    }

    /**
     * Takes all available permits and returns how many; if the count is negative, resets it to zero
     * and returns that negative count (as the JDK does). Afterwards zero permits are available.
     *
     * @return the number of permits taken, or the negative count that was reset to zero
     */
    public int drainPermits() {
        for (; ; ) {
            int s = (int) PERMITS.getVolatile(this);
            if (s == 0) {
                return 0;
            }
            if (PERMITS.compareAndSet(this, s, 0)) {
                if (s < 0) {
                    wakeWaiters(); // requests of 0 permits may now pass
                }
                return s;
            }
        }
    }

    /**
     * Removes {@code reduction} permits without waiting (the count may become negative).
     *
     * @param reduction the number of permits to remove, at least 0
     * @throws IllegalArgumentException if {@code reduction < 0}
     * @throws Error "Permit count underflow" if the count would overflow {@code int}
     */
    public void reducePermits(int reduction) {
        if (reduction < 0) {
            throw new IllegalArgumentException("reduction must be >= 0: " + reduction);
        }
        for (; ; ) {
            int s = (int) PERMITS.getVolatile(this);
            int next = s - reduction;
            if (next > s) {
                throw new Error("Permit count underflow");
            }
            if (PERMITS.compareAndSet(this, s, next)) {
                return;
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Queries

    /**
     * The number of permits available now (a snapshot).
     *
     * @return the current number of permits (negative after a negative initial count or {@link #reducePermits})
     */
    public int availablePermits() {
        return (int) PERMITS.getVolatile(this);
    }

    /**
     * Whether this semaphore is fair.
     *
     * @return {@code true} if this semaphore is fair
     */
    public boolean isFair() {
        return fair;
    }

    /**
     * Whether any thread is parked waiting (a snapshot).
     *
     * @return {@code true} if some thread may be waiting to acquire
     */
    public boolean hasQueuedThreads() {
        return queue.hasWaiters();
    }

    /**
     * The number of parked waiters (a snapshot; spinning threads are not counted).
     *
     * @return an estimate of the number of threads waiting to acquire
     */
    public int getQueueLength() {
        queue.lock();
        try {
            return queue.size();
        } finally {
            queue.unlock();
        }
    }

    /**
     * The threads parked waiting for permits, for monitoring (a snapshot, in queue order; threads
     * still in their short spin phase are not included), as the JDK's {@code getQueuedThreads()}.
     *
     * @return a new collection of the queued threads
     */
    protected Collection<Thread> getQueuedThreads() {
        queue.lock();
        try {
            return queue.threads();
        } finally {
            queue.unlock();
        }
    }

    @Override
    public String toString() {
        return super.toString() + "[Permits = " + availablePermits() + "]";
    }
}
