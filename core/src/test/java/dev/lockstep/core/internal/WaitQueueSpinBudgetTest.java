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

    @Test
    void aNegativeBudgetIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Closed(-1));
        assertTrue(e.getMessage().contains("spins"), e.getMessage());
    }

    @Test
    void theBargingBudgetIsShortAndBoundedByTheGlobalOne() {
        assertTrue(SpinPolicy.BARGE_SPINS <= SpinPolicy.SPINS, "lockstep.spins=0 must still park at once");
        if (System.getProperty("lockstep.bargeSpins") == null && SpinPolicy.SPINS >= 4) {
            assertEquals(4, SpinPolicy.BARGE_SPINS, "default: a few attempts, as AQS's arriving thread");
        }
    }
}
