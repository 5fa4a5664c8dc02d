package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
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
 * <p>Algorithm: the count is one padded word decremented by compare-and-set; a waiter spins for the
 * {@link SpinPolicy} budget (spin, then yield), then pushes a node on a Treiber stack of parked
 * waiters and parks with {@link LockSupport#park(Object)}; the count-down that reaches zero takes the
 * whole stack and unparks every waiter. No AQS, no lock.
 *
 * <p>Properties: safety — no {@code await} returns before the count reached zero, and actions before
 * each {@code countDown()} happen-before every return from {@code await}; progress — {@code countDown}
 * and {@link #getCount()} are lock-free and allocate nothing, {@code await} on an open latch is one
 * acquire load; a waiter is woken once, by the final count-down (no lost wake-up: the count and the
 * stack are both accessed with volatile operations, in Dekker order); space — one padded word and one
 * stack head, plus one small node per thread parked at a time (none for waits ended in the spin phase).
 * Works with virtual threads (park/unpark only, nothing pins a carrier).
 */
public class Latch {
    /*
     * Implementation notes.
     * count only decreases, by CAS, and never below zero; the thread whose CAS takes it from 1 to 0
     * wakes every node on the stack. A waiter that pushes after that wake-up reads count == 0 (its push
     * and read are volatile, ordered after the zero in the synchronization order) and returns, then
     * drains the stack itself so nothing lingers. Timed-out or interrupted waiters cancel and unlink
     * their node.
     */
    private final PaddedLong count;
    private final ParkingStack waiters = new ParkingStack();

    /**
     * @param count the number of {@link #countDown()} calls that open the latch; 0 gives an open latch
     * @throws IllegalArgumentException if {@code count} is negative
     */
    public Latch(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0: " + count);
        }
        this.count = new PaddedLong(count);
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
                    waiters.wakeAll();
                }
                return;
            }
        }
    }

    /** The current count: a snapshot (volatile read), for monitoring and tests. */
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
     * @return {@code true} if the count reached zero, {@code false} if the time elapsed first
     * @throws InterruptedException if interrupted before or while waiting
     */
    public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        Waits.checkInterrupt();
        return awaitZero(Waits.TIMED, Waits.deadline(timeout, unit));
    }

    private boolean awaitZero(int mode, long deadline) throws InterruptedException {
        int step = 0;
        // Acquire: reading 0 makes every count-down's prior writes visible (they are all in the
        // CAS chain that ends in the zero).
        while (count.getAcquire() != 0) {
            if (Waits.shouldGiveUp(mode, deadline)) {
                return false;
            }
            if (SpinPolicy.isParking(step)) {
                return parkUntilZero(mode, deadline);
            }
            step = SpinPolicy.idle(step);
        }
        return true;
    }

    private boolean parkUntilZero(int mode, long deadline) throws InterruptedException {
        ParkingStack.Node node = waiters.push();
        // Volatile read after the volatile push: see the class comment of ParkingStack.
        while (count.getVolatile() != 0) {
            boolean giveUp;
            try {
                giveUp = Waits.shouldGiveUp(mode, deadline);
            } catch (InterruptedException e) {
                waiters.leave(node);
                throw e;
            }
            if (giveUp) {
                waiters.leave(node);
                return false;
            }
            if (node.isWoken()) {
                node = waiters.push(); // woken without the count at zero cannot happen; be robust anyway
            } else if (mode == Waits.TIMED) {
                LockSupport.parkNanos(this, deadline - System.nanoTime());
            } else {
                LockSupport.park(this);
            }
        }
        if (waiters.cancel(node)) {
            waiters.wakeAll(); // we pushed after the final wake-up: drain what such late pushers left
        }
        return true;
    }

    @Override
    public String toString() {
        return super.toString() + "[Count = " + getCount() + "]";
    }
}
