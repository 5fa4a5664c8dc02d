package dev.lockstep.ipc.shm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * The header every Lockstep shared-memory file starts with, described once (the binary layout lives
 * here and nowhere else).
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  Magic "LOCKSTEP" (8 bytes)                   |  0
 *  +---------------------------------------------------------------+
 *  |                 Layout version (int)                          |  8
 *  +---------------------------------------------------------------+
 *  |                 Structure kind (int)                          | 12
 *  +---------------------------------------------------------------+
 *  |                 Header length (int) = 128                     | 16
 *  +---------------------------------------------------------------+
 *  |                 Reserved (int) = 0                            | 20
 *  +---------------------------------------------------------------+
 *  |                 File length (long)                            | 24
 *  |                 Creator pid (long)                            | 32
 *  |                 Creator process start time (long)             | 40
 *  |                 Creation time, epoch ms (long)                | 48
 *  |                 Size parameter 0 (long)                       | 56
 *  |                 Size parameter 1 (long)                       | 64
 *  |                 Size parameter 2 (long)                       | 72
 *  |                 Size parameter 3 (long)                       | 80
 *  +---------------------------------------------------------------+
 *  |     CRC-32C of bytes 0..87 and 92..127 (int)                  | 88
 *  +---------------------------------------------------------------+
 *  |                 Reserved, zero (int)                          | 92
 *  |                 Creator's PID namespace inode (long)          | 96
 *  |                 Reserved, zero (24 bytes)                     | 104
 *  +---------------------------------------------------------------+
 *  |                 Structure area (128-byte aligned) ...         | 128
 * </pre>
 *
 * <p>The header is written once, before the file becomes visible under its name, and never changes;
 * the checksum covers every byte of the header but its own four (reserved bytes included, and those
 * must also be zero), so any later change (a stray write, a fuzzed byte) is detected at open. The size
 * parameters are the structure's own (capacity, maximum message length, parties ...): each structure's
 * descriptor says which is which. The creator's pid and process start time identify the creating
 * process even after its pid is reused ({@link ProcessIdentity}), within the creator's PID namespace,
 * which is recorded too ({@link Header#creatorMayBeAlive()}).
 *
 * <p>All values use the platform byte order: a file written on a machine of the other order shows a
 * byte-reversed magic, which {@link #validate} reports as such.
 */
public final class FileLayout {
    /** "LOCKSTEP" in ASCII, read as a little-endian long. */
    public static final long MAGIC = 0x5045_5453_4B43_4F4CL;
    /**
     * Version of this header and of every structure layout behind it; bump on any layout change.
     * Version 2: the checksum covers the reserved bytes; owners are {@link Participants} tokens, not pids.
     * Version 3: futex words ({@code dev.lockstep.ipc.wait.WaitWord}) in the structures' layouts.
     * Version 4: a many-to-one channel producer writes its claimed header with a release store, not a
     * CAS from 0 (issue 12); a version-3 consumer would fence a live producer's claim before its
     * header (a CAS from 0 the version-4 producer never makes, so it would store over the fence), so
     * the two must not share a file.
     * Also version 4 (the same bump, both in issue 12): the one-to-one channel's space handshake
     * ({@code ChannelDescriptor.SPACE_REQUEST_OFFSET}): the bytes were zero in version 3, but a version-3 producer sleeps on a full ring without asking,
     * and a version-4 consumer would release head without waking it, so the two must not share a file.
     * Version 5: the many-to-one channel's space handshake (the same words, {@code
     * ChannelDescriptor.SPACE_REQUEST_OFFSET}, shared by its producers; issue 12, eleventh round): a
     * version-4 many-to-one producer sleeps on a full ring without raising the request, and a version-5
     * consumer would release head without waking it, so the two must not share a file.
     * Version 6: the many-to-one consumer's delivery cursor ({@code
     * ChannelDescriptor.CONSUMER_CURSOR_OFFSET}; issue 12): a receive call zeroes its records at its end,
     * and a successor of a consumer that died inside the call skips (zeroes) what the cursor says was
     * delivered; a version-5 successor would deliver the whole call again.
     * Version 7: the shared priority queue's layout revision 2 (lanes, {@code
     * dev.lockstep.ipc.queue.PriorityQueueDescriptor}; issue 12): slots and state words gave way to one
     * byte ring per (sending thread, priority), a fourth size parameter (lanes); the two layouts share
     * nothing.
     * Version 8: the shared priority queue's zeroed word ({@code PriorityQueueDescriptor.LANE_ZEROED_OFFSET};
     * issue 12, thirty-third round): a hold zeroes the records it delivered and its sender then skips
     * zeroing the next header there, and while a hold is up the sender's space ends at that word, not at
     * the hold's from word; a version-7 receiver never zeroes and a version-7 sender would write into
     * records a version-8 hold is still zeroing, so the two must not share a file.
     */
    public static final int LAYOUT_VERSION = 8;

    /** Magic number (long): {@link #MAGIC}. */
    public static final int MAGIC_OFFSET = 0;
    /** Layout version (int): {@link #LAYOUT_VERSION}. */
    public static final int VERSION_OFFSET = 8;
    /** Structure kind (int): a {@link StructureKind#code()}. */
    public static final int KIND_OFFSET = 12;
    /** Header length (int): {@link #HEADER_LENGTH}. */
    public static final int HEADER_LENGTH_OFFSET = 16;
    /** Reserved int, zero. */
    public static final int RESERVED_INT_OFFSET = 20;
    /** File length in bytes (long), checked against the actual length at open. */
    public static final int FILE_LENGTH_OFFSET = 24;
    /** Creator's pid (long), in the creator's PID namespace. */
    public static final int CREATOR_PID_OFFSET = 32;
    /** Creator's process start time (long; see {@link ProcessIdentity}). */
    public static final int CREATOR_START_TIME_OFFSET = 40;
    /** Creation time (long, milliseconds since the epoch). */
    public static final int CREATION_TIME_OFFSET = 48;
    /** First of the {@link #PARAM_COUNT} size parameters (longs). */
    public static final int PARAMS_OFFSET = 56;
    /** Number of size parameters a structure may record. */
    public static final int PARAM_COUNT = 4;
    /** CRC-32C (int) of every other header byte: see {@link #checksum}. */
    public static final int CHECKSUM_OFFSET = 88;
    /** Bytes before the checksum, all covered by it. */
    public static final int CHECKSUMMED_LENGTH = CHECKSUM_OFFSET;
    /** Start of the reserved bytes after the checksum (zero except the creator's namespace). */
    public static final int RESERVED_TAIL_OFFSET = CHECKSUM_OFFSET + 4;
    /** The creator's PID namespace inode ({@link ProcessIdentity#currentPidNamespace()}; 0 unknown). */
    public static final int CREATOR_PID_NAMESPACE_OFFSET = 96;
    /** Length of the header; the structure area starts here, on a 128-byte boundary. */
    public static final int HEADER_LENGTH = 128;

    private FileLayout() {
    }

    /**
     * The fields of a header, decoded.
     *
     * @param layoutVersion       the file's layout version
     * @param kind                the structure the file holds
     * @param fileLength          the file length in bytes
     * @param creator             the process that created the file
     * @param creationTimeMillis  when it was created, in milliseconds since the epoch
     * @param params              the {@link #PARAM_COUNT} size parameters (see the structure's descriptor)
     * @param creatorPidNamespace the creator's PID namespace inode (0 if unknown)
     */
    public record Header(int layoutVersion, StructureKind kind, long fileLength, ProcessIdentity creator,
                         long creationTimeMillis, long[] params, long creatorPidNamespace) {
        /**
         * Whether the creating process may still run: judged by pid and start time when it was created
         * in our PID namespace; {@code true} (cannot tell) when it was created in another one.
         *
         * @return {@code false} only if the creator is known to have exited
         */
        public boolean creatorMayBeAlive() {
            return creatorPidNamespace != ProcessIdentity.currentPidNamespace() || creator.isAlive();
        }

        /**
         * Whether the creator ran in another PID namespace than this process.
         *
         * @return {@code true} if the recorded namespace differs from ours
         */
        public boolean createdInAnotherPidNamespace() {
            return creatorPidNamespace != ProcessIdentity.currentPidNamespace();
        }

        /**
         * Size parameter {@code i} (see the structure's descriptor).
         *
         * @param i the parameter index, in [0, {@link #PARAM_COUNT})
         * @return its value
         */
        public long param(int i) {
            return params[i];
        }
    }

    /**
     * Encodes a header into a new {@link #HEADER_LENGTH}-byte buffer, checksum included.
     *
     * @param kind               the structure the file holds
     * @param fileLength         the file length in bytes
     * @param creator            the creating process (normally {@link ProcessIdentity#current()})
     * @param creationTimeMillis the creation time, in milliseconds since the epoch
     * @param params             up to {@link #PARAM_COUNT} size parameters (missing ones are 0)
     * @return a heap buffer in native byte order holding the header
     * @throws IllegalArgumentException if there are more than {@link #PARAM_COUNT} parameters
     */
    public static ByteBuffer encode(StructureKind kind, long fileLength, ProcessIdentity creator,
                                    long creationTimeMillis, long... params) {
        if (params.length > PARAM_COUNT) {
            throw new IllegalArgumentException("at most " + PARAM_COUNT + " size parameters: " + params.length);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.nativeOrder());
        b.putLong(MAGIC_OFFSET, MAGIC);
        b.putInt(VERSION_OFFSET, LAYOUT_VERSION);
        b.putInt(KIND_OFFSET, kind.code());
        b.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        b.putLong(FILE_LENGTH_OFFSET, fileLength);
        b.putLong(CREATOR_PID_OFFSET, creator.pid());
        b.putLong(CREATOR_START_TIME_OFFSET, creator.startTime());
        b.putLong(CREATION_TIME_OFFSET, creationTimeMillis);
        b.putLong(CREATOR_PID_NAMESPACE_OFFSET, ProcessIdentity.currentPidNamespace());
        for (int i = 0; i < params.length; i++) {
            b.putLong(PARAMS_OFFSET + 8 * i, params[i]);
        }
        b.putInt(CHECKSUM_OFFSET, checksum(b));
        return b;
    }

    /**
     * Decodes and checks a header read from {@code file}, whose actual length is {@code actualLength}.
     *
     * @param file         the file, for messages
     * @param header       at least the bytes read from the start of the file (fewer than
     *                     {@link #HEADER_LENGTH} means the file is truncated)
     * @param actualLength the file's length on disk
     * @param expectedKind the kind the caller wants, or {@code null} for any (inspection tools)
     * @return the decoded header
     * @throws IncompatibleFileException naming the file and the first mismatch found
     */
    public static Header validate(Path file, ByteBuffer header, long actualLength, StructureKind expectedKind)
            throws IncompatibleFileException {
        ByteBuffer b = header.duplicate().order(ByteOrder.nativeOrder());
        if (actualLength < HEADER_LENGTH || b.limit() < HEADER_LENGTH) {
            throw new IncompatibleFileException(file, "truncated: " + actualLength
                    + " bytes, shorter than the " + HEADER_LENGTH + "-byte Lockstep header");
        }
        long magic = b.getLong(MAGIC_OFFSET);
        if (magic != MAGIC) {
            if (magic == Long.reverseBytes(MAGIC)) {
                throw new IncompatibleFileException(file, "written with the other byte order");
            }
            throw new IncompatibleFileException(file, String.format(
                    "not a Lockstep file (magic 0x%016x, expected 0x%016x)", magic, MAGIC));
        }
        int storedChecksum = b.getInt(CHECKSUM_OFFSET);
        int computed = checksum(b);
        if (storedChecksum != computed && b.getInt(VERSION_OFFSET) == 1 && storedChecksum == checksumV1(b)) {
            // A version-1 file (its checksum covered bytes 0..87 only): say so, not "corrupt".
            throw new IncompatibleFileException(file, "layout version 1, this library reads version " + LAYOUT_VERSION);
        }
        if (storedChecksum != computed) {
            throw new IncompatibleFileException(file, String.format(
                    "corrupt header (checksum 0x%08x, computed 0x%08x)", storedChecksum, computed));
        }
        int version = b.getInt(VERSION_OFFSET);
        if (version != LAYOUT_VERSION) {
            throw new IncompatibleFileException(file, "layout version " + version
                    + ", this library reads version " + LAYOUT_VERSION);
        }
        for (int i = RESERVED_TAIL_OFFSET; i < HEADER_LENGTH; i++) {
            if (i >= CREATOR_PID_NAMESPACE_OFFSET && i < CREATOR_PID_NAMESPACE_OFFSET + 8) {
                continue;
            }
            if (b.get(i) != 0) {
                throw new IncompatibleFileException(file, "reserved header byte " + i + " is not zero");
            }
        }
        if (b.getInt(RESERVED_INT_OFFSET) != 0) {
            throw new IncompatibleFileException(file, "reserved header bytes 20..23 are not zero");
        }
        int headerLength = b.getInt(HEADER_LENGTH_OFFSET);
        if (headerLength != HEADER_LENGTH) {
            throw new IncompatibleFileException(file, "header length " + headerLength + ", expected " + HEADER_LENGTH);
        }
        int kindCode = b.getInt(KIND_OFFSET);
        StructureKind kind = StructureKind.ofCode(kindCode);
        if (kind == null) {
            throw new IncompatibleFileException(file, "unknown structure kind " + kindCode);
        }
        if (expectedKind != null && kind != expectedKind) {
            throw new IncompatibleFileException(file, "holds a " + kind + ", not a " + expectedKind);
        }
        long fileLength = b.getLong(FILE_LENGTH_OFFSET);
        if (fileLength != actualLength) {
            throw new IncompatibleFileException(file, "file is " + actualLength + " bytes, header says "
                    + fileLength + (actualLength < fileLength ? " (truncated)" : ""));
        }
        long[] params = new long[PARAM_COUNT];
        for (int i = 0; i < PARAM_COUNT; i++) {
            params[i] = b.getLong(PARAMS_OFFSET + 8 * i);
        }
        return new Header(version, kind, fileLength,
                new ProcessIdentity(b.getLong(CREATOR_PID_OFFSET), b.getLong(CREATOR_START_TIME_OFFSET)),
                b.getLong(CREATION_TIME_OFFSET), params, b.getLong(CREATOR_PID_NAMESPACE_OFFSET));
    }

    private static int checksumV1(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(0).limit(CHECKSUMMED_LENGTH));
        return (int) crc.getValue();
    }

    /**
     * CRC-32C of the header without its checksum field: bytes 0..87 and 92..127.
     *
     * @param header the {@link #HEADER_LENGTH} header bytes (position and limit are ignored)
     * @return the checksum to store at, or compare with, {@link #CHECKSUM_OFFSET}
     */
    public static int checksum(ByteBuffer header) {
        CRC32C crc = new CRC32C();
        crc.update(header.duplicate().position(0).limit(CHECKSUMMED_LENGTH));
        crc.update(header.duplicate().position(RESERVED_TAIL_OFFSET).limit(HEADER_LENGTH));
        return (int) crc.getValue();
    }
}
