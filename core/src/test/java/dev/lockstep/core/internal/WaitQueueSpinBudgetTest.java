package dev.lockstep.core.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waiting layer's spin budget: an acquisition makes one attempt, then (being the only spinner)
 * exactly {@link WaitQueue#spinBudget()} more before it would queue, or {@link
 * WaitQueue#queuedSpinBudget()} more while another waiter is queued (the {@code Adaptive} tests, which
 * count with a gate that refuses to park instead). Counted with a gate that never
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

    /**
     * A queue with a long budget while empty and a short one while a waiter is queued. Its attempt
     * succeeds only at attempt {@code succeedAt}; {@code parkLocked} (the step after the spin gave
     * up) records the attempt count the first time and refuses, so the acquisition retries, spins
     * again and ends at {@code succeedAt} without ever parking. {@code linkAt}: at that attempt a
     * foreign waiter's node is linked, as a thread that queues while we spin.
     */
    static final class Adaptive extends WaitQueue {
        private static final long serialVersionUID = 1L;
        final int succeedAt;
        int linkAt = -1;
        int attempts;
        int gaveUpAt = -1;

        Adaptive(int spins, int queuedSpins, int succeedAt) {
            super(false, spins, queuedSpins);
            this.succeedAt = succeedAt;
        }

        void linkForeignWaiter() {
            lock();
            addLast(WaitNode.unregistered(new Thread(() -> { })));
            unlock();
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            attempts++;
            if (attempts == linkAt) {
                linkForeignWaiter();
            }
            return attempts == succeedAt;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            if (gaveUpAt < 0) {
                gaveUpAt = attempts;
            }
            return false;
        }

        @Override
        protected WaitNode grantLocked() {
            return null;
        }
    }

    @Test
    void theBudgetIsLongWhileNobodyIsQueued() throws InterruptedException {
        Adaptive q = new Adaptive(40, 4, 1 + 40);
        assertEquals(40, q.spinBudget());
        assertEquals(4, q.queuedSpinBudget());
        assertTrue(q.acquire(q, 1, Waits.INTERRUPTIBLE, 0L));
        assertEquals(-1, q.gaveUpAt, "spun its whole solo budget without giving up");
        assertEquals(1 + 40, q.attempts);
    }

    @Test
    void theBudgetIsShortWhileAWaiterIsQueued() throws InterruptedException {
        Adaptive q = new Adaptive(40, 4, 1 + 40);
        q.linkForeignWaiter();
        assertTrue(q.acquire(q, 1, Waits.INTERRUPTIBLE, 0L));
        assertEquals(1 + 4, q.gaveUpAt, "gave up after the queued budget");
    }

    @Test
    void aWaiterThatQueuesMidSpinEndsTheLongSpin() throws InterruptedException {
        Adaptive q = new Adaptive(40, 4, 1 + 40);
        q.linkAt = 10; // attempt 10 is spin step 9 (past the short budget): the next step looks and stops
        assertTrue(q.acquire(q, 1, Waits.INTERRUPTIBLE, 0L));
        assertEquals(10, q.gaveUpAt);
    }

    @Test
    void aQueuedBudgetAboveTheSoloOneIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Adaptive(4, 5, 1));
        assertTrue(e.getMessage().contains("spins"), e.getMessage());
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
        assertTrue(SpinPolicy.BARGE_SPINS <= SpinPolicy.SOLO_SPINS && SpinPolicy.SOLO_SPINS <= SpinPolicy.SPINS);
        if (System.getProperty("lockstep.soloSpins") == null) {
            assertEquals(SpinPolicy.SPINS, SpinPolicy.SOLO_SPINS, "default: the full budget while nobody is queued");
        }
        if (System.getProperty("lockstep.bargeSpins") == null && SpinPolicy.SPINS >= 4) {
            assertEquals(4, SpinPolicy.BARGE_SPINS, "default: a few attempts, as AQS's arriving thread");
        }
    }
}
