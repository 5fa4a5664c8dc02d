package dev.lockstep.ipc.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.ProcessIdentity;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

@Timeout(30)
class MailboxesTest {
    @TempDir
    Path dir;

    @Test
    void listsDescribesAndRemovesByName() throws IOException {
        Mailboxes boxes = Mailboxes.open(dir.resolve("ns"));
        assertEquals(List.of(), boxes.list());
        SharedFile.create(boxes.path("b-event"), StructureKind.EVENT, 64, b -> { }).close();
        SharedFile.create(boxes.path("a-mutex"), StructureKind.MUTEX, 64, b -> { }).close();
        Files.writeString(boxes.path("junk"), "not a structure");

        List<MailboxEntry> entries = boxes.list();
        assertEquals(List.of("a-mutex", "b-event", "junk"), entries.stream().map(MailboxEntry::name).toList());
        assertEquals(StructureKind.MUTEX, entries.get(0).kind());
        assertEquals(ProcessIdentity.current(), entries.get(0).creator());
        assertTrue(entries.get(0).isValid());
        assertFalse(entries.get(2).isValid());
        assertTrue(entries.get(2).problem().contains("truncated"), entries.get(2).problem());
        assertTrue(entries.get(2).toString().contains("INVALID"));

        assertTrue(boxes.exists("a-mutex"));
        assertTrue(boxes.remove("a-mutex"));
        assertFalse(boxes.exists("a-mutex"));
        assertFalse(boxes.remove("a-mutex"));
        assertTrue(boxes.describe("a-mutex").isEmpty());
    }

    @Test
    void removedNameCanBeRecreatedWhileTheOldMappingLivesOn() throws IOException {
        Mailboxes boxes = Mailboxes.open(dir);
        SharedFile old = SharedFile.create(boxes.path("x"), StructureKind.EVENT, 64, b -> b.putLong(SharedFile.STRUCTURE_OFFSET, 1));
        boxes.remove("x");
        SharedFile fresh = SharedFile.create(boxes.path("x"), StructureKind.EVENT, 64, b -> b.putLong(SharedFile.STRUCTURE_OFFSET, 2));
        assertEquals(1, old.buffer().getLong(SharedFile.STRUCTURE_OFFSET), "unlinked file still mapped");
        assertEquals(2, fresh.buffer().getLong(SharedFile.STRUCTURE_OFFSET));
    }

    @Test
    void channelShortcutsOpenOrCreateByNameAndCheckTheKind() throws Exception {
        Mailboxes boxes = Mailboxes.open(dir);
        try (var a = boxes.oneToOne("ticks", 4096); var b = boxes.oneToOne("ticks", 4096);
             var out = a.sender(); var in = b.receiver()) {
            assertTrue(out.trySend(7, new byte[] {1, 2}, 0, 2));
            int[] type = {-1};
            assertTrue(in.tryReceive((t, buf, off, len) -> type[0] = t));
            assertEquals(7, type[0], "one channel behind one name");
        }
        assertEquals(StructureKind.ONE_TO_ONE_CHANNEL, boxes.describe("ticks").orElseThrow().kind());
        try (var m = boxes.manyToOne("orders", 4096)) {
            assertEquals(4096, m.capacity());
        }
        assertThrows(dev.lockstep.ipc.shm.IncompatibleFileException.class, () -> boxes.manyToOne("ticks", 4096));
        assertThrows(dev.lockstep.ipc.shm.IncompatibleFileException.class, () -> boxes.oneToOne("ticks", 8192));
    }

    @Test
    void badNamesAreRefused() throws IOException {
        Mailboxes boxes = Mailboxes.open(dir);
        for (String bad : new String[] {"", "..", "a/b", ".x", "y".repeat(65)}) {
            assertThrows(IllegalArgumentException.class, () -> boxes.path(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> boxes.remove(bad), bad);
        }
        assertThrows(NullPointerException.class, () -> boxes.remove(null));
    }
}
