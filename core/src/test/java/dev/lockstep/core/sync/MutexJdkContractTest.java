package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Arrays;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Mutex} as a drop-in for {@link ReentrantLock}: the whole public and protected API with the
 * JDK's signatures (protected methods reached through a subclass, as the JSR-166 TCK's
 * {@code PublicReentrantLock} does), the JDK's exceptions on bad arguments and in the JDK's order
 * (NullPointerException, then IllegalArgumentException, then IllegalMonitorStateException), the
 * {@code toString} format, serialization, and the Condition methods' timing contracts.
 */
@Timeout(30)
class MutexJdkContractTest {
    /** Widens the protected monitoring methods, as the TCK's PublicReentrantLock does. */
    static class PublicMutex extends Mutex {
        private static final long serialVersionUID = 1L;

        PublicMutex(boolean fair) {
            super(fair);
        }

        @Override
        public Thread getOwner() {
            return super.getOwner();
        }

        @Override
        public Collection<Thread> getQueuedThreads() {
            return super.getQueuedThreads();
        }

        @Override
        public Collection<Thread> getWaitingThreads(Condition c) {
            return super.getWaitingThreads(c);
        }
    }

    private static final boolean[] FAIRNESS = {false, true};

    @Test
    void hasTheWholeApiOfReentrantLock() {
        JdkApi.assertHasApiOf(ReentrantLock.class, Mutex.class);
    }

    @Test
    void queuedThreadsAreReportedByEveryQuery() throws Exception {
        for (boolean fair : FAIRNESS) {
            PublicMutex m = new PublicMutex(fair);
            m.lock();
            TestThreads.Forked<Void> t1 = fork("t1", () -> {
                m.lock();
                m.unlock();
                return null;
            });
            TestThreads.Forked<Void> t2 = fork("t2", () -> {
                m.lockInterruptibly();
                m.unlock();
                return null;
            });
            waitUntil("both queued", () -> m.hasQueuedThread(t1.thread) && m.hasQueuedThread(t2.thread));
            assertTrue(m.hasQueuedThreads());
            assertEquals(2, m.getQueueLength());
            assertEquals(new HashSet<>(Arrays.asList(t1.thread, t2.thread)), new HashSet<>(m.getQueuedThreads()));
            assertSame(Thread.currentThread(), m.getOwner());
            assertFalse(m.hasQueuedThread(Thread.currentThread()));

            t2.thread.interrupt();
            assertEquals(InterruptedException.class,
                    assertThrows(java.util.concurrent.ExecutionException.class, () -> t2.get(5, TimeUnit.SECONDS))
                            .getCause().getClass());
            assertEquals(List.of(t1.thread), List.copyOf(m.getQueuedThreads()));
            assertEquals(1, m.getQueueLength());
            assertFalse(m.hasQueuedThread(t2.thread));

            m.unlock();
            t1.get(5, TimeUnit.SECONDS);
            assertFalse(m.hasQueuedThreads());
            assertEquals(0, m.getQueueLength());
            assertTrue(m.getQueuedThreads().isEmpty());
            assertNull(m.getOwner());
        }
    }

