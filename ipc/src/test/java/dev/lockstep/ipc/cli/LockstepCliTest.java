package dev.lockstep.ipc.cli;

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
        assertTrue(r[1].contains("kind            EVENT (layout version 1)"), r[1]);
        assertTrue(r[1].contains("alive"), r[1]);
        assertTrue(r[1].contains("[3, 0, 0, 0]"), r[1]);
        assertTrue(r[1].contains("not a Lockstep file"), r[1]);
        assertEquals(new String(junk), Files.readString(dir.resolve("junk")));
    }

    @Test
    void usageErrors() throws Exception {
        assertEquals("2", run()[0]);
        String[] r = run("frobnicate");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("unknown command: frobnicate"), r[2]);
        assertEquals("0", run("help")[0]);
    }
}
