package dev.lockstep.core.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.lockstep.core.internal.WaitQueueWithdrawalTest.Forked;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.lockstep.core.internal.WaitQueueWithdrawalTest.takingQueueLockInAcquire;
import static dev.lockstep.core.internal.WaitQueueWithdrawalTest.waitUntil;

/**
 * A run of waiters granted together ({@link WaitQueue#grantRun}): the releaser unparks only the first
 * node, after the queue lock, and each granted thread unparks the next of its run as soon as it sees
 * its grant. Every waiter of the run must wake: parked ones through the chain, and also when a node
 * of the run gives up (deadline passed) just as the run is granted, so that it finds its grant only
 * in the withdrawal step. A chain that is not forwarded leaves the later waiters parked, granted.
 */
@Timeout(60)
class WaitQueueRunTest {

    /** A counting gate whose release grants every queued waiter as one run while permits are left. */
    static final class RunGate extends WaitQueueWithdrawalTest.Gate {
        private static final long serialVersionUID = 1L;

        RunGate() {
            super(false); // wake-and-retry, no spinning: the test controls every step
        }

        @Override
        protected WaitNode grantLocked() {
            if (isEmpty() || permits.get() <= 0) {
                return null;
            }
            int n = 0;
            for (WaitNode p = first(); p != null; p = p.next) {
                n++;
            }
            return grantRun(n);
        }
    }

    private static boolean acquired(Forked<Boolean> f) throws Exception {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.thread.interrupt(); // uninterruptible: stays parked; the thread is a daemon
            return false;
        }
    }

    @Test
    void everyParkedWaiterOfARunWakes() throws Exception {
        RunGate gate = new RunGate();
        Object blocker = new Object();
        int n = 4;
        @SuppressWarnings("unchecked")
        Forked<Boolean>[] waiters = new Forked[n];
        for (int i = 0; i < n; i++) {
            waiters[i] = new Forked<>("W" + i, () -> gate.acquire(blocker, 1, Waits.UNINTERRUPTIBLE, 0L));
            int queued = i + 1;
            waitUntil("W" + i + " is queued", () -> gate.queued() == queued);
        }
        for (Forked<Boolean> w : waiters) {
            // Parked, so that only an unpark can wake it (one that found GRANTED before parking
            // would not test the chain).
            waitUntil(w.thread.getName() + " is parked", () -> w.thread.getState() == Thread.State.WAITING);
        }
        gate.permits.addAndGet(n);
        gate.wakeWaiters(); // grants the run of 4; unparks only W0
        for (Forked<Boolean> w : waiters) {
            assertTrue(acquired(w), w.thread.getName() + " woke and took a permit");
        }
        assertEquals(0, gate.permits.get());
        assertEquals(0, gate.queued());
    }

    @Test
    void aWaiterGivingUpAsItsRunIsGrantedStillWakesTheRest() throws Exception {
        RunGate gate = new RunGate();
        Object blocker = new Object();
        Forked<Boolean> a = new Forked<>("A", () ->
                gate.acquire(blocker, 1, Waits.TIMED, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)));
        waitUntil("A is queued", () -> gate.queued() == 1);
        Forked<Boolean> b = new Forked<>("B", () -> gate.acquire(blocker, 1, Waits.UNINTERRUPTIBLE, 0L));
        waitUntil("B is queued", () -> gate.queued() == 2);
        waitUntil("B is parked", () -> b.thread.getState() == Thread.State.WAITING);

        gate.lock();
        WaitNode first;
        try {
            waitUntil("A gives up and waits for the queue lock", () -> takingQueueLockInAcquire(a.thread));
            // What a releaser does: make permits available and grant the run [A, B] under the queue lock.
            gate.permits.addAndGet(2);
            first = gate.grantLocked();
        } finally {
            gate.unlock();
        }
        assertEquals(a.thread, first.thread, "the run starts with A");
        WaitQueue.unpark(first); // only A: B is A's to wake
        assertEquals(Boolean.FALSE, a.get(10, TimeUnit.SECONDS), "A timed out (its wake-up was not used)");
        assertTrue(acquired(b), "B was woken by A, which found its grant while giving up");
    }
}
