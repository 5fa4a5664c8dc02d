package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@link IpcEvent} file opened twice in one process, waited on by platform threads (which sleep in
 * the kernel in FUTEX mode: two mappings of one file meet on one futex, keyed by inode and offset) and
 * set or reset through the other handle. Nothing is owned, so nothing is keyed by the process's token;
 * the test guards that a set or reset through one handle acts on the waiters of every handle.
 */
@Timeout(60)
class IpcEventTwoHandlesTest {
    @TempDir
    Path dir;

    @Test
    void aSetThroughOneHandleReleasesThePlatformThreadsWaitingOnTheOther() throws Exception {
        Path file = dir.resolve("e");
        try (IpcEvent a = IpcEvent.create(file, false); IpcEvent b = IpcEvent.open(file)) {
            AtomicInteger passed = new AtomicInteger();
            List<Thread> waiters = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiters.add(TestThreads.platform(() -> {
                    try {
                        if (b.await(20, TimeUnit.SECONDS)) {
                            passed.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            Thread.sleep(150); // past the spin: asleep in the kernel (FUTEX) or parked (POLL)
            assertEquals(0, passed.get());
            long t0 = System.nanoTime();
            a.set();
            for (Thread t : waiters) {
                t.join();
            }
            assertEquals(3, passed.get());
            // A kernel sleep lasts at most 100 ms: a set that failed to wake would show as ~100 ms.
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
            assertTrue(b.isSet());
            b.reset();
            assertFalse(a.isSet(), "a reset through b is seen through a");
            assertFalse(a.tryAwait());
        }
    }

    /** Auto-reset: 4 waiters on two handles, 4 sets through a third: each set releases exactly one. */
    @Test
    void autoResetReleasesOneWaiterPerSetWhicheverHandleItWaitsOn() throws Exception {
        Path file = dir.resolve("e");
        try (IpcEvent a = IpcEvent.create(file, true); IpcEvent b = IpcEvent.open(file); IpcEvent c = IpcEvent.open(file)) {
            AtomicInteger passed = new AtomicInteger();
            List<Thread> waiters = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                IpcEvent w = i % 2 == 0 ? a : b;
                waiters.add(TestThreads.platform(() -> {
                    try {
                        if (w.await(20, TimeUnit.SECONDS)) {
                            passed.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }));
            }
            Thread.sleep(150);
            for (int k = 1; k <= 4; k++) {
                c.set();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (passed.get() < k && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                Thread.sleep(20); // a second waiter passing on the same set would show here
                assertEquals(k, passed.get(), "set " + k + " released exactly one waiter");
            }
            for (Thread t : waiters) {
                t.join();
            }
            assertFalse(c.isSet(), "every set consumed");
        }
    }
}
