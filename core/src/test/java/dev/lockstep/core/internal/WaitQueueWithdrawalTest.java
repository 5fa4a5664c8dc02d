package dev.lockstep.core.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The waiting layer's withdrawal, made deterministic: a waiter A that gives up (timeout or interrupt)
 * and a releaser that grants A at that very moment. The test holds the queue lock while A, past its
 * deadline (or interrupted), spins for it to withdraw; holding it, the test grants A as a releaser's
 * {@code grantLocked} would, then lets A in. A must then see the grant and:
 * <ul>
 *   <li>wake-and-retry queue (non-hand-off): pass the wake-up on to the next waiter B, which takes
 *       the permit; A reports its timeout or interrupt;</li>
 *   <li>hand-off queue: keep what was handed to it and return normally (interrupt status kept).</li>
 * </ul>
 * A lost grant leaves B parked with a permit available (or loses the handed-over permit).
 */
@Timeout(60)
class WaitQueueWithdrawalTest {

    /** A counting gate on the layer: the smallest primitive with a grant decision. */
    static class Gate extends WaitQueue {
        private static final long serialVersionUID = 1L;
        final transient AtomicInteger permits = new AtomicInteger();
        private final boolean handOff;

        Gate(boolean handOff) {
            super(handOff, false); // no spinning: the test controls every step
            this.handOff = handOff;
        }

