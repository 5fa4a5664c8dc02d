package dev.lockstep.ipc.shm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.LinkOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A memory-mapped file with a validated Lockstep header: the one way the ipc module creates and
 * opens shared memory.
 *
 * <pre>{@code
 * Path file = ShmDirectory.openDefault().resolve("orders");
 * try (SharedFile f = SharedFile.openOrCreate(file, StructureKind.MUTEX, 256, ignored -> { }, 1)) {
 *     ByteBuffer shared = f.buffer();            // native order, header included
 *     int base = SharedFile.STRUCTURE_OFFSET;    // the structure area starts here
 * }
 * }</pre>
 *
 * <h2>Creation is all or nothing</h2>
 * A file is built under a hidden temporary name in the same folder: header written, every byte of the
 * structure area written (zeros) with ordinary writes, then the caller's initializer runs on the
 * mapping, and only then is the file linked under its name. Consequences:
 * <ul>
 *   <li>nobody ever opens a half-initialized file;</li>
 *   <li>two processes creating the same name race on the link: one wins, the other gets
 *       {@link FileAlreadyExistsException} ({@link #openOrCreate} then opens the winner's file);</li>
 *   <li>a full {@code /dev/shm} fails the creation with an {@link IOException} ("No space left on
 *       device"): the pages are allocated by {@code write}, not by the first store through the mapping,
 *       which on a full tmpfs would kill the JVM with SIGBUS. Free space is also checked first.</li>
 * </ul>
 *
 * <h2>Opening checks everything and changes nothing</h2>
 * The header is read with an ordinary read (not through a mapping) and validated by
 * {@link FileLayout#validate}: magic, checksum, layout version, structure kind, header and file
 * length. Only a file that passes is mapped. Structures then check their size parameters with
 * {@link #requireParam}. A refused file is left byte for byte as it was. Files are opened without
 * following symbolic links, and a file owned by another user (outside the shared group mode) or
 * writable by others is refused ({@link ShmDirectory}: other local users).
 *
 * <p>Files are limited to {@link Integer#MAX_VALUE} bytes (one {@link MappedByteBuffer}). Closing
 * drops this object's reference; the JDK unmaps the region when the buffer is garbage collected
 * (Java 17 has no explicit unmap without {@code sun.misc.Unsafe}, which this library does not use).
 * So the pages of a removed file stay allocated while an unreachable buffer of this JVM still maps
 * it: a creation that finds too little free space first requests a GC and re-checks (up to ~200 ms)
 * before it throws. Other processes' stale mappings cannot be reclaimed from here; size the folder's
 * filesystem for the peak. (Deterministic unmapping needs the JDK 22+ FFM {@code Arena} API.)
 */
public final class SharedFile implements AutoCloseable {
    /** Where the structure area starts: right after the header, 128-byte aligned. */
    public static final int STRUCTURE_OFFSET = FileLayout.HEADER_LENGTH;
    private static final int ZERO_CHUNK = 64 * 1024;

    private final Path path;
    private final FileLayout.Header header;
    private volatile MappedByteBuffer buffer;

    private SharedFile(Path path, FileLayout.Header header, MappedByteBuffer buffer) {
        this.path = path;
        this.header = header;
        this.buffer = buffer;
    }

    /**
     * Creates {@code file}; fails if it exists.
     *
     * @param file            the path of the new file (in a {@link ShmDirectory} folder)
     * @param kind            the structure the file will hold
     * @param structureLength bytes after the header (the structure area), &gt; 0
     * @param initializer     called with the mapping (native order) before the file becomes visible
     * @param params          the structure's size parameters, recorded in the header
     * @throws FileAlreadyExistsException if the file exists
     * @return the new file, mapped read-write
     * @throws IOException                if the folder lacks space or the file cannot be written
     */
    public static SharedFile create(Path file, StructureKind kind, long structureLength,
                                    Consumer<ByteBuffer> initializer, long... params) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(initializer, "initializer");
        if (ReadOnlyInspection.active()) {
            throw new IllegalStateException("cannot create " + file + " inside a read-only inspection");
        }
        if (structureLength <= 0) {
            throw new IllegalArgumentException("structure length must be > 0: " + structureLength);
        }
        long length = STRUCTURE_OFFSET + MappedAccess.align(structureLength, MappedAccess.LINE);
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("file would be " + length + " bytes; at most " + Integer.MAX_VALUE);
        }
        Path dir = file.toAbsolutePath().getParent();
        long usable = Files.getFileStore(dir).getUsableSpace();
        if (usable < length) {
            usable = usableAfterUnmapping(dir, length);
        }
        if (usable < length) {
            throw new IOException("not enough space in " + dir + " for " + file.getFileName() + ": needs "
                    + length + " bytes, " + usable + " usable");
        }
        Path temp = dir.resolve("." + file.getFileName() + "." + ProcessIdentity.current().pid() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".creating");
        ByteBuffer headerBytes = FileLayout.encode(kind, length, ProcessIdentity.current(),
                System.currentTimeMillis(), params);
        try {
            MappedByteBuffer mapped;
            try (FileChannel ch = FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS), newFileAttributes(dir))) {
                setSharedGroup(temp);
                writeFully(ch, headerBytes.duplicate().clear(), 0);
                ByteBuffer zeros = ByteBuffer.allocate(ZERO_CHUNK);
                for (long pos = STRUCTURE_OFFSET; pos < length; pos += ZERO_CHUNK) {
                    zeros.clear().limit((int) Math.min(ZERO_CHUNK, length - pos));
                    writeFully(ch, zeros, pos); // allocates the pages now: ENOSPC here, never SIGBUS later
                }
                mapped = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
            }
            mapped.order(ByteOrder.nativeOrder());
            initializer.accept(mapped.duplicate().order(ByteOrder.nativeOrder()));
            Files.createLink(file, temp); // atomic publish; FileAlreadyExistsException if another creator won
            FileLayout.Header header = FileLayout.validate(file, headerBytes, length, kind);
            return new SharedFile(file, header, mapped);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Opens an existing {@code file} of {@code kind}, validating its header first.
     * Inside a {@link ReadOnlyInspection} the file is opened for reading and mapped read-only.
     *
     * @param file the file to open
     * @param kind the expected kind, or {@code null} to open any Lockstep file (inspection)
     * @return the file, mapped (read-only inside an inspection)
     * @throws IOException               if it cannot be opened or mapped
     * @throws NoSuchFileException       if it does not exist
     * @throws IncompatibleFileException if it is not a valid file of that kind; it is left untouched
     */
    public static SharedFile open(Path file, StructureKind kind) throws IOException {
        Objects.requireNonNull(file, "file");
        ShmDirectory.checkFile(file);
        boolean readOnly = ReadOnlyInspection.active();
        try (FileChannel ch = readOnly ? FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)
                : FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLayout.Header header = readAndValidate(file, ch, kind);
            MappedByteBuffer mapped = ch.map(readOnly ? FileChannel.MapMode.READ_ONLY : FileChannel.MapMode.READ_WRITE,
                    0, header.fileLength());
            mapped.order(ByteOrder.nativeOrder());
            return new SharedFile(file, header, mapped);
        }
    }

    /**
     * Reads and validates the header of {@code file} without mapping it or opening it for writing.
     *
     * @param file the file to read
     * @param kind the expected kind, or {@code null} for any
     * @return the validated header
     * @throws IncompatibleFileException if it is not a valid file of that kind
     * @throws IOException if it cannot be read
     */
    public static FileLayout.Header readHeader(Path file, StructureKind kind) throws IOException {
        ShmDirectory.checkFile(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return readAndValidate(file, ch, kind);
        }
    }

    /**
     * Opens {@code file} if it exists, else creates it; an existing file must have the same kind and
     * size parameters.
     *
     * @param file            the file to open or create
     * @param kind            the structure the file holds
     * @param structureLength bytes after the header, for a new file
     * @param initializer     called with a new file's mapping before it becomes visible
     * @param params          the size parameters, for a new file and expected of an existing one
     * @return the file, mapped read-write
     * @throws IncompatibleFileException if an existing file is of another kind or has other parameters
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static SharedFile openOrCreate(Path file, StructureKind kind, long structureLength,
                                          Consumer<ByteBuffer> initializer, long... params) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                SharedFile existing = open(file, kind);
                for (int i = 0; i < params.length; i++) {
                    if (existing.header.param(i) != params[i]) {
                        throw new IncompatibleFileException(file, "exists with size parameters "
                                + Arrays.toString(Arrays.copyOf(existing.header.params(), params.length))
                                + ", asked for " + Arrays.toString(params));
                    }
                }
                return existing;
            } catch (NoSuchFileException absent) {
                try {
                    return create(file, kind, structureLength, initializer, params);
                } catch (FileAlreadyExistsException raced) {
                    if (attempt > 100) {
                        throw raced;
                    }
                    // Another process created it between our open and create: open theirs.
                }
            }
        }
    }

    private static FileLayout.Header readAndValidate(Path file, FileChannel ch, StructureKind kind) throws IOException {
        long size = ch.size();
        ByteBuffer headerBytes = ByteBuffer.allocate(FileLayout.HEADER_LENGTH);
        while (headerBytes.hasRemaining() && ch.read(headerBytes, headerBytes.position()) > 0) {
            // read until the header is complete or the file ends
        }
        headerBytes.flip();
        return FileLayout.validate(file, headerBytes, size, kind);
    }

    /**
     * Java 17 cannot unmap explicitly, so the pages of files that were removed but are still mapped by
     * unreachable buffers of this JVM count as used until a GC runs their cleaners. Before refusing a
     * creation for lack of space, give them one chance: request a GC and re-check for up to ~200 ms.
     * Only on the failure path (a creation that would otherwise throw).
     */
    private static long usableAfterUnmapping(Path dir, long needed) throws IOException {
        System.gc();
        long usable = Files.getFileStore(dir).getUsableSpace();
        for (int i = 0; i < 20 && usable < needed; i++) {
            try {
                Thread.sleep(10); // the cleaner thread unmaps after the GC found the buffers unreachable
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            usable = Files.getFileStore(dir).getUsableSpace();
        }
        return usable;
    }

    private static void writeFully(FileChannel ch, ByteBuffer src, long position) throws IOException {
        long pos = position;
        while (src.hasRemaining()) {
            pos += ch.write(src, pos);
        }
    }

    private static FileAttribute<?>[] newFileAttributes(Path dir) throws IOException {
        return ShmDirectory.posix(dir)
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(ShmDirectory.filePermissions())}
                : new FileAttribute<?>[0];
    }

    /** In the shared group mode: the file gets the group, and group read/write despite the umask. */
    private static void setSharedGroup(Path file) throws IOException {
        var group = ShmDirectory.sharedGroup();
        if (group.isPresent()) {
            Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(group.get());
            Files.setPosixFilePermissions(file, ShmDirectory.filePermissions());
        }
    }

    /**
     * Checks size parameter {@code index} of the header.
     *
     * @param index    the parameter index
     * @param name     what the parameter is, for the message
     * @param expected the value the caller needs
     * @throws IncompatibleFileException naming the parameter, its value and the expected one
     */
    public void requireParam(int index, String name, long expected) throws IncompatibleFileException {
        long actual = header.param(index);
        if (actual != expected) {
            throw new IncompatibleFileException(path, name + " is " + actual + ", expected " + expected);
        }
    }

    /**
     * The mapping, whole file (header included), native byte order.
     *
     * @return the mapped buffer
     * @throws IllegalStateException if this file was closed
     */
    public ByteBuffer buffer() {
        MappedByteBuffer b = buffer;
        if (b == null) {
            throw new IllegalStateException(path + " is closed");
        }
        return b;
    }

    /**
     * The file's path.
     *
     * @return the path it was created or opened with
     */
    public Path path() {
        return path;
    }

    /**
     * The validated header.
     *
     * @return the header read (or written) when this file was opened (or created)
     */
    public FileLayout.Header header() {
        return header;
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return {@code true} once closed
     */
    public boolean isClosed() {
        return buffer == null;
    }

    @Override
    public void close() {
        buffer = null;
    }

    @Override
    public String toString() {
        return path + " (" + header.kind() + ")";
    }
}
