package dev.lockstep.jcstress.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastDescriptor;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * Fresh broadcast channels for jcstress states, in regions of ONE mapped file (as {@code ChannelRegions}
 * does for the other channels): handed out round robin, zeroed before reuse. A tiny ring (256 bytes:
 * six 40-byte records a lap) so that the producer laps the consumer within a few sends.
 */
final class BroadcastRegions {
    static final int CAPACITY = BroadcastDescriptor.MIN_CAPACITY;
    private static final int REGION = 1024;
    private static final int REGIONS = 1 << 14;
    private static final ByteBuffer MAPPING;
    private static final AtomicInteger NEXT = new AtomicInteger();

    static {
        if (BroadcastDescriptor.structureLength(CAPACITY, 0) > REGION) {
            throw new IllegalStateException("region too small");
        }
        try {
            Path dir = Files.createTempDirectory("lockstep-jcstress-broadcast");
            Path file = dir.resolve("regions");
            SharedFile f = SharedFile.create(file, StructureKind.RAW, (long) REGION * REGIONS, b -> { });
            MAPPING = f.buffer();
            Files.delete(file); // the mapping stays valid; nothing left behind
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private BroadcastRegions() {
    }

    /** A fresh channel with no consumer slots (receivers work unlisted: no registration per state). */
    static BroadcastChannel channel() {
        int offset = SharedFile.STRUCTURE_OFFSET + REGION * (NEXT.getAndIncrement() & (REGIONS - 1));
        for (int i = 0; i < REGION; i += 8) {
            MAPPING.putLong(offset + i, 0L); // state construction happens-before the actors run
        }
        return BroadcastChannel.wrap(MAPPING, offset, CAPACITY, 0);
    }
}
