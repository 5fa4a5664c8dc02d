package dev.lockstep.jmh.ipc;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The anchor: Agrona ring buffers ({@link OneToOneRingBuffer} or {@link ManyToOneRingBuffer}) over a
 * mapped {@link SharedFile}, one ring per direction, each of {@link IpcSession#RING_CAPACITY} bytes.
 * Needs {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (Agrona's {@code UnsafeBuffer}).
 *
 * <pre>
 *   0                              ringLength (128-aligned)          2 × ringLength
 *   +------------------------------+---------------------------------+
 *   | bench-to-peer ring + trailer | peer-to-bench ring + trailer    |
 *   +------------------------------+---------------------------------+
 * </pre>
 */
final class AgronaLink extends SpinLink {
    /** Header parameter 1 (after the capacity), so that a floor file is never opened as a ring file. */
    static final long FORMAT = 0xA960AL;
    private static final int MSG_TYPE = 1;

    private final SharedFile file;
    private final RingBuffer out;
    private final RingBuffer in;
    private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_MESSAGE));
    private final MessageHandler counter = this::onMessage; // created once: the hot path allocates nothing
    private long messages;

    private AgronaLink(SharedFile file, boolean manyToOne, int capacity, boolean benchSide) {
        this.file = file;
        int ringLength = ringLength(capacity);
        RingBuffer toPeer = ring(file, SharedFile.STRUCTURE_OFFSET, capacity, manyToOne);
        RingBuffer toBench = ring(file, SharedFile.STRUCTURE_OFFSET + ringLength, capacity, manyToOne);
        this.out = benchSide ? toPeer : toBench;
        this.in = benchSide ? toBench : toPeer;
        message.putBytes(0, pattern(MAX_MESSAGE));
    }

    private static int ringLength(int capacity) {
        return MappedAccess.align(capacity + RingBufferDescriptor.TRAILER_LENGTH, MappedAccess.LINE);
    }

    private static RingBuffer ring(SharedFile f, int offset, int capacity, boolean manyToOne) {
        UnsafeBuffer b = new UnsafeBuffer(f.buffer(), offset, capacity + RingBufferDescriptor.TRAILER_LENGTH);
        return manyToOne ? new ManyToOneRingBuffer(b) : new OneToOneRingBuffer(b);
    }

    private static StructureKind kind(boolean manyToOne) {
        return StructureKind.RAW; // not a Lockstep structure: stat must not read it as a channel
    }

    /** The bench side: creates the file (zeroed, which is an empty ring). */
    static AgronaLink create(Path path, boolean manyToOne, int capacity) throws IOException {
        SharedFile f = SharedFile.create(path, kind(manyToOne), 2L * ringLength(capacity), b -> { }, capacity, FORMAT);
        return new AgronaLink(f, manyToOne, capacity, true);
    }

    /** The peer side: opens the file the bench created. */
    static AgronaLink open(Path path, boolean manyToOne, int capacity) throws IOException {
        SharedFile f = SharedFile.open(path, kind(manyToOne));
        f.requireParam(0, "capacity", capacity);
        f.requireParam(1, "format", FORMAT);
        return new AgronaLink(f, manyToOne, capacity, false);
    }

    private void onMessage(int msgTypeId, org.agrona.MutableDirectBuffer buffer, int index, int length) {
        messages++;
    }

    @Override
    void send(int length) throws IOException {
        for (int turn = 0; !out.write(MSG_TYPE, message, 0, length); turn++) {
            spin(turn); // ring full: the sink has not caught up (back-pressure)
        }
    }

    @Override
    boolean receive(int length) throws IOException {
        for (int turn = 0; in.read(counter, 1) == 0; turn++) {
            spin(turn);
        }
        return true;
    }

    @Override
    boolean drain() throws IOException {
        for (int turn = 0; in.read(counter) == 0; turn++) {
            spin(turn);
        }
        return true;
    }

    /** Messages received so far (for the peer's sanity checks). */
    long messages() {
        return messages;
    }

    @Override
    public void close() {
        file.close();
    }
}
