package dev.lockstep.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.channel.ChannelDescriptor;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.queue.PriorityQueueDescriptor;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.sync.IpcBarrier;
import dev.lockstep.ipc.sync.IpcEvent;
import dev.lockstep.ipc.sync.IpcMutex;
import dev.lockstep.ipc.sync.IpcSemaphore;

import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.sync.IpcBarrierDescriptor;
import dev.lockstep.ipc.sync.IpcEventDescriptor;
import dev.lockstep.ipc.sync.IpcMutexDescriptor;
import dev.lockstep.ipc.sync.IpcSemaphoreDescriptor;
import dev.lockstep.ipc.shm.ReadOnlyInspection;

/**
 * The live state of one structure for {@code stat}: each kind's own statistics snapshot, as a {@link Snapshot}
 * (lines, values by name, counters).
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
    static Snapshot describe(Path file, FileLayout.Header header) throws IOException {
        return ReadOnlyInspection.run(() -> describeOpened(file, header));
    }

    // One case per kind. A kind with text only returns Snapshot.ofLines(lines) (--json then has an empty
    // "state"); Snapshot.of(lines, counters, name, value, ...) adds its values and its counters (rates).
    // A kind that reports how its blocking operations wait adds .withWaiting(...) to its snapshot: stat prints
    // it as a "wait" line and --json as the "wait" field (null until then).
    private static Snapshot describeOpened(Path file, FileLayout.Header header) throws IOException {
        Snapshot s = describeState(file, header);
        switch (header.kind()) {
            case MUTEX:
                return s.withWaiting(futexWord(file, IpcMutexDescriptor.WAIT_WORD_OFFSET));
            case SEMAPHORE:
                return s.withWaiting(futexWord(file, IpcSemaphoreDescriptor.WAIT_WORD_OFFSET));
            case BARRIER:
                return s.withWaiting(futexWord(file, IpcBarrierDescriptor.WAIT_WORD_OFFSET));
            case EVENT:
                return s.withWaiting(futexWord(file, IpcEventDescriptor.WAIT_WORD_OFFSET));
            case ONE_TO_ONE_CHANNEL:
            case MANY_TO_ONE_CHANNEL:
                // The receiver sleeps on the consumer's word (empty ring), senders on the producers' (full ring).
                return s.withWaiting(futexWord(file, ChannelDescriptor.CONSUMER_WAIT_OFFSET)
                        + " (receiver); full ring: " + wordState(file, ChannelDescriptor.PRODUCER_WAIT_OFFSET) + " (senders)");
            case BROADCAST_CHANNEL:
                return s.withWaiting("poll (idle strategy; no futex word in this kind)");
            case PRIORITY_QUEUE:
                return s.withWaiting(priorityQueueWaiting(file));
            default:
                return s;
        }
    }

    /**
     * The waiting line of a structure with a futex word (issue 13): each process sleeps in the kernel on it
     * on Linux with JDK 22+ (else it polls); the word's bit 0 says a sleeper announced itself, the rest
     * counts wake-ups (see ipc's WaitWord). Read with an ordinary file read: stat maps nothing for this.
     */
    static String futexWord(Path file, int waitWordOffset) throws IOException {
        return "futex on JDK 22+ Linux, else poll (this process: " + WaitMode.current().name().toLowerCase(Locale.ROOT)
                + "); " + wordState(file, waitWordOffset);
    }

    /** "sleepers yes|no, wake-ups N" of the futex word at {@code waitWordOffset} (an ordinary file read). */
    static String wordState(Path file, int waitWordOffset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(b, SharedFile.STRUCTURE_OFFSET + waitWordOffset);
        }
        int word = b.getInt(0);
        return "sleepers " + ((word & 1) != 0 ? "yes" : "no") + ", wake-ups " + (word >>> 1);
    }

    /**
     * The waiting line of a {@link SharedPriorityQueue}: receivers sleep on its not-empty word, senders on its
     * not-full word (issue 13); each shown as {@link #futexWord} shows one.
     */
    static String priorityQueueWaiting(Path file) throws IOException {
        int notEmpty = readInt(file, PriorityQueueDescriptor.NOT_EMPTY_WAIT_WORD_OFFSET);
        int notFull = readInt(file, PriorityQueueDescriptor.NOT_FULL_WAIT_WORD_OFFSET);
        return "futex on JDK 22+ Linux, else poll (this process: " + WaitMode.current().name().toLowerCase(Locale.ROOT)
                + "); receivers (not empty): sleepers " + ((notEmpty & 1) != 0 ? "yes" : "no") + ", wake-ups "
                + (notEmpty >>> 1) + "; senders (not full): sleepers " + ((notFull & 1) != 0 ? "yes" : "no")
                + ", wake-ups " + (notFull >>> 1);
    }

    /** The native-order int at {@code offset} of the structure area, by an ordinary file read. */
    private static int readInt(Path file, int offset) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(b, SharedFile.STRUCTURE_OFFSET + offset);
        }
        return b.getInt(0);
    }

    private static Snapshot describeState(Path file, FileLayout.Header header) throws IOException {
        switch (header.kind()) {
            case ONE_TO_ONE_CHANNEL:
                try (OneToOneChannel ch = OneToOneChannel.open(file)) {
                    return ChannelSnapshot.of(ch.stats());
                }
            case MANY_TO_ONE_CHANNEL:
                try (ManyToOneChannel ch = ManyToOneChannel.open(file)) {
                    return ChannelSnapshot.of(ch.stats());
                }
            case BROADCAST_CHANNEL:
                try (BroadcastChannel ch = BroadcastChannel.open(file)) {
                    return BroadcastSnapshot.of(ch.stats());
                }
            case PRIORITY_QUEUE:
                try (SharedPriorityQueue q = SharedPriorityQueue.open(file)) {
                    int size = q.size();
                    return Snapshot.of(List.of("messages        " + size + " of " + q.maxMessages() + ", up to "
                                    + q.maxMessageSize() + " B each, priorities 0.." + SharedPriorityQueue.MAX_PRIORITY),
                            List.of(), "messages", size, "maxMessages", q.maxMessages(), "maxMessageSize", q.maxMessageSize(),
                            "maxPriority", SharedPriorityQueue.MAX_PRIORITY);
                }
            case MUTEX:
                try (IpcMutex m = IpcMutex.open(file)) {
                    boolean locked = m.isLocked();
                    String owner = locked ? m.ownerDescription() : null;
                    boolean consistent = m.isConsistent();
                    long recoveries = m.recoveries();
                    return Snapshot.of(List.of("owner           " + (locked ? owner : "none (unlocked)"),
                                    "consistent      " + consistent + ", dead owners recovered " + recoveries),
                            List.of(new Snapshot.Counter("recoveries", "dead owners recovered", "", recoveries)),
                            "locked", locked, "owner", owner, "ownerPid", locked ? m.ownerPid() : null,
                            "consistent", consistent, "recoveries", recoveries);
                }
            case SEMAPHORE:
                try (IpcSemaphore sem = IpcSemaphore.open(file)) {
                    long available = sem.availablePermits();
                    long recoveries = sem.recoveries();
                    return Snapshot.of(List.of("permits         " + available + " available of " + sem.permits(),
                                    "recoveries      " + recoveries),
                            List.of(new Snapshot.Counter("recoveries", "recoveries", "", recoveries)),
                            "permits", sem.permits(), "available", available, "recoveries", recoveries);
                }
            case BARRIER:
                try (IpcBarrier b = IpcBarrier.open(file)) {
                    int waiting = b.getNumberWaiting();
                    boolean broken = b.isBroken();
                    return Snapshot.of(List.of("parties         " + b.getParties() + ", waiting " + waiting
                                    + (broken ? ", BROKEN" : "")),
                            List.of(), "parties", b.getParties(), "waiting", waiting, "broken", broken);
                }
            case EVENT:
                try (IpcEvent e = IpcEvent.open(file)) {
                    boolean set = e.isSet();
                    return Snapshot.of(List.of("state           " + (set ? "set" : "reset")
                                    + (e.isAutoReset() ? " (auto-reset)" : " (manual reset)")),
                            List.of(), "set", set, "autoReset", e.isAutoReset());
                }
            default:
                return Snapshot.ofLines(List.of());
        }
    }
}