        @Override
        protected boolean tryAcquire(int n, boolean woken) {
            for (int p; (p = permits.get()) >= n; ) {
                if (permits.compareAndSet(p, p - n)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        protected boolean parkLocked(int n, boolean woken) {
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            if (isEmpty() || permits.get() < first().arg) {
                return null;
            }
            if (handOff) {
                permits.addAndGet(-first().arg);
            }
            return grantFirst();
        }

        int queued() {
            return queuedIn(this);
        }
    }

    /** {@link WaitQueue#size()} of {@code queue}, under its queue lock (a monitoring snapshot). */
    static int queuedIn(WaitQueue queue) {
        queue.lock();
        try {
            return queue.size();
        } finally {
            queue.unlock();
        }
    }

    /** A task run by a new daemon thread, started at once. */
    static final class Forked<T> extends FutureTask<T> {
        final Thread thread;

        Forked(String name, Callable<T> task) {
            super(task);
            thread = new Thread(this, name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    static void waitUntil(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(1);
        }
    }

    /** Whether {@code t} is inside {@link WaitQueue#lock()} called from {@link WaitQueue#acquire}. */
    static boolean takingQueueLockInAcquire(Thread t) {
        StackTraceElement[] trace = t.getStackTrace();
        for (int i = 0; i + 1 < trace.length; i++) {
            if (trace[i].getClassName().equals(WaitQueue.class.getName()) && trace[i].getMethodName().equals("lock")
                    && trace[i + 1].getMethodName().equals("acquire")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Queues A (timed or interruptible) then B (uninterruptible); holding the queue lock, lets A give
     * up and grants it as a releaser; returns A's outcome and whether B acquired.
     *
     * <p>A timed A must still be queued when the test takes the queue lock. On a loaded machine its
     * deadline (50 ms) can pass before the test has seen it and B queued (a round on a 2-core machine at
     * load 5 timed out waiting for B): such a round proves nothing, so it is abandoned (its threads are
     * daemons on a queue of their own) and run again with a deadline four times as long.
     */
    private static Object[] race(boolean handOff, boolean interrupt) throws Exception {
        for (long timeoutMillis = 50; ; timeoutMillis *= 4) {
            Object[] r = raceOnce(handOff, interrupt, timeoutMillis);
            if (r != null) {
                return r;
            }
            if (timeoutMillis >= 3_200) {
                fail("A's deadline passed before the test held the queue lock in every round, up to "
                        + timeoutMillis + " ms");
            }
        }
    }

    /** One round of {@link #race}; null if a timed A gave up before the test held the queue lock. */
    private static Object[] raceOnce(boolean handOff, boolean interrupt, long timeoutMillis) throws Exception {
        Gate gate = new Gate(handOff);
        Object blocker = new Object();
        Forked<Boolean> a = new Forked<>("A", () -> {
            try {
                boolean r = interrupt
                        ? gate.acquire(blocker, 1, Waits.INTERRUPTIBLE, 0L)
                        : gate.acquire(blocker, 1, Waits.TIMED,
                                System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
                return r && Thread.currentThread().isInterrupted() ? null : r; // null: true, interrupt kept
            } catch (InterruptedException e) {
                return Boolean.FALSE; // reported as a give-up
            }
        });
        // Only a timed A finishes on its own here (an interruptible one is not interrupted yet).
        BooleanSupplier gaveUpEarly = () -> !interrupt && a.isDone();
        waitUntil("A is queued", () -> gate.queued() == 1 || gaveUpEarly.getAsBoolean());
        if (gaveUpEarly.getAsBoolean()) {
            return null;
        }
        Forked<Boolean> b = new Forked<>("B", () -> gate.acquire(blocker, 1, Waits.UNINTERRUPTIBLE, 0L));
        waitUntil("B is queued", () -> gate.queued() == 2 || gaveUpEarly.getAsBoolean());

        gate.lock();
        WaitNode granted;
        try {
            if (gate.size() != 2 || gate.first().thread != a.thread) {
                return null; // A withdrew before the test held the lock: B stays parked on this gate
            }
            if (interrupt) {
                a.thread.interrupt();
            }
            waitUntil("A gives up and waits for the queue lock", () -> takingQueueLockInAcquire(a.thread));
            // What a releaser does: make a permit available and grant the head (A) under the queue lock.
            gate.permits.incrementAndGet();
            granted = gate.grantLocked();
        } finally {
            gate.unlock();
        }
        assertEquals(a.thread, granted.thread, "the head is A");
        WaitQueue.unpark(granted);

        Boolean aResult = a.get(10, TimeUnit.SECONDS);
        boolean bAcquired;
        if (aResult == null || aResult) {
            gate.permits.incrementAndGet(); // A kept the permit: give it back, as A's release would
            gate.wakeWaiters();
        }
        try {
            bAcquired = b.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            bAcquired = false;
            b.thread.interrupt(); // uninterruptible: stays parked; the thread is a daemon
        }
        return new Object[]{aResult, bAcquired};
    }

    @Test
    void timedOutWokenWaiterPassesTheWakeUpOn() throws Exception {
        Object[] r = race(false, false);
        assertEquals(Boolean.FALSE, r[0], "A timed out (its wake-up was not a permit)");
        assertTrue((Boolean) r[1], "B was woken by A's passed-on wake-up and took the permit");
    }

    @Test
    void interruptedWokenWaiterPassesTheWakeUpOn() throws Exception {
        Object[] r = race(false, true);
        assertEquals(Boolean.FALSE, r[0], "A threw InterruptedException");
        assertTrue((Boolean) r[1], "B was woken by A's passed-on wake-up and took the permit");
    }

    @Test
    void timedOutGrantedWaiterKeepsTheHandOff() throws Exception {
        Object[] r = race(true, false);
        assertEquals(Boolean.TRUE, r[0], "A keeps the permit handed to it although its deadline passed");
        assertTrue((Boolean) r[1], "B got the permit A gave back");
    }

    @Test
    void interruptedGrantedWaiterKeepsTheHandOffAndTheInterrupt() throws Exception {
        Object[] r = race(true, true);
        assertEquals(null, r[0], "A returns normally with its interrupt status set");
        assertTrue((Boolean) r[1], "B got the permit A gave back");
    }

    @Test
    void timedWaitNeverEndsEarly() throws Exception {
        Gate gate = new Gate(false);
        long timeout = TimeUnit.MILLISECONDS.toNanos(30);
        long start = System.nanoTime();
        assertFalse(gate.acquire(this, 1, Waits.TIMED, start + timeout));
        assertTrue(System.nanoTime() - start >= timeout, "returned before the deadline");
        assertEquals(0, gate.queued(), "the timed-out waiter withdrew");
    }

    @Test
    void interruptibleWaitThrowsAndWithdraws() throws Exception {
        Gate gate = new Gate(false);
        Forked<Boolean> a = new Forked<>("A", () -> gate.acquire(this, 1, Waits.INTERRUPTIBLE, 0L));
        waitUntil("A is queued", () -> gate.queued() == 1);
        a.thread.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> a.get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof InterruptedException, e.toString());
        assertEquals(0, gate.queued(), "the interrupted waiter withdrew");
    }
}
