package dev.lockstep.ipc.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.sync.IpcBarrier;
import dev.lockstep.ipc.sync.IpcEvent;
import dev.lockstep.ipc.sync.IpcMutex;
import dev.lockstep.ipc.sync.IpcSemaphore;

import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.ReadOnlyInspection;

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

    /**
     * Describes {@code file} inside a {@link ReadOnlyInspection}: the structure is mapped read-only and
     * this process neither registers in the folder's registry nor creates it, so {@code stat} changes
     * no file.
     */
    static List<String> describe(Path file, FileLayout.Header header) throws IOException {
        return ReadOnlyInspection.run(() -> describeOpened(file, header));
    }

    private static List<String> describeOpened(Path file, FileLayout.Header header) throws IOException {
        switch (header.kind()) {
            case ONE_TO_ONE_CHANNEL:
                try (OneToOneChannel ch = OneToOneChannel.open(file)) {
                    return lines(ch.stats().toString(), 1);
                }
            case MANY_TO_ONE_CHANNEL:
                try (ManyToOneChannel ch = ManyToOneChannel.open(file)) {
                    return lines(ch.stats().toString(), 1);
                }
            case BROADCAST_CHANNEL:
                try (BroadcastChannel ch = BroadcastChannel.open(file)) {
                    return lines(ch.stats().toString(), 1);
                }
            case PRIORITY_QUEUE:
                try (SharedPriorityQueue q = SharedPriorityQueue.open(file)) {
                    return List.of("messages        " + q.size() + " of " + q.maxMessages() + ", up to "
                            + q.maxMessageSize() + " B each, priorities 0.." + SharedPriorityQueue.MAX_PRIORITY);
                }
            case MUTEX:
                try (IpcMutex m = IpcMutex.open(file)) {
                    return List.of("owner           " + (m.isLocked() ? m.ownerDescription() : "none (unlocked)"),
                            "consistent      " + m.isConsistent() + ", dead owners recovered " + m.recoveries());
                }
            case SEMAPHORE:
                try (IpcSemaphore sem = IpcSemaphore.open(file)) {
                    return List.of("permits         " + sem.availablePermits() + " available of " + sem.permits(),
                            "recoveries      " + sem.recoveries());
                }
            case BARRIER:
                try (IpcBarrier b = IpcBarrier.open(file)) {
                    return List.of("parties         " + b.getParties() + ", waiting " + b.getNumberWaiting()
                            + (b.isBroken() ? ", BROKEN" : ""));
                }
            case EVENT:
                try (IpcEvent e = IpcEvent.open(file)) {
                    return List.of("state           " + (e.isSet() ? "set" : "reset")
                            + (e.isAutoReset() ? " (auto-reset)" : " (manual reset)"));
                }
            default:
                return List.of();
        }
    }
}
