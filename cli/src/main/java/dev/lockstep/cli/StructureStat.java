package dev.lockstep.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
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
                // As many-to-one, and the receiver's sleep request (it sleeps only once acknowledged).
                return s.withWaiting(futexWord(file, ChannelDescriptor.CONSUMER_WAIT_OFFSET)
                        + " (receiver); full ring: " + wordState(file, ChannelDescriptor.PRODUCER_WAIT_OFFSET)
                        + " (senders); " + sleepRequest(file));
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
     * Which processes sleep in the kernel: every JVM 22+ on Linux unless it was started with
     * {@code -Dlockstep.ipc.wait=poll} or refused native access; the others poll. Said without asking
     * this process's mode: that would link the futex downcall here, in a process that waits for nothing
     * (on JDK 24+ a restricted-method warning), and it says nothing of the processes that use the file.
     * Whether one of them sleeps now is the word's sleepers bit.
     */
    static final String MODES = "futex on JDK 22+ Linux unless -D" + WaitMode.PROPERTY + "=poll, else poll";

    /**
     * The waiting line of a structure with a futex word (issue 13): {@link #MODES}, then the word's state:
     * its bit 0 says a sleeper announced itself, the rest counts wake-ups (see ipc's WaitWord). Read with an
     * ordinary file read: stat maps nothing for this.
     */
    static String futexWord(Path file, int waitWordOffset) throws IOException {
        return MODES + "; " + wordState(file, waitWordOffset);
    }

    /** "sleepers yes|no, wake-ups N" of the futex word at {@code waitWordOffset} (an ordinary file read). */
    static String wordState(Path file, int waitWordOffset) throws IOException {
        int word = readInt(file, waitWordOffset);
        return "sleepers " + ((word & 1) != 0 ? "yes" : "no") + ", wake-ups " + (word >>> 1);
    }

    /**
     * The one-to-one receiver's sleep request (issue 13): it sleeps in the kernel only once its sender has
     * acknowledged the request's epoch (before that it polls), so stat says which state the pair is in.
     */
    static String sleepRequest(Path file) throws IOException {
        long request = readLong(file, ChannelDescriptor.SLEEP_REQUEST_OFFSET);
        long ack = readLong(file, ChannelDescriptor.SLEEP_ACK_OFFSET);
        if (request == 0) {
            return "sleep request: none (the receiver has not asked to sleep)";
        }
        long epoch = request >>> 1;
        if ((request & 1) == 0) {
            return "sleep request: withdrawn (epoch " + epoch + "; sender publishes with release stores)";
        }
        return "sleep request: epoch " + epoch + ", " + (ack == epoch
                ? "acknowledged (the receiver may sleep; the sender checks the word after each message)"
                : "not yet acknowledged (the receiver polls until its sender's next message)");
    }

    /**
     * The waiting line of a {@link SharedPriorityQueue}: receivers sleep on its not-empty word, senders on its
     * not-full word (issue 13), each shown as {@link #futexWord} shows one; then the receivers' sleep request
     * (its epoch and how many receivers joined it: senders fence and signal only while one has).
     */
    static String priorityQueueWaiting(Path file) throws IOException {
        long request = readLong(file, PriorityQueueDescriptor.SLEEP_REQUEST_OFFSET);
        long joined = Long.bitCount(request & PriorityQueueDescriptor.SLEEPERS_MASK);
        return MODES + "; receivers (not empty): "
                + wordState(file, PriorityQueueDescriptor.NOT_EMPTY_WAIT_WORD_OFFSET) + "; senders (not full): "
                + wordState(file, PriorityQueueDescriptor.NOT_FULL_WAIT_WORD_OFFSET) + "; sleep request: epoch "
                + (request >>> PriorityQueueDescriptor.EPOCH_SHIFT) + ", " + joined + " receivers joined"
                + (joined == 0 ? " (senders publish with release stores only)" : " (senders fence and signal)");
    }

    /** The native-order int at {@code offset} of the structure area, by an ordinary file read. */
    private static int readInt(Path file, int offset) throws IOException {
        return read(file, offset, Integer.BYTES).getInt(0);
    }

    /** The native-order long at {@code offset} of the structure area, by an ordinary file read. */
    private static long readLong(Path file, int offset) throws IOException {
        return read(file, offset, Long.BYTES).getLong(0);
    }

    private static ByteBuffer read(Path file, int offset, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.nativeOrder());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(b, SharedFile.STRUCTURE_OFFSET + offset);
        }
        return b;
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
                    int inUse = q.lanesInUse();
                    int sleepers = q.sleepersJoined();
                    return Snapshot.of(List.of("messages        " + size + ", priorities 0.." + SharedPriorityQueue.MAX_PRIORITY,
                                    "lanes           " + inUse + " in use of " + q.lanes() + ", each holding "
                                            + q.maxMessages() + " messages of up to " + q.maxMessageSize() + " B",
                                    "sleepers        " + sleepers + " receivers joined to the sleep request"),
                            List.of(), "messages", size, "maxMessages", q.maxMessages(), "maxMessageSize", q.maxMessageSize(),
                            "maxPriority", SharedPriorityQueue.MAX_PRIORITY, "lanes", q.lanes(), "lanesInUse", inUse,
                            "sleepersJoined", sleepers);
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
