package dev.lockstep.ipc.shm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The processes that use the shared-memory files of one folder, and the one way the ipc module
 * decides whether a process recorded in shared memory is still alive, whatever PID namespace it runs
 * in.
 *
 * <pre>{@code
 * Participants who = Participants.of(file.path());     // this process is registered in the folder
 * long me = who.token();                                 // what a structure stores as "owner"
 * ...
 * if (word != 0 && who.isDead(word)) {                   // certainly dead: recover its state
 *     MappedAccess.LONG.compareAndSet(buffer, at, word, me);
 * }
 * }</pre>
 *
 * <h2>Why a registry</h2>
 * A pid names a process only inside its PID namespace: two JVMs in two containers that share a
 * memory volume can both be pid 1, and a pid recorded by one means nothing (or another process) in
 * the other's {@code /proc}. So a structure does not record pids. Every process that opens a file in
 * a folder first takes an <em>entry</em> in the folder's registry file {@value #FILE_NAME} (hidden: not
 * a structure, not listed, not removable by name) holding
 * {@code {generation, pid, start time, PID-namespace inode, heartbeat}}, and records its
 * <em>token</em> in structures: {@code (entry index + 1) << 32 | generation}. A token is non-zero,
 * fits in {@value #TOKEN_BITS} bits (structures that pack a state next to it may rely on that), is
 * unique among the live processes of the folder in every namespace, and never names another process
 * later (an entry is reused with the next generation, and only after its holder died), so a
 * compare-and-set from a dead token has no ABA problem.
 *
 * <h2>The verdict ({@link #isDead(long)})</h2>
 * A token is dead when:
 * <ul>
 *   <li>its entry now holds another generation (the entry was reused, which requires its holder to be
 *       dead), or</li>
 *   <li>its process is in <b>our PID namespace</b> (same {@code /proc/self/ns/pid} inode) and no
 *       process with its pid and start time exists ({@link ProcessIdentity}: exact, reacts within
 *       one check; the {@code /proc} read is made only when the process's registry lock, see below,
 *       is free, so judging a live process costs one {@code fcntl} call), or</li>
 *   <li>its process is in <b>another PID namespace</b> and <em>both</em> its heartbeat is older than
 *       {@link #SUSPECT_AFTER_MILLIS} <em>and</em> the kernel says it is gone: every process holds a
 *       POSIX record lock ({@code fcntl(F_SETLK)}) on one byte of its entry for its whole life, the
 *       kernel drops it when the process exits however it dies, and a probe
 *       ({@link FileChannel#tryLock(long, long, boolean)}) that obtains the lock proves the holder
 *       gone. A process stopped with SIGSTOP, throttled, or paused by a debugger stops beating but
 *       keeps its lock: it is <em>never</em> judged dead, it only makes the others wait (as a live
 *       owner that never unlocks does).</li>
 * </ul>
 * Whenever the verdict cannot be formed (an unreadable {@code /proc}, a filesystem without POSIX
 * locks, a probe that races another prober) the answer is "may be alive": a live owner is never
 * robbed, in any namespace; the price of doubt is a later recovery, never a wrong one.
 *
 * <h2>Cost</h2>
 * {@link #isDead(long)} on a live same-namespace token makes one {@code fcntl} probe (about a
 * microsecond); a {@code /proc/<pid>/stat} read (~10 µs, a few KB of garbage) follows only when the
 * probe finds the lock free. On another-namespace token it reads the heartbeat (a load) and only when
 * that is stale makes the probe. Callers judge one token per liveness interval, not all of them.
 * {@link #token()} is a field read.
 *
 * <h2>Limits</h2>
 * The registry must live on a filesystem with POSIX record locks shared by all participants (tmpfs
 * {@code /dev/shm}, a shared memory volume of a pod: yes; NFS without lockd: no, then processes of
 * other namespaces are never judged dead). Processes must not open the registry file themselves:
 * POSIX drops <em>all</em> of a process's locks on a file when <em>any</em> descriptor of it is closed,
 * so this class is the only code that opens it, once per JVM (keyed by the file's identity). Deleting
 * the registry while processes run makes their tokens meaningless: don't ({@link ShmDirectory#remove}
 * cannot name it).
 *
 * <p>Implementation notes. Entry {@code i} occupies {@link #ENTRY_LENGTH} bytes at
 * {@code STRUCTURE_OFFSET + i * ENTRY_LENGTH}; its lock byte is the entry's first byte. The generation
 * word is a sequence lock written only by the lock holder: odd while the entry is being rewritten,
 * even when published; the token carries bits 32..1 of the published value. Invariant: an entry whose
 * published generation matches a live token is never rewritten (rewriting needs the lock, which the
 * token's live process holds).
 */
public final class Participants {
    /**
     * Name of the registry file in a folder: one per {@link FileLayout#LAYOUT_VERSION layout version}, so a
     * folder still holding the registry of an earlier Lockstep version (left in {@code /dev/shm} by its
     * processes, or in use by them) is left alone instead of refusing every structure of the new one. The
     * two versions cannot share structures anyway: every structure file carries its layout version.
     */
    public static final String FILE_NAME = ".lockstep-participants-v" + FileLayout.LAYOUT_VERSION;
    /** Tokens are below {@code 2^TOKEN_BITS}. */
    public static final int TOKEN_BITS = 56;
    /** Bytes per entry. */
    public static final int ENTRY_LENGTH = 64;
    /** In an entry: generation (sequence lock, see the implementation notes). */
    public static final int GENERATION_OFFSET = 0;
    /** In an entry: pid, as seen in the process's own PID namespace. */
    public static final int PID_OFFSET = 8;
    /** In an entry: process start time ({@link ProcessIdentity}). */
    public static final int START_TIME_OFFSET = 16;
    /** In an entry: inode of the process's {@code /proc/self/ns/pid} (0 if unknown). */
    public static final int PID_NAMESPACE_OFFSET = 24;
    /** In an entry: heartbeat, epoch ms ({@link Heartbeats}). */
    public static final int HEARTBEAT_OFFSET = 32;
    /** Header size parameter: number of entries. */
    public static final int PARAM_ENTRIES = 0;
    /** Entries of a new registry: property {@code lockstep.ipc.participants}, default 1024 (64 KiB). */
    public static final int DEFAULT_ENTRIES = Integer.getInteger("lockstep.ipc.participants", 1024);
    /**
     * A heartbeat older than this (ms) makes a process of another PID namespace a suspect, whose death
     * the lock probe then confirms or refutes: property {@code lockstep.ipc.suspectMillis}, default
     * {@code max(500, 5 * heartbeat period)}.
     */
    public static final long SUSPECT_AFTER_MILLIS =
            Long.getLong("lockstep.ipc.suspectMillis", Math.max(500L, 5 * Heartbeats.PERIOD_MILLIS));

    private static final int MAX_ENTRIES = 1 << 20;
    private static final Object REGISTRY_LOCK = new Object();
    /** Open registries of this JVM by file key (dev + inode): the lock-holding channels live here. */
    private static final Map<Object, Participants> BY_FILE = new HashMap<>();
    /**
     * Read-only views of registries this JVM is not registered in ({@link ReadOnlyInspection}), by file
     * key. Their channels stay open for the life of the JVM: closing a descriptor of the registry would
     * drop this process's lock on it if it registers later (see the class comment's limits).
     */
    private static final Map<Object, Participants> INSPECTORS = new HashMap<>();

    private final Path file;
    private final SharedFile shared;
    private final ByteBuffer buffer;
    /** Kept open for the life of the JVM: closing it would drop this process's lock. */
    private final FileChannel locks;
    private final FileLock ownLock;
    private final int entries;
    private final int ownIndex;
    private final long token;
    private final long ownNamespace;
    @SuppressWarnings({"unused", "FieldCanBeLocal"}) // keeps the heartbeat registered
    private final Heartbeats.Registration heartbeat;

    /**
     * What the registry says about a token's process (for messages and monitoring).
     *
     * @param token              the token
     * @param pid                the process id, in the process's own PID namespace
     * @param startTime          the process's start time (see {@link ProcessIdentity})
     * @param pidNamespace       the inode of the process's PID namespace (0 if unknown)
     * @param heartbeatAgeMillis milliseconds since the entry's last heartbeat
     * @param sameNamespace      whether the process runs in this process's PID namespace
     */
    public record Participant(long token, long pid, long startTime, long pidNamespace, long heartbeatAgeMillis,
                              boolean sameNamespace) {
        @Override
        public String toString() {
            return "pid " + pid + (sameNamespace ? "" : " (pid namespace " + pidNamespace + ")")
                    + ", heartbeat " + (heartbeatAgeMillis == Long.MAX_VALUE ? "never" : heartbeatAgeMillis + " ms ago");
        }
    }

    private Participants(Path file, SharedFile shared, FileChannel locks, FileLock ownLock, int ownIndex, long token) {
        this.file = file;
        this.shared = shared;
        this.buffer = shared.buffer();
        this.locks = locks;
        this.ownLock = ownLock;
        this.entries = (int) shared.header().param(PARAM_ENTRIES);
        this.ownIndex = ownIndex;
        this.token = token;
        this.ownNamespace = ProcessIdentity.currentPidNamespace();
        this.heartbeat = Heartbeats.register(buffer, entryOffset(ownIndex) + HEARTBEAT_OFFSET);
    }

    /**
     * A read-only view ({@link ReadOnlyInspection}): token 0, no entry, no heartbeat; {@code shared}
     * null when the folder has no registry (then no token is one of its own: all are "not issued").
     */
    private Participants(Path file, SharedFile shared, FileChannel locks) throws IOException {
        this.file = file;
        this.shared = shared;
        this.buffer = shared == null ? null : shared.buffer();
        this.locks = locks;
        this.ownLock = null;
        this.entries = shared == null ? 0 : checkedEntries(file, shared);
        this.ownIndex = -1;
        this.token = 0L;
        this.ownNamespace = ProcessIdentity.currentPidNamespace();
        this.heartbeat = null;
    }

    /**
     * The registry of the folder holding {@code structureFile}, with this process registered in it
     * (created if absent; the same instance for every file of the folder, for the life of the JVM).
     * Inside a {@link ReadOnlyInspection}: nothing is created or registered; the result is this JVM's
     * registration if it has one, else a read-only view with {@link #token()} 0 (see there).
     *
     * @param structureFile a structure file; its folder's registry is used
     * @return the folder's registry
     * @throws IOException if the registry cannot be created or opened, or all its entries are held
     *                     by live processes
     */
    public static Participants of(Path structureFile) throws IOException {
        Objects.requireNonNull(structureFile, "structureFile");
        return ofFolder(structureFile.toAbsolutePath().getParent());
    }

    /**
     * The registry of {@code folder}, with this process registered in it (see {@link #of}).
     *
     * @param folder the folder whose registry file is used
     * @return the folder's registry
     * @throws IOException if the registry cannot be created or opened, or all its entries are held
     *                     by live processes
     */
    public static Participants ofFolder(Path folder) throws IOException {
        Objects.requireNonNull(folder, "folder");
        Path file = folder.resolve(FILE_NAME);
        synchronized (REGISTRY_LOCK) {
            Object key = fileKey(file);
            Participants known = key == null ? null : BY_FILE.get(key);
            if (known != null) {
                return known;
            }
            if (ReadOnlyInspection.active()) {
                return inspector(file, key);
            }
            SharedFile shared = openOrCreate(file);
            Object realKey = fileKey(file);
            known = BY_FILE.get(realKey);
            if (known != null) { // replaced meanwhile by another process? then ours is the cached one
                shared.close();
                return known;
            }
            Participants p = register(file, shared);
            BY_FILE.put(realKey, p);
            return p;
        }
    }

    /**
     * This process's token in this registry: non-zero, below {@code 2^}{@value #TOKEN_BITS}; 0 for a
     * read-only view ({@link ReadOnlyInspection}), which owns nothing.
     *
     * @return the token structures record as this process's owner word
     */
    public long token() {
        return token;
    }

    /**
     * The registry file.
     *
     * @return its path
     */
    public Path path() {
        return file;
    }

    /**
     * Number of entries (the most processes that can use the folder at once).
     *
     * @return the entry count fixed at creation
     */
    public int capacity() {
        return entries;
    }

    /**
     * Whether the process that {@code token} names is certainly dead (see the class comment for the
     * verdict). {@code 0} is nobody and is never dead; this process's own token is never dead. A token
     * this registry cannot have issued (an index out of range) is dead: no live process holds it.
     *
     * @param token a token read from a structure's owner field
     * @return {@code true} only if that process is certainly dead
     * @throws UncheckedIOException never for an unreadable {@code /proc} (that is "may be alive")
     */
    public boolean isDead(long token) {
        return !mayBeAlive(token);
    }

    /**
     * The negation of {@link #isDead(long)}: {@code false} only when certainly dead.
     *
     * @param token a token read from a structure's owner field
     * @return {@code true} if that process may be alive
     */
    public boolean mayBeAlive(long token) {
        if (token == 0L || token == this.token) {
            return true;
        }
        int index = indexOf(token);
        if (index < 0) {
            return false;
        }
        int at = entryOffset(index);
        // Acquire: pairs with the publishing release store of register(): the fields read next are the
        // ones written for this generation.
        long generation = (long) MappedAccess.LONG.getAcquire(buffer, at + GENERATION_OFFSET);
        if (!published(generation, token)) {
            return false; // reused (or being reused): its holder died, see the class comment
        }
        // Opaque: ordered after the acquire above; never rewritten while the token's process lives.
        long pid = (long) MappedAccess.LONG.getOpaque(buffer, at + PID_OFFSET);
        long start = (long) MappedAccess.LONG.getOpaque(buffer, at + START_TIME_OFFSET);
        long ns = (long) MappedAccess.LONG.getOpaque(buffer, at + PID_NAMESPACE_OFFSET);
        // Acquire fence: the field reads above are ordered before the re-read (sequence-lock reader).
        VarHandle.acquireFence();
        if ((long) MappedAccess.LONG.getOpaque(buffer, at + GENERATION_OFFSET) != generation) {
            return false; // rewritten meanwhile: reuse needs the holder dead
        }
        if (ns == ownNamespace) {
            // The kernel lock first: one fcntl call, no garbage; a held lock means alive. Only a free
            // lock (or a filesystem without locks) costs the /proc read (~10 µs, a few KB), whose
            // pid + start time decide: a process that lost its lock otherwise is still alive.
            if (lockHeld(index)) {
                return true;
            }
            return ProcessIdentity.mayBeAlive(pid, start, -1L);
        }
        if (Heartbeats.age(buffer, at + HEARTBEAT_OFFSET) <= SUSPECT_AFTER_MILLIS) {
            return true;
        }
        return lockHeld(index);
    }

    /**
     * The pid {@code token} names, as seen in its own PID namespace, or 0 if its entry was reused (the
     * process is gone) or the token is not one of this registry's. For messages and monitoring.
     *
     * @param token a token read from a structure's owner field
     * @return the pid, or 0
     */
    public long pidOf(long token) {
        return describe(token).map(Participant::pid).orElse(0L);
    }

    /**
     * What the registry records about {@code token}'s process, empty if its entry was reused.
     *
     * @param token a token read from a structure's owner field
     * @return the entry's pid, start time, namespace and heartbeat age, or empty
     */
    public Optional<Participant> describe(long token) {
        int index = indexOf(token);
        if (index < 0) {
            return Optional.empty();
        }
        int at = entryOffset(index);
        long generation = (long) MappedAccess.LONG.getAcquire(buffer, at + GENERATION_OFFSET); // see mayBeAlive
        if (!published(generation, token)) {
            return Optional.empty();
        }
        long pid = (long) MappedAccess.LONG.getOpaque(buffer, at + PID_OFFSET);
        long start = (long) MappedAccess.LONG.getOpaque(buffer, at + START_TIME_OFFSET);
        long ns = (long) MappedAccess.LONG.getOpaque(buffer, at + PID_NAMESPACE_OFFSET);
        VarHandle.acquireFence(); // sequence-lock reader, see mayBeAlive
        if ((long) MappedAccess.LONG.getOpaque(buffer, at + GENERATION_OFFSET) != generation) {
            return Optional.empty();
        }
        return Optional.of(new Participant(token, pid, start, ns, Heartbeats.age(buffer, at + HEARTBEAT_OFFSET),
                ns == ownNamespace));
    }

    /**
     * Human-readable description of {@code token} for exception messages ("pid 1 (pid namespace ...)").
     *
     * @param token a token read from a structure's owner field
     * @return the description, or "a process that has exited"
     */
    public String describeForMessage(long token) {
        return describe(token).map(Participant::toString).orElse("a process that has exited");
    }

    /** The mapping (tests forge entries through it). */
    ByteBuffer buffer() {
        return buffer;
    }

    @Override
    public String toString() {
        return "Participants[" + file + ", entry " + ownIndex + " of " + entries + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private static int entryOffset(int index) {
        return SharedFile.STRUCTURE_OFFSET + index * ENTRY_LENGTH;
    }

    private int indexOf(long token) {
        long index = (token >>> 32) - 1;
        return token >>> TOKEN_BITS != 0 || index < 0 || index >= entries ? -1 : (int) index;
    }

    private static boolean published(long generation, long token) {
        return (generation & 1L) == 0L && generation != 0L && ((generation >>> 1) & 0xFFFF_FFFFL) == (token & 0xFFFF_FFFFL);
    }

    /**
     * Whether some process holds the lock of entry {@code index}, by a probe that takes and releases
     * a shared lock on it: {@code true} if the probe is refused (a live holder, perhaps stopped, or
     * another prober at this instant) or cannot be made (an I/O error: no verdict); {@code false} only
     * when the kernel granted the probe, i.e. the holder has exited.
     */
    private boolean lockHeld(int index) {
        // One probe at a time in this JVM: two overlapping FileLocks of one JVM would throw.
        synchronized (this) {
            FileLock probe;
            try {
                probe = locks.tryLock(entryOffset(index), 1, true);
            } catch (IOException | OverlappingFileLockException e) {
                return true; // cannot tell: may be alive
            }
            if (probe == null) {
                return true;
            }
            try {
                probe.release();
            } catch (IOException ignored) {
                // the channel stays open; the probe lock goes with the next release or at exit
            }
            return false;
        }
    }

    private static Object fileKey(Path file) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw new IOException(file + " is not a regular file (a symlink or folder planted in its place?)");
            }
            return a.fileKey() != null ? a.fileKey() : file.toRealPath();
        } catch (NoSuchFileException absent) {
            return null;
        }
    }

    /** A read-only view of the registry {@code file} (key {@code key}, null if absent); holds REGISTRY_LOCK. */
    private static Participants inspector(Path file, Object key) throws IOException {
        if (key == null) {
            return new Participants(file, null, null); // absent: described, never created
        }
        Participants known = INSPECTORS.get(key);
        if (known != null) {
            return known;
        }
        SharedFile shared = SharedFile.open(file, StructureKind.PARTICIPANTS); // read-only in the scope
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        Participants p;
        try {
            p = new Participants(file, shared, ch);
        } catch (IOException | RuntimeException e) {
            ch.close(); // no lock of ours on it yet: closing drops nothing
            throw e;
        }
        INSPECTORS.put(key, p);
        return p;
    }

    private static int checkedEntries(Path file, SharedFile shared) throws IncompatibleFileException {
        long n = shared.header().param(PARAM_ENTRIES);
        if (n < 1 || n > MAX_ENTRIES || SharedFile.STRUCTURE_OFFSET + n * ENTRY_LENGTH > shared.header().fileLength()) {
            throw new IncompatibleFileException(file, "entries is " + n + ", not in [1, " + MAX_ENTRIES
                    + "] or more than the file holds");
        }
        return (int) n;
    }

    private static SharedFile openOrCreate(Path file) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                return SharedFile.open(file, StructureKind.PARTICIPANTS);
            } catch (NoSuchFileException absent) {
                int n = Math.max(1, Math.min(MAX_ENTRIES, DEFAULT_ENTRIES));
                try {
                    return SharedFile.create(file, StructureKind.PARTICIPANTS, (long) n * ENTRY_LENGTH, b -> { }, n);
                } catch (FileAlreadyExistsException raced) {
                    if (attempt > 100) {
                        throw raced;
                    }
                }
            }
        }
    }

    private static Participants register(Path file, SharedFile shared) throws IOException {
        long n = shared.header().param(PARAM_ENTRIES);
        if (n < 1 || n > MAX_ENTRIES || SharedFile.STRUCTURE_OFFSET + n * ENTRY_LENGTH > shared.header().fileLength()) {
            throw new IncompatibleFileException(file, "entries is " + n + ", not in [1, " + MAX_ENTRIES
                    + "] or more than the file holds");
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        boolean done = false;
        try {
            ByteBuffer b = shared.buffer();
            ProcessIdentity me = ProcessIdentity.current();
            long ns = ProcessIdentity.currentPidNamespace();
            for (int i = 0; i < n; i++) {
                int at = entryOffset(i);
                // Opaque pre-check: skip entries that beat recently (their holder is very likely alive).
                if (Heartbeats.age(b, at + HEARTBEAT_OFFSET) <= SUSPECT_AFTER_MILLIS) {
                    continue;
                }
                FileLock lock;
                try {
                    lock = ch.tryLock(at, 1, false);
                } catch (OverlappingFileLockException ours) {
                    continue;
                }
                if (lock == null) {
                    continue; // a live (perhaps stopped) holder
                }
                // We hold the entry's lock for life: its previous holder (if any) is gone.
                long g = (long) MappedAccess.LONG.getOpaque(b, at + GENERATION_OFFSET); // only lock holders write it
                long writing = (g | 1L) + ((g & 1L) == 0L ? 0L : 2L); // odd, above any value published before
                // Volatile: readers that see the odd value treat the old token as dead before any field changes.
                MappedAccess.LONG.setVolatile(b, at + GENERATION_OFFSET, writing);
                MappedAccess.LONG.setOpaque(b, at + PID_OFFSET, me.pid());
                MappedAccess.LONG.setOpaque(b, at + START_TIME_OFFSET, me.startTime());
                MappedAccess.LONG.setOpaque(b, at + PID_NAMESPACE_OFFSET, ns);
                MappedAccess.LONG.setOpaque(b, at + HEARTBEAT_OFFSET, System.currentTimeMillis());
                long published = writing + 1;
                if (((published >>> 1) & 0xFFFF_FFFFL) == 0L) {
                    published += 2; // the token's generation bits are never 0
                }
                // Release: a reader that acquires this generation sees the fields above.
                MappedAccess.LONG.setRelease(b, at + GENERATION_OFFSET, published);
                long token = ((long) i + 1) << 32 | ((published >>> 1) & 0xFFFF_FFFFL);
                done = true;
                return new Participants(file, shared, ch, lock, i, token);
            }
            throw new IOException(file + ": all " + n + " participant entries are held by live processes"
                    + " (raise -Dlockstep.ipc.participants for a new folder)");
        } finally {
            if (!done) {
                ch.close();
            }
        }
    }
}
