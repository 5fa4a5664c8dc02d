package dev.lockstep.core.sync;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ReadWriteMutex}'s per-thread read holds, counted in the first-reader fields by the thread whose
 * hold took the reader count from 0 and in a ThreadLocal counter by every other reader: the counts
 * stay exact for each thread as the first-reader role passes between threads, a thread is never
 * credited with the first reader's holds, and the first reader's reentrant read does not wait behind a
 * queued writer. Each reader is a single-thread executor, so its steps run on one thread, in order.
 */
@Timeout(20)
class ReadWriteMutexFirstReaderTest {
    private final ExecutorService a = Executors.newSingleThreadExecutor(r -> daemon(r, "reader A"));
    private final ExecutorService b = Executors.newSingleThreadExecutor(r -> daemon(r, "reader B"));

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @AfterEach
    void shutDown() {
        a.shutdownNow();
        b.shutdownNow();
    }

    private static <T> T on(ExecutorService thread, Callable<T> step) throws Exception {
        try {
            return thread.submit(step).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception) {
                throw (Exception) e.getCause();
            }
            throw e;
        }
    }

    private static int lockRead(ExecutorService thread, ReadWriteMutex rw) throws Exception {
        return on(thread, () -> {
            rw.readLock().lock();
            return rw.getReadHoldCount();
        });
    }

    private static int unlockRead(ExecutorService thread, ReadWriteMutex rw) throws Exception {
        return on(thread, () -> {
            rw.readLock().unlock();
            return rw.getReadHoldCount();
        });
    }

    private static int holds(ExecutorService thread, ReadWriteMutex rw) throws Exception {
        return on(thread, rw::getReadHoldCount);
    }

    @Test
    void holdCountsStayExactAsTheFirstReaderRoleMoves() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        assertEquals(1, lockRead(a, rw), "A takes the count from 0: the first reader");
        assertEquals(2, lockRead(a, rw), "the first reader's reentrant hold");
        assertEquals(1, lockRead(b, rw), "B joins A: counted in its own ThreadLocal counter");
        assertEquals(2, holds(a, rw));
        assertEquals(0, rw.getReadHoldCount(), "this thread holds nothing while A is the first reader");
        assertThrows(IllegalMonitorStateException.class, () -> rw.readLock().unlock(),
                "a thread without holds cannot release the first reader's");
        assertEquals(3, rw.getReadLockCount());
        assertEquals(1, unlockRead(a, rw));
        assertEquals(0, unlockRead(a, rw), "A's last hold: A is no longer the first reader");
        assertEquals(1, holds(b, rw));
        assertEquals(1, lockRead(a, rw), "A again, now joining B: in A's ThreadLocal counter");
        assertEquals(2, lockRead(a, rw));
        assertEquals(0, unlockRead(b, rw));
        assertEquals(2, holds(a, rw), "B's release did not touch A's holds");
        assertEquals(1, unlockRead(a, rw));
        assertEquals(0, unlockRead(a, rw));
        assertThrows(IllegalMonitorStateException.class, () -> unlockRead(a, rw), "A has no hold left");
        assertEquals(0, rw.getReadLockCount());
        assertEquals(1, lockRead(b, rw), "B takes the count from 0: the first reader now");
        assertEquals(0, holds(a, rw), "A is not credited with B's hold");
        assertThrows(IllegalMonitorStateException.class, () -> unlockRead(a, rw));
        assertEquals(0, unlockRead(b, rw));
        assertEquals(0, rw.getReadLockCount());
        assertTrue(rw.writeLock().tryLock(), "every hold gone: the write lock is free");
        rw.writeLock().unlock();
    }

    @Test
    void theFirstReadersReentrantReadDoesNotWaitBehindAQueuedWriter() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        assertEquals(1, lockRead(a, rw));
        Thread writer = MutexTest.start("writer", () -> {
            rw.writeLock().lock();
            rw.writeLock().unlock();
        });
        MutexTest.awaitParkedOn(writer, rw);
        assertTrue(on(a, () -> rw.readLock().tryLock(0, TimeUnit.SECONDS)),
                "the first reader's reentrant read is granted while a writer waits for it");
        assertFalse(on(b, () -> rw.readLock().tryLock(0, TimeUnit.SECONDS)),
                "a thread without holds waits behind the writer");
        assertEquals(2, holds(a, rw));
        assertEquals(1, unlockRead(a, rw));
        assertEquals(0, unlockRead(a, rw));
        writer.join(10_000);
        assertFalse(writer.isAlive(), "the last read hold's release let the writer in");
    }

    @Test
    void aDowngradingWriterBecomesTheFirstReader() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        rw.writeLock().lock();
        rw.readLock().lock(); // the reader count from 0, under the write lock
        assertEquals(1, rw.getReadHoldCount());
        rw.writeLock().unlock(); // downgraded
        assertEquals(1, rw.getReadHoldCount());
        assertEquals(0, holds(a, rw));
        assertEquals(1, lockRead(a, rw), "A joins the downgraded reader");
        assertFalse(on(b, () -> rw.writeLock().tryLock()));
        rw.readLock().unlock();
        assertEquals(0, rw.getReadHoldCount());
        assertEquals(1, holds(a, rw));
        assertEquals(0, unlockRead(a, rw));
        assertTrue(on(b, () -> {
            boolean got = rw.writeLock().tryLock();
            if (got) {
                rw.writeLock().unlock();
            }
            return got;
        }));
    }
}
