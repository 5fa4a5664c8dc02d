package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Semaphore} as a drop-in for {@link java.util.concurrent.Semaphore}: the whole public and
 * protected API with the JDK's signatures (protected methods reached through a subclass, as the TCK's
 * {@code PublicSemaphore} does), the JDK's exceptions on bad arguments, {@code toString}, and
 * serialization (the permit count and fairness survive, waiters do not).
 */
@Timeout(30)
class SemaphoreJdkContractTest {
    /** Widens the protected methods, as the TCK's PublicSemaphore does. */
    static class PublicSemaphore extends Semaphore {
        private static final long serialVersionUID = 1L;

        PublicSemaphore(int permits, boolean fair) {
            super(permits, fair);
        }

        @Override
        public Collection<Thread> getQueuedThreads() {
            return super.getQueuedThreads();
        }

        @Override
        public void reducePermits(int reduction) {
            super.reducePermits(reduction);
        }
    }

    private static final boolean[] FAIRNESS = {false, true};

    @Test
    void hasTheWholeApiOfTheJdkSemaphore() {
        JdkApi.assertHasApiOf(java.util.concurrent.Semaphore.class, Semaphore.class);
    }

    @Test
    void queuedThreadsAreReportedByEveryQuery() throws Exception {
        for (boolean fair : FAIRNESS) {
            PublicSemaphore s = new PublicSemaphore(0, fair);
            assertTrue(s.getQueuedThreads().isEmpty());
            TestThreads.Forked<Void> one = fork("one", () -> {
                s.acquire();
                return null;
            });
            TestThreads.Forked<Boolean> two = fork("two", () -> s.tryAcquire(2, 10, TimeUnit.SECONDS));
            waitUntil("both queued", () -> s.getQueuedThreads().containsAll(List.of(one.thread, two.thread)));
            assertTrue(s.hasQueuedThreads());
            assertEquals(2, s.getQueueLength());
            assertEquals(new HashSet<>(Arrays.asList(one.thread, two.thread)), new HashSet<>(s.getQueuedThreads()));
            one.thread.interrupt();
            ExecutionException e = assertThrows(ExecutionException.class, () -> one.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof InterruptedException);
            assertEquals(List.of(two.thread), List.copyOf(s.getQueuedThreads()));
            s.release(2);
            assertTrue(two.get(5, TimeUnit.SECONDS));
            assertFalse(s.hasQueuedThreads());
            assertEquals(0, s.getQueueLength());
            assertTrue(s.getQueuedThreads().isEmpty());
            assertEquals(0, s.availablePermits());
        }
    }

    @Test
    void negativePermitArgumentsThrowIllegalArgumentException() {
        PublicSemaphore s = new PublicSemaphore(5, false);
        assertThrows(IllegalArgumentException.class, () -> s.acquire(-1));
        assertThrows(IllegalArgumentException.class, () -> s.acquireUninterruptibly(-1));
        assertThrows(IllegalArgumentException.class, () -> s.tryAcquire(-1));
        assertThrows(IllegalArgumentException.class, () -> s.tryAcquire(-1, 1, TimeUnit.SECONDS));
        // The JDK checks the permit count before it touches the unit.
        assertThrows(IllegalArgumentException.class, () -> s.tryAcquire(-1, 1, null));
        assertThrows(IllegalArgumentException.class, () -> s.release(-1));
        assertThrows(IllegalArgumentException.class, () -> s.reducePermits(-1));
        assertEquals(5, s.availablePermits(), "nothing changed");
        // Negative initial counts are allowed, as in the JDK.
        assertEquals(-3, new Semaphore(-3).availablePermits());
    }

    @Test
    void nullUnitThrowsNullPointerException() {
        Semaphore s = new Semaphore(1);
        assertThrows(NullPointerException.class, () -> s.tryAcquire(1, null));
        assertThrows(NullPointerException.class, () -> s.tryAcquire(1, 1, null));
        assertEquals(1, s.availablePermits());
    }

