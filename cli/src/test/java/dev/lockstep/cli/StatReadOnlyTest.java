package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.sync.IpcBarrier;
import dev.lockstep.ipc.sync.IpcEvent;
import dev.lockstep.ipc.sync.IpcMutex;
import dev.lockstep.ipc.sync.IpcSemaphore;
import dev.lockstep.ipc.test.ChildJvm;

/**
 * {@code stat} changes no file: run on a folder holding every kind of structure (with owners, holders
 * and messages, made by another process that has exited, so nothing else writes), every file of the
 * folder (hidden ones included) keeps its name, size, modification time and bytes, and a folder
 * without a registry does not get one; the same for {@code stat --json} and {@code stat --watch}.
 */
@Timeout(120)
class StatReadOnlyTest {
    @TempDir
    Path dir;

    /** Child: creates one structure of each kind in args[0], leaves state in each, exits. */
    public static final class MakeAll {
        public static void main(String[] args) throws Exception {
            Path d = Path.of(args[0]);
            try (OneToOneChannel one = OneToOneChannel.create(d.resolve("one"), 4096);
                 ManyToOneChannel many = ManyToOneChannel.create(d.resolve("many"), 4096);
                 SharedPriorityQueue q = SharedPriorityQueue.create(d.resolve("queue"), 8, 64);
                 IpcMutex m = IpcMutex.create(d.resolve("mutex"), 16);
                 IpcSemaphore s = IpcSemaphore.create(d.resolve("semaphore"), 3, 4);
                 IpcBarrier b = IpcBarrier.create(d.resolve("barrier"), 2);
                 IpcEvent e = IpcEvent.create(d.resolve("event"), false)) {
                one.sender().trySend(1, new byte[12], 0, 12);
                many.sender().trySend(2, new byte[20], 0, 20);
                q.trySend(4, java.nio.ByteBuffer.wrap(new byte[9]));
                m.lock();       // exits holding it: a dead owner for stat to describe
                s.acquire();    // and a dead holder
                e.set();
                System.out.println("made");
                System.out.flush();
                Runtime.getRuntime().halt(0); // no unlock, no close: the state stays as a crash leaves it
            }
        }
    }

    private static String[] stat(Path folder, String... options) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = new String[options.length + 2];
        args[0] = "stat";
        System.arraycopy(options, 0, args, 1, options.length);
        args[args.length - 1] = folder.toString();
        int status = LockstepCli.run(args,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    /** name -> size, mtime (ns) and SHA-256 of the bytes, for every entry of the folder. */
    private static Map<String, String> snapshot(Path folder) throws Exception {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String sum = a.isRegularFile()
                        ? HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))) : "-";
                files.put(p.getFileName().toString(), "size " + a.size() + ", mtime "
                        + a.lastModifiedTime().toInstant() + ", sha256 " + sum);
            }
        }
        return files;
    }

    @Test
    void statChangesNoFileAndCreatesNoRegistry() throws Exception {
        long childPid;
        try (ChildJvm child = ChildJvm.start(dir, MakeAll.class, dir.toString())) {
            assertEquals(0, child.await(Duration.ofSeconds(60)), child.output());
            assertTrue(child.output().contains("made"), child.output());
            childPid = child.pid();
        }
        Path registry = dir.resolve(Participants.FILE_NAME);
        assertTrue(Files.exists(registry), "the child registered in the folder");

        Map<String, String> before = snapshot(dir);
        String[] r = stat(dir);
        assertEquals("0", r[0], r[1] + r[2]);
        assertFalse(r[1].contains("error"), r[1]);
        assertTrue(r[1].contains("messages        1, priorities 0..31"), r[1]);
        assertTrue(r[1].contains("permits         2 available of 3"), r[1]);
        assertTrue(r[1].contains("owner           a process that has exited")
                || r[1].matches("(?s).*owner           pid \\d+.*"), r[1]);
        // The read-only view of the registry still describes owners and judges them.
        assertTrue(r[1].contains("producer[0] pid " + childPid + " DEAD"), r[1]);
        assertEquals(before, snapshot(dir), "stat changed the folder (registry present):\n" + r[1]);

        Files.delete(registry); // the child is gone: a folder whose registry was removed, or never made
        before = snapshot(dir);
        r = stat(dir);
        assertEquals("0", r[0], r[1] + r[2]);
        assertFalse(r[1].contains("error"), r[1]);
        assertFalse(Files.exists(registry), "stat created the registry:\n" + r[1]);
        assertEquals(before, snapshot(dir), "stat changed the folder (no registry):\n" + r[1]);

        // --json and --watch read through the same read-only inspection
        r = stat(dir, "--json");
        assertEquals("0", r[0], r[1] + r[2]);
        r = stat(dir, "--watch", "--count", "2", "--interval", "50");
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("refresh 2"), r[1]);
        assertFalse(Files.exists(registry), "stat --json/--watch created the registry:\n" + r[1]);
        assertEquals(before, snapshot(dir), "stat --json/--watch changed the folder:\n" + r[1]);
    }
}
