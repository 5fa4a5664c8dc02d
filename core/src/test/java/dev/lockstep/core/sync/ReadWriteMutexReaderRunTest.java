package dev.lockstep.core.sync;

import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Non-fair {@link ReadWriteMutex}: which queued writers turn an arriving reader away (issue 12,
 * 8 threads). While a run of readers woken from the head of the queue has yet to retry, the writers
 * counted as waiting are all queued behind that run, and an arriving reader enters (as
 * ReentrantReadWriteLock's non-fair readers, which wait only for a writer at the head of the queue);
 * once the run has retried, or while a woken writer is pending, arriving readers wait (writer
 * preference).
 *
 * <p>The woken waiters are the layer's own enqueue step ({@link WaitQueue#enqueue}, public for such
 * probes) on nodes of threads that never run, so that the woken run stays pending for as long as the
 * test looks at it.
 */
@Timeout(60)
class ReadWriteMutexReaderRunTest {
    private static final int READ = 0;
    private static final int WRITE = 1;

    private static WaitQueue queueOf(ReadWriteMutex rw) throws ReflectiveOperationException {
        Field f = ReadWriteMutex.class.getDeclaredField("queue");
        f.setAccessible(true);
        return (WaitQueue) f.get(rw);
    }

    private static WaitNode probe(String name) {
        return WaitNode.unregistered(new Thread(() -> { }, name)); // never started: never retries
    }

    /** An arriving reader's attempt that may wait (and so respects queued writers), without waiting. */
    private static boolean arrivingReaderGetsIn(ReadWriteMutex rw) throws InterruptedException {
        boolean in = rw.readLock().tryLock(0, TimeUnit.NANOSECONDS);
        if (in) {
            rw.readLock().unlock();
        }
        return in;
    }

    @Test
    void arrivingReaderEntersWhileAWokenReaderRunIsPendingAndWaitsAfterIt() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        WaitQueue q = queueOf(rw);
        rw.writeLock().lock();
        WaitNode reader = probe("queued-reader");
        WaitNode writer = probe("queued-writer");
        assertTrue(q.enqueue(reader, rw, READ, false));
        assertTrue(q.enqueue(writer, rw, WRITE, false)); // counted as a waiting writer, behind the reader
        rw.writeLock().unlock(); // wakes the run of one reader at the head; the writer stays queued
        assertEquals(WaitNode.GRANTED, reader.getAcquireStatus(), "the head reader was not woken");
        assertEquals(WaitNode.WAITING, writer.getAcquireStatus(), "the writer behind the reader was woken");
        assertEquals(-1, q.getVolatileWaking(), "a woken run of readers counts -1 per reader");
        assertTrue(arrivingReaderGetsIn(rw), "an arriving reader was turned away by a writer queued"
                + " behind a pending run of woken readers (RRWL's readers wait only for a writer at the head)");
        q.getAndAddWaking(1); // the run's reader retried (its part off): the writer is at the head now
        assertFalse(arrivingReaderGetsIn(rw), "an arriving reader overtook the writer at the head of the"
                + " queue after the woken run had retried (writer preference lost)");
    }

    @Test
    void arrivingReaderWaitsWhileAWokenWriterIsPending() throws Exception {
        ReadWriteMutex rw = new ReadWriteMutex();
        WaitQueue q = queueOf(rw);
        rw.readLock().lock();
        WaitNode writer = probe("queued-writer");
        assertTrue(q.enqueue(writer, rw, WRITE, false));
        rw.readLock().unlock(); // the last reader leaves: wakes the writer
        assertEquals(WaitNode.GRANTED, writer.getAcquireStatus(), "the queued writer was not woken");
        assertEquals(1, q.getVolatileWaking(), "a woken writer's token is +1");
        assertFalse(arrivingReaderGetsIn(rw), "an arriving reader overtook a woken writer that has yet"
                + " to retry (writer preference lost)");
    }
}