    @Test
    void aPendingInterruptFailsTheInterruptibleAcquisitionsEvenWithPermitsAvailable() {
        for (boolean fair : FAIRNESS) {
            Semaphore s = new Semaphore(5, fair);
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, s::acquire);
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> s.acquire(2));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> s.tryAcquire(1, TimeUnit.SECONDS));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> s.tryAcquire(2, 1, TimeUnit.SECONDS));
            assertFalse(Thread.interrupted(), "cleared");
            assertEquals(5, s.availablePermits(), "nothing taken");
            // The untimed tryAcquire and the uninterruptible acquire ignore the interrupt and keep it.
            Thread.currentThread().interrupt();
            assertTrue(s.tryAcquire());
            s.acquireUninterruptibly(2);
            assertTrue(Thread.interrupted());
            assertEquals(2, s.availablePermits());
        }
    }

    @Test
    void nonPositiveTimeoutsDoNotWait() throws Exception {
        for (boolean fair : FAIRNESS) {
            Semaphore s = new Semaphore(1, fair);
            assertTrue(s.tryAcquire(-1, TimeUnit.SECONDS), "available: taken even with a negative timeout");
            assertFalse(s.tryAcquire(0, TimeUnit.SECONDS));
            assertFalse(s.tryAcquire(1, Long.MIN_VALUE, TimeUnit.NANOSECONDS));
            s.release();
            assertTrue(s.tryAcquire(1, 0, TimeUnit.DAYS));
        }
    }

    @Test
    void reduceAndDrainPermits() {
        PublicSemaphore s = new PublicSemaphore(3, true);
        s.reducePermits(1);
        assertEquals(2, s.availablePermits());
        s.reducePermits(5);
        assertEquals(-3, s.availablePermits());
        assertFalse(s.tryAcquire());
        assertEquals(-3, s.drainPermits(), "a negative count is drained to zero and returned, as the JDK does");
        assertEquals(0, s.availablePermits());
        s.release(4);
        assertEquals(4, s.drainPermits());
        assertEquals(0, s.drainPermits());
        assertThrows(Error.class, () -> {
            s.reducePermits(Integer.MAX_VALUE);
            s.reducePermits(Integer.MAX_VALUE);
        });
        Semaphore full = new Semaphore(Integer.MAX_VALUE);
        assertThrows(Error.class, () -> full.release(1));
    }

    @Test
    void toStringHasTheJdkFormat() throws Exception {
        Semaphore s = new Semaphore(3);
        String id = Semaphore.class.getName() + "@" + Integer.toHexString(System.identityHashCode(s));
        assertEquals(id + "[Permits = 3]", s.toString());
        s.acquire(3);
        assertEquals(id + "[Permits = 0]", s.toString());
        s.reducePermits(2);
        assertEquals(id + "[Permits = -2]", s.toString());
    }

    @Test
    void aSerializedCopyKeepsPermitsAndFairnessButNoWaiters() throws Exception {
        for (boolean fair : FAIRNESS) {
            PublicSemaphore s = new PublicSemaphore(3, fair);
            assertTrue(s instanceof Serializable);
            s.acquire();
            s.acquire();
            s.release();
            TestThreads.Forked<Void> waiter = fork("waiter", () -> {
                s.acquire(5);
                return null;
            });
            waitUntil("waiter queued", () -> s.getQueuedThreads().contains(waiter.thread));
            PublicSemaphore copy = JdkApi.serialClone(s);
            assertEquals(fair, copy.isFair());
            assertEquals(2, copy.availablePermits());
            assertFalse(copy.hasQueuedThreads());
            assertTrue(copy.getQueuedThreads().isEmpty());
            copy.acquire();
            copy.acquire();
            copy.release();
            assertEquals(1, copy.availablePermits());
            assertEquals(2, s.availablePermits(), "the original is independent of its copy");
            s.release(3);
            waiter.get(5, TimeUnit.SECONDS);
            assertEquals(0, s.availablePermits());
        }
    }
}
