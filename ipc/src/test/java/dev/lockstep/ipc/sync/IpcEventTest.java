package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.test.ChildJvm;

/** Contract of {@link IpcEvent}. */
@Timeout(60)
class IpcEventTest {
    @TempDir
    Path dir;

    @Test
    void manualResetReleasesEveryoneUntilReset() throws Exception {
        Path file = dir.resolve("e");
        try (IpcEvent e = IpcEvent.create(file, false)) {
            assertFalse(e.isAutoReset());
            assertFalse(e.isSet());
            assertFalse(e.await(20, TimeUnit.MILLISECONDS));
            AtomicInteger passed = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                IpcEvent w = IpcEvent.open(file);
                ts.add(TestThreads.virtual(() -> {
                    try {
                        w.await();
                        passed.incrementAndGet();
                    } catch (InterruptedException ex) {
                        throw new AssertionError(ex);
                    }
                }));
            }
            Thread.sleep(20);
            assertEquals(0, passed.get(), "nobody passes before set");
            e.set();
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(4, passed.get());
            assertTrue(e.isSet(), "manual-reset stays set");
            assertTrue(e.await(0, TimeUnit.SECONDS));
            e.reset();
            assertFalse(e.isSet());
            assertFalse(e.tryAwait());
        }
    }

    @Test
    void autoResetReleasesOneWaiterPerSet() throws Exception {
        Path file = dir.resolve("e");
        try (IpcEvent e = IpcEvent.create(file, true)) {
            assertTrue(e.isAutoReset());
            AtomicInteger passed = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                IpcEvent w = IpcEvent.open(file);
                ts.add(TestThreads.virtual(() -> {
                    try {
                        if (w.await(5, TimeUnit.SECONDS)) {
                            passed.incrementAndGet();
                        }
                    } catch (InterruptedException ex) {
                        throw new AssertionError(ex);
                    }
                }));
            }
            for (int k = 1; k <= 3; k++) {
                e.set();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (passed.get() < k && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                Thread.sleep(10);
                assertEquals(k, passed.get(), "one waiter per set");
                assertFalse(e.isSet(), "consumed");
            }
            for (Thread t : ts) {
                t.join();
            }
        }
    }

    @Test
    void interruptsTimeoutsAndWrongFiles() throws Exception {
        try (IpcEvent e = IpcEvent.create(dir.resolve("e"), false)) {
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, e::await);
            AtomicReference<Throwable> r = new AtomicReference<>();
            Thread t = TestThreads.virtual(() -> {
                try {
                    e.await();
                } catch (Throwable ex) {
                    r.set(ex);
                }
            });
            Thread.sleep(20);
            t.interrupt();
            t.join();
            assertTrue(r.get() instanceof InterruptedException, String.valueOf(r.get()));
            long t0 = System.nanoTime();
            assertFalse(e.await(30, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30));
            assertThrows(NullPointerException.class, () -> e.await(1, null));
        }
        IpcMutex.create(dir.resolve("m"), 0).close();
        assertThrows(IncompatibleFileException.class, () -> IpcEvent.open(dir.resolve("m")));
        assertThrows(IncompatibleFileException.class, () -> IpcEvent.openOrCreate(dir.resolve("e"), true));
    }

    /** Another process sets the event. */
    @Test
    void setByAnotherProcess() throws Exception {
        Path file = dir.resolve("e");
        try (IpcEvent e = IpcEvent.create(file, false);
             ChildJvm child = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, Child.class, file.toString())) {
            assertTrue(e.await(60, TimeUnit.SECONDS));
            assertEquals(0, child.await(Duration.ofSeconds(60)), child.output());
        }
    }

    /** Child: sets the event FILE. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (IpcEvent e = IpcEvent.open(Path.of(args[0]))) {
                e.set();
            }
        }
    }
}
