package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Condition waits that end abnormally while the waiter holds the Mutex more than once (interrupt,
 * timeout, an interrupt racing a signal), and the lock-order checker's user-supplied listener that
 * throws, blocks or re-enters: the exception propagates, the hold count and ownership come back
 * exactly, the waiters that should wake wake, and the Mutex (or checker) stays usable.
 */
@Timeout(30)
class MutexCallbackTest {
    private static final boolean[] FAIRNESS = {false, true};

    /** Locks {@code holds} times, runs the wait, and reports what the thread held afterwards. */
    private static TestThreads.Forked<String> waiter(Mutex m, int holds, Condition c, String name, boolean timed) {
        return fork(name, () -> {
            for (int i = 0; i < holds; i++) {
                m.lock();
            }
            String outcome;
            try {
                outcome = timed ? (c.await(20, TimeUnit.SECONDS) ? "signalled" : "timed out") : awaitUntimed(c);
            } catch (InterruptedException e) {
                outcome = "interrupted";
            }
            String held = outcome + " holding " + m.getHoldCount() + (m.isHeldByCurrentThread() ? " as owner" : "");
            for (int i = 0; i < holds; i++) {
                m.unlock();
            }
            return held;
        });
    }

    private static String awaitUntimed(Condition c) throws InterruptedException {
        c.await();
        return "signalled";
    }

    private static void waitForWaiters(Mutex m, Condition c, int n) {
        waitUntil(n + " condition waiters", () -> {
            m.lock();
            try {
                return m.getWaitQueueLength(c) == n;
            } finally {
                m.unlock();
            }
        });
    }

