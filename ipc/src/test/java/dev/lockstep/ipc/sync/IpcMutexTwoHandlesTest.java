package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * One {@link IpcMutex} file opened twice in one process. The lock word holds the process's
 * {@link dev.lockstep.ipc.shm.Participants} token, the same for every handle of the process (the
 * defect class of SharedPriorityQueue's 5dbdac9: a decision keyed by the token conflates two handles).
 * The contract: mutual exclusion among all threads of both handles, only the holding thread through
 * its handle may unlock, a handle's close leaves a lock another handle holds alone, and a wait that
 * gave up is not reported as an acquisition.
 */
@Timeout(60)
class IpcMutexTwoHandlesTest {
    @TempDir
    Path dir;

    /** Two threads per handle (so both "same handle" and "other handle" contention), plain counter. */
    @Test
    void threadsOfTwoHandlesExcludeEachOther() throws Exception {
        Path p = dir.resolve("m");
        int perThread = 20_000;
        try (IpcMutex a = IpcMutex.create(p, 64); IpcMutex b = IpcMutex.open(p)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                IpcMutex m = i % 2 == 0 ? a : b;
                Runnable body = () -> {
                    ByteBuffer data = m.data();
                    for (int k = 0; k < perThread; k++) {
                        m.lock();
                        try {
                            if (data.getLong(8) != 0) {
                                failure.compareAndSet(null, new AssertionError("two holders at once"));
                            }
                            data.putLong(8, 1);
                            data.putLong(0, data.getLong(0) + 1);
                            data.putLong(8, 0);
                        } finally {
                            m.unlock();
                        }
                    }
                };
                threads.add(i < 2 ? TestThreads.platform(body) : TestThreads.virtual(body));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get());
            assertEquals(4L * perThread, a.data().getLong(0), "lost updates");
            assertFalse(a.isLocked());
        }
    }

    /** The other handle, even in the holding thread, cannot unlock, repair or re-lock what one handle holds. */
    @Test
    void theOtherHandleCannotUnlockOrTakeTheLock() throws Exception {
        Path p = dir.resolve("m");
        try (IpcMutex a = IpcMutex.create(p, 0); IpcMutex b = IpcMutex.open(p)) {
            a.lock();
            IllegalMonitorStateException e = assertThrows(IllegalMonitorStateException.class, b::unlock);
            assertTrue(e.getMessage().contains("held by pid " + ProcessHandle.current().pid()), e.getMessage());
            assertThrows(IllegalMonitorStateException.class, b::markConsistent);
            assertTrue(a.isLocked(), "a refused unlock leaves the lock held");
            assertFalse(b.tryLock(), "held by a live owner (this process): not taken");
            assertEquals(LockStatus.NOT_ACQUIRED, b.tryLockRobust(20, TimeUnit.MILLISECONDS));
            assertFalse(b.isHeldByCurrentThread());
            a.unlock();
            assertTrue(b.tryLock());
            b.unlock();
        }
    }

    /** Closing handle b (which never locked) leaves a's lock held; a third handle still waits for it. */
    @Test
    void closingAHandleLeavesTheLockAnotherHandleHolds() throws Exception {
        Path p = dir.resolve("m");
        try (IpcMutex a = IpcMutex.create(p, 0)) {
            a.lock();
            IpcMutex b = IpcMutex.open(p);
            assertFalse(b.tryLock());
            b.close();
            try (IpcMutex c = IpcMutex.open(p)) {
                assertTrue(a.isLocked());
                assertFalse(c.tryLock(20, TimeUnit.MILLISECONDS));
                a.unlock();
                assertTrue(c.tryLock(1, TimeUnit.SECONDS));
                c.unlock();
            }
        }
    }

    /**
     * A timed lock through b that gives up while a (same process, so the same token in the lock word)
     * holds the lock is a wait that did not acquire: its JFR ContendedAcquire event says
     * {@code acquired=false}. Before the fix the event read the lock word and took "our token" for
     * "we acquired".
     */
    @Test
    void aWaitThatGaveUpWhileAnotherHandleHoldsTheLockIsNotRecordedAsAcquired() throws Exception {
        Path p = dir.resolve("m");
        Path rec = dir.resolve("rec.jfr");
        try (IpcMutex a = IpcMutex.create(p, 0); IpcMutex b = IpcMutex.open(p)) {
            a.lock();
            try (Recording r = new Recording()) {
                r.enable("dev.lockstep.ContendedAcquire").withThreshold(Duration.ofMillis(10));
                r.start();
                AtomicReference<Object> result = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        result.set(b.tryLock(200, TimeUnit.MILLISECONDS));
                    } catch (Throwable e) {
                        result.set(e);
                    }
                });
                t.start();
                t.join();
                r.stop();
                r.dump(rec);
                assertEquals(false, result.get(), "the wait gave up");
            } finally {
                a.unlock();
            }
            List<RecordedEvent> events = RecordingFile.readAllEvents(rec).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.lockstep.ContendedAcquire"))
                    .collect(Collectors.toList());
            assertEquals(1, events.size(), events.toString());
            assertFalse(events.get(0).getBoolean("acquired"),
                    "a wait that gave up while another handle of this process held the lock: acquired=false");
        } finally {
            Files.deleteIfExists(rec);
        }
    }
}
