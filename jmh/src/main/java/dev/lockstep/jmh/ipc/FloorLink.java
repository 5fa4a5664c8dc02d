package dev.lockstep.jmh.ipc;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The hardware floor of a shared-memory round trip: each side owns one {@code long} on its own
 * 128-byte line of a mapped {@link SharedFile} and publishes a counter there; the other side spins
 * until it changes. A "message" is that one counter, whatever {@code length} says: no copy, no
 * framing, no index arithmetic. Any real channel's round trip is this plus its own work.
 *
 * <pre>
 *   0                          128                         256
 *   +--------------------------+---------------------------+
 *   | a-to-b counter (long)    | b-to-a counter (long)     |
 *   +--------------------------+---------------------------+
 * </pre>
 */
final class FloorLink extends SpinLink {
    static final int A_TO_B = SharedFile.STRUCTURE_OFFSET;
    static final int B_TO_A = A_TO_B + MappedAccess.LINE;
    static final int LENGTH = 2 * MappedAccess.LINE;
    /** Header parameter 0, so that an Agrona file is never opened as a floor file (both use the channel kind). */
    static final long FORMAT = 0xF1002L;

    private final SharedFile file;
    private final ByteBuffer buf;
    private final int outOffset;
    private final int inOffset;
    private long sent;
    private long received;

    private FloorLink(SharedFile file, boolean sideA) {
        this.file = file;
        this.buf = file.buffer();
        this.outOffset = sideA ? A_TO_B : B_TO_A;
        this.inOffset = sideA ? B_TO_A : A_TO_B;
    }

    /** The bench side: creates the file. */
    static FloorLink create(Path path) throws IOException {
        return new FloorLink(SharedFile.create(path, StructureKind.RAW, LENGTH, b -> { }, FORMAT), true);
    }

    /** The peer side: opens the file the bench created. */
    static FloorLink open(Path path) throws IOException {
        SharedFile f = SharedFile.open(path, StructureKind.RAW);
        f.requireParam(0, "format", FORMAT);
        return new FloorLink(f, false);
    }

    @Override
    void send(int length) throws IOException {
        // release: the other side's acquire of this counter must see everything we did before
        // (a real channel's message bytes); on x86 it is a plain store either way.
        MappedAccess.LONG.setRelease(buf, outOffset, ++sent);
    }

    @Override
    boolean receive(int length) throws IOException {
        long v;
        // acquire: pairs with the other side's release store, as a channel's consumer would.
        for (int turn = 0; (v = (long) MappedAccess.LONG.getAcquire(buf, inOffset)) == received; turn++) {
            spin(turn);
        }
        received = v;
        return true;
    }

    @Override
    boolean drain() {
        throw new UnsupportedOperationException("floor measures the round trip only");
    }

    @Override
    public void close() {
        file.close();
    }
}
