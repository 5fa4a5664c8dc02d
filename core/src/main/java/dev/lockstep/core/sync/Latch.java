package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A one-shot countdown latch, shaped like {@link java.util.concurrent.CountDownLatch}: threads
 * {@link #await()} until {@link #countDown()} has been called {@code count} times; from then on the
 * latch stays open and every {@code await} returns at once.
 *
 * <pre>{@code
 * Latch ready = new Latch(workers);
 * for (int i = 0; i < workers; i++) {
 *     pool.execute(() -> { init(); ready.countDown(); });
 * }
 * ready.await(); // every worker has initialised
 * }</pre>
 *
 * <p>Algorithm: the count is one padded word decremented by compare-and-set; a waiter enters
 * Lockstep's waiting layer ({@code dev.lockstep.core.internal.WaitQueue}): it spins for
 * {@link SpinPolicy#SPINS} steps if no other thread spins on this latch, then queues its reusable
 * per-thread node and parks with {@link LockSupport#park(Object)}; the count-down that reaches zero
 * grants and unparks every queued waiter. No AQS.
 *
 * <p>Properties: safety — no {@code await} returns before the count reached zero, and actions before
 * each {@code countDown()} happen-before every return from {@code await}; progress — {@code countDown}
 * and {@link #getCount()} are lock-free and allocate nothing, {@code await} on an open latch is one
 * acquire load; a waiter is woken once, by the final count-down (no lost wake-up: the count and the
 * queue head are both accessed with volatile operations, in Dekker order); space — one padded word and
 * one wait queue; waiting allocates nothing (each thread reuses its wait node).
 * Works with virtual threads (park/unpark only, nothing pins a carrier).
 */
public class Latch {
    /*
     * Implementation notes.
     * count only decreases, by CAS, and never below zero; the thread whose CAS takes it from 1 to 0
     * grants every queued node (Queue.grantLocked). A waiter that links its node after that reads
     * count == 0 in its own grantLocked re-check (under the queue lock) and is granted at once.
     * Timed-out or interrupted waiters withdraw (the waiting layer); a grant is never withdrawn.
     */
    static {
        WaitNode.initialize(); // here, not lazily under contention (see Mutex)
    }

    private final PaddedLong count;
    private final Queue waiters;

    /**
     * A latch that opens after {@code count} calls of {@link #countDown()}.
     *
     * @param count the number of {@link #countDown()} calls that open the latch; 0 gives an open latch
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Latch(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0: " + count);
        }
        this.count = new PaddedLong(count);
        this.waiters = new Queue(this.count);
    }

    /**
     * Decrements the count; when it reaches zero, releases every waiting thread. Does nothing if the
     * count is already zero. Lock-free; allocates nothing.
     */
    public void countDown() {
        for (; ; ) {
            long c = count.getVolatile();
            if (c == 0) {
                return;
            }
            // Volatile CAS: publishes this thread's earlier writes to whoever reads the new count, and
            // (for the final count-down) precedes the stack read in wakeAll (Dekker order).
            if (count.compareAndSet(c, c - 1)) {
                if (c == 1) {
                    waiters.wakeWaiters(); // volatile read of the queue head after the CAS (Dekker)
                }
                return;
            }
        }
    }

    /**
     * The current count: a snapshot (volatile read), for monitoring and tests.
     *
     * @return the current count, 0 once the latch is open
     */
    public long getCount() {
        return count.getVolatile();
    }

    /**
     * Waits until the count reaches zero.
     *
     * @throws InterruptedException if interrupted before or while waiting (the status is cleared)
     */
    public void await() throws InterruptedException {
        Waits.checkInterrupt();
        awaitZero(Waits.INTERRUPTIBLE, 0L);
    }

    /**
     * Waits until the count reaches zero or the time elapses.
     *
     * @param timeout the maximum time to wait; zero or negative: do not wait
     * @param unit    the unit of {@code timeout}
     * @return {@code true} if the count reached zero, {@code false} if the time elapsed first
     * @throws InterruptedException if interrupted before or while waiting
     */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        Waits.checkInterrupt();
        return awaitZero(Waits.TIMED, Waits.deadline(timeout, unit));
    }

    private boolean awaitZero(int mode, long deadline) throws InterruptedException {
        // Acquire: reading 0 makes every count-down's prior writes visible (they are all in the
        // CAS chain that ends in the zero).
        return count.getAcquire() == 0 || waiters.acquire(this, 0, mode, deadline);
    }

    /**
     * This latch's grant decision in the waiting layer: a waiter may go once the count is zero, and
     * the final count-down grants every queued waiter (hand-off: the count never rises again, so a
     * grant can be kept even by a waiter that was giving up).
     */
    private static final class Queue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private final transient PaddedLong count;

        Queue(PaddedLong count) {
            super(true, true);
            this.count = count;
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            // Acquire: as in awaitZero.
            return count.getAcquire() == 0;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            // Volatile read, under the queue lock after the node was linked (volatile head): Dekker with
            // the final count-down's volatile CAS followed by its hasWaiters() read.
            if (count.getVolatile() != 0) {
                return null;
            }
            WaitNode first = isEmpty() ? null : grantFirst();
            while (!isEmpty()) {
                unpark(grantFirst());
            }
            return first;
        }
    }

    @Override
    public String toString() {
        return super.toString() + "[Count = " + getCount() + "]";
    }
}
