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

    /**
     * A spin budget of 0 with a yield budget (the blocking queues' sides where several threads wait):
     * no {@code onSpinWait} steps, but the one spinner still yields its budget before it queues.
     */
    @Test
    void aZeroSpinBudgetStillYieldsBeforeItQueues() throws InterruptedException {
        // 1 arrival attempt + 0 spins + 5 yields: the 6th attempt, the last yield's, succeeds unqueued.
        OpensLate q = new OpensLate(0, 5, 1 + 5);
        assertEquals(0, q.spinBudget());
        assertTrue(q.acquire(q, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(6, q.attempts);
        assertEquals(0, q.enqueued, "acquired in the yield phase, never queued");
        OpensLate late = new OpensLate(0, 5, 1 + 5 + 1);
        assertTrue(late.acquire(late, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(1, late.enqueued, "queued once the yields were spent");
    }

    /**
     * {@link WaitQueue#acquireAfterSpin}: the caller spun already, so the first round makes neither the
     * arrival attempt nor the spin steps (an expired wait gives up with no attempt at all), but still
     * runs the yield phase; a later round (after a wake-up) would spin as usual.
     */
    @Test
    void afterTheCallersSpinTheFirstRoundSkipsTheSpinStepsOnly() throws InterruptedException {
        Closed q = new Closed(3);
        assertFalse(q.acquireAfterSpin(q, 1, Waits.TIMED, System.nanoTime() - 1));
        assertEquals(0, q.attempts, "no arrival attempt and no spin step after the caller's spin");
        // The yield phase still runs: the 5th attempt (the last yield's) succeeds, unqueued.
        OpensLate y = new OpensLate(3, 5, 5);
        assertTrue(y.acquireAfterSpin(y, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(5, y.attempts);
        assertEquals(0, y.enqueued, "acquired in the yield phase, never queued");
        // No yield phase: it queues at once (the re-check after linking grants it).
        OpensLate n = new OpensLate(3, 0, 1);
        assertTrue(n.acquireAfterSpin(n, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(1, n.enqueued, "queued without spinning");
    }

    @Test
    void yieldsOnlyWhereAsked() throws InterruptedException {
        assertEquals(0, new Closed(true).yieldBudget());
        assertEquals(0, new Closed(4).yieldBudget());
        OpensLate noYields = new OpensLate(3, 0, 1 + 3 + 1);
        assertTrue(noYields.acquire(noYields, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(1, noYields.enqueued);
    }

    /**
     * A spinner (thread A) holds the one-spinner slot, stopped inside its first spin attempt; the
     * current thread's attempts open at {@code openAt}. Counts the current thread's attempts and
     * enqueues; A's attempt succeeds once released.
     */
    static final class SlotTaken extends WaitQueue {
        private static final long serialVersionUID = 1L;
        final java.util.concurrent.CountDownLatch spinning = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        volatile Thread spinner;
        final int openAt;
        int attempts;
        int enqueued;
        int spinnerAttempts;

        SlotTaken(int busyYields, int openAt) {
            super(true, 1, 0, busyYields);
            this.openAt = openAt;
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            if (Thread.currentThread() == spinner) {
                if (++spinnerAttempts == 1) {
                    return false; // its arrival attempt: it goes on to take the slot and spin
                }
                spinning.countDown(); // inside the spin: the slot is ours until we return
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return true;
            }
            return ++attempts >= openAt;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            if (Thread.currentThread() != spinner) {
                enqueued++;
            }
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            return isEmpty() ? null : grantFirst();
        }

        /** Acquires (uninterruptibly, on the current thread) while thread A spins (holds the slot). */
        void acquireWhileSlotTaken() throws InterruptedException {
            whileSlotTaken(() -> {
                try {
                    assertTrue(acquire(this, 1, Waits.UNINTERRUPTIBLE, 0L));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        }

        /** Runs {@code body} while thread A spins (holds the slot). */
        void whileSlotTaken(Runnable body) throws InterruptedException {
            Thread a = new Thread(() -> {
                try {
                    acquire(this, 1, Waits.UNINTERRUPTIBLE, 0L);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            spinner = a;
            a.start();
            spinning.await();
            try {
                body.run();
            } finally {
                release.countDown();
                a.join();
            }
        }
    }

    @Test
    void aThreadThatFindsTheSlotTakenYieldsItsBusyBudgetBeforeItQueues() throws InterruptedException {
        // 1 arrival attempt + 6 busy yields: the 7th attempt, the last yield's, succeeds unqueued.
        SlotTaken q = new SlotTaken(6, 1 + 6);
        assertEquals(6, q.busyYieldBudget());
        q.acquireWhileSlotTaken();
        assertEquals(7, q.attempts);
        assertEquals(0, q.enqueued, "acquired in the busy-yield phase, never queued");
        // One attempt more than the budget: it queues (and the re-check grants it).
        SlotTaken late = new SlotTaken(6, 1 + 6 + 1);
        late.acquireWhileSlotTaken();
        assertEquals(1, late.enqueued, "queued once the busy yields were spent");
        // Without a busy budget (every other primitive): it queues at once.
        SlotTaken none = new SlotTaken(0, 1 + 1);
        assertEquals(0, new Closed(true).busyYieldBudget());
        none.acquireWhileSlotTaken();
        assertEquals(1, none.attempts, "no attempt while another spins");
        assertEquals(1, none.enqueued);
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
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> new SlotTaken(-1, 1));
        assertTrue(b.getMessage().contains("busyYields"), b.getMessage());
    }

    @Test
    void theBargingBudgetIsShortAndBoundedByTheGlobalOne() {
        assertTrue(SpinPolicy.BARGE_SPINS <= SpinPolicy.SPINS, "lockstep.spins=0 must still park at once");
        if (System.getProperty("lockstep.bargeSpins") == null && SpinPolicy.SPINS >= 4) {
            assertEquals(4, SpinPolicy.BARGE_SPINS, "default: a few attempts, as AQS's arriving thread");
        }
    }
}
