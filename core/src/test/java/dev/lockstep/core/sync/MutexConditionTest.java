package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;

import static dev.lockstep.core.sync.MutexTest.awaitParkedOn;
import static dev.lockstep.core.sync.MutexTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class MutexConditionTest {

    @Test
    void everyMethodRequiresTheLock() {
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        assertThrows(IllegalMonitorStateException.class, c::await);
        assertThrows(IllegalMonitorStateException.class, c::awaitUninterruptibly);
        assertThrows(IllegalMonitorStateException.class, () -> c.awaitNanos(1));
        assertThrows(IllegalMonitorStateException.class, () -> c.await(1, TimeUnit.MILLISECONDS));
        assertThrows(IllegalMonitorStateException.class, () -> c.awaitUntil(new Date()));
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, c::signalAll);
        assertThrows(IllegalMonitorStateException.class, () -> m.hasWaiters(c));
        assertThrows(IllegalArgumentException.class, () -> m.hasWaiters(new Mutex().newCondition()));
        assertFalse(m.isLocked());
    }

    @Test
    void signalWakesAwaiterWhichReacquiresWithFullHoldCount() throws Exception {
        for (boolean fair : new boolean[]{false, true}) {
            Mutex m = new Mutex(fair);
            Condition c = m.newCondition();
            int[] holdsAfter = new int[1];
            boolean[] ready = new boolean[1];
            Thread t = start("awaiter", () -> {
                m.lock();
                m.lock();
                m.lock();
                try {
                    while (!ready[0]) {
                        c.await();
                    }
                    holdsAfter[0] = m.getHoldCount();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    m.unlock();
                    m.unlock();
                    m.unlock();
                }
            });
            awaitParkedOn(t, c);
            m.lock(); // the awaiter released all three holds
            assertTrue(m.hasWaiters(c));
            assertEquals(1, m.getWaitQueueLength(c));
            ready[0] = true;
            c.signal();
            assertFalse(m.hasWaiters(c));
            m.unlock();
            t.join();
            assertEquals(3, holdsAfter[0]);
            assertFalse(m.isLocked());
        }
    }

    @Test
    void timedAwaitsTimeOut() throws Exception {
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        m.lock();
        m.lock();
        try {
            assertFalse(c.await(20, TimeUnit.MILLISECONDS));
            assertEquals(2, m.getHoldCount());
            assertTrue(c.awaitNanos(TimeUnit.MILLISECONDS.toNanos(20)) <= 0);
            assertFalse(c.awaitUntil(new Date(System.currentTimeMillis() + 20)));
            assertFalse(c.await(0, TimeUnit.SECONDS));
            assertFalse(c.await(-5, TimeUnit.SECONDS));
            assertEquals(2, m.getHoldCount());
            assertFalse(m.hasWaiters(c), "timed-out waiters are unlinked");
        } finally {
            m.unlock();
            m.unlock();
        }
        assertThrows(NullPointerException.class, () -> c.await(1, null));
    }

    @Test
    void timedAwaitReturnsTrueWhenSignalled() throws Exception {
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        long[] left = new long[1];
        boolean[] ok = new boolean[1];
        Thread t = start("timed", () -> {
            m.lock();
            try {
                left[0] = c.awaitNanos(TimeUnit.SECONDS.toNanos(10));
                ok[0] = c.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            } finally {
                m.unlock();
            }
        });
        awaitParkedOn(t, c);
        assertEquals(Thread.State.TIMED_WAITING, t.getState());
        for (int signalled = 0; signalled < 2; ) {
            m.lock();
            if (m.hasWaiters(c)) { // the second await may not have started yet
                c.signal();
                signalled++;
            }
            m.unlock();
            Thread.yield();
        }
        t.join();
        assertTrue(left[0] > 0);
        assertTrue(ok[0]);
    }

    @Test
    void interruptedAwaitThrowsAfterReacquiring() throws Exception {
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        m.lock();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, c::await);
        assertTrue(m.isHeldByCurrentThread());
        m.unlock();

        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = start("interrupted", () -> {
            m.lock();
            try {
                c.await();
                result.set("returned");
            } catch (InterruptedException e) {
                result.set(m.isHeldByCurrentThread() ? e : "IE without the lock");
            } finally {
                m.unlock();
            }
        });
        awaitParkedOn(t, c);
        t.interrupt();
        t.join();
        assertTrue(result.get() instanceof InterruptedException, String.valueOf(result.get()));
        m.lock();
        assertFalse(m.hasWaiters(c));
        m.unlock();
    }

    @Test
    void awaitUninterruptiblyKeepsWaitingAndTheStatus() throws Exception {
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        boolean[] r = new boolean[1];
        Thread t = start("uninterruptible", () -> {
            m.lock();
            try {
                c.awaitUninterruptibly();
                r[0] = Thread.currentThread().isInterrupted();
            } finally {
                m.unlock();
            }
        });
        awaitParkedOn(t, c);
        t.interrupt();
        Thread.sleep(20);
        assertTrue(t.isAlive(), "interrupt must not end awaitUninterruptibly");
        m.lock();
        c.signal();
        m.unlock();
        t.join();
        assertTrue(r[0]);
    }

    @Test
    void signalIsFifoAndSignalAllWakesEveryone() throws Exception {
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        List<Integer> order = new ArrayList<>();
        Thread[] ts = new Thread[4];
        for (int i = 0; i < ts.length; i++) {
            int id = i;
            ts[i] = start("w" + i, () -> {
                m.lock();
                try {
                    c.awaitUninterruptibly();
                    order.add(id);
                } finally {
                    m.unlock();
                }
            });
            awaitParkedOn(ts[i], c);
        }
        for (int i = 0; i < 2; i++) {
            m.lock();
            c.signal();
            m.unlock();
            ts[i].join();
        }
        m.lock();
        assertEquals(List.of(0, 1), order);
        assertEquals(2, m.getWaitQueueLength(c));
        c.signalAll();
        m.unlock();
        ts[2].join();
        ts[3].join();
        assertEquals(4, order.size());
    }

    @Test
    void noLostSignalWhenWaitersTimeOut() throws Exception {
        // Producers signal once per item; consumers use short timed waits. Every item must be consumed:
        // a signal consumed by a waiter that then reports a timeout would strand an item.
        Mutex m = new Mutex();
        Condition c = m.newCondition();
        int items = 20_000;
        int[] available = new int[1];
        AtomicInteger consumed = new AtomicInteger();
        Thread[] consumers = new Thread[3];
        for (int i = 0; i < consumers.length; i++) {
            consumers[i] = start("consumer" + i, () -> {
                while (consumed.get() < items) {
                    m.lock();
                    try {
                        while (available[0] == 0 && consumed.get() < items) {
                            c.await(1, TimeUnit.MILLISECONDS);
                        }
                        if (available[0] > 0) {
                            available[0]--;
                            consumed.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    } finally {
                        m.unlock();
                    }
                }
            });
        }
        for (int i = 0; i < items; i++) {
            m.lock();
            available[0]++;
            c.signal();
            m.unlock();
        }
        for (Thread t : consumers) {
            t.join();
        }
        assertEquals(items, consumed.get());
        assertEquals(0, available[0]);
    }
}
