package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
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
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.test.ChildJvm;

/**
 * Contract of {@link IpcSemaphore}; dead holders simulated with a dead token in the file, and one
 * real child process killed while it holds permits.
 */
@Timeout(60)
class IpcSemaphoreTest {
    private static final int BASE = SharedFile.STRUCTURE_OFFSET;

    @TempDir
    Path dir;

    @Test
    void acquireReleaseAndCounts() throws Exception {
        try (IpcSemaphore s = IpcSemaphore.create(dir.resolve("s"), 3, 8)) {
            assertEquals(3, s.permits());
            assertTrue(s.tryAcquire(2));
            assertEquals(1, s.availablePermits());
            assertEquals(2, s.heldPermits());
            assertFalse(s.tryAcquire(2));
            assertFalse(s.tryAcquire(2, 20, TimeUnit.MILLISECONDS));
            s.release();
            assertTrue(s.tryAcquire(2, 1, TimeUnit.SECONDS));
            assertEquals(3, s.heldPermits());
            s.release(3);
            assertEquals(3, s.availablePermits());
            assertTrue(s.tryAcquire(0));
            s.release(0);
        }
    }

    @Test
    void badInput() throws Exception {
        assertMessage(IllegalArgumentException.class, "permits must be >= 0: -1", () -> IpcSemaphore.create(dir.resolve("x"), -1, 4));
        assertMessage(IllegalArgumentException.class, "maxProcesses must be in [1, 2^20]: 0", () -> IpcSemaphore.create(dir.resolve("x"), 1, 0));
        try (IpcSemaphore s = IpcSemaphore.create(dir.resolve("s"), 2, 4)) {
            assertMessage(IllegalArgumentException.class, "permits must be >= 0: -2", () -> s.tryAcquire(-2));
            assertMessage(IllegalArgumentException.class, "permits must be >= 0: -2", () -> s.release(-2));
            assertMessage(IllegalArgumentException.class, "cannot acquire 3 permits: the semaphore has 2", () -> s.acquire(3));
            // unchecked, acquireUninterruptibly(3) waited forever for permits that cannot exist
            assertMessage(IllegalArgumentException.class, "cannot acquire 3 permits: the semaphore has 2",
                    () -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> s.acquireUninterruptibly(3)));
            assertMessage(IllegalArgumentException.class, "permits must be >= 0: -1",
                    () -> assertTimeoutPreemptively(Duration.ofSeconds(10), () -> s.acquireUninterruptibly(-1)));
            assertMessage(IllegalStateException.class, "this process holds 0", s::release);
            s.acquire();
            assertMessage(IllegalStateException.class, "cannot release 2 permits", () -> s.release(2));
            assertEquals(1, s.availablePermits(), "a refused release changes nothing");
            s.release();
        }
        IpcMutex.create(dir.resolve("m"), 0).close();
        assertThrows(IncompatibleFileException.class, () -> IpcSemaphore.open(dir.resolve("m")));
        assertThrows(IncompatibleFileException.class, () -> IpcSemaphore.openOrCreate(dir.resolve("s"), 3, 4));
    }

    @Test
    void timeoutsAndInterrupts() throws Exception {
        try (IpcSemaphore s = IpcSemaphore.create(dir.resolve("s"), 1, 4)) {
            s.acquire();
            long t0 = System.nanoTime();
            assertFalse(s.tryAcquire(30, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, s::acquire);
            AtomicReference<Throwable> r = new AtomicReference<>();
            Thread waiter = TestThreads.virtual(() -> {
                try {
                    s.acquire();
                    r.set(new AssertionError("acquired"));
                } catch (Throwable e) {
                    r.set(e);
                }
            });
            Thread.sleep(20);
            waiter.interrupt();
            waiter.join();
            assertTrue(r.get() instanceof InterruptedException, String.valueOf(r.get()));
            Thread blocked = TestThreads.virtual(s::acquireUninterruptibly);
            Thread.sleep(20);
            assertTrue(blocked.isAlive());
            s.release();
            blocked.join();
            assertEquals(0, s.availablePermits());
            s.release(); // a thread of this process may release permits another thread acquired
            assertEquals(1, s.availablePermits());
        }
    }

    @Test
    void neverMoreHoldersThanPermits() throws Exception {
        Path p = dir.resolve("s");
        try (IpcSemaphore first = IpcSemaphore.create(p, 2, 4)) {
            AtomicInteger inside = new AtomicInteger();
            AtomicReference<String> failure = new AtomicReference<>();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                IpcSemaphore s = IpcSemaphore.open(p);
                ts.add(TestThreads.virtual(() -> {
                    for (int k = 0; k < 5_000; k++) {
                        s.acquireUninterruptibly();
                        if (inside.incrementAndGet() > 2) {
                            failure.set("more than 2 holders");
                        }
                        inside.decrementAndGet();
                        s.release();
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(null, failure.get());
            assertEquals(2, first.availablePermits());
        }
    }

    @Test
    void deadHoldersPermitsComeBack() throws Exception {
        try (IpcSemaphore s = IpcSemaphore.create(dir.resolve("s"), 5, 4)) {
            ByteBuffer b = s.file.buffer();
            long dead = IpcMutexTest.fakeDeadToken(dir);
            // A dead process holds 3 (slot 1) ...
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.slotOffset(1) + IpcSemaphoreDescriptor.SLOT_TOKEN, dead);
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.slotOffset(1) + IpcSemaphoreDescriptor.SLOT_HELD, 3L);
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.AVAILABLE_OFFSET, 2L);
            assertTrue(s.tryAcquire(2));
            assertEquals(0, s.availablePermits());
            // ... and died inside the guard, after taking a permit from 'available' but before recording it.
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.AVAILABLE_OFFSET, -1L);
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.GUARD_OFFSET, dead);
            assertTrue(s.tryAcquire(3, 5, TimeUnit.SECONDS), "the dead holder's 3 permits came back");
            assertEquals(0, s.availablePermits());
            assertEquals(5, s.heldPermits());
            s.release(5);
            assertEquals(5, s.availablePermits());
            assertTrue(s.recoveries() >= 1);
        }
    }

    /** A process killed inside the guard between "held -= n" and "available += n" of a release. */
    @Test
    void processKilledMidReleaseInsideTheGuard() throws Exception {
        try (IpcSemaphore s = IpcSemaphore.create(dir.resolve("s"), 4, 4)) {
            ByteBuffer b = s.file.buffer();
            long dead = IpcMutexTest.fakeDeadToken(dir);
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.slotOffset(2) + IpcSemaphoreDescriptor.SLOT_TOKEN, dead);
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.AVAILABLE_OFFSET, 3L); // one permit in limbo
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.GUARD_OFFSET, dead);
            assertTrue(s.tryAcquire(4, 5, TimeUnit.SECONDS), "the dead updater's permit came back: " + s);
            s.release(4);
            assertEquals(4, s.availablePermits());
        }
    }

    /** A real process holding 2 of 3 permits is killed: its permits come back to a waiter. */
    @Test
    void killedHoldersPermitsComeBack() throws Exception {
        Path p = dir.resolve("s");
        try (IpcSemaphore s = IpcSemaphore.create(p, 3, 4);
             ChildJvm child = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, Child.class, p.toString(), "2")) {
            assertEquals("2", child.awaitLine("HOLDING", Duration.ofSeconds(60)));
            assertEquals(1, s.availablePermits());
            assertFalse(s.tryAcquire(2, 20, TimeUnit.MILLISECONDS), "a live holder keeps its permits");
            child.kill();
            assertTrue(s.tryAcquire(3, 10, TimeUnit.SECONDS), "the killed holder's permits came back");
            assertEquals(3, s.heldPermits());
            assertEquals(1, s.recoveries());
            s.release(3);
        }
    }

    /**
     * Processes killed at random moments while they acquire and release as fast as they can (so
     * some die inside the guard, between the slot and the count update): afterwards every permit is
     * back, and none was created. Rounds: {@code lockstep.crash.kills / 5}, at least 2 (2 children each).
     */
    @Test
    void randomKillsNeitherLoseNorCreatePermits() throws Exception {
        Path p = dir.resolve("s");
        int permits = 3;
        int rounds = Math.max(2, IpcMutexCrashTest.KILLS / 5);
        java.util.Random random = new java.util.Random();
        // 3 slots: the 2 children and this process at most are alive at once, and the table is full of
        // dead tokens from round 2 on, so even the default count exercises the reuse of dead slots.
        try (IpcSemaphore s = IpcSemaphore.create(p, permits, 3)) {
            for (int round = 0; round < rounds; round++) {
                try (ChildJvm a = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, Child.class, p.toString(), "loop");
                     ChildJvm b = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, Child.class, p.toString(), "loop")) {
                    a.awaitLine("LOOPING", Duration.ofSeconds(60));
                    b.awaitLine("LOOPING", Duration.ofSeconds(60));
                    Thread.sleep(5 + random.nextInt(40));
                    a.kill();
                    Thread.sleep(random.nextInt(5));
                    b.kill();
                    assertTrue(!a.output().contains("ERROR") && !b.output().contains("ERROR"), a.output() + b.output());
                }
            }
            assertTrue(s.tryAcquire(permits, 20, TimeUnit.SECONDS), () -> "permits lost: " + s + dump(s));
            assertEquals(0, s.availablePermits(), () -> "permits created" + dump(s));
            assertFalse(s.tryAcquire());
            s.release(permits);
            assertEquals(permits, s.availablePermits());
        }
    }

    /**
     * A process that finds the holding table full reuses the slot of a dead holder, which returns that
     * holder's permits (a recomputation of the available count) in the middle of the acquire: the
     * acquire must then take its permits from the recomputed count, not from the count it read before
     * claiming the slot (which would erase the recovery: the dead holder's permits were lost forever).
     */
    @Test
    void slotReuseReturnsTheDeadHoldersPermits() throws Exception {
        try (IpcSemaphore s = IpcSemaphore.create(dir.resolve("s"), 3, 1)) {
            ByteBuffer b = s.file.buffer();
            long dead = IpcMutexTest.fakeDeadToken(dir);
            // The only slot: a dead process holding 2 of the 3 permits; 1 available.
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.slotOffset(0) + IpcSemaphoreDescriptor.SLOT_TOKEN, dead);
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.slotOffset(0) + IpcSemaphoreDescriptor.SLOT_HELD, 2L);
            MappedAccess.LONG.setVolatile(b, BASE + IpcSemaphoreDescriptor.AVAILABLE_OFFSET, 1L);
            assertTrue(s.tryAcquire(1), "the table is full of dead holders: one slot is reused");
            assertEquals(1, s.heldPermits(), dump(s));
            assertEquals(2, s.availablePermits(), () -> "the dead holder's 2 permits came back" + dump(s));
            assertEquals(1, s.recoveries());
            assertTrue(s.tryAcquire(2), dump(s));
            s.release(3);
            assertEquals(3, s.availablePermits(), dump(s));
        }
    }

    /** The holding table, the guard and the counts, for failure messages. */
    static String dump(IpcSemaphore s) {
        ByteBuffer b = s.file.buffer();
        StringBuilder sb = new StringBuilder("\n  available=")
                .append((long) MappedAccess.LONG.getVolatile(b, BASE + IpcSemaphoreDescriptor.AVAILABLE_OFFSET))
                .append(" recoveries=")
                .append((long) MappedAccess.LONG.getVolatile(b, BASE + IpcSemaphoreDescriptor.RECOVERIES_OFFSET));
        long guard = (long) MappedAccess.LONG.getVolatile(b, BASE + IpcSemaphoreDescriptor.GUARD_OFFSET);
        sb.append(" guard=").append(describe(s, guard));
        long sum = 0;
        int slots = (int) s.file.header().param(IpcSemaphoreDescriptor.PARAM_SLOTS);
        for (int i = 0; i < slots; i++) {
            int at = BASE + IpcSemaphoreDescriptor.slotOffset(i);
            long token = (long) MappedAccess.LONG.getVolatile(b, at + IpcSemaphoreDescriptor.SLOT_TOKEN);
            long held = (long) MappedAccess.LONG.getVolatile(b, at + IpcSemaphoreDescriptor.SLOT_HELD);
            if (token != 0L) {
                sum += held;
            }
            sb.append("\n  slot ").append(i).append(": ").append(describe(s, token)).append(" held=").append(held);
        }
        return sb.append("\n  sum(held of non-free slots)=").append(sum).append('\n').toString();
    }

    private static String describe(IpcSemaphore s, long token) {
        if (token == 0L) {
            return "free(0)";
        }
        return String.format("0x%016x (pid %d, %s)", token, s.participants.pidOf(token),
                token == s.me ? "this process" : s.isDead(token) ? "dead" : "alive");
    }

    /** Child: {@code FILE N}: acquires N permits, reports, sleeps until killed; {@code FILE loop}: acquire/release forever. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            IpcSemaphore s = IpcSemaphore.open(Path.of(args[0]));
            if (args[1].equals("loop")) {
                System.out.println("LOOPING");
                for (long i = 0; ; i++) {
                    int n = 1 + (int) (i % 2);
                    s.acquire(n);
                    if (s.heldPermits() < n || s.heldPermits() > s.permits()) {
                        System.out.println("ERROR held " + s.heldPermits());
                    }
                    s.release(n);
                }
            }
            s.acquire(Integer.parseInt(args[1]));
            System.out.println("HOLDING " + s.heldPermits());
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    interface Action {
        void run() throws Exception;
    }

    static void assertMessage(Class<? extends Throwable> type, String part, Action action) {
        Throwable t = assertThrows(type, action::run);
        assertTrue(t.getMessage() != null && t.getMessage().contains(part), t.getMessage());
    }
}
