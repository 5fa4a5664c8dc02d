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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.core.lock.BakeryLock;
import dev.lockstep.core.lock.ClhLock;
import dev.lockstep.core.lock.FilterLock;
import dev.lockstep.core.lock.McsLock;
import dev.lockstep.core.lock.PetersonLock;
import dev.lockstep.core.lock.TasLock;
import dev.lockstep.core.lock.TicketLock;
import dev.lockstep.core.lock.TtasLock;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Lockstep's JFR events, recorded with {@link Recording} and read back with {@link RecordingFile}:
 * a contended Mutex and Semaphore, every lock of {@code core.lock} (blocking, interruptible and timed
 * waits), SeqLock writers and readers, SpinBarrier, a lockdep inversion, and nothing below the
 * threshold, on an uncontended path, or when the event is not enabled.
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

    // ---- core.lock: every lock, blocking, timed and interruptible waits ----

    static Stream<Arguments> locks() {
        return Stream.<Supplier<Lock>>of(TasLock::new, TtasLock::new, TicketLock::new, ClhLock::new, McsLock::new,
                        PetersonLock::new, FilterLock::new, BakeryLock::new)
                .map(s -> Arguments.of(s.get().getClass().getSimpleName(), s));
    }

    /**
     * Runs {@code waiter} in this thread while a thread named "holder" holds {@code l}, until
     * {@code holdMillis} have passed or {@code release} is counted down.
     */
    private static void whileHeld(Lock l, long holdMillis, CountDownLatch release, ThrowingRunnable waiter)
            throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            l.lock();
            held.countDown();
            try {
                release.await(holdMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            } finally {
                l.unlock();
            }
        }, "holder");
        holderId = t.getId();
        t.start();
        held.await();
        try {
            waiter.run();
        } finally {
            release.countDown();
            t.join();
        }
    }

    private static void assertLockEvent(Class<?> lockClass, RecordedEvent e, boolean acquired, long minMillis) {
        assertEquals(lockClass.getName(), e.getClass("primitiveClass").getName());
        assertNull(e.getString("name"));
        assertEquals("holder", e.getString("holder"));
        assertEquals(holderId, e.getLong("holderThreadId"));
        assertEquals(Thread.currentThread().getName(), e.getThread().getJavaName());
        assertEquals(acquired, e.getBoolean("acquired"));
        assertTrue(e.getDuration().toMillis() >= minMillis, e.getDuration().toString());
        assertTrue(e.getDuration().toMillis() < 10_000, e.getDuration().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("locks")
    void contendedLockIsRecordedWithHolderAndWait(String name, Supplier<Lock> factory) throws Exception {
        Lock l = factory.get();
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20),
                () -> whileHeld(l, HOLD_MILLIS, new CountDownLatch(1), () -> {
                    l.lock(); // waits for the holder
                    l.unlock();
                }));
        assertEquals(1, events.size(), events.toString());
        assertLockEvent(l.getClass(), events.get(0), true, HOLD_MILLIS / 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("locks")
    void timedOutAndInterruptedLockWaitsAreRecordedAsNotAcquired(String name, Supplier<Lock> factory)
            throws Exception {
        Lock l = factory.get();
        Thread me = Thread.currentThread();
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20),
                () -> whileHeld(l, 10_000, new CountDownLatch(1), () -> {
                    assertFalse(l.tryLock(100, TimeUnit.MILLISECONDS));
                    Thread interrupter = new Thread(() -> {
                        try {
                            Thread.sleep(100);
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                        me.interrupt();
                    });
                    interrupter.start();
                    try {
                        l.lockInterruptibly();
                        l.unlock();
                        throw new AssertionError("acquired a lock that is held");
                    } catch (InterruptedException expected) {
                        // the wait ended without the lock
                    } finally {
                        interrupter.join();
                    }
                }));
        assertEquals(2, events.size(), events.toString());
        for (RecordedEvent e : events) {
            assertLockEvent(l.getClass(), e, false, 50);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("locks")
    void uncontendedLockRecordsNothingEvenWithoutThreshold(String name, Supplier<Lock> factory) throws Exception {
        Lock l = factory.get();
        assertEquals(List.of(), record(CONTENDED, Duration.ZERO, () -> {
            for (int i = 0; i < 100; i++) {
                l.lock();
                l.unlock();
                l.lockInterruptibly();
                l.unlock();
                assertTrue(l.tryLock(1, TimeUnit.SECONDS));
                l.unlock();
            }
        }));
    }

    // ---- SeqLock readers, SpinBarrier ----

    @Test
    void seqLockReaderThatWaitedForAWriterIsRecorded() throws Exception {
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
            long s = l.readBegin(); // waits for the writer to leave
            assertTrue(l.readValidate(s));
            s = l.readBegin(); // no writer: no event
            assertTrue(l.readValidate(s));
            t.join();
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertEquals(SeqLock.class.getName(), e.getClass("primitiveClass").getName());
        assertTrue(e.getBoolean("acquired"));
        assertTrue(e.getDuration().toMillis() >= HOLD_MILLIS / 2, e.getDuration().toString());
        assertTrue(e.getStackTrace().getFrames().stream()
                        .anyMatch(f -> f.getMethod().getName().equals("readBegin")),
                "the stack trace names readBegin: " + e.getStackTrace().getFrames());
    }

    @Test
    void uncontendedSeqLockReadsAndWritesRecordNothingEvenWithoutThreshold() throws Exception {
        SeqLock l = new SeqLock();
        assertEquals(List.of(), record(CONTENDED, Duration.ZERO, () -> {
            for (int i = 0; i < 100; i++) {
                l.writeLock();
                l.writeUnlock();
                assertTrue(l.readValidate(l.readBegin()));
            }
        }));
    }

    @Test
    void spinBarrierArrivalThatWaitedIsRecorded() throws Exception {
        SpinBarrier b = new SpinBarrier(2);
        List<RecordedEvent> events = record(CONTENDED, Duration.ofMillis(20), () -> {
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(HOLD_MILLIS);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                b.await();
            });
            t.start();
            b.await(); // waits for the late party
            t.join();
        });
        assertEquals(1, events.size(), events.toString());
        RecordedEvent e = events.get(0);
        assertEquals(SpinBarrier.class.getName(), e.getClass("primitiveClass").getName());
        assertEquals(Thread.currentThread().getName(), e.getThread().getJavaName());
        assertTrue(e.getDuration().toMillis() >= HOLD_MILLIS / 2, e.getDuration().toString());
    }
}
