package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

@Timeout(60)
class LockstepCliTest {
    @TempDir
    Path dir;

    private String[] run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LockstepCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void statPrintsHeadersAndFlagsBadFilesWithoutTouchingThem() throws Exception {
        SharedFile.create(dir.resolve("ev"), StructureKind.EVENT, 64, b -> { }, 3).close();
        Files.writeString(dir.resolve("junk"), "x".repeat(300));
        byte[] junk = Files.readAllBytes(dir.resolve("junk"));
        String[] r = run("stat", dir.toString());
        assertEquals("1", r[0], "a bad file makes stat fail: " + r[1]);
        assertTrue(r[1].contains("kind            EVENT (layout version " + dev.lockstep.ipc.shm.FileLayout.LAYOUT_VERSION + ")"), r[1]);
        assertTrue(r[1].contains("alive"), r[1]);
        assertTrue(r[1].contains("[3, 0, 0, 0]"), r[1]);
        assertTrue(r[1].contains("not a Lockstep file"), r[1]);
        assertEquals(new String(junk), Files.readString(dir.resolve("junk")));
    }

    @Test
    void pingSpawnsPongAndPrintsPercentilesThenStatShowsTheChannels() throws Exception {
        String[] r = run("ping", "cli", "--spawn", "--count", "2000", "--warmup", "500", "--dir", dir.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].matches("(?s).*round trip ns: min \\d+  p50 \\d+  p90 \\d+  p99 \\d+  p99.9 \\d+  max \\d+.*"), r[1]);
        String[] s = run("stat", dir.resolve("cli.ping").toString());
        assertEquals("0", s[0], s[1]);
        assertTrue(s[1].contains("ONE_TO_ONE_CHANNEL") && s[1].contains("capacity 65536 B"), s[1]);
        // 2500 pings of 32 bytes (40-byte records) and a stop: the consumer's position proves they went
        // through (plus any wrap padding), and everything sent was consumed.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("head (\\d+), tail (\\d+)").matcher(s[1]);
        assertTrue(m.find(), s[1]);
        assertEquals(m.group(1), m.group(2), s[1]);
        long head = Long.parseLong(m.group(1));
        assertTrue(head >= 2501 * 40 && head < 2501 * 40 + 8 * 40, s[1]);
    }

    @Test
    void throughputCountsEveryMessageInTheSink() throws Exception {
        String[] r = run("throughput", "tp", "--messages", "100000", "--size", "100", "--dir", dir.toString());
        assertEquals("0", r[0], r[1] + r[2]);
        assertTrue(r[1].contains("messages/s"), r[1]);
        String[] big = run("throughput", "tp", "--messages", "1", "--size", "1000000", "--dir", dir.toString());
        assertEquals("2", big[0]);
        assertTrue(big[2].contains("exceeds the channel's maximum message length"), big[2]);
    }

    @Test
    void badOptionsAreNamed() throws Exception {
        String[] r = run("ping", "--count", "x", "--dir", dir.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Invalid value for option '--count': 'x' is not a number"), r[2]);
        r = run("ping", "--count", "0", "--dir", dir.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("--count must be >= 1: 0"), r[2]);
        r = run("ping", "bad/name", "--dir", dir.toString());
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("bad name"), r[2]);
    }

    @Test
    void statShowsPriorityQueueFill() throws Exception {
        try (var q = dev.lockstep.ipc.queue.SharedPriorityQueue.create(dir.resolve("jobs"), 8, 100)) {
            q.trySend(3, java.nio.ByteBuffer.wrap(new byte[10]));
            q.trySend(5, java.nio.ByteBuffer.wrap(new byte[10]));
        }
        String[] r = run("stat", dir.resolve("jobs").toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("messages        2, priorities 0..31"), r[1]);
    }

    @Test
    void statShowsSynchronizerState() throws Exception {
        try (var m = dev.lockstep.ipc.sync.IpcMutex.create(dir.resolve("m"), 64);
             var sem = dev.lockstep.ipc.sync.IpcSemaphore.create(dir.resolve("s"), 3, 4);
             var b = dev.lockstep.ipc.sync.IpcBarrier.create(dir.resolve("b"), 2);
             var e = dev.lockstep.ipc.sync.IpcEvent.create(dir.resolve("e"), false)) {
            m.lock();
            sem.acquire();
            e.set();
            String[] r = run("stat", dir.toString());
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("owner           pid " + ProcessHandle.current().pid()), r[1]);
            assertTrue(r[1].contains("permits         2 available of 3"), r[1]);
            assertTrue(r[1].contains("parties         2, waiting 0"), r[1]);
            assertTrue(r[1].contains("state           set (manual reset)"), r[1]);
            m.unlock();
        }
    }

    @Test
    void statOfTheDefaultFolderSaysWhenThereIsNothing() throws Exception {
        String before = System.getProperty(dev.lockstep.ipc.shm.ShmDirectory.DIR_PROPERTY);
        System.setProperty(dev.lockstep.ipc.shm.ShmDirectory.DIR_PROPERTY, dir.resolve("absent").toString());
        try {
            String[] r = run("stat");
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("no structures (the folder does not exist yet)"), r[1]);
            Files.createDirectory(dir.resolve("absent"));
            r = run("stat");
            assertTrue(r[1].contains("absent: no structures"), r[1]);
        } finally {
            if (before == null) {
                System.clearProperty(dev.lockstep.ipc.shm.ShmDirectory.DIR_PROPERTY);
            } else {
                System.setProperty(dev.lockstep.ipc.shm.ShmDirectory.DIR_PROPERTY, before);
            }
        }
    }

    @Test
    void usageErrors() throws Exception {
        assertEquals("2", run()[0]);
        String[] r = run("frobnicate");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Unmatched argument at index 0: 'frobnicate'"), r[2]);
        assertEquals("0", run("help")[0]);
    }
}
