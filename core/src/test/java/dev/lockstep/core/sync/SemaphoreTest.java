package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.lockstep.core.sync.MutexTest.awaitParkedOn;
import static dev.lockstep.core.sync.MutexTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class SemaphoreTest {

    @Test
    void badArgumentsAreRejectedWithoutSideEffects() {
        Semaphore s = new Semaphore(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.release(-1));
        assertEquals("permits must be >= 0: -1", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.acquire(-2));
        assertThrows(IllegalArgumentException.class, () -> s.acquireUninterruptibly(-2));
        assertThrows(IllegalArgumentException.class, () -> s.tryAcquire(-2));
        assertThrows(IllegalArgumentException.class, () -> s.tryAcquire(-2, 1, TimeUnit.SECONDS));
        assertThrows(IllegalArgumentException.class, () -> s.reducePermits(-1));
        assertThrows(NullPointerException.class, () -> s.tryAcquire(1, 1, null));
        assertEquals(3, s.availablePermits());
    }

    @Test
    void overflowIsAnError() {
        Semaphore s = new Semaphore(Integer.MAX_VALUE - 1);
        s.release();
        Error e = assertThrows(Error.class, s::release);
        assertEquals("Maximum permit count exceeded", e.getMessage());
        assertEquals(Integer.MAX_VALUE, s.availablePermits());
        Semaphore low = new Semaphore(Integer.MIN_VALUE + 1);
        assertThrows(Error.class, () -> low.reducePermits(2));
    }

    @Test
    void countingBasics() throws Exception {
        Semaphore s = new Semaphore(2);
        assertFalse(s.isFair());
        assertTrue(new Semaphore(0, true).isFair());
        assertTrue(s.tryAcquire());
        assertTrue(s.tryAcquire(1));
        assertFalse(s.tryAcquire());
        assertFalse(s.tryAcquire(1, 10, TimeUnit.MILLISECONDS));
        assertFalse(s.hasQueuedThreads(), "timed-out waiter withdrew");
        s.release(5);
        assertEquals(5, s.availablePermits());
        s.acquire(3);
        s.acquireUninterruptibly(2);
        assertEquals(0, s.availablePermits());
        assertTrue(s.tryAcquire(0));
        s.release(4);
        s.reducePermits(6);
        assertEquals(-2, s.availablePermits());
        assertFalse(s.tryAcquire(0));
        assertEquals(-2, s.drainPermits());
        assertEquals(0, s.availablePermits());
        s.release(7);
        assertEquals(7, s.drainPermits());
        assertEquals(0, s.availablePermits());
        assertTrue(s.toString().endsWith("[Permits = 0]"));
    }

    @Test
    void negativeInitialCountNeedsReleasesFirst() throws Exception {
        Semaphore s = new Semaphore(-1);
        Thread t = start("waiter", () -> s.acquireUninterruptibly());
        awaitParkedOn(t, s);
        s.release();
        assertTrue(t.isAlive());
        s.release();
        t.join();
        assertEquals(0, s.availablePermits());
    }

    @Test
    void waiterParksAndReleaseWakesIt() throws Exception {
        for (boolean fair : new boolean[]{false, true}) {
            Semaphore s = new Semaphore(0, fair);
            Thread t = start("waiter", () -> s.acquireUninterruptibly(2));
            awaitParkedOn(t, s);
            assertEquals(Thread.State.WAITING, t.getState());
            assertEquals(1, s.getQueueLength());
            s.release();
            Thread.sleep(10);
            assertTrue(t.isAlive(), "one permit is not enough for a request of two");
            s.release();
            t.join();
            assertEquals(0, s.availablePermits());
            assertFalse(s.hasQueuedThreads());
        }
    }

    @Test
    void interruptedAcquireThrowsAndTakesNothing() throws Exception {
        Semaphore s = new Semaphore(0);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, s::acquire);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = start("interruptible", () -> {
            try {
                s.acquire();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        awaitParkedOn(t, s);
        t.interrupt();
        t.join();
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        assertFalse(s.hasQueuedThreads());
        s.release();
        assertEquals(1, s.availablePermits());
    }

    @Test
    void acquireUninterruptiblyKeepsTheStatus() throws Exception {
        Semaphore s = new Semaphore(0);
        boolean[] status = new boolean[1];
        Thread t = start("u", () -> {
            s.acquireUninterruptibly();
            status[0] = Thread.currentThread().isInterrupted();
        });
        awaitParkedOn(t, s);
        t.interrupt();
        Thread.sleep(10);
        assertTrue(t.isAlive());
        s.release();
        t.join();
        assertTrue(status[0]);
    }

    @Test
    void withdrawnHeadUnblocksSmallerRequests() throws Exception {
        Semaphore s = new Semaphore(1, true);
        AtomicReference<Boolean> big = new AtomicReference<>();
        Thread bigWaiter = start("big", () -> {
            try {
                big.set(s.tryAcquire(5, 200, TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        awaitParkedOn(bigWaiter, s);
        Thread small = start("small", s::acquireUninterruptibly); // fair: queues behind the big request
        awaitParkedOn(small, s);
        bigWaiter.join();
        small.join(); // woken when the head withdrew
        assertEquals(Boolean.FALSE, big.get());
        assertEquals(0, s.availablePermits());
    }

    @Test
    void fairModeServesWaitersInFifoOrder() throws Exception {
        Semaphore s = new Semaphore(0, true);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        Thread[] ts = new Thread[5];
        for (int i = 0; i < ts.length; i++) {
            int id = i;
            ts[i] = start("f" + i, () -> {
                s.acquireUninterruptibly();
                order.add(id);
                s.release(0);
            });
            awaitParkedOn(ts[i], s);
        }
        assertEquals(5, s.getQueueLength());
        for (int i = 0; i < ts.length; i++) {
            s.release();
            ts[i].join(); // exactly the head gets the permit
        }
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    @Test
    void permitsAreConservedUnderContention() throws Exception {
        for (boolean fair : new boolean[]{false, true}) {
            int limit = 3;
            Semaphore s = new Semaphore(limit, fair);
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            Thread[] ts = new Thread[6];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = start("c" + i, () -> {
                    for (int k = 0; k < 5_000; k++) {
                        s.acquireUninterruptibly();
                        int now = inside.incrementAndGet();
                        maxInside.accumulateAndGet(now, Math::max);
                        inside.decrementAndGet();
                        s.release();
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            assertTrue(maxInside.get() <= limit, "more holders than permits: " + maxInside.get());
            assertEquals(limit, s.availablePermits());
            assertFalse(s.hasQueuedThreads());
        }
    }
}
