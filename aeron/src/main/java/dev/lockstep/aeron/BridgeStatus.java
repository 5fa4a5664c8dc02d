package dev.lockstep.aeron;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.ProcessIdentity;

/**
 * A bridge's status file: a 1 KiB memory-mapped file next to the mailbox
 * ({@code <folder>/.bridge-out-<name>}, {@code <folder>/.bridge-in-<name>-<stream>}; hidden, so
 * {@code Mailboxes.list()} and {@code stat} do not take it for a structure) holding the bridge's
 * counters, its state and the little it must remember across a restart (the next sequence number and
 * the last message it took from the ring; inbound, the epoch and sequence it expects). Written by
 * the one bridge that holds the file's lock; read by anyone ({@link #read}, {@link #list}).
 *
 * <p>Implementation notes. Every field is a {@code long} at a fixed offset, native order, written by
 * one thread (the bridge's) with opaque stores and read with opaque loads (VarHandle spec: opaque
 * accesses to one variable are coherent and never torn for 64-bit values, which is all a monitor needs).
 * The restart state is a pair of 3-long slots and a counter: the writer fills the slot the counter does
 * not point at with plain stores, then publishes it with a release store of counter + 1; a reader
 * (the restarted bridge, after the writer died) loads the counter with acquire and then the slot,
 * so it sees a whole slot whatever instruction the writer was killed at.
 */
public final class BridgeStatus implements AutoCloseable {
    static final long MAGIC = 0x3147_4452_424b_534cL; // "LSKBRDG1" little-endian
    static final int VERSION = 1;
    static final int LENGTH = 1024;

    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 8;
    static final int DIRECTION_OFFSET = 16;      // 0 out, 1 in
    static final int PID_OFFSET = 24;
    static final int START_TIME_OFFSET = 32;
    static final int STREAM_OFFSET = 40;
    static final int STATE_OFFSET = 48;
    static final int CONNECTED_OFFSET = 56;
    static final int MESSAGES_OFFSET = 64;
    static final int BYTES_OFFSET = 72;
    static final int BACK_PRESSURE_OFFSET = 80;
    static final int NOT_CONNECTED_OFFSET = 88;
    static final int GAPS_OFFSET = 96;
    static final int MISSING_OFFSET = 104;
    static final int DUPLICATES_OFFSET = 112;
    static final int RESETS_OFFSET = 120;
    static final int REJECTED_OFFSET = 128;
    static final int HEARTBEAT_OFFSET = 136;
    static final int EPOCH_OFFSET = 144;          // out: own epoch (made once, kept)
    static final int MAILBOX_ID_OFFSET = 152;     // out: creation time of the mailbox file the ring state refers to
    static final int SLOT_COUNTER_OFFSET = 160;
    static final int SLOTS_OFFSET = 168;          // 2 x 3 longs
    static final int SLOT_LONGS = 3;
    static final int TEXT_OFFSET = 256;           // mailbox, channel, last error: int length + UTF-8 each
    static final int TEXT_FIELD = 256;

    /** Bridge states. */
    static final long STARTING = 0;
    static final long RUNNING = 1;
    static final long CLOSED = 2;
    static final long FAILED = 3;
    private static final String[] STATE_NAMES = {"STARTING", "RUNNING", "CLOSED", "FAILED"};

    private final Path path;
    private final FileChannel file;
    private final FileLock lock;
    final ByteBuffer buffer;
    private final boolean created;

    private BridgeStatus(Path path, FileChannel file, FileLock lock, ByteBuffer buffer, boolean created) {
        this.path = path;
        this.file = file;
        this.lock = lock;
        this.buffer = buffer;
        this.created = created;
    }

    /**
     * The path of the status file of an outbound bridge.
     *
     * @param folder  the {@code Mailboxes} folder
     * @param mailbox the mailbox the bridge forwards
     * @return {@code <folder>/.bridge-out-<mailbox>}
     */
    public static Path outPath(Path folder, String mailbox) {
        return folder.resolve(".bridge-out-" + mailbox);
    }

    /**
     * The path of the status file of an inbound bridge.
     *
     * @param folder   the {@code Mailboxes} folder
     * @param mailbox  the mailbox the bridge delivers into
     * @param streamId the Aeron stream the bridge subscribes to
     * @return {@code <folder>/.bridge-in-<mailbox>-<streamId>}
     */
    public static Path inPath(Path folder, String mailbox, int streamId) {
        return folder.resolve(".bridge-in-" + mailbox + "-" + streamId);
    }

