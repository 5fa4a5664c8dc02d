package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.test.Namespaces;

/**
 * Owners in another PID namespace (a child JVM that is pid 1 of its own namespace, through
 * {@code unshare --pid --fork --mount-proc}; the sidecar-container case): a live one is never robbed,
 * not even while stopped with SIGSTOP past the heartbeat bound; a killed one is recovered. Skipped
 * with the reason printed where PID namespaces cannot be created.
 */
@Timeout(120)
class NamespaceLivenessTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** Long enough for a stopped process's heartbeat to go stale (the suspicion bound) and a bit more. */
    private static final long STALE_MILLIS = Participants.SUSPECT_AFTER_MILLIS + 3 * Heartbeats.PERIOD_MILLIS + 300;

    @TempDir
    Path dir;

    @Test
    void mutexOwnerInAnotherNamespaceKeepsTheLockUntilKilled() throws Exception {
        Namespaces.assumeAvailable();
        Path file = dir.resolve("m");
        try (IpcMutex parent = IpcMutex.create(file, 128);
             Namespaces.Child owner = Namespaces.start(dir, IpcMutexCrashTest.FAST_JVM, IpcMutexCrashTest.Child.class,
                     "hold", file.toString())) {
            assertEquals("ACQUIRED 1", owner.awaitLine("HOLDING", WAIT));
            assertEquals(1L, parent.ownerPid(), "the owner is pid 1 of its namespace");
            // Live: tryLock and a timed lock wait through many liveness checks without robbing it.
            assertFalse(parent.tryLock(), "tryLock robbed a live owner of another namespace");
            assertFalse(parent.tryLock(300, TimeUnit.MILLISECONDS), "lock robbed a live owner of another namespace");
            // Stopped past the heartbeat bound: late, not dead.
            owner.stall();
            assertEquals(LockStatus.NOT_ACQUIRED, parent.tryLockRobust(STALE_MILLIS, TimeUnit.MILLISECONDS),
                    "a stopped owner of another namespace was robbed");
            assertFalse(parent.tryLock(), "a stopped owner of another namespace was robbed");
            owner.resume();
            assertEquals(0, parent.recoveries());
            // Killed: recovered, with the owner-died notice.
            owner.kill();
            assertEquals(LockStatus.OWNER_DIED, parent.tryLockRobust(30, TimeUnit.SECONDS), "dead owner not recovered");
            assertEquals(1, parent.data().getLong(8), "the dead owner's inside flag");
            parent.markConsistent();
            parent.unlock();
            assertEquals(1, parent.recoveries());
        }
    }

    @Test
    void semaphorePermitsOfALiveHolderInAnotherNamespaceAreNotReclaimed() throws Exception {
        Namespaces.assumeAvailable();
        Path file = dir.resolve("s");
        try (IpcSemaphore parent = IpcSemaphore.create(file, 3, 4);
             Namespaces.Child holder = Namespaces.start(dir, IpcMutexCrashTest.FAST_JVM, IpcSemaphoreTest.Child.class,
                     file.toString(), "2")) {
            assertEquals("2", holder.awaitLine("HOLDING", WAIT));
            assertTrue(parent.tryAcquire(1));
            assertFalse(parent.tryAcquire(1, 300, TimeUnit.MILLISECONDS), "permits of a live holder were reclaimed");
            holder.stall();
            assertFalse(parent.tryAcquire(1, STALE_MILLIS, TimeUnit.MILLISECONDS),
                    "permits of a stopped holder of another namespace were reclaimed");
            assertEquals(0, parent.availablePermits());
            holder.resume();
            assertEquals(0, parent.recoveries());
            holder.kill();
            assertTrue(parent.tryAcquire(2, 30, TimeUnit.SECONDS), "a dead holder's permits did not come back");
            assertEquals(1, parent.recoveries());
            parent.release(3);
            assertEquals(3, parent.availablePermits());
        }
    }

    @Test
    void barrierPartyInAnotherNamespaceIsLateWhileStoppedAndBreaksTheBarrierWhenKilled() throws Exception {
        Namespaces.assumeAvailable();
        Path file = dir.resolve("b");
        try (IpcBarrier parent = IpcBarrier.create(file, 2);
             Namespaces.Child party = Namespaces.start(dir, IpcMutexCrashTest.FAST_JVM, BarrierPartyMain.class,
                     file.toString())) {
            party.awaitLine("REGISTERED", WAIT);
            party.stall();
            assertThrows(java.util.concurrent.TimeoutException.class, () -> parent.await(STALE_MILLIS, TimeUnit.MILLISECONDS),
                    "a stopped party of another namespace is late, not dead");
            parent.reset();
            party.resume();
            party.kill();
            java.util.concurrent.BrokenBarrierException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.BrokenBarrierException.class, () -> parent.await(30, TimeUnit.SECONDS));
            assertTrue(e.getMessage().contains("pid 1 died"), e.getMessage());
        }
    }

    private static void assertThrows(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable e, String why) {
        org.junit.jupiter.api.Assertions.assertThrows(type, e, why);
    }

    /** Child: registers as a party of the barrier FILE and sleeps until killed. */
    public static final class BarrierPartyMain {
        public static void main(String[] args) throws Exception {
            IpcBarrier b = IpcBarrier.open(Path.of(args[0]));
            b.register();
            System.out.println("REGISTERED");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
