package dev.lockstep.core.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bound on busy yielders ({@link WaitQueue#maxBusyYielders()}): while one thread holds the
 * one-spinner slot and {@code maxBusyYielders} others are in their busy-yield phase, a further thread
 * naps ({@link SpinPolicy#OVERFLOW_NAPS} naps, an attempt after each), then parks, and naps not past
 * its deadline nor once interrupted; below the bound it yields first; and the count is given back when
 * a yielder leaves.
 * Threads are stopped inside their attempts with latches, so nothing here depends on timing.
 */
@Timeout(30)
class WaitQueueBusyYieldersTest {

    /**
     * Thread A stops inside its first spin attempt (it holds the spinner slot), thread B inside its
     * first busy-yield attempt (it is counted as a busy yielder); the current thread's attempts succeed
     * from the {@code openAt}-th.
     */
    static final class Gate extends WaitQueue {
        private static final long serialVersionUID = 1L;
        volatile CountDownLatch spinning = new CountDownLatch(1);
        volatile CountDownLatch yielding = new CountDownLatch(1);
        volatile CountDownLatch release = new CountDownLatch(1);
        volatile Thread spinner;
        volatile Thread yielder;
        final int openAt;
        int spinnerAttempts;
        int yielderAttempts;
        int attempts;
        int enqueued;

        Gate(int maxBusyYielders, int openAt) {
            super(true, 1, 0, 5, maxBusyYielders);
            this.openAt = openAt;
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            Thread t = Thread.currentThread();
            if (t == spinner) {
                return ++spinnerAttempts != 1 && stopHere(spinning);
            }
            if (t == yielder) {
                return ++yielderAttempts != 1 && stopHere(yielding);
            }
            return ++attempts >= openAt;
        }

        private boolean stopHere(CountDownLatch reached) {
            reached.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return true;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            Thread t = Thread.currentThread();
            if (t != spinner && t != yielder) {
                enqueued++;
            }
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            return isEmpty() ? null : grantFirst();
        }

        /** A fresh round on the same queue (its busy-yielder count is kept). */
        void reset() {
            spinning = new CountDownLatch(1);
            yielding = new CountDownLatch(1);
            release = new CountDownLatch(1);
            spinner = null;
            yielder = null;
            spinnerAttempts = 0;
            yielderAttempts = 0;
            attempts = 0;
            enqueued = 0;
        }

        private Thread start(Runnable r) {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        }

        /** The current thread's wait (A and B always wait uninterruptibly). */
        int mode = Waits.UNINTERRUPTIBLE;
        long deadline;
        /** Whether the current thread is interrupted just before its wait. */
        boolean interruptFirst;
        Boolean result;
        Throwable thrown;
        boolean interruptedAfter;

        private void acquireHere() {
            try {
                assertTrue(acquire(this, 1, Waits.UNINTERRUPTIBLE, 0L));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        private void acquireAsTold() {
            if (interruptFirst) {
                Thread.currentThread().interrupt();
            }
            try {
                result = acquire(this, 1, mode, deadline);
            } catch (InterruptedException e) {
                thrown = e;
            }
            interruptedAfter = Thread.interrupted();
        }

        /** Acquires on the current thread while A spins and (if {@code withYielder}) B busy-yields. */
        void acquireWhileHeld(boolean withYielder) throws InterruptedException {
            Thread a = start(this::acquireHere);
            spinner = a;
            a.start();
            spinning.await();
            Thread b = null;
            if (withYielder) {
                b = start(this::acquireHere);
                yielder = b;
                b.start();
                yielding.await();
            }
            try {
                acquireAsTold();
            } finally {
                release.countDown();
                a.join();
                if (b != null) {
                    b.join();
                }
            }
        }
    }

    @Test
    void aThreadBeyondTheBoundNapsThenParks() throws InterruptedException {
        Gate bounded = new Gate(1, Integer.MAX_VALUE);
        assertEquals(1, bounded.maxBusyYielders());
        bounded.acquireWhileHeld(true);
        assertEquals(1 + SpinPolicy.OVERFLOW_NAPS, bounded.attempts,
                "the arrival attempt and one per nap: no busy yields (" + bounded.busyYieldBudget() + ") past the bound");
        assertEquals(1, bounded.enqueued, "queued after its naps");
    }

    @Test
    void aThreadBeyondTheBoundCanSucceedFromANap() throws InterruptedException {
        Gate bounded = new Gate(1, 2);
        bounded.acquireWhileHeld(true);
        assertEquals(2, bounded.attempts, "the arrival attempt, then the first nap's");
        assertEquals(0, bounded.enqueued, "acquired after a nap, never queued");
    }

    @Test
    void aThreadBeyondTheBoundDoesNotNapPastItsDeadline() throws InterruptedException {
        Gate bounded = new Gate(1, Integer.MAX_VALUE);
        bounded.mode = Waits.TIMED;
        bounded.deadline = System.nanoTime(); // already reached: the wait reports a timeout at once
        bounded.acquireWhileHeld(true);
        assertEquals(Boolean.FALSE, bounded.result);
        assertEquals(1, bounded.attempts, "no nap once the deadline is reached");
        assertEquals(0, bounded.enqueued);
    }

    @Test
    void anInterruptedThreadBeyondTheBoundDoesNotNap() throws InterruptedException {
        Gate bounded = new Gate(1, Integer.MAX_VALUE);
        bounded.mode = Waits.INTERRUPTIBLE;
        bounded.interruptFirst = true;
        bounded.acquireWhileHeld(true);
        // It goes straight to the park step, which may grant it (this gate hands off under the queue
        // lock) or report the interrupt; either way it made no attempt after the arrival's.
        assertTrue(bounded.thrown instanceof InterruptedException || Boolean.TRUE.equals(bounded.result),
                bounded.result + " " + bounded.thrown);
        assertEquals(1, bounded.attempts, "no nap once interrupted");
    }

    @Test
    void anUninterruptibleNapperKeepsTheInterrupt() throws InterruptedException {
        Gate bounded = new Gate(1, 2);
        bounded.interruptFirst = true; // UNINTERRUPTIBLE: the nap clears the status; it must come back
        bounded.acquireWhileHeld(true);
        assertEquals(Boolean.TRUE, bounded.result);
        assertEquals(2, bounded.attempts);
        assertTrue(bounded.interruptedAfter, "the interrupt status is set again after the nap");
    }

    @Test
    void belowTheBoundAThreadStillYieldsFirst() throws InterruptedException {
        // Bound 2, one yielder: the current thread may yield; its first yield's attempt succeeds.
        Gate roomy = new Gate(2, 2);
        roomy.acquireWhileHeld(true);
        assertEquals(2, roomy.attempts);
        assertEquals(0, roomy.enqueued, "acquired in the busy-yield phase, never queued");
        // No bound (every primitive but the blocking queues): the same.
        Gate unbounded = new Gate(Integer.MAX_VALUE, 2);
        unbounded.acquireWhileHeld(true);
        assertEquals(0, unbounded.enqueued);
    }

    @Test
    void aYielderThatLeavesGivesItsPlaceBack() throws InterruptedException {
        Gate q = new Gate(1, 2);
        q.acquireWhileHeld(true); // B busy-yielded, then acquired: its place must be free again
        q.reset();
        // Same queue, a spinner only: the current thread may be the one busy yielder.
        q.acquireWhileHeld(false);
        assertEquals(2, q.attempts, "it yielded: the earlier yielder's place was given back");
        assertEquals(0, q.enqueued);
    }

    @Test
    void aBoundOfZeroMakesTheSecondWaiterNap() throws InterruptedException {
        Gate none = new Gate(0, Integer.MAX_VALUE);
        assertEquals(0, none.maxBusyYielders());
        none.acquireWhileHeld(false); // only the spinner A: the current thread is the second waiter
        assertEquals(1 + SpinPolicy.OVERFLOW_NAPS, none.attempts, "the arrival attempt and one per nap, no yields");
        assertEquals(1, none.enqueued, "queued after its naps");
    }

    @Test
    void aNegativeBoundIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Gate(-1, 1));
        assertTrue(e.getMessage().contains("maxBusyYielders"), e.getMessage());
    }
}
