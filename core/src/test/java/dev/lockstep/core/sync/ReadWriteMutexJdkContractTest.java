package dev.lockstep.core.sync;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link java.util.concurrent.locks.ReentrantReadWriteLock} contract, as the JSR-166 TCK
 * ({@code ReentrantReadWriteLockTest}) and the JDK javadoc state it, checked on {@link ReadWriteMutex}
 * in both fairness modes: the API (nested ReadLock/WriteLock with their queries, protected monitoring
 * methods that a subclass can expose), reentrant and per-thread read holds, downgrade, barging
 * {@code tryLock()}, timeouts of zero or less, interrupts on entry and while queued, conditions of the
 * write lock (signalled waiters are queued for the lock), argument checks, serialization and
 * {@code toString}. Written for this project from the contract; no TCK code.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadWriteMutexJdkContractTest {

    /** Exposes the protected monitoring methods, as a user's subclass would (they must be overridable). */
    static final class Exposed extends ReadWriteMutex {
        private static final long serialVersionUID = 1L;

        Exposed(boolean fair) {
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
        public Collection<Thread> getQueuedReaderThreads() {
            return super.getQueuedReaderThreads();
        }

        @Override
        public Collection<Thread> getQueuedWriterThreads() {
            return super.getQueuedWriterThreads();
        }

        @Override
        public Collection<Thread> getWaitingThreads(Condition c) {
            return super.getWaitingThreads(c);
        }
    }

    static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Polls until {@code t} is in the lock's queue. */
    static void awaitQueued(ReadWriteMutex rw, Thread t) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!rw.hasQueuedThread(t)) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError(t + " never queued on " + rw + "; state " + t.getState());
            }
            Thread.yield();
        }
    }

    private static void assertUnlocked(Exposed rw) {
        assertFalse(rw.isWriteLocked());
        assertFalse(rw.isWriteLockedByCurrentThread());
        assertFalse(rw.writeLock().isHeldByCurrentThread());
        assertEquals(0, rw.getWriteHoldCount());
        assertEquals(0, rw.writeLock().getHoldCount());
        assertNull(rw.getOwner());
    }

    @Test
    void constructorsSetFairnessAndStartFree() {
        assertFalse(new ReadWriteMutex().isFair());
        assertFalse(new ReadWriteMutex(false).isFair());
        assertTrue(new ReadWriteMutex(true).isFair());
        Exposed rw = new Exposed(true);
        assertUnlocked(rw);
        assertEquals(0, rw.getReadLockCount());
        assertEquals(0, rw.getReadHoldCount());
        assertFalse(rw.hasQueuedThreads());
        assertEquals(0, rw.getQueueLength());
        assertTrue(rw.getQueuedThreads().isEmpty());
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void writeLockIsReentrantWithHoldCounts(boolean fair) {
        Exposed rw = new Exposed(fair);
        for (int i = 1; i <= 5; i++) {
            rw.writeLock().lock();
            assertEquals(i, rw.getWriteHoldCount());
            assertEquals(i, rw.writeLock().getHoldCount());
            assertTrue(rw.writeLock().isHeldByCurrentThread());
            assertSame(Thread.currentThread(), rw.getOwner());
            assertEquals(0, rw.getReadLockCount());
        }
        for (int i = 5; i >= 1; i--) {
            rw.writeLock().unlock();
            assertEquals(i - 1, rw.getWriteHoldCount());
        }
        assertUnlocked(rw);
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void readHoldsAreReentrantAndPerThread(boolean fair) throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        for (int i = 1; i <= 3; i++) {
            rw.readLock().lock();
            assertEquals(i, rw.getReadHoldCount());
        }
        CountDownLatch otherHolds = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = start("other", () -> {
            try {
                assertEquals(0, rw.getReadHoldCount());
                rw.readLock().lock();
                rw.readLock().lock();
                assertEquals(2, rw.getReadHoldCount());
                otherHolds.countDown();
                release.await();
                rw.readLock().unlock();
                rw.readLock().unlock();
                assertEquals(0, rw.getReadHoldCount());
                assertThrows(IllegalMonitorStateException.class, rw.readLock()::unlock,
                        "a thread without read holds may not release another thread's");
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        otherHolds.await();
        assertEquals(3, rw.getReadHoldCount());
        assertEquals(5, rw.getReadLockCount());
        release.countDown();
        other.join();
        assertNull(failure.get());
        for (int i = 3; i >= 1; i--) {
            assertEquals(i, rw.getReadHoldCount());
            rw.readLock().unlock();
        }
        assertEquals(0, rw.getReadHoldCount());
        assertEquals(0, rw.getReadLockCount());
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void unlockWithoutHoldThrows(boolean fair) {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        assertThrows(IllegalMonitorStateException.class, rw.readLock()::unlock);
        assertThrows(IllegalMonitorStateException.class, rw.writeLock()::unlock);
        rw.readLock().lock();
        assertThrows(IllegalMonitorStateException.class, rw.writeLock()::unlock);
        rw.readLock().unlock();
        assertEquals(0, rw.getReadLockCount());
    }

    /** A reader that holds the read lock takes it again at once although a writer is queued. */
    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void reentrantReadDoesNotWaitBehindQueuedWriter(boolean fair) throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        rw.readLock().lock();
        Thread writer = start("writer", () -> {
            rw.writeLock().lock();
            rw.writeLock().unlock();
        });
        awaitQueued(rw, writer);
        rw.readLock().lock(); // would wait for the writer, which waits for us, if reads did not nest
        assertTrue(rw.readLock().tryLock(0, TimeUnit.SECONDS));
        rw.readLock().lockInterruptibly();
        assertEquals(4, rw.getReadHoldCount());
        for (int i = 0; i < 4; i++) {
            rw.readLock().unlock();
        }
        writer.join();
        assertEquals(0, rw.getReadLockCount());
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void writerMayTakeTheReadLockAndDowngrade(boolean fair) throws Exception {
        Exposed rw = new Exposed(fair);
        rw.writeLock().lock();
        Thread reader = start("reader", () -> {
            rw.readLock().lock();
            rw.readLock().unlock();
        });
        awaitQueued(rw, reader);
        assertTrue(rw.readLock().tryLock(), "the write holder reads although readers are queued");
        rw.readLock().unlock();
        rw.readLock().lock();
        rw.writeLock().unlock(); // downgrade
        assertFalse(rw.isWriteLocked());
        assertNull(rw.getOwner());
        assertEquals(1, rw.getReadHoldCount());
        reader.join(); // readers share with the downgraded holder
        rw.readLock().unlock();
        assertEquals(0, rw.getReadLockCount());
    }

    /** Documented deviation: upgrade throws instead of hanging; tryLock() just fails. */
    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void upgradeIsRefusedNotDeadlocked(boolean fair) throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        rw.readLock().lock();
        assertFalse(rw.writeLock().tryLock());
        assertThrows(IllegalMonitorStateException.class, rw.writeLock()::lock);
        assertThrows(IllegalMonitorStateException.class, rw.writeLock()::lockInterruptibly);
        assertThrows(IllegalMonitorStateException.class, () -> rw.writeLock().tryLock(1, TimeUnit.SECONDS));
        assertEquals(1, rw.getReadHoldCount());
        assertFalse(rw.isWriteLocked());
        rw.readLock().unlock();
        assertTrue(rw.writeLock().tryLock(0, TimeUnit.SECONDS));
        rw.writeLock().unlock();
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void tryLockFailsWhenLockedByOthersAndTimesOut(boolean fair) throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        rw.writeLock().lock();
        boolean[] r = new boolean[4];
        long[] waitedMs = new long[2];
        Thread t = start("t", () -> {
            try {
                r[0] = rw.writeLock().tryLock();
                r[1] = rw.readLock().tryLock();
                long t0 = System.nanoTime();
                r[2] = rw.writeLock().tryLock(50, TimeUnit.MILLISECONDS);
                waitedMs[0] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                t0 = System.nanoTime();
                r[3] = rw.readLock().tryLock(50, TimeUnit.MILLISECONDS);
                waitedMs[1] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                // zero and negative: do not wait
                assertFalse(rw.writeLock().tryLock(0, TimeUnit.SECONDS));
                assertFalse(rw.readLock().tryLock(-1, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        assertFalse(r[0] || r[1] || r[2] || r[3]);
        assertTrue(waitedMs[0] >= 50 && waitedMs[1] >= 50, "timed out early: " + waitedMs[0] + ", " + waitedMs[1]);
        rw.writeLock().unlock();
        // A free lock is taken even with a timeout of zero or less.
        assertTrue(rw.writeLock().tryLock(0, TimeUnit.SECONDS));
        rw.writeLock().unlock();
        assertTrue(rw.readLock().tryLock(-5, TimeUnit.MILLISECONDS));
        rw.readLock().unlock();
    }

    /** Read tryLock() barges past a queued writer (and, fair, a queued reader); timed tryLock does not. */
    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void untimedReadTryLockBarges(boolean fair) throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        rw.readLock().lock();
        Thread writer = start("writer", () -> {
            rw.writeLock().lock();
            rw.writeLock().unlock();
        });
        awaitQueued(rw, writer);
        Thread reader = start("reader", () -> {
            rw.readLock().lock();
            rw.readLock().unlock();
        });
        awaitQueued(rw, reader);
        boolean[] r = new boolean[2];
        Thread barger = start("barger", () -> {
            try {
                r[1] = rw.readLock().tryLock(0, TimeUnit.SECONDS);
                r[0] = rw.readLock().tryLock();
                if (r[0]) {
                    rw.readLock().unlock();
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        barger.join();
        assertTrue(r[0], "tryLock() barges");
        assertFalse(r[1], "timed tryLock waits behind the queued writer");
        assertTrue(writer.isAlive() && reader.isAlive());
        rw.readLock().unlock();
        writer.join();
        reader.join();
    }

    /** Fair: a reader arriving while a writer is queued queues behind it, and gets in after it. */
    @Test
    void fairReaderQueuesBehindWriter() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex(true);
        AtomicBoolean writerDone = new AtomicBoolean();
        AtomicBoolean readerSawWriterDone = new AtomicBoolean();
        rw.readLock().lock();
        Thread writer = start("writer", () -> {
            rw.writeLock().lock();
            writerDone.set(true);
            rw.writeLock().unlock();
        });
        awaitQueued(rw, writer);
        Thread reader = start("reader", () -> {
            rw.readLock().lock();
            readerSawWriterDone.set(writerDone.get());
            rw.readLock().unlock();
        });
        awaitQueued(rw, reader);
        assertEquals(1, rw.getReadLockCount());
        rw.readLock().unlock();
        writer.join();
        reader.join();
        assertTrue(readerSawWriterDone.get());
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void interruptSetOnEntry(boolean fair) {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        List<Lock> locks = List.of(rw.readLock(), rw.writeLock());
        for (Lock l : locks) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, l::lockInterruptibly);
            assertFalse(Thread.interrupted(), "status cleared by the throw");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> l.tryLock(1, TimeUnit.SECONDS));
            assertFalse(Thread.interrupted());
            Thread.currentThread().interrupt();
            l.lock(); // uninterruptible: takes the free lock, keeps the status
            assertTrue(Thread.interrupted());
            l.unlock();
        }
        assertEquals(0, rw.getReadLockCount());
        assertFalse(rw.isWriteLocked());
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void queuedThreadsAreInterruptibleAndQueriesSeeThem(boolean fair) throws Exception {
        Exposed rw = new Exposed(fair);
        rw.writeLock().lock();
        AtomicReference<Throwable> rr = new AtomicReference<>();
        AtomicReference<Throwable> wr = new AtomicReference<>();
        Thread reader = start("reader", () -> {
            try {
                rw.readLock().lockInterruptibly();
            } catch (Throwable e) {
                rr.set(e);
            }
        });
        awaitQueued(rw, reader);
        Thread writer = start("writer", () -> {
            try {
                rw.writeLock().tryLock(1, TimeUnit.MINUTES);
            } catch (Throwable e) {
                wr.set(e);
            }
        });
        awaitQueued(rw, writer);
        assertTrue(rw.hasQueuedThreads());
        assertEquals(2, rw.getQueueLength());
        assertEquals(List.of(reader, writer), List.copyOf(rw.getQueuedThreads()));
        assertEquals(List.of(reader), List.copyOf(rw.getQueuedReaderThreads()));
        assertEquals(List.of(writer), List.copyOf(rw.getQueuedWriterThreads()));
        assertFalse(rw.hasQueuedThread(Thread.currentThread()));
        assertThrows(NullPointerException.class, () -> rw.hasQueuedThread(null));
        reader.interrupt();
        reader.join();
        assertTrue(rr.get() instanceof InterruptedException);
        assertFalse(rw.hasQueuedThread(reader));
        assertEquals(1, rw.getQueueLength());
        writer.interrupt();
        writer.join();
        assertTrue(wr.get() instanceof InterruptedException);
        assertFalse(rw.hasQueuedThreads());
        assertTrue(rw.getQueuedThreads().isEmpty());
        rw.writeLock().unlock();
        assertUnlocked(rw);
    }

    // ---------------------------------------------------------------------------------------------
    // Conditions of the write lock

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void conditionNeedsTheWriteLock(boolean fair) {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        Condition c = rw.writeLock().newCondition();
        assertThrows(IllegalMonitorStateException.class, c::await);
        assertThrows(IllegalMonitorStateException.class, c::awaitUninterruptibly);
        assertThrows(IllegalMonitorStateException.class, () -> c.awaitNanos(1_000_000));
        assertThrows(IllegalMonitorStateException.class, () -> c.await(1, TimeUnit.MILLISECONDS));
        assertThrows(IllegalMonitorStateException.class, () -> c.awaitUntil(new Date()));
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, c::signalAll);
        rw.readLock().lock(); // a read hold is not enough
        assertThrows(IllegalMonitorStateException.class, c::signal);
        assertThrows(IllegalMonitorStateException.class, () -> rw.hasWaiters(c));
        rw.readLock().unlock();
        assertThrows(UnsupportedOperationException.class, rw.readLock()::newCondition);
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void conditionQueryArguments(boolean fair) {
        Exposed rw = new Exposed(fair);
        Exposed other = new Exposed(fair);
        Condition mine = rw.writeLock().newCondition();
        Condition foreign = other.writeLock().newCondition();
        Condition mutexCondition = new Mutex().newCondition();
        assertThrows(NullPointerException.class, () -> rw.hasWaiters(null));
        assertThrows(NullPointerException.class, () -> rw.getWaitQueueLength(null));
        assertThrows(NullPointerException.class, () -> rw.getWaitingThreads(null));
        for (Condition c : List.of(foreign, mutexCondition)) {
            assertThrows(IllegalArgumentException.class, () -> rw.hasWaiters(c));
            assertThrows(IllegalArgumentException.class, () -> rw.getWaitQueueLength(c));
            assertThrows(IllegalArgumentException.class, () -> rw.getWaitingThreads(c));
        }
        assertThrows(IllegalMonitorStateException.class, () -> rw.hasWaiters(mine));
        assertThrows(IllegalMonitorStateException.class, () -> rw.getWaitQueueLength(mine));
        assertThrows(IllegalMonitorStateException.class, () -> rw.getWaitingThreads(mine));
        rw.writeLock().lock();
        assertFalse(rw.hasWaiters(mine));
        assertEquals(0, rw.getWaitQueueLength(mine));
        assertTrue(rw.getWaitingThreads(mine).isEmpty());
        rw.writeLock().unlock();
        assertThrows(NullPointerException.class, () -> rw.readLock().tryLock(1, null));
        assertThrows(NullPointerException.class, () -> rw.writeLock().tryLock(1, null));
        rw.writeLock().lock();
        assertThrows(NullPointerException.class, () -> mine.await(1, null));
        assertThrows(NullPointerException.class, () -> mine.awaitUntil(null));
        rw.writeLock().unlock();
    }

    /** signal wakes in FIFO order; a signalled waiter is queued for the lock at once (as AQS transfers it). */
    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void signalTransfersWaitersInFifoOrder(boolean fair) throws Exception {
        Exposed rw = new Exposed(fair);
        Condition c = rw.writeLock().newCondition();
        Thread[] ts = new Thread[2];
        int[] holdsAfter = new int[2];
        for (int i = 0; i < 2; i++) {
            int k = i;
            CountDownLatch waiting = new CountDownLatch(1);
            ts[i] = start("waiter" + i, () -> {
                rw.writeLock().lock();
                if (k == 1) {
                    rw.writeLock().lock(); // hold count 2 must survive the wait
                }
                waiting.countDown();
                c.awaitUninterruptibly();
                holdsAfter[k] = rw.getWriteHoldCount();
                rw.writeLock().unlock();
                if (k == 1) {
                    rw.writeLock().unlock();
                }
            });
            waiting.await();
            rw.writeLock().lock(); // the waiter released it in await
            rw.writeLock().unlock();
        }
        rw.writeLock().lock();
        assertTrue(rw.hasWaiters(c));
        assertEquals(2, rw.getWaitQueueLength(c));
        assertEquals(Set.of(ts[0], ts[1]), Set.copyOf(rw.getWaitingThreads(c)));
        assertFalse(rw.hasQueuedThreads());
        c.signal();
        assertEquals(List.of(ts[1]), List.copyOf(rw.getWaitingThreads(c)));
        assertTrue(rw.hasQueuedThread(ts[0]), "a signalled waiter is queued for the lock");
        assertFalse(rw.hasQueuedThread(ts[1]));
        assertEquals(List.of(ts[0]), List.copyOf(rw.getQueuedWriterThreads()));
        c.signalAll();
        assertFalse(rw.hasWaiters(c));
        assertEquals(List.of(ts[0], ts[1]), List.copyOf(rw.getQueuedThreads()));
        assertTrue(ts[0].isAlive() && ts[1].isAlive(), "they wait for the lock we hold");
        rw.writeLock().unlock();
        ts[0].join();
        ts[1].join();
        assertEquals(1, holdsAfter[0]);
        assertEquals(2, holdsAfter[1]);
        assertUnlocked(rw);
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void timedAwaitsTimeOutWithTheLockHeldAgain(boolean fair) throws Exception {
        Exposed rw = new Exposed(fair);
        Condition c = rw.writeLock().newCondition();
        rw.writeLock().lock();
        rw.writeLock().lock();
        long t0 = System.nanoTime();
        assertTrue(c.awaitNanos(TimeUnit.MILLISECONDS.toNanos(30)) <= 0);
        assertFalse(c.await(30, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(60));
        // awaitUntil's deadline is a wall-clock millisecond: it may end up to 1 ms short of 30 ms of
        // nanoTime (the clock's millisecond had begun before the call), never before the deadline itself
        Date until = new Date(System.currentTimeMillis() + 30);
        assertFalse(c.awaitUntil(until));
        assertTrue(System.currentTimeMillis() >= until.getTime());
        assertFalse(c.await(0, TimeUnit.SECONDS));
        assertFalse(c.await(-1, TimeUnit.SECONDS));
        assertEquals(2, rw.getWriteHoldCount());
        assertFalse(rw.hasWaiters(c), "a timed-out waiter leaves the condition");
        rw.writeLock().unlock();
        rw.writeLock().unlock();
        assertUnlocked(rw);
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void awaitIsInterruptibleAndAwaitUninterruptiblyIsNot(boolean fair) throws Exception {
        Exposed rw = new Exposed(fair);
        Condition c = rw.writeLock().newCondition();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        boolean[] after = new boolean[3];
        CountDownLatch locked = new CountDownLatch(1);
        Thread t = start("awaiter", () -> {
            rw.writeLock().lock();
            locked.countDown();
            try {
                c.await();
            } catch (Throwable e) {
                thrown.set(e);
            }
            after[0] = rw.isWriteLockedByCurrentThread(); // held again, even when interrupted
            after[1] = Thread.interrupted();
            rw.writeLock().unlock();
        });
        locked.await();
        rw.writeLock().lock();
        assertEquals(List.of(t), List.copyOf(rw.getWaitingThreads(c)));
        rw.writeLock().unlock();
        t.interrupt();
        t.join();
        assertTrue(thrown.get() instanceof InterruptedException);
        assertTrue(after[0]);
        assertFalse(after[1], "InterruptedException clears the status");
        // awaitUninterruptibly: an interrupt (before or during) does not end it; the status is kept
        CountDownLatch locked2 = new CountDownLatch(1);
        Thread u = start("uninterruptible", () -> {
            rw.writeLock().lock();
            Thread.currentThread().interrupt();
            locked2.countDown();
            c.awaitUninterruptibly();
            after[2] = Thread.interrupted();
            rw.writeLock().unlock();
        });
        locked2.await();
        rw.writeLock().lock();
        while (!rw.hasWaiters(c)) {
            rw.writeLock().unlock();
            Thread.yield();
            rw.writeLock().lock();
        }
        rw.writeLock().unlock();
        u.interrupt();
        TestThreads.waitUntilParked(u);
        assertTrue(u.isAlive());
        rw.writeLock().lock();
        c.signal();
        rw.writeLock().unlock();
        u.join();
        assertTrue(after[2]);
        assertUnlocked(rw);
    }

    /**
     * A condition wait by a write holder that also holds the read lock (mid-downgrade) releases the
     * read holds too, so that other threads can take the write lock and signal, and returns with both
     * restored (what AQS does, since its full release drops the whole state).
     */
    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void awaitWithReadHoldsReleasesAndRestoresThem(boolean fair) throws Exception {
        Exposed rw = new Exposed(fair);
        Condition c = rw.writeLock().newCondition();
        CountDownLatch waiting = new CountDownLatch(1);
        int[] after = new int[2];
        Thread t = start("write+read holder", () -> {
            rw.writeLock().lock();
            rw.readLock().lock();
            rw.readLock().lock();
            waiting.countDown();
            c.awaitUninterruptibly();
            after[0] = rw.getWriteHoldCount();
            after[1] = rw.getReadHoldCount();
            rw.readLock().unlock();
            rw.readLock().unlock();
            rw.writeLock().unlock();
        });
        waiting.await();
        assertTrue(rw.writeLock().tryLock(10, TimeUnit.SECONDS), "the waiter's read holds were not released");
        assertEquals(0, rw.getReadLockCount());
        assertEquals(List.of(t), List.copyOf(rw.getWaitingThreads(c)));
        c.signal();
        rw.writeLock().unlock();
        t.join();
        assertEquals(1, after[0]);
        assertEquals(2, after[1]);
        assertEquals(0, rw.getReadLockCount());
        assertUnlocked(rw);
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void serializedLockDeserializesFree(boolean fair) throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        rw.writeLock().lock();
        rw.readLock().lock();
        ReadWriteMutex clone = serialClone(rw);
        assertSame(ReadWriteMutex.class, clone.getClass());
        assertEquals(fair, clone.isFair());
        assertTrue(rw.isWriteLocked());
        assertFalse(clone.isWriteLocked());
        assertEquals(0, clone.getReadLockCount());
        assertEquals(0, clone.getReadHoldCount());
        clone.writeLock().lock();
        clone.readLock().lock();
        Condition c = clone.writeLock().newCondition();
        assertFalse(clone.hasWaiters(c));
        clone.readLock().unlock();
        clone.writeLock().unlock();
        assertEquals(1, rw.getReadLockCount());
        rw.readLock().unlock();
        rw.writeLock().unlock();
        Exposed sub = serialClone(new Exposed(fair)); // a subclass is restored usable too
        sub.readLock().lock();
        assertEquals(1, sub.getReadHoldCount());
        sub.readLock().unlock();
        assertTrue(serialClone(rw.readLock()).tryLock());
        assertTrue(serialClone(rw.writeLock()).tryLock());
    }

    @SuppressWarnings("unchecked")
    private static <T> T serialClone(T o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @ParameterizedTest(name = "fair={0}")
    @ValueSource(booleans = {false, true})
    void toStringShowsTheState(boolean fair) {
        ReadWriteMutex rw = new ReadWriteMutex(fair);
        assertTrue(rw.toString().endsWith("[Write locks = 0, Read locks = 0]"), rw.toString());
        assertTrue(rw.writeLock().toString().endsWith("[Unlocked]"), rw.writeLock().toString());
        assertTrue(rw.readLock().toString().endsWith("[Read locks = 0]"), rw.readLock().toString());
        rw.writeLock().lock();
        rw.writeLock().lock();
        assertTrue(rw.toString().endsWith("[Write locks = 2, Read locks = 0]"), rw.toString());
        assertTrue(rw.writeLock().toString().endsWith("[Locked by thread " + Thread.currentThread().getName() + "]"));
        rw.writeLock().unlock();
        rw.writeLock().unlock();
        rw.readLock().lock();
        rw.readLock().lock();
        assertTrue(rw.toString().endsWith("[Write locks = 0, Read locks = 2]"), rw.toString());
        assertTrue(rw.readLock().toString().endsWith("[Read locks = 2]"));
        rw.readLock().unlock();
        rw.readLock().unlock();
    }

    /** The read path allocates nothing once a thread has locked (its HoldCounter is kept, not dropped). */
    @Test
    void readPathAllocatesNothingAfterFirstAcquisition() throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "per-thread allocation accounting is off");
        ReadWriteMutex rw = new ReadWriteMutex();
        // Another reader holds the lock, so this thread is not the first reader: it counts in a HoldCounter.
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread other = start("other reader", () -> {
            rw.readLock().lock();
            held.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            rw.readLock().unlock();
        });
        held.await();
        try {
            readCycles(rw, 50_000); // warm-up: HoldCounter, JIT
            @SuppressWarnings("deprecation")
            long id = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(id);
            readCycles(rw, 200_000);
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertTrue(allocated < 4_096, "allocated " + allocated + " bytes over 200,000 read cycles");
        } finally {
            done.countDown();
            other.join();
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        readCycles(rw, 200_000); // alone: the first-reader path
        assertTrue(threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before < 4_096);
    }

    private static void readCycles(ReadWriteMutex rw, int n) {
        for (int i = 0; i < n; i++) {
            rw.readLock().lock();
            rw.readLock().lock();
            rw.readLock().unlock();
            rw.readLock().unlock();
        }
    }
}
