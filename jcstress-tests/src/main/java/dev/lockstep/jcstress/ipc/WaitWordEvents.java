package dev.lockstep.jcstress.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.sync.IpcEvent;
import dev.lockstep.ipc.sync.IpcEventDescriptor;

/**
 * A pool of {@link IpcEvent}s for the futex-word tests, each with a second mapping of its file (the
 * view another process would have) through which the tests reach the event's wait word. Sized as
 * {@code IpcEventVisibilityTest}'s pool: more than the states of one jcstress batch.
 */
final class WaitWordEvents {
    static final int POOL = 1 << 14;
    /** The wait word's offset in the mapping. */
    static final int WORD = SharedFile.STRUCTURE_OFFSET + IpcEventDescriptor.WAIT_WORD_OFFSET;
    private static final IpcEvent[] EVENTS = new IpcEvent[POOL];
    private static final ByteBuffer[] VIEWS = new ByteBuffer[POOL];
    private static int next;

    static {
        try {
            Path dir = Files.createTempDirectory(ShmDirectory.openDefault().path(), "jcstress-waitword");
            for (int i = 0; i < POOL; i++) {
                Path file = dir.resolve("e" + i);
                EVENTS[i] = IpcEvent.create(file, false);
                VIEWS[i] = SharedFile.open(file, StructureKind.EVENT).buffer();
                Files.delete(file); // the mappings stay valid; nothing is left behind
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private WaitWordEvents() {
    }

    /** The next pool index (states are built by one thread at a time, but be safe). */
    static synchronized int next() {
        return next++ & (POOL - 1);
    }

    static IpcEvent event(int i) {
        return EVENTS[i];
    }

    static ByteBuffer view(int i) {
        return VIEWS[i];
    }
}
