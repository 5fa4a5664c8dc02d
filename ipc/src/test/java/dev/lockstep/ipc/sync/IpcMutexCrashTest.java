package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;

/**
 * {@link IpcMutex} with real processes killed by SIGKILL while they hold the lock.
 *
 * <p>The protected data area holds an "inside" flag (offset 8) and a counter (offset 0) incremented
 * with a plain read-modify-write by each holder. A holder that finds "inside" set did not get the
 * notice it should have, or shares the lock with another holder: it exits with an error.
 *
 * <p>Kills: property {@code lockstep.crash.kills}, default 10 for CI (about 5 s); the full run uses
 * at least 100:
 * {@code mvn -B -pl core,ipc -am test -Dtest=IpcMutexCrashTest -Dsurefire.failIfNoSpecifiedTests=false -Dlockstep.crash.kills=100}
 */
@Timeout(300)
class IpcMutexCrashTest {
    static final int KILLS = Integer.getInteger("lockstep.crash.kills", 10);
    static final List<String> FAST_JVM = List.of("-XX:TieredStopAtLevel=1");
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    /**
     * A chain of holders: child i holds the lock when child i+1 is started and waiting; child i is
     * killed; child i+1 must get the lock with the owner-died notice, find the dead holder's
     * "inside" flag, repair, and see the counter at i+1.
     */
    @Test
    void killedOwnerIsReportedToTheNextOwnerEveryTime() throws Exception {
        Path file = dir.resolve("m");
        try (IpcMutex parent = IpcMutex.create(file, 128)) {
            ChildJvm holder = ChildJvm.start(dir, FAST_JVM, Child.class, "hold", file.toString());
            assertEquals("ACQUIRED 1", holder.awaitLine("HOLDING", WAIT));
            for (int i = 1; i <= KILLS; i++) {
                ChildJvm next = ChildJvm.start(dir, FAST_JVM, Child.class, "hold", file.toString());
                next.awaitLine("WAITING", WAIT);
                // The live holder's lock is not taken, neither by us nor by the waiting child.
                assertFalse(parent.tryLock(20, TimeUnit.MILLISECONDS), "lock taken from a live holder");
                assertTrue(holder.process().isAlive());
                holder.kill();
                String line = next.awaitLine("HOLDING", WAIT);
                assertEquals("OWNER_DIED " + (i + 1), line, "kill " + i + "; child output:\n" + next.output());
                holder = next;
            }
            holder.kill();
            assertEquals(LockStatus.OWNER_DIED, parent.lockRobust());
            ByteBuffer data = parent.data();
            assertEquals(KILLS + 1, data.getLong(0), "every holder incremented exactly once");
            assertEquals(1, data.getLong(8), "the last holder died inside");
            data.putLong(8, 0);
            parent.markConsistent();
            parent.unlock();
            assertEquals(KILLS + 1, parent.recoveries());
        }
    }

    /** A live owner that sleeps holding the lock keeps it; the waiter gets it normally afterwards. */
    @Test
    void liveOwnerIsNeverRobbed() throws Exception {
        Path file = dir.resolve("m");
        try (IpcMutex parent = IpcMutex.create(file, 128);
             ChildJvm child = ChildJvm.start(dir, FAST_JVM, Child.class, "holdFor", file.toString(), "300")) {
            assertEquals("ACQUIRED 1", child.awaitLine("HOLDING", WAIT));
            LockStatus status = parent.lockRobust(); // waits through many liveness checks of a live owner
            try {
                assertEquals(LockStatus.ACQUIRED, status);
                assertEquals(0, parent.data().getLong(8), "the child left the critical section before we entered");
            } finally {
                parent.unlock();
            }
            assertEquals(0, child.await(WAIT), child.output());
            assertTrue(child.output().contains("RELEASED"), child.output());
            assertEquals(0, parent.recoveries());
        }
    }

    /**
     * Two processes lock and unlock in a loop and are killed at random moments (inside or outside the
     * critical section, mid-CAS, mid-unlock), each replaced by a new one. No holder may ever find
     * another inside without an owner-died notice, and the lock never stays stuck.
     * Kills: {@code max(3, lockstep.crash.kills / 2)}.
     */
    @Test
    void randomKillsOfLoopingProcesses() throws Exception {
        Path file = dir.resolve("m");
        int kills = Math.max(3, KILLS / 2);
        java.util.Random random = new java.util.Random();
        StringBuilder outputs = new StringBuilder();
        try (IpcMutex parent = IpcMutex.create(file, 128)) {
            ChildJvm[] children = new ChildJvm[2];
            for (int i = 0; i < 2; i++) {
                children[i] = ChildJvm.start(dir, FAST_JVM, Child.class, "loop", file.toString());
                children[i].awaitLine("LOOPS", WAIT);
            }
            try {
                for (int k = 0; k < kills; k++) {
                    Thread.sleep(5 + random.nextInt(30));
                    int victim = random.nextInt(2);
                    children[victim].kill();
                    outputs.append(children[victim].output());
                    children[victim] = ChildJvm.start(dir, FAST_JVM, Child.class, "loop", file.toString());
                    children[victim].awaitLine("LOOPS", WAIT);
                }
            } finally {
                for (ChildJvm c : children) {
                    c.kill();
                    outputs.append(c.output());
                }
            }
            assertFalse(outputs.toString().contains("ERROR"), outputs.toString());
            LockStatus s = parent.tryLockRobust(20, TimeUnit.SECONDS);
            assertTrue(s.acquired(), "the lock was left stuck");
            parent.unlock();
        }
    }

    /** Child process: {@code hold FILE} (lock, report, sleep until killed) or {@code holdFor FILE MS}. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (IpcMutex m = IpcMutex.open(Path.of(args[1]))) {
                ByteBuffer data = m.data();
                if (args[0].equals("loop")) {
                    System.out.println("LOOPS");
                    while (true) {
                        if (m.lockRobust() == LockStatus.OWNER_DIED) {
                            data.putLong(8, 0); // the dead holder may have died inside: repair
                            m.markConsistent();
                        } else if (data.getLong(8) != 0) {
                            System.out.println("ERROR another holder is inside");
                        }
                        data.putLong(8, 1);
                        data.putLong(0, data.getLong(0) + 1);
                        data.putLong(8, 0);
                        m.unlock();
                    }
                }
                System.out.println("WAITING");
                LockStatus s = m.lockRobust();
                if (s == LockStatus.OWNER_DIED) {
                    if (data.getLong(8) != 1) {
                        System.out.println("ERROR owner died but the inside flag was not set");
                        System.exit(2);
                    }
                    data.putLong(8, 0); // repair
                    m.markConsistent();
                } else if (data.getLong(8) != 0) {
                    System.out.println("ERROR another holder is inside");
                    System.exit(3);
                }
                data.putLong(8, 1);
                long count = data.getLong(0) + 1;
                data.putLong(0, count);
                System.out.println("HOLDING " + s + " " + count);
                if (args[0].equals("hold")) {
                    Thread.sleep(Long.MAX_VALUE);
                }
                Thread.sleep(Long.parseLong(args[2]));
                data.putLong(8, 0);
                System.out.println("RELEASED");
                m.unlock();
            }
        }
    }
}
