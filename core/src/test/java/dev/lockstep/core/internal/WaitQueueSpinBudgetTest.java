package dev.lockstep.core.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waiting layer's spin budget: an acquisition makes one attempt, then (being the only spinner)
 * exactly {@link WaitQueue#spinBudget()} more before it would queue. Counted with a gate that never
 * grants and a timed wait whose deadline has already passed, so the acquisition gives up right after
 * its spin, without parking and without timing.
 */
@Timeout(30)
class WaitQueueSpinBudgetTest {

    /** Never grants; counts the attempts. */
    static final class Closed extends WaitQueue {
        private static final long serialVersionUID = 1L;
        int attempts;

        Closed(int spins) {
            super(false, spins);
        }

        Closed(boolean spin) {
            super(false, spin);
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            attempts++;
            return false;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            return null;
        }
    }

    private static int attemptsOfExpiredWait(Closed q) throws InterruptedException {
        assertFalse(q.acquire(q, 1, Waits.TIMED, System.nanoTime() - 1));
        q.lock();
        int queued = q.size();
        q.unlock();
        assertEquals(0, queued, "gave up before queuing");
        return q.attempts;
    }

    @Test
    void aBargingQueueSpinsExactlyItsBudget() throws InterruptedException {
        Closed q = new Closed(SpinPolicy.BARGE_SPINS);
        assertEquals(SpinPolicy.BARGE_SPINS, q.spinBudget());
        assertEquals(1 + SpinPolicy.BARGE_SPINS, attemptsOfExpiredWait(q));
    }

    @Test
    void explicitBudgetsAreHonoured() throws InterruptedException {
        assertEquals(1, attemptsOfExpiredWait(new Closed(0)));
        assertEquals(1 + 3, attemptsOfExpiredWait(new Closed(3)));
        assertEquals(1, attemptsOfExpiredWait(new Closed(false)));
        assertEquals(0, new Closed(false).spinBudget());
        assertEquals(SpinPolicy.SPINS, new Closed(true).spinBudget());
    }

    /**
     * Opens at its {@code openAt}-th attempt; counts enqueues. A thread that enqueued is granted at
     * once by the re-check (unless the gate never opens), so a broken budget shows as a count, not a
     * hang.
     */
    static final class OpensLate extends WaitQueue {
        private static final long serialVersionUID = 1L;
        final int openAt;
        int attempts;
        int enqueued;

        OpensLate(int spins, int yields, int openAt) {
            super(true, spins, yields);
            this.openAt = openAt;
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            return ++attempts >= openAt;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            enqueued++;
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            // A gate that opens at all grants whoever queued (so a queued thread does not hang).
            return isEmpty() || openAt == Integer.MAX_VALUE ? null : grantFirst();
        }
    }

    @Test
    void theSpinnerYieldsItsYieldBudgetBeforeItQueues() throws InterruptedException {
        // 1 arrival attempt + 3 spins + 5 yields: the 9th attempt, the last yield's, succeeds unqueued.
        OpensLate q = new OpensLate(3, 5, 1 + 3 + 5);
        assertEquals(5, q.yieldBudget());
        assertTrue(q.acquire(q, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(9, q.attempts);
        assertEquals(0, q.enqueued, "acquired in the yield phase, never queued");
        // One attempt more than the budget: it queues (and the re-check grants it).
        OpensLate late = new OpensLate(3, 5, 1 + 3 + 5 + 1);
        assertTrue(late.acquire(late, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(1, late.enqueued, "queued once spins and yields were spent");
    }

    @Test
    void yieldsOnlyWhereAsked() throws InterruptedException {
        assertEquals(0, new Closed(true).yieldBudget());
        assertEquals(0, new Closed(4).yieldBudget());
        OpensLate noYields = new OpensLate(3, 0, 1 + 3 + 1);
        assertTrue(noYields.acquire(noYields, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(1, noYields.enqueued);
    }

    @Test
    void anInterruptEndsTheYieldPhase() {
        OpensLate q = new OpensLate(0, 1000, Integer.MAX_VALUE);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> q.acquire(q, 1, Waits.INTERRUPTIBLE, 0L));
        assertEquals(1 + 0, q.attempts, "no yield step once interrupted");
        assertFalse(Thread.interrupted());
    }

    @Test
    void aNegativeBudgetIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Closed(-1));
        assertTrue(e.getMessage().contains("spins"), e.getMessage());
        IllegalArgumentException y = assertThrows(IllegalArgumentException.class,
                () -> new OpensLate(0, -1, 1));
        assertTrue(y.getMessage().contains("yields"), y.getMessage());
    }

    @Test
    void theBargingBudgetIsShortAndBoundedByTheGlobalOne() {
        assertTrue(SpinPolicy.BARGE_SPINS <= SpinPolicy.SPINS, "lockstep.spins=0 must still park at once");
        if (System.getProperty("lockstep.bargeSpins") == null && SpinPolicy.SPINS >= 4) {
            assertEquals(4, SpinPolicy.BARGE_SPINS, "default: a few attempts, as AQS's arriving thread");
        }
    }
}
