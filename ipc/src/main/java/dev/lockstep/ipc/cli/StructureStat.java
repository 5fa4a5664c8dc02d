package dev.lockstep.ipc.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import dev.lockstep.ipc.shm.FileLayout;

/**
 * The live state of one structure, as lines for {@code stat}: each kind's own statistics snapshot.
 */
final class StructureStat {
    private StructureStat() {
    }

    static List<String> describe(Path file, FileLayout.Header header) throws IOException {
        switch (header.kind()) {
            default:
                return List.of();
        }
    }
}
