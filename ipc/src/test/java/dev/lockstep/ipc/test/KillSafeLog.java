package dev.lockstep.ipc.test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * A log of fixed-size records of longs that one child process appends and the test reads, even after
 * the child was killed with SIGKILL: the records live in a shared file mapping (the page cache), not
 * in the child's heap or a stream buffer. Used by the fault tests to learn exactly which sends
 * returned (a producer appends after each send returns) and which receives returned (a consumer
 * appends after each receive), plus a scratch area the consumer receives into, so the message in a
 * killed consumer's hands can still be identified.
 *
 * <pre>
 *   0   long  count of records (release store after the record's fields)
 *   8   long  fields per record
 *   16  long  capacity (records)
 *   24  long  scratch bytes
 *   64  scratch area, then the records (8 * fields bytes each)
 * </pre>
 */
public final class KillSafeLog implements AutoCloseable {
    private static final int HEADER = 64;
    private final FileChannel channel;
    private final MappedByteBuffer map;
    private final int fields;
    private final long capacity;
    private final int scratchBytes;
    private final int recordsBase;

    private KillSafeLog(FileChannel channel, MappedByteBuffer map) {
        this.channel = channel;
        this.map = map;
        map.order(ByteOrder.nativeOrder());
        this.fields = (int) map.getLong(8);
        this.capacity = map.getLong(16);
        this.scratchBytes = (int) map.getLong(24);
        this.recordsBase = HEADER + (int) MappedAccess.align(scratchBytes, 64);
    }

    /** Creates the log file (replacing any) for {@code capacity} records of {@code fields} longs. */
    public static KillSafeLog create(Path file, int fields, long capacity, int scratchBytes) throws IOException {
        long length = HEADER + MappedAccess.align(scratchBytes, 64) + 8L * fields * capacity;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
            m.order(ByteOrder.nativeOrder());
            m.putLong(8, fields).putLong(16, capacity).putLong(24, scratchBytes);
            m.force();
        }
        return open(file);
    }

    /** Opens a log made by {@link #create}. */
    public static KillSafeLog open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new KillSafeLog(ch, ch.map(FileChannel.MapMode.READ_WRITE, 0, ch.size()));
    }

    /** The scratch area (big-endian, as a fresh ByteBuffer), shared with every reader of the file. */
    public ByteBuffer scratch() {
        return map.slice(HEADER, scratchBytes).order(ByteOrder.BIG_ENDIAN);
    }

    /** Appends a record of up to three fields (unused ones are zero). Single writer. */
    public void append(long a, long b, long c) {
        long n = (long) MappedAccess.LONG.getOpaque(map, 0); // opaque: only this process writes it
        if (n >= capacity) {
            throw new IllegalStateException("log full: " + capacity + " records");
        }
        int at = recordsBase + (int) (n * 8 * fields);
        map.putLong(at, a);
        if (fields > 1) {
            map.putLong(at + 8, b);
        }
        if (fields > 2) {
            map.putLong(at + 16, c);
        }
        MappedAccess.LONG.setRelease(map, 0, n + 1); // release: the record's fields before the count
    }

    /** Number of complete records. */
    public long count() {
        return (long) MappedAccess.LONG.getAcquire(map, 0); // acquire: pairs with append's release
    }

    /** Field {@code field} of record {@code record}. */
    public long get(long record, int field) {
        return map.getLong(recordsBase + (int) (record * 8 * fields) + 8 * field);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
