package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;

/**
 * One {@link IpcSemaphore} file opened twice in one process. Permits are owned by processes (one slot
 * per {@link dev.lockstep.ipc.shm.Participants} token, which every handle of the process shares), as
 * the class documents: any handle of the process sees and may release what another acquired; the
 * total held never exceeds the permits; a handle's close keeps the process's permits. A per-handle
 * cache of the process's slot must not make a handle blind to the permits its siblings hold.
 */
@Timeout(60)
class IpcSemaphoreTwoHandlesTest {
    private static final int BASE = SharedFile.STRUCTURE_OFFSET;

    @TempDir
    Path dir;

    /**
     * heldPermits() is documented as "permits held by this process (all its threads and instances)":
     * b, which never acquired, must see what a acquired. Before the fix it read b's own slot cache,
     * still -1, and answered 0.
     */
    @Test
    void everyHandleSeesAndMayReleaseThePermitsOfItsProcess() throws Exception {
        Path p = dir.resolve("s");
        try (IpcSemaphore a = IpcSemaphore.create(p, 3, 4); IpcSemaphore b = IpcSemaphore.open(p)) {
            assertTrue(a.tryAcquire(2));
            assertEquals(2, a.heldPermits());
            assertEquals(2, b.heldPermits(), "permits held by this process, acquired through another handle");
            assertEquals(1, b.availablePermits());
            assertFalse(b.tryAcquire(2), "only one left for the whole process");
            b.release(2); // the process's permits: any handle may return them
            assertEquals(0, a.heldPermits());
            assertEquals(3, b.availablePermits());
            IllegalStateException e = assertThrows(IllegalStateException.class, b::release);
            assertTrue(e.getMessage().contains("this process holds 0"), e.getMessage());
            assertEquals(1, slotsInUse(b), "one slot for the process, whichever handle acquired");
        }
    }

    /** A handle's close keeps the process's permits; the other handle still sees and releases them. */
    @Test
    void closingAHandleKeepsThePermitsOfItsProcess() throws Exception {
        Path p = dir.resolve("s");
        try (IpcSemaphore b = IpcSemaphore.create(p, 2, 4)) {
            IpcSemaphore a = IpcSemaphore.open(p);
            a.acquire();
            a.close();
            assertEquals(1, b.heldPermits(), "the permit a acquired is still the process's after a's close, and b sees it");
            assertEquals(1, b.availablePermits());
            b.release();
            assertEquals(2, b.availablePermits());
        }
    }

    /** Two threads per handle on 2 permits: never more than 2 holders; every permit back at the end. */
    @Test
    void threadsOfTwoHandlesNeverHoldMoreThanThePermits() throws Exception {
        Path p = dir.resolve("s");
        int rounds = 5_000;
        try (IpcSemaphore a = IpcSemaphore.create(p, 2, 4); IpcSemaphore b = IpcSemaphore.open(p)) {
            AtomicInteger holders = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                IpcSemaphore s = i % 2 == 0 ? a : b;
                threads.add(TestThreads.platform(() -> {
                    try {
                        for (int k = 0; k < rounds; k++) {
                            assertTrue(s.tryAcquire(1, 10, TimeUnit.SECONDS), "acquire timed out");
                            int now = holders.incrementAndGet();
                            if (now > 2) {
                                failure.compareAndSet(null, new AssertionError(now + " holders of 2 permits"));
                            }
                            if (s.heldPermits() < 1 || s.heldPermits() > 2) {
                                failure.compareAndSet(null, new AssertionError("held by the process: " + s.heldPermits()));
                            }
                            holders.decrementAndGet();
                            s.release();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get());
            assertEquals(2, a.availablePermits());
            assertEquals(0, b.heldPermits());
            assertEquals(1, slotsInUse(a));
        }
    }

    private static int slotsInUse(IpcSemaphore s) {
        int n = 0;
        for (int i = 0; i < 4; i++) {
            long token = (long) MappedAccess.LONG.getVolatile(s.file.buffer(),
                    BASE + IpcSemaphoreDescriptor.slotOffset(i) + IpcSemaphoreDescriptor.SLOT_TOKEN);
            if (token != 0L) {
                n++;
            }
        }
        return n;
    }
}
