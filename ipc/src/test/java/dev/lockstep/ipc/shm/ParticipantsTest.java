package dev.lockstep.ipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.test.Namespaces;

/** {@link Participants}: tokens and the namespace-aware verdict, with real processes and namespaces. */
@Timeout(120)
class ParticipantsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> FAST_JVM = List.of("-XX:TieredStopAtLevel=1");

    @TempDir
    Path dir;

    @Test
    void anEarlierVersionsRegistryInTheFolderIsLeftAloneAndDoesNotBlockTheFolder() throws Exception {
        // what an earlier Lockstep left in /dev/shm (layout version 2 called its registry this)
        Path old = dir.resolve(".lockstep-participants");
        byte[] oldBytes = "LOCKSTEP registry of layout version 2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.file.Files.write(old, oldBytes);
        try (dev.lockstep.ipc.sync.IpcMutex m = dev.lockstep.ipc.sync.IpcMutex.create(dir.resolve("m"), 8)) {
            m.lock();
            m.unlock();
        }
        assertTrue(java.util.Arrays.equals(oldBytes, java.nio.file.Files.readAllBytes(old)), "the old registry was touched");
        assertTrue(java.nio.file.Files.exists(dir.resolve(Participants.FILE_NAME)), "this version's registry");
        assertNotEquals(".lockstep-participants", Participants.FILE_NAME);
    }

    @Test
    void ownTokenIsAliveAndForeignTokensAreDead() throws Exception {
        Participants p = Participants.ofFolder(dir);
        assertSame(p, Participants.of(dir.resolve("anything")), "one registry per folder per JVM");
        long t = p.token();
        assertNotEquals(0L, t);
        assertEquals(0L, t >>> Participants.TOKEN_BITS);
        assertFalse(p.isDead(t));
        assertFalse(p.isDead(0L), "0 is nobody, never dead");
        assertTrue(p.isDead(((long) p.capacity() + 1) << 32 | 1), "an index the registry never issued");
        assertTrue(p.isDead(t + 1), "another generation of our entry: not issued, so nobody alive holds it");
        assertEquals(ProcessIdentity.current().pid(), p.pidOf(t));
        assertTrue(p.describe(t).orElseThrow().sameNamespace());
    }

    @Test
    void killedProcessOfTheSameNamespaceIsDeadAtOnce() throws Exception {
        Participants p = Participants.ofFolder(dir);
        try (ChildJvm c = ChildJvm.start(dir, FAST_JVM, Child.class, dir.toString())) {
            long token = Long.parseLong(c.awaitLine("TOKEN", WAIT));
            assertFalse(p.isDead(token));
            assertEquals(c.pid(), p.pidOf(token));
            c.kill();
            assertTrue(p.isDead(token), "pid + start time in our namespace: dead as soon as it is a zombie");
        }
    }

    /**
     * A process in another PID namespace (pid 1 there, its pid absent or another process here) is
     * alive while it runs, stays alive while stopped (stale heartbeat, but the kernel still holds its
     * lock), and is dead once killed.
     */
    @Test
    void otherNamespaceIsJudgedByHeartbeatAndLockNotByPid() throws Exception {
        Namespaces.assumeAvailable();
        Participants p = Participants.ofFolder(dir);
        try (Namespaces.Child c = Namespaces.start(dir, FAST_JVM, Child.class, dir.toString())) {
            long token = Long.parseLong(c.awaitLine("TOKEN", WAIT));
            Participants.Participant who = p.describe(token).orElseThrow();
            assertEquals(1L, who.pid(), "pid 1 of its own namespace");
            assertFalse(who.sameNamespace());
            assertFalse(p.isDead(token), "a live process of another namespace");

            c.stall();
            Thread.sleep(Participants.SUSPECT_AFTER_MILLIS + 3 * Heartbeats.PERIOD_MILLIS + 200);
            assertTrue(p.describe(token).orElseThrow().heartbeatAgeMillis() > Participants.SUSPECT_AFTER_MILLIS,
                    "stopped: its heartbeat went stale");
            assertFalse(p.isDead(token), "stopped, not dead: never judged dead");
            c.resume();

            c.kill();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!p.isDead(token) && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
            assertTrue(p.isDead(token), "killed in its namespace: dead once its heartbeat is stale");
        }
    }

    /** A header names its creator's PID namespace: a creator there is not judged by our /proc. */
    @Test
    void headerRecordsTheCreatorsPidNamespace() throws Exception {
        Namespaces.assumeAvailable();
        Path file = dir.resolve("made-elsewhere");
        try (Namespaces.Child c = Namespaces.start(dir, FAST_JVM, Creator.class, file.toString())) {
            c.awaitLine("CREATED", WAIT);
            FileLayout.Header h = SharedFile.readHeader(file, null);
            assertEquals(1L, h.creator().pid());
            assertTrue(h.createdInAnotherPidNamespace());
            assertTrue(h.creatorMayBeAlive(), "pid 1 here is another process: no verdict from our /proc");
        }
        SharedFile.create(dir.resolve("made-here"), StructureKind.RAW, 128, b -> { }).close();
        FileLayout.Header here = SharedFile.readHeader(dir.resolve("made-here"), null);
        assertFalse(here.createdInAnotherPidNamespace());
        assertTrue(here.creatorMayBeAlive());
    }

    /** Child: creates a RAW file at its argument, prints CREATED, sleeps until killed. */
    public static final class Creator {
        public static void main(String[] args) throws Exception {
            SharedFile.create(Path.of(args[0]), StructureKind.RAW, 128, b -> { }).close();
            System.out.println("CREATED");
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Child: registers in the folder, prints its token, sleeps until killed. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Participants p = Participants.ofFolder(Path.of(args[0]));
            System.out.println("TOKEN " + p.token());
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
