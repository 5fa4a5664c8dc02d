package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class MutexTest {

    /** Waits until {@code t} is parked (WAITING/TIMED_WAITING) with {@code blocker} as its park blocker. */
    static void awaitParkedOn(Thread t, Object blocker) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!((t.getState() == Thread.State.WAITING || t.getState() == Thread.State.TIMED_WAITING)
                && LockSupport.getBlocker(t) == blocker)) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError(t + " did not park on " + blocker + "; state " + t.getState()
                        + ", blocker " + LockSupport.getBlocker(t));
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void defaults() {
        Mutex m = new Mutex();
        assertFalse(m.isFair());
        assertNull(m.name());
        assertFalse(m.isLocked());
        assertTrue(new Mutex(true).isFair());
        assertEquals("a", new Mutex("a").name());
        assertTrue(new Mutex(true, "b").toString().startsWith("b[Unlocked]"));
    }

    @Test
    void reentrancyAndHoldCount() {
        Mutex m = new Mutex();
        assertEquals(0, m.getHoldCount());
        m.lock();
        m.lock();
        assertTrue(m.tryLock());
        assertEquals(3, m.getHoldCount());
        assertSame(Thread.currentThread(), m.getOwner());
        m.unlock();
        m.unlock();
        assertTrue(m.isLocked());
        assertEquals(1, m.getHoldCount());
        m.unlock();
        assertFalse(m.isLocked());
        assertNull(m.getOwner());
        assertThrows(IllegalMonitorStateException.class, m::unlock);
    }

    @Test
    void unlockByOtherThreadThrows() throws Exception {
        Mutex m = new Mutex();
        m.lock();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = start("other", () -> {
            try {
                m.unlock();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.join();
        assertTrue(thrown.get() instanceof IllegalMonitorStateException, String.valueOf(thrown.get()));
        assertTrue(m.isHeldByCurrentThread());
        m.unlock();
    }

    @Test
    void tryLockFailsWhenHeldElsewhere() throws Exception {
        Mutex m = new Mutex();
        m.lock();
        boolean[] got = new boolean[2];
        Thread t = start("t", () -> {
            got[0] = m.tryLock();
            try {
                long t0 = System.nanoTime();
                got[1] = m.tryLock(50, TimeUnit.MILLISECONDS);
                assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(50));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        assertFalse(got[0]);
        assertFalse(got[1]);
        assertEquals(0, m.getQueueLength(), "a timed-out waiter leaves the queue");
        m.unlock();
        assertTrue(m.tryLock(0, TimeUnit.SECONDS));
        m.unlock();
    }

    @Test
    void waiterParksAfterSpinBudgetAndIsWokenByUnlock() throws Exception {
        for (boolean fair : new boolean[]{false, true}) {
            Mutex m = new Mutex(fair);
            m.lock();
            boolean[] held = new boolean[1];
            Thread t = start("waiter", () -> {
                m.lock();
                held[0] = m.isHeldByCurrentThread();
                m.unlock();
            });
            awaitParkedOn(t, m);
            assertEquals(Thread.State.WAITING, t.getState());
            assertTrue(m.hasQueuedThreads());
            assertTrue(m.hasQueuedThread(t));
            assertEquals(1, m.getQueueLength());
            m.unlock();
            t.join();
            assertTrue(held[0]);
            assertFalse(m.isLocked());
            assertFalse(m.hasQueuedThreads());
        }
    }

    /**
     * Two parked waiters: the release that wakes the first must leave the second queued and visible,
     * so the first one's own unlock wakes the second (issue 12's unfair unlock path: a volatile store
     * of 0, then a wake only when the queue head is non-null and no woken waiter is pending).
     */
    @Test
    void unlockWakesTheSecondOfTwoParkedWaiters() throws Exception {
        for (boolean fair : new boolean[]{false, true}) {
            Mutex m = new Mutex(fair);
            m.lock();
            int[] done = new int[1];
            Runnable body = () -> {
                m.lock();
                try {
                    done[0]++;
                } finally {
                    m.unlock();
                }
            };
            Thread a = start("first", body);
            awaitParkedOn(a, m);
            Thread b = start("second", body);
            awaitParkedOn(b, m);
            assertEquals(2, m.getQueueLength());
            m.unlock();
            a.join(5_000);
            b.join(5_000);
            assertFalse(a.isAlive(), "first waiter still blocked: lost wake-up");
            assertFalse(b.isAlive(), "second waiter still blocked: lost wake-up");
            m.lock(); // orders the waiters' increments before our read
            assertEquals(2, done[0]);
            m.unlock();
            assertFalse(m.hasQueuedThreads());
        }
    }

    @Test
    void timedWaiterParksTimedWaiting() throws Exception {
        Mutex m = new Mutex();
        m.lock();
        boolean[] got = new boolean[1];
        Thread t = start("timed", () -> {
            try {
                got[0] = m.tryLock(10, TimeUnit.SECONDS);
                m.unlock();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        awaitParkedOn(t, m);
        assertEquals(Thread.State.TIMED_WAITING, t.getState());
        m.unlock();
        t.join();
        assertTrue(got[0]);
    }

    @Test
    void lockInterruptiblyThrowsWhenInterrupted() throws Exception {
        Mutex m = new Mutex();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, m::lockInterruptibly);
        assertFalse(m.isLocked());
        m.lock();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = start("interruptible", () -> {
            try {
                m.lockInterruptibly();
                thrown.set(new AssertionError("acquired"));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        awaitParkedOn(t, m);
        t.interrupt();
        t.join();
        assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        assertFalse(m.hasQueuedThreads());
        m.unlock();
        assertFalse(m.isLocked());
    }

    @Test
    void lockIgnoresInterruptButKeepsStatus() throws Exception {
        Mutex m = new Mutex();
        m.lock();
        boolean[] r = new boolean[2];
        Thread t = start("uninterruptible", () -> {
            m.lock();
            r[0] = m.isHeldByCurrentThread();
            r[1] = Thread.currentThread().isInterrupted();
            m.unlock();
        });
        awaitParkedOn(t, m);
        t.interrupt();
        Thread.sleep(20);
        assertTrue(t.isAlive());
        m.unlock();
        t.join();
        assertTrue(r[0]);
        assertTrue(r[1], "interrupt status re-asserted");
    }

    @Test
    void fairModeIsFifo() throws Exception {
        Mutex m = new Mutex(true);
        m.lock();
        List<Integer> order = new ArrayList<>();
        Thread[] ts = new Thread[5];
        for (int i = 0; i < ts.length; i++) {
            int id = i;
            ts[i] = start("fair-" + i, () -> {
                m.lock();
                order.add(id); // guarded by m
                m.unlock();
            });
            awaitParkedOn(ts[i], m); // enqueue strictly one after the other
            assertEquals(i + 1, m.getQueueLength());
        }
        m.unlock();
        for (Thread t : ts) {
            t.join();
        }
        m.lock();
        assertEquals(List.of(0, 1, 2, 3, 4), order);
        m.unlock();
    }

    @Test
    void fairModeDoesNotBargeWhileQueued() throws Exception {
        Mutex m = new Mutex(true);
        m.lock();
        Thread t = start("queued", () -> {
            m.lock();
            m.unlock();
        });
        awaitParkedOn(t, m);
        m.unlock(); // hands over to t directly
        // Either t still holds it or has finished; we never overtake t by a timed attempt while it is queued.
        assertTrue(m.tryLock(5, TimeUnit.SECONDS));
        assertFalse(m.hasQueuedThreads());
        m.unlock();
        t.join();
    }

    @Test
    void mutualExclusionUnderContention() throws Exception {
        for (boolean fair : new boolean[]{false, true}) {
            Mutex m = new Mutex(fair);
            long[] counter = new long[1];
            int threads = 4;
            int iters = 20_000;
            Thread[] ts = new Thread[threads];
            for (int i = 0; i < threads; i++) {
                ts[i] = start("c" + i, () -> {
                    for (int k = 0; k < iters; k++) {
                        m.lock();
                        try {
                            counter[0]++;
                        } finally {
                            m.unlock();
                        }
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            assertEquals((long) threads * iters, counter[0]);
        }
    }

    @Test
    void threadMxBeanSeesAbbaDeadlock() throws Exception {
        Mutex a = new Mutex("A");
        Mutex b = new Mutex("B");
        CountDownLatch both = new CountDownLatch(2);
        Thread t1 = start("abba-1", () -> {
            a.lock();
            both.countDown();
            awaitQuietly(both);
            try {
                b.lockInterruptibly(); // deadlocks until the test interrupts us
                b.unlock();
            } catch (InterruptedException e) {
                // expected
            } finally {
                a.unlock();
            }
        });
        Thread t2 = start("abba-2", () -> {
            b.lock();
            both.countDown();
            awaitQuietly(both);
            try {
                a.lockInterruptibly(); // deadlocks until the test interrupts us
                a.unlock();
            } catch (InterruptedException e) {
                // expected
            } finally {
                b.unlock();
            }
        });
        try {
            awaitParkedOn(t1, b);
            awaitParkedOn(t2, a);
            long[] ids = Jdk.findDeadlockedThreads();
            assertNotNull(ids, "ThreadMXBean found no deadlock");
            long[] sorted = ids.clone();
            java.util.Arrays.sort(sorted);
            long[] expected = {t1.getId(), t2.getId()};
            java.util.Arrays.sort(expected);
            assertArrayEquals(expected, sorted);
            assertEquals(t2.getId(), Jdk.lockOwnerId(t1.getId()), "t1 waits for a Mutex owned by t2");
            assertEquals(t1.getId(), Jdk.lockOwnerId(t2.getId()), "t2 waits for a Mutex owned by t1");
        } finally {
            t1.interrupt(); // clean up: both withdraw and release
            t2.interrupt();
            t1.join();
            t2.join();
        }
        assertFalse(a.isLocked());
        assertFalse(b.isLocked());
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void serializedCopyIsFree() throws Exception {
        Mutex m = new Mutex(true, "ser");
        m.lock();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(m);
        }
        Mutex copy;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (Mutex) in.readObject();
        }
        m.unlock();
        assertFalse(copy.isLocked());
        assertTrue(copy.isFair());
        assertEquals("ser", copy.name());
        copy.lock();
        copy.unlock();
    }
}
