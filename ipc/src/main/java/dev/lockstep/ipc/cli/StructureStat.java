package dev.lockstep.ipc.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.queue.SharedPriorityQueue;

import dev.lockstep.ipc.shm.FileLayout;

/**
 * The live state of one structure, as lines for {@code stat}: each kind's own statistics snapshot.
 */
final class StructureStat {
    private StructureStat() {
    }

    /** The lines of a multi-line {@code toString()}, without the first {@code skip} (the title) and trimmed. */
    static List<String> lines(String text, int skip) {
        return Arrays.stream(text.split("\n")).skip(skip).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    static List<String> describe(Path file, FileLayout.Header header) throws IOException {
        switch (header.kind()) {
            case ONE_TO_ONE_CHANNEL:
                try (OneToOneChannel ch = OneToOneChannel.open(file)) {
                    return lines(ch.stats().toString(), 1);
                }
            case MANY_TO_ONE_CHANNEL:
                try (ManyToOneChannel ch = ManyToOneChannel.open(file)) {
                    return lines(ch.stats().toString(), 1);
                }
            case PRIORITY_QUEUE:
                try (SharedPriorityQueue q = SharedPriorityQueue.open(file)) {
                    return List.of("messages        " + q.size() + " of " + q.maxMessages() + ", up to "
                            + q.maxMessageSize() + " B each, priorities 0.." + SharedPriorityQueue.MAX_PRIORITY);
                }
            default:
                return List.of();
        }
    }
}
