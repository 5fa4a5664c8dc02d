package dev.lockstep.jcstress.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lockstep.ipc.channel.ChannelDescriptor;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * Fresh channels for jcstress states, laid out in regions of ONE mapped file from a temporary folder
 * (mapping a file per state would exhaust the process's mappings). Regions are handed out round
 * robin and zeroed before reuse; the pool is far larger than the states jcstress keeps in flight.
 */
final class ChannelRegions {
    static final int CAPACITY = 1024;
    private static final int REGION = 4096;
    private static final int REGIONS = 1 << 14;
    private static final ByteBuffer MAPPING;
    private static final AtomicInteger NEXT = new AtomicInteger();

    static {
        try {
            Path dir = Files.createTempDirectory("lockstep-jcstress-channel");
            Path file = dir.resolve("regions");
            SharedFile f = SharedFile.create(file, StructureKind.MANY_TO_ONE_CHANNEL, (long) REGION * REGIONS, b -> { });
            MAPPING = f.buffer();
            Files.delete(file); // the mapping stays valid; nothing left behind
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ChannelRegions() {
    }

    private static int region() {
        int offset = SharedFile.STRUCTURE_OFFSET + REGION * (NEXT.getAndIncrement() & (REGIONS - 1));
        for (int i = 0; i < REGION; i += 8) {
            MAPPING.putLong(offset + i, 0L); // state construction happens-before the actors run
        }
        return offset;
    }

    static OneToOneChannel oneToOne() {
        return OneToOneChannel.wrap(MAPPING, region(), CAPACITY);
    }

    /**
     * A fresh one-to-one channel; {@code structureOffset[0]} receives where its structure starts in
     * {@link #mapping()} (for tests that must forge what a dead process left behind).
     */
    static OneToOneChannel oneToOne(int[] structureOffset) {
        structureOffset[0] = region();
        return OneToOneChannel.wrap(MAPPING, structureOffset[0], CAPACITY);
    }

    /** The mapping all regions live in. */
    static ByteBuffer mapping() {
        return MAPPING;
    }

    /** As {@link #manyToOne(int)}; {@code structureOffset[0]} receives where its structure starts. */
    static ManyToOneChannel manyToOne(int producers, int[] structureOffset) {
        if (ChannelDescriptor.structureLength(CAPACITY, producers) > REGION) {
            throw new IllegalArgumentException("region too small for " + producers + " producers");
        }
        structureOffset[0] = region();
        return ManyToOneChannel.wrap(MAPPING, structureOffset[0], CAPACITY, producers);
    }

    static ManyToOneChannel manyToOne(int producers) {
        if (ChannelDescriptor.structureLength(CAPACITY, producers) > REGION) {
            throw new IllegalArgumentException("region too small for " + producers + " producers");
        }
        return ManyToOneChannel.wrap(MAPPING, region(), CAPACITY, producers);
    }
}
