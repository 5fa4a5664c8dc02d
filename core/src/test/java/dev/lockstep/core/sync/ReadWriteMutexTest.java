package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;

import static dev.lockstep.core.sync.MutexTest.awaitParkedOn;
import static dev.lockstep.core.sync.MutexTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class ReadWriteMutexTest {

    @Test
    void readersShareWritersExclude() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        Lock r = rw.readLock();
        Lock w = rw.writeLock();
        r.lock();
        boolean[] res = new boolean[3];
        Thread t = start("t", () -> {
            res[0] = r.tryLock();
            r.unlock();
            res[1] = w.tryLock();
            try {
                res[2] = w.tryLock(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        assertTrue(res[0], "a second reader enters");
        assertFalse(res[1], "a writer does not enter while a reader holds");
        assertFalse(res[2]);
        assertEquals(1, rw.getReadLockCount());
        r.unlock();
        assertEquals(0, rw.getReadLockCount());
        assertThrows(IllegalMonitorStateException.class, r::unlock);
        assertThrows(IllegalMonitorStateException.class, w::unlock);
        assertThrows(UnsupportedOperationException.class, r::newCondition);
    }

    @Test
    void writeLockIsReentrantAndMayDowngrade() {
        ReadWriteMutex rw = new ReadWriteMutex();
        rw.writeLock().lock();
        rw.writeLock().lock();
        assertEquals(2, rw.getWriteHoldCount());
        assertTrue(rw.isWriteLockedByCurrentThread());
        rw.readLock().lock(); // downgrade
        rw.writeLock().unlock();
        rw.writeLock().unlock();
        assertFalse(rw.isWriteLocked());
        assertEquals(1, rw.getReadLockCount());
        rw.readLock().unlock();
        assertTrue(rw.writeLock().tryLock());
        rw.writeLock().unlock();
    }

    @Test
    void waitingWriterBlocksArrivingReadersAndGetsTheLock() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        rw.readLock().lock();
        AtomicInteger order = new AtomicInteger();
        int[] writerAt = new int[1];
        int[] readerAt = new int[1];
        Thread writer = start("writer", () -> {
            rw.writeLock().lock();
            writerAt[0] = order.incrementAndGet();
            rw.writeLock().unlock();
        });
        awaitParkedOn(writer, rw);
        assertTrue(rw.readLock().tryLock(0, TimeUnit.SECONDS), "a reentrant read does not wait behind the writer");
        rw.readLock().unlock();
        boolean[] other = new boolean[1];
        Thread t = start("other reader", () -> {
            try {
                other[0] = rw.readLock().tryLock(0, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        t.join();
        assertFalse(other[0], "writer preference: a new reader waits");
        Thread reader = start("reader", () -> {
            rw.readLock().lock();
            readerAt[0] = order.incrementAndGet();
            rw.readLock().unlock();
        });
        awaitParkedOn(reader, rw);
        assertEquals(2, rw.getQueueLength());
        rw.readLock().unlock(); // last reader out: the writer goes first, then the reader
        writer.join();
        reader.join();
        assertEquals(1, writerAt[0]);
        assertEquals(2, readerAt[0]);
        assertFalse(rw.hasQueuedThreads());
    }

    @Test
    void writerIsNotStarvedByOverlappingReaders() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] readers = new Thread[3];
        for (int i = 0; i < readers.length; i++) {
            readers[i] = start("r" + i, () -> {
                while (!stop.get()) {
                    rw.readLock().lock();
                    try {
                        Thread.onSpinWait();
                    } finally {
                        rw.readLock().unlock();
                    }
                }
            });
        }
        try {
            for (int i = 0; i < 50; i++) {
                assertTrue(rw.writeLock().tryLock(5, TimeUnit.SECONDS), "writer starved");
                rw.writeLock().unlock();
            }
        } finally {
            stop.set(true);
            for (Thread t : readers) {
                t.join();
            }
        }
    }

    @Test
    void timedOutWriterLetsQueuedReadersIn() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        rw.readLock().lock();
        AtomicReference<Boolean> wrote = new AtomicReference<>();
        Thread writer = start("writer", () -> {
            try {
                wrote.set(rw.writeLock().tryLock(1500, TimeUnit.MILLISECONDS)); // long enough for the reader to park on a loaded machine
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        awaitParkedOn(writer, rw);
        Thread reader = start("reader", () -> {
            rw.readLock().lock();
            rw.readLock().unlock();
        });
        awaitParkedOn(reader, rw);
        reader.join(); // admitted when the writer withdrew, although we still hold a read lock
        writer.join();
        assertEquals(Boolean.FALSE, wrote.get());
        rw.readLock().unlock();
        assertEquals(0, rw.getReadLockCount());
    }

    @Test
    void interruptsAreHonoured() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        rw.writeLock().lock();
        AtomicReference<Throwable> r = new AtomicReference<>();
        AtomicReference<Throwable> w = new AtomicReference<>();
        Thread reader = start("reader", () -> {
            try {
                rw.readLock().lockInterruptibly();
            } catch (Throwable e) {
                r.set(e);
            }
        });
        Thread writer = start("writer", () -> {
            try {
                rw.writeLock().lockInterruptibly();
            } catch (Throwable e) {
                w.set(e);
            }
        });
        awaitParkedOn(reader, rw);
        awaitParkedOn(writer, rw);
        reader.interrupt();
        writer.interrupt();
        reader.join();
        writer.join();
        assertTrue(r.get() instanceof InterruptedException);
        assertTrue(w.get() instanceof InterruptedException);
        assertFalse(rw.hasQueuedThreads());
        rw.writeLock().unlock();
        assertTrue(rw.readLock().tryLock(), "withdrawn writer no longer blocks readers");
        rw.readLock().unlock();
    }

    @Test
    void writersAndReadersExcludeUnderContention() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        long[] pair = new long[2];
        AtomicBoolean torn = new AtomicBoolean();
        Thread[] ts = new Thread[4];
        for (int i = 0; i < ts.length; i++) {
            boolean writer = i < 2;
            ts[i] = start("c" + i, () -> {
                for (int k = 0; k < 20_000; k++) {
                    if (writer || k % 10 == 0) {
                        rw.writeLock().lock();
                        pair[0]++;
                        pair[1]++;
                        rw.writeLock().unlock();
                    } else {
                        rw.readLock().lock();
                        if (pair[0] != pair[1]) {
                            torn.set(true);
                        }
                        rw.readLock().unlock();
                    }
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        assertFalse(torn.get());
        assertEquals(2 * 20_000 + 2 * 2_000, pair[0]);
        assertEquals(pair[0], pair[1]);
    }
}
