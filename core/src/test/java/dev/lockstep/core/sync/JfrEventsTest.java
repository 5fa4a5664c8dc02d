package dev.lockstep.core.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.lockstep.core.internal.jfr.Jfr;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Lockstep's JFR events, recorded with {@link Recording} and read back with {@link RecordingFile}:
 * a contended Mutex and Semaphore, a lockdep inversion, and nothing below the threshold or when the
 * event is not enabled.
 */
@Timeout(30)
class JfrEventsTest {
    private static final String CONTENDED = "dev.lockstep.ContendedAcquire";
    private static final String DEADLOCK = "dev.lockstep.PotentialDeadlock";
    private static final long HOLD_MILLIS = 200;

    /** Runs {@code body} under a recording of {@code event} with {@code threshold}; the events read back. */
    private static List<RecordedEvent> record(String event, Duration threshold, ThrowingRunnable body) throws Exception {
        Path file = Files.createTempFile("lockstep-jfr", ".jfr");
        try (Recording r = new Recording()) {
            r.enable(event).withThreshold(threshold).withStackTrace();
            r.start();
            body.run();
            r.stop();
            r.dump(file);
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(event))
                    .collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Holds {@code m} in a thread named "holder" for HOLD_MILLIS while this thread locks it. */
    private static long holderId;

    private static void contend(Mutex m, long holdMillis) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            m.lock();
            held.countDown();
            try {
                Thread.sleep(holdMillis);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            } finally {
                m.unlock();
            }
        }, "holder");
        holderId = t.getId();
        t.start();
        held.await();
        m.lock(); // blocks until the holder unlocks
        m.unlock();
        t.join();
    }

    @Test
    void contendedMutexIsRecordedWithNameHolderAndWait() throws Exception {
        Mutex m = new Mutex("orders");
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20), () -> contend(m, HOLD_MILLIS));
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertEquals(Mutex.class.getName(), e.getClass("primitiveClass").getName());
        assertEquals("orders", e.getString("name"));
        assertEquals("holder", e.getString("holder"));
        assertEquals(holderId, e.getLong("holderThreadId"));
        assertEquals(Thread.currentThread().getName(), e.getThread().getJavaName());
        assertTrue(e.getBoolean("acquired"));
        // The wait: most of the hold (the holder slept HOLD_MILLIS after the waiter saw it held).
        assertTrue(e.getDuration().toMillis() >= HOLD_MILLIS / 2, e.getDuration().toString());
        assertTrue(e.getDuration().toMillis() < 10_000, e.getDuration().toString());
    }

    @Test
    void contendedSemaphoreIsRecorded() throws Exception {
        Semaphore s = new Semaphore(0);
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20), () -> {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(HOLD_MILLIS);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                s.release();
            });
            t.start();
            s.acquire();
            t.join();
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertEquals(Semaphore.class.getName(), e.getClass("primitiveClass").getName());
        assertNull(e.getString("name"));
        assertNull(e.getString("holder"), "a semaphore has no holder");
        assertEquals(-1, e.getLong("holderThreadId"));
        assertTrue(e.getBoolean("acquired"));
        assertTrue(e.getDuration().toMillis() >= HOLD_MILLIS / 2, e.getDuration().toString());
    }

    @Test
    void contendedSeqLockWriterIsRecorded() throws Exception {
        SeqLock l = new SeqLock();
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20), () -> {
            CountDownLatch held = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                l.writeLock();
                held.countDown();
                try {
                    Thread.sleep(HOLD_MILLIS);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    l.writeUnlock();
                }
            });
            t.start();
            held.await();
            l.writeLock(); // waits for the other writer
            l.writeUnlock();
            l.writeLock(); // uncontended: no event
            l.writeUnlock();
            t.join();
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertEquals(SeqLock.class.getName(), e.getClass("primitiveClass").getName());
        assertTrue(e.getBoolean("acquired"));
        assertTrue(e.getDuration().toMillis() >= HOLD_MILLIS / 2, e.getDuration().toString());
    }

    @Test
    void contendedTicketLockIsRecorded() throws Exception {
        dev.lockstep.core.lock.TicketLock l = new dev.lockstep.core.lock.TicketLock();
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20), () -> {
            CountDownLatch held = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                l.lock();
                held.countDown();
                try {
                    Thread.sleep(HOLD_MILLIS);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    l.unlock();
                }
            });
            t.start();
            held.await();
            l.lock(); // waits for its turn
            l.unlock();
            l.lock(); // uncontended: no event
            l.unlock();
            t.join();
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertEquals(dev.lockstep.core.lock.TicketLock.class.getName(), e.getClass("primitiveClass").getName());
        assertTrue(e.getDuration().toMillis() >= HOLD_MILLIS / 2, e.getDuration().toString());
    }

    @Test
    void timedOutWaitIsRecordedAsNotAcquired() throws Exception {
        Semaphore s = new Semaphore(0);
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20),
                () -> assertFalse(s.tryAcquire(100, java.util.concurrent.TimeUnit.MILLISECONDS)));
        assertEquals(1, events.size(), events.toString());
        assertFalse(events.get(0).getBoolean("acquired"));
    }

    @Test
    void nothingBelowTheThresholdNorWhenNotRecording() throws Exception {
        Mutex m = new Mutex("short");
        assertEquals(List.of(), record(CONTENDED, Duration.ofSeconds(5), () -> contend(m, 50)));
        // No recording, or one that disables the event: the hook creates no event object at all.
        assertTrue(Jfr.AVAILABLE, "jdk.jfr is in the test runtime");
        assertNull(Jfr.beginContended(m));
        try (Recording r = new Recording()) {
            r.disable(CONTENDED);
            r.start();
            assertNull(Jfr.beginContended(m));
        }
    }

    @Test
    void lockdepInversionIsRecorded() throws Exception {
        List<PotentialDeadlockException> reports = new ArrayList<>();
        LockOrderChecker c = new LockOrderChecker(Lockdep.Policy.WARN, reports::add);
        Mutex a = new Mutex("accounts");
        Mutex b = new Mutex("ledger");
        List<RecordedEvent> events = record(DEADLOCK, Duration.ZERO, () -> {
            Thread t = new Thread(() -> {
                c.beforeAcquire(a);
                c.acquired(a);
                c.beforeAcquire(b); // establishes accounts -> ledger
                c.acquired(b);
                c.released(b);
                c.released(a);
            }, "other");
            t.start();
            t.join();
            c.beforeAcquire(b);
            c.acquired(b);
            c.beforeAcquire(a); // ledger -> accounts: the inversion
            c.acquired(a);
            c.released(a);
            c.released(b);
        });
        assertEquals(1, reports.size());
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertEquals("ledger", e.getString("held"));
        assertEquals("accounts", e.getString("acquiring"));
        assertTrue(e.getString("earlierOrder").contains("\"other\""), e.getString("earlierOrder"));
        assertTrue(e.getString("earlierOrder").contains("accounts -> ledger"), e.getString("earlierOrder"));
        assertEquals(Thread.currentThread().getName(), e.getThread().getJavaName());
        assertEquals(reports.get(0).getMessage(), e.getString("message"));
    }
}
