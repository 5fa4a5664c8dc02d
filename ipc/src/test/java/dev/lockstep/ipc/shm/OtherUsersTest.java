package dev.lockstep.ipc.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.lockstep.ipc.mailbox.Mailboxes;
import dev.lockstep.ipc.sync.IpcMutex;
import dev.lockstep.ipc.test.OtherUser;

/**
 * What another local user can plant in or around our shared-memory folder, with a real second user
 * ({@link OtherUser}: created with useradd when running as root, skipped with the reason otherwise).
 * The base folder stands for {@code /dev/shm}: world-writable with the sticky bit.
 */
@Timeout(60)
class OtherUsersTest {
    private Path base;
    private OtherUser other;

    @BeforeEach
    void setUp() throws Exception {
        other = OtherUser.get();
        base = Files.createTempDirectory("lockstep-users");
        sh("chmod", "1777", base.toString());
    }

    @AfterEach
    void tearDown() throws IOException {
        System.clearProperty(ShmDirectory.GROUP_PROPERTY);
        if (base != null) {
            try (Stream<Path> all = Files.walk(base)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void sh(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }

    private static String message(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable e) {
        return assertThrows(type, e).getMessage();
    }

    @Test
    void folderPreCreatedByAnotherUserIsRefused() throws Exception {
        Path folder = base.resolve("lockstep-root");
        other.run("mkdir", "-m", "0777", folder.toString());
        String m = message(IOException.class, () -> ShmDirectory.open(folder));
        assertTrue(m.contains("is owned by " + OtherUser.NAME), m);
        m = message(IOException.class, () -> Mailboxes.open(folder));
        assertTrue(m.contains("is owned by " + OtherUser.NAME), m);
        // Not even when it is not writable by others: it is theirs.
        sh("chmod", "0755", folder.toString());
        m = message(IOException.class, () -> ShmDirectory.open(folder));
        assertTrue(m.contains("is owned by " + OtherUser.NAME), m);
    }

    @Test
    void ourFolderWritableByOthersIsRefused() throws Exception {
        Path folder = base.resolve("mine");
        ShmDirectory.open(folder);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder)));
        sh("chmod", "0777", folder.toString());
        String m = message(IOException.class, () -> ShmDirectory.open(folder));
        assertTrue(m.contains("writable by others"), m);
    }

    @Test
    void plantedSymlinkFolderIsRefused() throws Exception {
        Path theirs = base.resolve("theirs");
        other.run("mkdir", "-m", "0777", theirs.toString());
        Path folder = base.resolve("lockstep-root");
        other.run("ln", "-s", theirs.toString(), folder.toString());
        String m = message(IOException.class, () -> ShmDirectory.open(folder));
        assertTrue(m.contains("symbolic link"), m);
    }

    @Test
    void plantedSymlinkInsideTheFolderIsNotFollowed() throws Exception {
        ShmDirectory dir = ShmDirectory.open(base.resolve("mine"));
        // The other user's structure file, reachable through a link planted under a structure's name
        // (only possible once the folder was compromised; the link is refused anyway).
        Path theirs = base.resolve("theirs");
        other.run("mkdir", "-m", "0755", theirs.toString());
        Path target = theirs.resolve("m");
        IpcMutex.create(base.resolve("template"), 64).close();
        sh("cp", base.resolve("template").toString(), target.toString());
        sh("chown", OtherUser.NAME, target.toString());
        Files.createSymbolicLink(dir.resolve("orders"), target);
        String m = message(IOException.class, () -> IpcMutex.open(dir.resolve("orders")));
        assertTrue(m.contains("symbolic link"), m);
        // Even a link to our own valid file is not followed.
        Files.delete(dir.resolve("orders"));
        Files.createSymbolicLink(dir.resolve("orders"), base.resolve("template"));
        m = message(IOException.class, () -> IpcMutex.open(dir.resolve("orders")));
        assertTrue(m.contains("symbolic link"), m);
    }

    @Test
    void plantedFileOfAnotherUserIsRefused() throws Exception {
        ShmDirectory dir = ShmDirectory.open(base.resolve("mine"));
        Path planted = dir.resolve("orders");
        IpcMutex.create(planted, 64).close(); // a valid structure file, then handed to the other user
        sh("chown", OtherUser.NAME, planted.toString());
        sh("chmod", "0666", planted.toString());
        String m = message(IOException.class, () -> IpcMutex.open(planted));
        assertTrue(m.contains("writable by others"), m);
        sh("chmod", "0600", planted.toString());
        m = message(IOException.class, () -> IpcMutex.open(planted));
        assertTrue(m.contains("is owned by " + OtherUser.NAME), m);
        m = message(IOException.class, () -> SharedFile.readHeader(planted, null));
        assertTrue(m.contains("is owned by " + OtherUser.NAME), m);
    }

    @Test
    void privateFilesCannotBeReadByTheOtherUser() throws Exception {
        ShmDirectory dir = ShmDirectory.open(base.resolve("mine"));
        IpcMutex.create(dir.resolve("m"), 64).close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("m"))));
        assertNotEquals(0, other.status("cat", dir.resolve("m").toString()), "the other user read our file");
    }

    @Test
    void sharedGroupFolderModeSharesWithTheGroupOnly() throws Exception {
        System.setProperty(ShmDirectory.GROUP_PROPERTY, OtherUser.GROUP);
        ShmDirectory dir = ShmDirectory.open(base.resolve("shared"));
        PosixFileAttributes a = Files.readAttributes(dir.path(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals("rwxrwx---", PosixFilePermissions.toString(a.permissions()));
        assertEquals(OtherUser.GROUP, a.group().getName());
        Path m = dir.resolve("m");
        IpcMutex.create(m, 64).close();
        PosixFileAttributes f = Files.readAttributes(m, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertEquals("rw-rw----", PosixFilePermissions.toString(f.permissions()));
        assertEquals(OtherUser.GROUP, f.group().getName());
        assertEquals(0, other.status("sh", "-c", "test -r " + m + " && test -w " + m), "the group member cannot use it");

        // A structure another member created is opened in the group mode ...
        sh("chown", OtherUser.NAME + ":" + OtherUser.GROUP, m.toString());
        try (IpcMutex opened = IpcMutex.open(m)) {
            assertTrue(opened.tryLock());
            opened.unlock();
        }
        // ... and a folder another member created in the group too.
        Path theirs = base.resolve("shared2");
        other.run("mkdir", "-m", "0770", theirs.toString());
        sh("chgrp", OtherUser.GROUP, theirs.toString());
        ShmDirectory.open(theirs);
        // Not in the private mode.
        System.clearProperty(ShmDirectory.GROUP_PROPERTY);
        String msg = message(IOException.class, () -> IpcMutex.open(m));
        assertTrue(msg.contains("is owned by " + OtherUser.NAME), msg);
        msg = message(IOException.class, () -> ShmDirectory.open(theirs));
        assertTrue(msg.contains("is owned by " + OtherUser.NAME), msg);
    }
}