    @Test
    void waitingThreadsOfAConditionAreReportedByEveryQuery() throws Exception {
        for (boolean fair : FAIRNESS) {
            PublicMutex m = new PublicMutex(fair);
            Condition c = m.newCondition();
            m.lock();
            assertTrue(m.getWaitingThreads(c).isEmpty());
            assertFalse(m.hasWaiters(c));
            m.unlock();
            TestThreads.Forked<Void> t1 = fork("waiter", () -> {
                m.lock();
                try {
                    c.await();
                } finally {
                    m.unlock();
                }
                return null;
            });
            waitUntil("waiter awaits", () -> {
                m.lock();
                try {
                    return m.getWaitQueueLength(c) == 1;
                } finally {
                    m.unlock();
                }
            });
            m.lock();
            assertTrue(m.hasWaiters(c));
            assertEquals(List.of(t1.thread), List.copyOf(m.getWaitingThreads(c)));
            c.signal();
            assertFalse(m.hasWaiters(c), "a signalled thread no longer waits on the condition");
            assertEquals(0, m.getWaitQueueLength(c));
            assertTrue(m.getWaitingThreads(c).isEmpty());
            m.unlock();
            t1.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void nullArgumentsThrowNullPointerExceptionFirst() {
        PublicMutex m = new PublicMutex(false);
        // Not holding the lock: the null check comes before the ownership check, as in the JDK.
        assertThrows(NullPointerException.class, () -> m.hasQueuedThread(null));
        assertThrows(NullPointerException.class, () -> m.hasWaiters(null));
        assertThrows(NullPointerException.class, () -> m.getWaitQueueLength(null));
        assertThrows(NullPointerException.class, () -> m.getWaitingThreads(null));
        m.lock();
        try {
            assertThrows(NullPointerException.class, () -> m.hasQueuedThread(null));
            assertThrows(NullPointerException.class, () -> m.hasWaiters(null));
            assertThrows(NullPointerException.class, () -> m.getWaitQueueLength(null));
            assertThrows(NullPointerException.class, () -> m.getWaitingThreads(null));
            Condition c = m.newCondition();
            assertThrows(NullPointerException.class, () -> c.await(1, null));
            assertThrows(NullPointerException.class, () -> c.awaitUntil(null));
        } finally {
            m.unlock();
        }
        assertThrows(NullPointerException.class, () -> m.tryLock(1, null));
        assertFalse(m.isLocked());
    }

    @Test
    void aConditionOfAnotherLockThrowsIllegalArgumentExceptionBeforeTheOwnershipCheck() {
        PublicMutex m = new PublicMutex(true);
        Condition other = new Mutex().newCondition();
        Condition jdk = new ReentrantLock().newCondition();
        for (Condition c : new Condition[]{other, jdk}) {
            assertThrows(IllegalArgumentException.class, () -> m.hasWaiters(c));
            assertThrows(IllegalArgumentException.class, () -> m.getWaitQueueLength(c));
            assertThrows(IllegalArgumentException.class, () -> m.getWaitingThreads(c));
            m.lock();
            assertThrows(IllegalArgumentException.class, () -> m.hasWaiters(c));
            assertThrows(IllegalArgumentException.class, () -> m.getWaitQueueLength(c));
            assertThrows(IllegalArgumentException.class, () -> m.getWaitingThreads(c));
            m.unlock();
        }
    }

    @Test
    void notHoldingTheLockThrowsIllegalMonitorStateException() {
        PublicMutex m = new PublicMutex(false);
        Condition c = m.newCondition();
        assertThrows(IllegalMonitorStateException.class, () -> m.hasWaiters(c));
        assertThrows(IllegalMonitorStateException.class, () -> m.getWaitQueueLength(c));
        assertThrows(IllegalMonitorStateException.class, () -> m.getWaitingThreads(c));
        assertThrows(IllegalMonitorStateException.class, m::unlock);
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, c::signalAll);
        assertThrows(IllegalMonitorStateException.class, c::awaitUninterruptibly);
        assertThrows(IllegalMonitorStateException.class, () -> c.awaitUntil(new Date()));
    }

    @Test
    void aPendingInterruptIsReportedBeforeTheOwnershipCheckAsInTheJdk() {
        Condition c = new Mutex().newCondition();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, c::await);
        assertFalse(Thread.interrupted(), "InterruptedException clears the status");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> c.awaitNanos(1));
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> c.await(1, TimeUnit.SECONDS));
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> c.awaitUntil(new Date()));
        // The uninterruptible wait only checks ownership, and keeps the status.
        Thread.currentThread().interrupt();
        assertThrows(IllegalMonitorStateException.class, c::awaitUninterruptibly);
        assertTrue(Thread.interrupted());
    }

    @Test
    void aPendingInterruptFailsTheInterruptibleAcquisitionsEvenOfAFreeLock() {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair);
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, m::lockInterruptibly);
            assertFalse(Thread.interrupted(), "cleared");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> m.tryLock(1, TimeUnit.SECONDS));
            assertFalse(Thread.interrupted(), "cleared");
            assertFalse(m.isLocked(), "not acquired");
            // The untimed tryLock and lock() ignore the interrupt and keep it.
            Thread.currentThread().interrupt();
            assertTrue(m.tryLock());
            m.lock();
            assertTrue(Thread.interrupted());
            m.unlock();
            m.unlock();
        }
    }

    @Test
    void toStringHasTheJdkFormat() throws Exception {
        Mutex unnamed = new Mutex();
        String id = Mutex.class.getName() + "@" + Integer.toHexString(System.identityHashCode(unnamed));
        assertEquals(id + "[Unlocked]", unnamed.toString());
        unnamed.lock();
        assertEquals(id + "[Locked by thread " + Thread.currentThread().getName() + "]", unnamed.toString());
        unnamed.lock();
        unnamed.unlock();
        assertTrue(unnamed.toString().endsWith("[Locked by thread " + Thread.currentThread().getName() + "]"));
        unnamed.unlock();
        assertEquals(id + "[Unlocked]", unnamed.toString());

        Mutex named = new Mutex(true, "accounts");
        assertEquals("accounts[Unlocked]", named.toString());
        TestThreads.Forked<Void> holder = fork("holder-thread", () -> {
            named.lock();
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                named.unlock();
            }
            return null;
        });
        waitUntil("holder locks", named::isLocked);
        assertEquals("accounts[Locked by thread holder-thread]", named.toString());
        holder.thread.interrupt();
        holder.get(5, TimeUnit.SECONDS);
        assertEquals("accounts[Unlocked]", named.toString());
    }

    @Test
    void aSerializedCopyIsFreeOfTheSameClassFairnessAndName() throws Exception {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair, "ser");
            m.lock();
            Mutex copy = JdkApi.serialClone(m);
            assertTrue(m.isLocked());
            assertEquals(1, m.getHoldCount());
            assertFalse(copy.isLocked());
            assertEquals(0, copy.getHoldCount());
            assertEquals(fair, copy.isFair());
            assertEquals("ser", copy.name());
            copy.lock();
            copy.lock();
            assertEquals(2, copy.getHoldCount());
            assertEquals(1, m.getHoldCount());
            copy.unlock();
            copy.unlock();
            assertTrue(m.isLocked());
            assertFalse(copy.isLocked());
            m.unlock();

            PublicMutex sub = new PublicMutex(fair);
            sub.lock();
            PublicMutex subCopy = JdkApi.serialClone(sub); // same class: no readResolve to a plain Mutex
            assertFalse(subCopy.isLocked());
            assertNull(subCopy.getOwner());
            assertTrue(subCopy.getQueuedThreads().isEmpty());
            Condition c = subCopy.newCondition();
            subCopy.lock();
            assertFalse(c.await(1, TimeUnit.MILLISECONDS));
            assertTrue(subCopy.getWaitingThreads(c).isEmpty());
            subCopy.unlock();
            sub.unlock();
        }
    }

    @Test
    void awaitNanosReturnsTheRemainingTime() throws Exception {
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        m.lock();
        try {
            long timeout = TimeUnit.MILLISECONDS.toNanos(20);
            long start = System.nanoTime();
            long left = c.awaitNanos(timeout);
            assertTrue(left <= 0, "timed out: no time left, got " + left);
            assertTrue(System.nanoTime() - start >= timeout, "never early");
            assertTrue(c.awaitNanos(-5) <= 0);
            assertTrue(c.awaitNanos(Long.MIN_VALUE) <= 0);
            assertEquals(1, m.getHoldCount());
        } finally {
            m.unlock();
        }
        for (long timeout : new long[]{TimeUnit.SECONDS.toNanos(10), Long.MAX_VALUE}) {
            TestThreads.Forked<Long> waiter = fork("awaitNanos", () -> {
                m.lock();
                try {
                    return c.awaitNanos(timeout);
                } finally {
                    m.unlock();
                }
            });
            signalWhenWaiting(m, c);
            long left = waiter.get(5, TimeUnit.SECONDS);
            assertTrue(left > 0 && left <= timeout, "signalled well before " + timeout + ": " + left + " left");
        }
    }

    @Test
    void timedAwaitsWithANonPositiveOrPastTimeoutReturnFalseHoldingTheLock() throws Exception {
        Mutex m = new Mutex(true);
        Condition c = m.newCondition();
        m.lock();
        m.lock();
        try {
            assertFalse(c.await(0, TimeUnit.SECONDS));
            assertFalse(c.await(-1, TimeUnit.DAYS));
            assertFalse(c.await(Long.MIN_VALUE, TimeUnit.NANOSECONDS));
            assertFalse(c.awaitUntil(new Date(System.currentTimeMillis() - 1000)));
            assertFalse(c.awaitUntil(new Date(0)));
            assertEquals(2, m.getHoldCount());
        } finally {
            m.unlock();
            m.unlock();
        }
        TestThreads.Forked<Boolean> waiter = fork("awaitUntil", () -> {
            m.lock();
            try {
                return c.awaitUntil(new Date(System.currentTimeMillis() + 10_000));
            } finally {
                m.unlock();
            }
        });
        signalWhenWaiting(m, c);
        assertTrue(waiter.get(5, TimeUnit.SECONDS), "signalled before the deadline");
    }

    @Test
    void tryLockWithANonPositiveTimeoutDoesNotWait() throws Exception {
        for (boolean fair : FAIRNESS) {
            Mutex m = new Mutex(fair);
            assertTrue(m.tryLock(-1, TimeUnit.SECONDS), "free: acquired even with a negative timeout");
            m.unlock();
            m.lock();
            try {
                TestThreads.Forked<Boolean> busy = fork("busy", () -> m.tryLock(0, TimeUnit.SECONDS)
                        || m.tryLock(Long.MIN_VALUE, TimeUnit.MILLISECONDS) || m.tryLock(-1, TimeUnit.DAYS));
                assertFalse(busy.get(5, TimeUnit.SECONDS), "held elsewhere: no wait, no success");
            } finally {
                m.unlock();
            }
        }
    }

    @Test
    void holdCountOwnershipAndLockedQueries() throws Exception {
        for (boolean fair : FAIRNESS) {
            PublicMutex m = new PublicMutex(fair);
            assertEquals(fair, m.isFair());
            assertFalse(m.isLocked());
            assertFalse(m.isHeldByCurrentThread());
            assertEquals(0, m.getHoldCount());
            for (int i = 1; i <= 3; i++) {
                m.lock();
                assertEquals(i, m.getHoldCount());
            }
            assertTrue(m.isHeldByCurrentThread());
            TestThreads.Forked<int[]> other = fork("other", () -> new int[]{m.getHoldCount(),
                    m.isHeldByCurrentThread() ? 1 : 0, m.isLocked() ? 1 : 0});
            int[] seen = other.get(5, TimeUnit.SECONDS);
            assertEquals(0, seen[0]);
            assertEquals(0, seen[1]);
            assertEquals(1, seen[2]);
            for (int i = 3; i >= 1; i--) {
                m.unlock();
                assertEquals(i - 1, m.getHoldCount());
            }
            assertFalse(m.isLocked());
            assertThrows(IllegalMonitorStateException.class, m::unlock);
        }
    }

    /**
     * As in ReentrantLock, a signalled waiter moves to the lock's queue at the signal: while the
     * signaller still holds the lock, every queue query reports it (and only once), in signal order, and
     * it stops being reported once it has re-acquired. (Found by the JSR-166 TCK's
     * {@code testSignalWakesFifo}.)
     */
    @Test
    void aSignalledWaiterIsQueuedForTheLockUntilItReacquires() throws Exception {
        for (boolean fair : FAIRNESS) {
            PublicMutex m = new PublicMutex(fair);
            Condition c = m.newCondition();
            TestThreads.Forked<Void> t1 = awaitOnce(m, c, "w1");
            waitUntil("w1 awaits", () -> waitQueueLength(m, c) == 1);
            TestThreads.Forked<Void> t2 = awaitOnce(m, c, "w2");
            waitUntil("w2 awaits", () -> waitQueueLength(m, c) == 2);
            m.lock();
            assertFalse(m.hasQueuedThreads());
            assertEquals(0, m.getQueueLength());
            c.signal();
            assertTrue(m.hasQueuedThreads(), "the signalled waiter queues for the lock at once");
            assertTrue(m.hasQueuedThread(t1.thread));
            assertFalse(m.hasQueuedThread(t2.thread), "w2 was not signalled");
            assertEquals(1, m.getQueueLength());
            assertEquals(List.of(t1.thread), List.copyOf(m.getQueuedThreads()));
            c.signal();
            assertTrue(m.hasQueuedThread(t2.thread));
            // Once the woken waiters have parked in the lock's own queue (a Mutex is its waiters' park
            // blocker), each is still counted once.
            waitUntil("both signalled waiters park on the lock", () ->
                    LockSupport.getBlocker(t1.thread) == m && LockSupport.getBlocker(t2.thread) == m);
            assertEquals(2, m.getQueueLength());
            assertEquals(new HashSet<>(List.of(t1.thread, t2.thread)), new HashSet<>(m.getQueuedThreads()));
            assertEquals(2, m.getQueuedThreads().size());
            m.unlock();
            t1.get(5, TimeUnit.SECONDS);
            t2.get(5, TimeUnit.SECONDS);
            assertFalse(m.hasQueuedThreads(), "re-acquired: no longer queued");
            assertFalse(m.hasQueuedThread(t1.thread));
            assertEquals(0, m.getQueueLength());
            assertTrue(m.getQueuedThreads().isEmpty());
        }
    }

    private static TestThreads.Forked<Void> awaitOnce(Mutex m, Condition c, String name) {
        return fork(name, () -> {
            m.lock();
            try {
                c.await();
            } finally {
                m.unlock();
            }
            return null;
        });
    }

    private static int waitQueueLength(Mutex m, Condition c) {
        m.lock();
        try {
            return m.getWaitQueueLength(c);
        } finally {
            m.unlock();
        }
    }

    /** Waits until a thread awaits {@code c}, then signals it. */
    static void signalWhenWaiting(Mutex m, Condition c) {
        waitUntil("a thread awaits the condition", () -> {
            m.lock();
            try {
                if (m.hasWaiters(c)) {
                    c.signal();
                    return true;
                }
                return false;
            } finally {
                m.unlock();
            }
        });
    }
}