    /**
     * Opens (or creates) the status file for the bridge about to run, and locks it for this process's
     * life.
     *
     * @throws IllegalStateException if another live bridge holds it
     * @throws IOException           if it is not a bridge status file of this direction
     */
    static BridgeStatus openForBridge(Path path, boolean out, String mailbox, String channel, int streamId)
            throws IOException {
        if (Files.isSymbolicLink(path)) {
            throw new IOException(path + ": is a symbolic link, not a bridge status file");
        }
        boolean exists = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
        FileChannel ch = exists
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)
                : FileChannel.open(path, java.util.Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                        StandardOpenOption.CREATE, LinkOption.NOFOLLOW_LINKS),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException sameProcess) {
                lock = null; // held by another bridge of this JVM
            }
            if (lock == null) {
                BridgeStats other = exists ? read(path) : null;
                throw new IllegalStateException(path + ": another bridge runs for this mailbox"
                        + (other == null ? "" : " (pid " + other.pid() + ")"));
            }
            boolean fresh = ch.size() == 0;
            if (!fresh && ch.size() != LENGTH) {
                throw new IOException(path + ": not a bridge status file (length " + ch.size() + ")");
            }
            if (fresh) {
                ch.write(ByteBuffer.allocate(LENGTH), 0);
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, 0, LENGTH);
            map.order(ByteOrder.nativeOrder());
            BridgeStatus s = new BridgeStatus(path, ch, lock, map, fresh);
            if (fresh) {
                s.initialize(out);
            } else {
                s.validate(out);
            }
            ProcessIdentity me = ProcessIdentity.current();
            s.put(PID_OFFSET, me.pid());
            s.put(START_TIME_OFFSET, me.startTime());
            s.put(STREAM_OFFSET, streamId);
            s.put(STATE_OFFSET, STARTING);
            s.put(CONNECTED_OFFSET, 0);
            s.putText(0, mailbox);
            s.putText(1, channel);
            s.putText(2, "");
            s.heartbeat(System.currentTimeMillis());
            return s;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private void initialize(boolean out) {
        put(VERSION_OFFSET, VERSION);
        put(DIRECTION_OFFSET, out ? 0 : 1);
        int epoch;
        do {
            epoch = new SecureRandom().nextInt();
        } while (epoch == 0);
        put(EPOCH_OFFSET, epoch);
        // Release: the fields above are complete before a reader that checks the magic (acquire) uses them.
        MappedAccess.LONG.setRelease(buffer, MAGIC_OFFSET, MAGIC);
    }

    private void validate(boolean out) throws IOException {
        long magic = get(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new IOException(path + ": not a bridge status file (bad magic " + Long.toHexString(magic) + ")");
        }
        if (get(VERSION_OFFSET) != VERSION) {
            throw new IOException(path + ": bridge status file version " + get(VERSION_OFFSET) + ", expected " + VERSION);
        }
        if (get(DIRECTION_OFFSET) != (out ? 0 : 1)) {
            throw new IOException(path + ": status file of an " + (out ? "inbound" : "outbound") + " bridge");
        }
    }

    /** Whether the file was made now (no state from an earlier run). */
    boolean created() {
        return created;
    }

    long get(int offset) {
        // Opaque: a coherent, untorn 64-bit read of a value one other thread writes (see the notes).
        return (long) MappedAccess.LONG.getOpaque(buffer, offset);
    }

    void put(int offset, long value) {
        // Opaque: single writer; readers need only an untorn recent value (see the notes).
        MappedAccess.LONG.setOpaque(buffer, offset, value);
    }

    void heartbeat(long nowMillis) {
        put(HEARTBEAT_OFFSET, nowMillis);
    }

    /** Saves the restart state {@code (a, b, c)} so that a reader after a crash sees all of it or the previous one. */
    void saveSlot(long a, long b, long c) {
        // Plain read: only this thread writes the counter.
        long counter = buffer.getLong(SLOT_COUNTER_OFFSET);
        int at = SLOTS_OFFSET + (int) ((counter + 1) & 1) * SLOT_LONGS * 8;
        buffer.putLong(at, a); // plain: published by the release store below
        buffer.putLong(at + 8, b);
        buffer.putLong(at + 16, c);
        // Release: the slot's three stores happen-before a reader that acquires this counter value.
        MappedAccess.LONG.setRelease(buffer, SLOT_COUNTER_OFFSET, counter + 1);
    }

    /** Whether a slot was ever saved. */
    boolean hasSlot() {
        // Acquire: pairs with saveSlot's release.
        return (long) MappedAccess.LONG.getAcquire(buffer, SLOT_COUNTER_OFFSET) != 0;
    }

    /** Field {@code i} (0..2) of the last saved slot. */
    long slot(int i) {
        // Acquire: pairs with saveSlot's release, so the slot read below is the whole published one.
        long counter = (long) MappedAccess.LONG.getAcquire(buffer, SLOT_COUNTER_OFFSET);
        return buffer.getLong(SLOTS_OFFSET + (int) (counter & 1) * SLOT_LONGS * 8 + i * 8);
    }

    void putText(int field, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(b.length, TEXT_FIELD - 4);
        int at = TEXT_OFFSET + field * TEXT_FIELD;
        for (int i = 0; i < n; i++) {
            buffer.put(at + 4 + i, b[i]); // plain: monitoring text, read best effort
        }
        MappedAccess.INT.setRelease(buffer, at, n); // release: the bytes before the length
    }

    static String text(ByteBuffer buffer, int field) {
        int at = TEXT_OFFSET + field * TEXT_FIELD;
        // Acquire: pairs with putText's release (best effort: a concurrent rewrite may mix two texts).
        int n = (int) MappedAccess.INT.getAcquire(buffer, at);
        n = Math.max(0, Math.min(n, TEXT_FIELD - 4));
        byte[] b = new byte[n];
        buffer.get(at + 4, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Reads this file's counters and state.
     *
     * @return a snapshot (each field read on its own: not a consistent cut)
     */
    public BridgeStats stats() {
        return snapshot(buffer);
    }

    /**
     * The file's path.
     *
     * @return the path this status file was opened at
     */
    public Path path() {
        return path;
    }

    /**
     * Reads a status file without locking or changing it.
     *
     * @param path the status file
     * @return the snapshot, or null if the file is not (yet) a valid status file
     * @throws IOException if the file cannot be opened or mapped (e.g. it does not exist)
     */
    public static BridgeStats read(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (ch.size() != LENGTH) {
                return null;
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, LENGTH);
            map.order(ByteOrder.nativeOrder());
            // Acquire: pairs with initialize's release of the magic.
            if ((long) MappedAccess.LONG.getAcquire(map, MAGIC_OFFSET) != MAGIC
                    || map.getLong(VERSION_OFFSET) != VERSION) {
                return null;
            }
            return snapshot(map);
        }
    }

    /**
     * Reads every bridge status file in a folder, skipping files that are not (yet) valid.
     *
     * @param folder a {@code Mailboxes} folder
     * @return the snapshots, sorted by file name
     * @throws IOException if the folder cannot be listed or a status file cannot be read
     */
    public static List<BridgeStats> list(Path folder) throws IOException {
        List<BridgeStats> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                String n = p.getFileName().toString();
                if ((n.startsWith(".bridge-out-") || n.startsWith(".bridge-in-"))
                        && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    BridgeStats s = read(p);
                    if (s != null) {
                        all.add(s);
                    }
                }
            }
        }
        return all;
    }

    private static BridgeStats snapshot(ByteBuffer b) {
        // Opaque loads throughout: see the class notes.
        long pid = g(b, PID_OFFSET);
        long start = g(b, START_TIME_OFFSET);
        int state = (int) g(b, STATE_OFFSET);
        return new BridgeStats(g(b, DIRECTION_OFFSET) == 0 ? "out" : "in", text(b, 0), text(b, 1),
                (int) g(b, STREAM_OFFSET), pid, ProcessIdentity.isAlive(pid, start),
                state >= 0 && state < STATE_NAMES.length ? STATE_NAMES[state] : "UNKNOWN(" + state + ")",
                g(b, CONNECTED_OFFSET) != 0, g(b, MESSAGES_OFFSET), g(b, BYTES_OFFSET), g(b, BACK_PRESSURE_OFFSET),
                g(b, NOT_CONNECTED_OFFSET), g(b, GAPS_OFFSET), g(b, MISSING_OFFSET), g(b, DUPLICATES_OFFSET),
                g(b, RESETS_OFFSET), g(b, REJECTED_OFFSET), sequenceOf(b), (int) g(b, g(b, DIRECTION_OFFSET) == 0
                        ? EPOCH_OFFSET : SLOTS_OFFSET + (int) (g(b, SLOT_COUNTER_OFFSET) & 1) * SLOT_LONGS * 8),
                Math.max(0, System.currentTimeMillis() - g(b, HEARTBEAT_OFFSET)), text(b, 2));
    }

    /** out: slot field 0 is the next sequence; in: slot field 1 is the next expected. */
    private static long sequenceOf(ByteBuffer b) {
        long counter = g(b, SLOT_COUNTER_OFFSET);
        if (counter == 0) {
            return 0;
        }
        int at = SLOTS_OFFSET + (int) (counter & 1) * SLOT_LONGS * 8;
        return g(b, at + (g(b, DIRECTION_OFFSET) == 0 ? 0 : 8));
    }

    private static long g(ByteBuffer b, int offset) {
        return (long) MappedAccess.LONG.getOpaque(b, offset);
    }

    /**
     * Releases the lock and the file (the mapping goes with the buffer).
     *
     * @throws IOException if releasing the lock or closing the file fails
     */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            file.close();
        }
    }
}
