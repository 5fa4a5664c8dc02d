package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * Kernel sleeping of {@link IpcMutex}, {@link IpcSemaphore} and {@link IpcBarrier} across real
 * processes: a child blocks until it has announced a kernel sleep on the structure's futex word, this
 * process then unlocks / releases / arrives, and the child must pass well within the sleep bound (a
 * missing wake-up would let it pass only at the bound, ~80 ms later). Skips with the reason where this
 * JVM polls (JDK 17-21).
 */
@Timeout(120)
class SyncFutexTest {
    private static final long LIMIT_MS = WaitMode.MAX_SLEEP_MILLIS * 2 / 5;

    @TempDir
    Path dir;

    @Test
    void mutexSleeperWokenByUnlock() throws Exception {
        assumeFutex();
        Path file = dir.resolve("m");
        try (IpcMutex m = IpcMutex.create(file, 0)) {
            m.lock();
            long ms = wakeUp(m.buf(), IpcMutexDescriptor.WAIT_WORD_OFFSET, "mutex", file, m::unlock);
            assertTrue(ms < LIMIT_MS, "mutex waiter passed " + ms + " ms after unlock");
            assertEquals(WaitMode.FUTEX, m.waitMode());
        }
    }

    /** The owner dies while a waiter sleeps in the kernel: the waiter takes over within the sleep bound. */
    @Test
    void mutexSleeperRecoversAKilledOwnerWithinTheBound() throws Exception {
        assumeFutex();
        Path file = dir.resolve("m");
        try (IpcMutex m = IpcMutex.create(file, 0);
             ChildJvm owner = ChildJvm.start(dir, List.of(), Holder.class, file.toString())) {
            owner.awaitLine("LOCKED", Duration.ofSeconds(30));
            long[] got = new long[1];
            LockStatus[] status = new LockStatus[1];
            Thread t = TestThreads.platform(() -> {
                status[0] = m.lockRobust();
                got[0] = System.nanoTime();
                m.unlock();
            });
            int word = SharedFile.STRUCTURE_OFFSET + IpcMutexDescriptor.WAIT_WORD_OFFSET;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((WaitWord.value(m.buf(), word) & 1) == 0) {
                assertTrue(System.nanoTime() - deadline < 0, "the waiter never announced a kernel sleep");
                Thread.sleep(2);
            }
            long t0 = System.nanoTime();
            owner.kill(); // SIGKILL, reaped: nobody wakes the sleeper
            t.join(10_000);
            assertEquals(LockStatus.OWNER_DIED, status[0]);
            long ms = (got[0] - t0) / 1_000_000;
            System.out.println("mutex futex sleeper took over a killed owner's lock after " + ms + " ms");
            assertTrue(ms <= WaitMode.MAX_SLEEP_MILLIS + 400, "took over after " + ms + " ms");
        }
    }

    @Test
    void semaphoreSleeperWokenByRelease() throws Exception {
        assumeFutex();
        Path file = dir.resolve("s");
        try (IpcSemaphore s = IpcSemaphore.create(file, 1, 4)) {
            s.acquire();
            long ms = wakeUp(s.buf(), IpcSemaphoreDescriptor.WAIT_WORD_OFFSET, "semaphore", file, s::release);
            assertTrue(ms < LIMIT_MS, "semaphore waiter passed " + ms + " ms after release");
        }
    }

    @Test
    void barrierSleeperWokenByTheLastArrival() throws Exception {
        assumeFutex();
        Path file = dir.resolve("b");
        try (IpcBarrier b = IpcBarrier.create(file, 2)) {
            b.register();
            long ms = wakeUp(b.buf(), IpcBarrierDescriptor.WAIT_WORD_OFFSET, "barrier", file, () -> {
                try {
                    b.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertTrue(ms < LIMIT_MS, "barrier party passed " + ms + " ms after the last arrival");
        }
    }

    /** Starts the child, waits for its announced sleep, runs {@code wake}: ms from wake to the child's return. */
    private long wakeUp(ByteBuffer b, int wordOffset, String kind, Path file, Runnable wake) throws Exception {
        int word = SharedFile.STRUCTURE_OFFSET + wordOffset;
        try (ChildJvm c = ChildJvm.start(dir, List.of(), Blocker.class, kind, file.toString())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((WaitWord.value(b, word) & 1) == 0) {
                assertTrue(System.nanoTime() - deadline < 0 && c.process().isAlive(),
                        "the child never announced a kernel sleep; output:\n" + c.output());
                Thread.sleep(2);
            }
            Thread.sleep(WaitMode.MAX_SLEEP_MILLIS / 5); // inside FUTEX_WAIT by now
            long t0 = System.nanoTime();
            wake.run();
            long t1 = Long.parseLong(c.awaitLine("PASSED", Duration.ofSeconds(30)));
            assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
            long ms = (t1 - t0) / 1_000_000;
            System.out.println(kind + " futex sleeper woken after " + (t1 - t0) / 1_000 + " µs");
            return ms;
        }
    }

    private static void assumeFutex() {
        Assumptions.assumeTrue(WaitMode.current() == WaitMode.FUTEX,
                "this JVM polls (JDK " + Runtime.version().feature() + ", -D" + WaitMode.PROPERTY + "="
                        + System.getProperty(WaitMode.PROPERTY, "auto") + "): futex checks skipped");
    }

    /** Child: {@code FILE}: locks the mutex, says LOCKED and waits to be killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            IpcMutex m = IpcMutex.open(Path.of(args[0]));
            m.lock();
            System.out.println("LOCKED");
            Thread.sleep(120_000);
        }
    }

    /** Child: {@code KIND FILE}: blocks in the structure, then prints "PASSED nanoTime" and releases. */
    public static final class Blocker {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[1]);
            switch (args[0]) {
                case "mutex" -> {
                    try (IpcMutex m = IpcMutex.open(file)) {
                        m.lock();
                        System.out.println("PASSED " + System.nanoTime());
                        m.unlock();
                    }
                }
                case "semaphore" -> {
                    try (IpcSemaphore s = IpcSemaphore.open(file)) {
                        s.acquire();
                        System.out.println("PASSED " + System.nanoTime());
                        s.release();
                    }
                }
                case "barrier" -> {
                    try (IpcBarrier b = IpcBarrier.open(file)) {
                        b.register();
                        b.await();
                        System.out.println("PASSED " + System.nanoTime());
                    }
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }
}
