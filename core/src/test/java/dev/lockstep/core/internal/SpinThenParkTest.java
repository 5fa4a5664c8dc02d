package dev.lockstep.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The steps of {@link SpinThenPark} on their own (the queue locks built on it are tested by the
 * {@code core.lock} tests and their jcstress hand-off tests): the spin budget, the exit checks per
 * mode, a timed park that honours its deadline, an untimed park that an unpark ends, and the interrupt
 * bookkeeping of an uninterruptible wait.
 */
@Timeout(30)
class SpinThenParkTest {
    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void spinsExactlyTheBudgetThenRefuses() {
        int spins = 0;
        while (SpinThenPark.spin(spins)) {
            spins++;
            assertTrue(spins <= SpinThenPark.SPINS, "spun past the budget");
        }
        assertEquals(SpinPolicy.SPINS, spins);
        assertFalse(SpinThenPark.spin(spins));
    }

    @Test
    void exitChecksFollowTheMode() {
        long future = Waits.deadline(1, TimeUnit.HOURS);
        long past = Waits.deadline(0, TimeUnit.NANOSECONDS);
        assertEquals(SpinThenPark.GO_ON, SpinThenPark.checkExit(Waits.UNINTERRUPTIBLE, past));
        assertEquals(SpinThenPark.GO_ON, SpinThenPark.checkExit(Waits.INTERRUPTIBLE, past));
        assertEquals(SpinThenPark.GO_ON, SpinThenPark.checkExit(Waits.TIMED, future));
        assertEquals(SpinThenPark.TIMED_OUT, SpinThenPark.checkExit(Waits.TIMED, past));

        Thread.currentThread().interrupt();
        assertEquals(SpinThenPark.GO_ON, SpinThenPark.checkExit(Waits.UNINTERRUPTIBLE, past));
        assertTrue(Thread.currentThread().isInterrupted(), "an uninterruptible check keeps the status");
        assertEquals(SpinThenPark.INTERRUPTED, SpinThenPark.checkExit(Waits.INTERRUPTIBLE, future));
        assertFalse(Thread.currentThread().isInterrupted(), "INTERRUPTED clears the status");
        Thread.currentThread().interrupt();
        assertEquals(SpinThenPark.INTERRUPTED, SpinThenPark.checkExit(Waits.TIMED, past), "interrupt first");
        assertFalse(Thread.currentThread().isInterrupted());
    }

    @Test
    void timedParkReturnsNeitherEarlyNorFarLate() {
        long start = System.nanoTime();
        long deadline = Waits.deadline(50, TimeUnit.MILLISECONDS);
        while (System.nanoTime() - deadline < 0) { // a park may return spuriously: loop, as callers do
            assertFalse(SpinThenPark.park(this, Waits.TIMED, deadline));
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(waited >= 50 && waited < 5_000, waited + " ms");
        // A deadline already passed: no park at all.
        assertFalse(SpinThenPark.park(this, Waits.TIMED, Waits.deadline(0, TimeUnit.NANOSECONDS)));
    }

    @Test
    void untimedParkEndsOnUnparkAndShowsItsBlocker() throws Exception {
        Object blocker = new Object();
        boolean[] done = new boolean[1];
        Thread waiter = new Thread(() -> {
            SpinThenPark.park(blocker, Waits.INTERRUPTIBLE, 0L);
            done[0] = true;
        });
        waiter.start();
        while (LockSupport.getBlocker(waiter) != blocker) {
            Thread.onSpinWait();
        }
        LockSupport.unpark(waiter);
        waiter.join(5_000);
        assertFalse(waiter.isAlive(), "unpark ended the park");
        assertTrue(done[0]);
    }

    @Test
    void uninterruptibleParkClearsAPendingInterruptAndRestoreSetsItAgain() {
        Thread.currentThread().interrupt();
        LockSupport.unpark(Thread.currentThread()); // so that the park returns (once the interrupt is cleared)
        boolean cleared = SpinThenPark.park(this, Waits.UNINTERRUPTIBLE, 0L);
        assertTrue(cleared, "the pending interrupt was cleared and reported");
        assertFalse(Thread.currentThread().isInterrupted());
        SpinThenPark.restoreInterrupt(false);
        assertFalse(Thread.currentThread().isInterrupted());
        SpinThenPark.restoreInterrupt(cleared);
        assertTrue(Thread.currentThread().isInterrupted(), "restored once the wait is over");
        // Interruptible modes leave the interrupt to checkExit.
        assertFalse(SpinThenPark.park(this, Waits.INTERRUPTIBLE, 0L)); // returns at once: status set
        assertTrue(Thread.currentThread().isInterrupted());
    }
}
