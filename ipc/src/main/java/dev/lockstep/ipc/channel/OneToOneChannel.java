package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * A shared-memory channel with one producer and one consumer, possibly in different processes.
 *
 * <pre>{@code
 * try (OneToOneChannel ch = OneToOneChannel.openOrCreate(dir.resolve("ticks"), 64 * 1024);
 *      Sender out = ch.sender()) {
 *     out.send(1, bytes, 0, bytes.length);
 * }
 * }</pre>
 *
 * <p>The API, properties and robustness are those of {@link ShmChannel}, with one producer: a second
 * live producer is refused ({@link IllegalStateException} naming the file and the owner's pid), a dead
 * one is replaced. Being alone, the producer needs no atomic read-modify-write: it writes the body,
 * then publishes the header with a release store, then the tail (Agrona's {@code OneToOneRingBuffer}
 * protocol). A claim is therefore invisible until commit, and a producer killed mid-claim leaves
 * nothing for the consumer to recover: its successor clears the unfinished body and recounts the
 * records published after the last stored tail.
 */
public final class OneToOneChannel extends ShmChannel {
    private OneToOneChannel(SharedFile file) throws IOException {
        super(file);
    }

    private OneToOneChannel(java.nio.ByteBuffer buffer, int offset, int capacity) throws IOException {
        super(null, buffer, offset, capacity, 1);
    }

    /**
     * A channel laid out in a region of a mapping the caller shares by other means (for example several
     * channels in one {@link SharedFile}, or tests): {@link ChannelDescriptor#structureLength} bytes
     * from {@code offset}, all zero before first use. Closing it leaves the mapping alone. Its processes are named
     * (owner words, liveness) in the registry of the default shared-memory folder ({@code ShmDirectory.openDefault()}),
     * so every process must reach the region through {@code wrap}: one that opened it as a channel file of another
     * folder would carry that folder's registry's token, which the others' liveness checks would look up in the
     * wrong registry.
     *
     * @throws IllegalArgumentException if the buffer is not direct, or the region is misaligned (offset
     *                                  not a multiple of 128) or outside it
     * @param buffer   a direct buffer over the shared mapping
     * @param offset   where the channel's structure area starts in {@code buffer}
     * @param capacity the ring capacity in bytes (a power of two in [1 KiB, 1 GiB])
     * @return a channel over that region
     */
    public static OneToOneChannel wrap(java.nio.ByteBuffer buffer, int offset, int capacity) {
        try {
            return new OneToOneChannel(checkRegion(buffer, offset, capacity, 1), offset, capacity);
        } catch (IOException impossible) {
            throw new IllegalArgumentException(impossible.getMessage(), impossible);
        }
    }

    /**
     * Creates a channel file with a ring of {@code capacity} bytes.
     *
     * @param file     the path of the new file
     * @param capacity the ring capacity in bytes
     * @return the channel, mapped
     * @throws IllegalArgumentException if capacity is not a power of two in [1 KiB, 1 GiB]
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static OneToOneChannel create(Path file, int capacity) throws IOException {
        return new OneToOneChannel(createFile(file, StructureKind.ONE_TO_ONE_CHANNEL, capacity, 1, false));
    }

    /**
     * Opens an existing channel file.
     *
     * @throws java.nio.file.NoSuchFileException if absent
     * @param file the channel file
     * @return the channel, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if it is not a valid one-to-one channel
     * @throws IOException if the file cannot be read or mapped
     */
    public static OneToOneChannel open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        return new OneToOneChannel(SharedFile.open(file, StructureKind.ONE_TO_ONE_CHANNEL));
    }

    /**
     * Opens the file, or creates it with {@code capacity}; an existing file must have that capacity.
     *
     * @param file     the channel file
     * @param capacity the ring capacity in bytes, for a new file and expected of an existing one
     * @return the channel, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if an existing file is not a one-to-one
     *         channel of that capacity
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static OneToOneChannel openOrCreate(Path file, int capacity) throws IOException {
        return new OneToOneChannel(createFile(file, StructureKind.ONE_TO_ONE_CHANNEL, capacity, 1, true));
    }

    /**
     * Registers the producer. A dead predecessor is replaced at once: it published nothing it had not
     * committed, and the new sender finds where it really stopped (see {@link Sender}).
     *
     * @throws IllegalStateException if a live producer is registered (naming the file and its pid)
     */
    @Override
    public Sender sender(org.agrona.concurrent.IdleStrategy idle) {
        int slot = structureOffset + slotOffset(0);
        registerEndpoint(slot + SLOT_OWNER_OFFSET, "producer", true);
        return track(new OneToOneSender(this, idle));
    }

    @Override
    Receiver newReceiver(long claimTimeoutNanos, org.agrona.concurrent.IdleStrategy idle) {
        return new OneToOneReceiver(this, idle);
    }

    @Override
    String kind() {
        return "one-to-one";
    }

    @Override
    boolean receiverSleeps() {
        return true; // once its producer acknowledged its sleep request (see ShmChannel's notes)
    }
}