    @Test
    void anInterruptedConditionWaitRestoresEveryHoldAndConsumesNoSignal() throws Exception {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair);
            Condition c = m.newCondition();
            TestThreads.Forked<String> interrupted = waiter(m, 3, c, "interrupted", false);
            waitForWaiters(m, c, 1);
            TestThreads.Forked<String> signalled = waiter(m, 2, c, "signalled", true);
            waitForWaiters(m, c, 2);
            // Interrupt while the main thread holds the Mutex twice: the waiter must re-acquire it first.
            m.lock();
            m.lock();
            interrupted.thread.interrupt();
            // Until the interrupted waiter has withdrawn, a signal could still reach it first (and win).
            waitUntil("the interrupted waiter withdraws", () -> m.getWaitQueueLength(c) == 1);
            Thread.sleep(20);
            assertFalse(interrupted.isDone(), "the exception is thrown only once the Mutex is held again");
            c.signal(); // must go to the waiter still waiting, not to the interrupted one
            m.unlock();
            m.unlock();
            assertEquals("interrupted holding 3 as owner", interrupted.get(5, TimeUnit.SECONDS));
            assertEquals("signalled holding 2 as owner", signalled.get(5, TimeUnit.SECONDS));
            assertFalse(m.isLocked());
            assertFalse(m.hasQueuedThreads());
            m.lock();
            assertFalse(m.hasWaiters(c), "no withdrawn waiter left on the condition");
            m.unlock();
        }
    }

    @Test
    void aTimedOutConditionWaitRestoresEveryHold() throws Exception {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair);
            Condition c = m.newCondition();
            m.lock();
            m.lock();
            try {
                assertFalse(c.await(10, TimeUnit.MILLISECONDS));
                assertEquals(2, m.getHoldCount());
                assertTrue(c.awaitNanos(1_000_000) <= 0);
                assertEquals(2, m.getHoldCount());
                assertFalse(m.hasWaiters(c));
            } finally {
                m.unlock();
                m.unlock();
            }
            assertFalse(m.isLocked());
        }
    }

    @Test
    void anUninterruptibleWaitKeepsTheInterruptAndEveryHold() throws Exception {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair);
            Condition c = m.newCondition();
            TestThreads.Forked<String> w = fork("uninterruptible", () -> {
                m.lock();
                m.lock();
                try {
                    c.awaitUninterruptibly();
                    return "interrupted=" + Thread.interrupted() + " holds=" + m.getHoldCount();
                } finally {
                    m.unlock();
                    m.unlock();
                }
            });
            waitForWaiters(m, c, 1);
            w.thread.interrupt();
            Thread.sleep(20);
            assertFalse(w.isDone(), "an interrupt does not end an uninterruptible wait");
            MutexJdkContractTest.signalWhenWaiting(m, c);
            assertEquals("interrupted=true holds=2", w.get(5, TimeUnit.SECONDS));
            assertFalse(m.isLocked());
        }
    }

    @Test
    void aSignalThatWinsTheRaceWithAnInterruptReturnsNormallyWithTheStatusSet() throws Exception {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair);
            Condition c = m.newCondition();
            TestThreads.Forked<String> w = fork("raced", () -> {
                m.lock();
                m.lock();
                try {
                    c.await();
                    return "returned interrupted=" + Thread.interrupted() + " holds=" + m.getHoldCount();
                } catch (InterruptedException e) {
                    return "threw holds=" + m.getHoldCount();
                } finally {
                    m.unlock();
                    m.unlock();
                }
            });
            waitForWaiters(m, c, 1);
            m.lock();
            c.signal(); // signalled first, while we hold the lock ...
            w.thread.interrupt(); // ... then interrupted before it could re-acquire
            m.unlock();
            assertEquals("returned interrupted=true holds=2", w.get(5, TimeUnit.SECONDS));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // The lock-order listener (Lockdep's user callback), through the checker behind it

    private static void lock(LockOrderChecker c, Object l) {
        c.beforeAcquire(l);
        c.acquired(l);
    }

    /** Establishes a -> b in another thread, so that b -> a in this one is a reported inversion. */
    private static void establish(LockOrderChecker c, Object a, Object b) throws Exception {
        fork("establish", () -> {
            lock(c, a);
            lock(c, b);
            c.released(b);
            c.released(a);
            return null;
        }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void aListenerThatThrowsPropagatesAndTheCheckerStaysUsable() throws Exception {
        IllegalStateException boom = new IllegalStateException("listener failed");
        int[] calls = new int[1];
        LockOrderChecker c = new LockOrderChecker(Lockdep.Policy.WARN, report -> {
            calls[0]++;
            throw boom;
        });
        Object a = "A";
        Object b = "B";
        establish(c, a, b);
        lock(c, b);
        assertSame(boom, assertThrows(IllegalStateException.class, () -> c.beforeAcquire(a)));
        assertEquals(1, calls[0]);
        // Nothing was recorded for the failed acquisition: the same inversion is reported again.
        assertSame(boom, assertThrows(IllegalStateException.class, () -> c.beforeAcquire(a)));
        assertEquals(2, calls[0]);
        c.released(b);
        lock(c, a); // unrelated acquisitions go on
        lock(c, b);
        c.released(b);
        c.released(a);
        assertEquals(2, calls[0]);
    }

    @Test
    void aListenerThatBlocksOrReentersDoesNotStopOtherThreadsChecks() throws Exception {
        List<String> reports = new ArrayList<>();
        CountDownLatch inListener = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        LockOrderChecker[] self = new LockOrderChecker[1];
        LockOrderChecker c = new LockOrderChecker(Lockdep.Policy.THROW, report -> {
            synchronized (reports) {
                reports.add(report.getMessage());
            }
            if (Thread.currentThread().getName().equals("blocked-listener")) {
                // Re-enters the checker from the listener: a check of its own, in this thread.
                lock(self[0], "X");
                self[0].released("X");
                inListener.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        self[0] = c;
        establish(c, "A", "B");
        TestThreads.Forked<Void> blocked = fork("blocked-listener", () -> {
            lock(c, "B");
            try {
                assertThrows(PotentialDeadlockException.class, () -> c.beforeAcquire("A"));
            } finally {
                c.released("B");
            }
            return null;
        });
        assertTrue(inListener.await(5, TimeUnit.SECONDS));
        // While that listener blocks, another thread's checks (edges and a report) complete.
        TestThreads.Forked<Void> other = fork("other", () -> {
            lock(c, "C");
            lock(c, "D");
            c.released("D");
            c.released("C");
            lock(c, "B");
            try {
                assertThrows(PotentialDeadlockException.class, () -> c.beforeAcquire("A"));
            } finally {
                c.released("B");
            }
            return null;
        });
        other.get(5, TimeUnit.SECONDS);
        release.countDown();
        blocked.get(5, TimeUnit.SECONDS);
        synchronized (reports) {
            assertEquals(2, reports.size(), reports.toString());
        }
    }

    @Test
    void anInterruptedLockInterruptiblyLeavesTheMutexUsableForTheOthers() throws Exception {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair);
            m.lock();
            m.lock();
            TestThreads.Forked<Void> interrupted = fork("interrupted", () -> {
                m.lockInterruptibly();
                m.unlock();
                return null;
            });
            TestThreads.Forked<Void> patient = fork("patient", () -> {
                m.lock();
                m.unlock();
                return null;
            });
            waitUntil("both queued", () -> m.getQueueLength() == 2);
            interrupted.thread.interrupt();
            ExecutionException e = assertThrows(ExecutionException.class, () -> interrupted.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof InterruptedException);
            m.unlock();
            assertTrue(m.isLocked(), "one hold left");
            m.unlock();
            patient.get(5, TimeUnit.SECONDS);
            assertFalse(m.isLocked());
            assertFalse(m.hasQueuedThreads());
        }
    }
}
