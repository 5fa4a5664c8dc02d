package dev.lockstep.ipc.channel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * A shared-memory channel with many producers - threads of any number of processes, one
 * {@link Sender} each - and one consumer.
 *
 * <pre>{@code
 * ManyToOneChannel ch = ManyToOneChannel.openOrCreate(dir.resolve("log"), 1 << 20);
 * // any thread, any process:
 * try (Sender out = ch.sender()) {
 *     out.send(2, line, 0, line.length);
 * }
 * // the consumer:
 * try (Receiver in = ch.receiver()) {
 *     in.awaitReceive(handler, 256);
 * }
 * }</pre>
 *
 * <p>Each sender owns one of the file's producer slots (default {@value #DEFAULT_PRODUCER_SLOTS}); a
 * slot of a dead process is reused once the consumer has skipped that process's unfinished claim.
 * Protocol, properties and robustness: {@link ShmChannel}.
 *
 * <p>Delivery is at-least-once across a consumer crash, exactly-once otherwise: a consumer that dies
 * leaves at most one message to be delivered again by its successor, the one whose handler was
 * running. A receive call ({@code receive}, {@code awaitReceive}) zeroes the records it delivered at
 * its end and then releases their space; after each delivery it stores a delivery cursor in the file,
 * and a successor taking over zeroes, without delivering them, the records below that cursor.
 *
 * <p>Implementation note (issue 12): until 2026-12-02 each record was zeroed right after its
 * delivery; at 32 B records that store took back the cache line the producer was writing the next
 * record into, and the producer's tail CAS waited for it. The per-record crash-safe zeroing order is
 * unchanged; only its time moved to the end of the call. A first version without the cursor (merged and
 * reverted the same day) let a successor deliver the dead consumer's whole call again, which the Aeron
 * bridge's numbering cannot absorb; the cursor (one ordinary store per record, into a line only the
 * consumer writes) keeps the bound at one message (layout version 6).
 */
public final class ManyToOneChannel extends ShmChannel {
    /** Producer slots of a file created without an explicit count. */
    public static final int DEFAULT_PRODUCER_SLOTS = 64;

    private ManyToOneChannel(SharedFile file) throws IOException {
        super(file);
    }

    private ManyToOneChannel(java.nio.ByteBuffer buffer, int offset, int capacity, int slots) throws IOException {
        super(null, buffer, offset, capacity, slots);
    }

    /**
     * A channel laid out in a region of a mapping the caller shares by other means (several channels
     * in one {@link SharedFile}, tests): {@link ChannelDescriptor#structureLength} bytes from
     * {@code offset}, all zero before first use. Closing it leaves the mapping alone. Its processes are named
     * (owner words, liveness) in the registry of the default shared-memory folder ({@code ShmDirectory.openDefault()}),
     * so every process must reach the region through {@code wrap}: one that opened it as a channel file of another
     * folder would carry that folder's registry's token, which the others' liveness checks would look up in the
     * wrong registry.
     *
     * @throws IllegalArgumentException if the buffer is not direct, or the region is misaligned (offset
     *                                  not a multiple of 128) or outside it
     * @param buffer        a direct buffer over the shared mapping
     * @param offset        where the channel's structure area starts in {@code buffer}
     * @param capacity      the ring capacity in bytes (a power of two in [1 KiB, 1 GiB])
     * @param producerSlots the number of producer slots, in [1, 4096]
     * @return a channel over that region
     */
    public static ManyToOneChannel wrap(java.nio.ByteBuffer buffer, int offset, int capacity, int producerSlots) {
        try {
            return new ManyToOneChannel(checkRegion(buffer, offset, capacity, producerSlots), offset, capacity,
                    producerSlots);
        } catch (IOException impossible) {
            throw new IllegalArgumentException(impossible.getMessage(), impossible);
        }
    }

    /**
     * Creates a channel file with a ring of {@code capacity} bytes and {@value #DEFAULT_PRODUCER_SLOTS}
     * producer slots.
     *
     * @param file     the path of the new file
     * @param capacity the ring capacity in bytes (a power of two in [1 KiB, 1 GiB])
     * @return the channel, mapped
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static ManyToOneChannel create(Path file, int capacity) throws IOException {
        return create(file, capacity, DEFAULT_PRODUCER_SLOTS);
    }

    /**
     * Creates a channel file.
     *
     * @throws IllegalArgumentException if capacity is not a power of two in [1 KiB, 1 GiB] or
     *                                  producerSlots is not in [1, 4096]
     * @param file          the path of the new file
     * @param capacity      the ring capacity in bytes
     * @param producerSlots the number of producer slots: how many senders may be registered at once
     * @return the channel, mapped
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static ManyToOneChannel create(Path file, int capacity, int producerSlots) throws IOException {
        return new ManyToOneChannel(createFile(file, StructureKind.MANY_TO_ONE_CHANNEL, capacity, producerSlots, false));
    }

    /**
     * Opens an existing channel file.
     *
     * @param file the channel file
     * @return the channel, mapped
     * @throws java.nio.file.NoSuchFileException if absent
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if it is not a valid many-to-one channel
     * @throws IOException if the file cannot be read or mapped
     */
    public static ManyToOneChannel open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        return new ManyToOneChannel(SharedFile.open(file, StructureKind.MANY_TO_ONE_CHANNEL));
    }

    /**
     * Opens the file, or creates it; an existing file must have the same capacity and slot count.
     *
     * @param file          the channel file
     * @param capacity      the ring capacity in bytes
     * @param producerSlots the number of producer slots
     * @return the channel, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if an existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static ManyToOneChannel openOrCreate(Path file, int capacity, int producerSlots) throws IOException {
        return new ManyToOneChannel(createFile(file, StructureKind.MANY_TO_ONE_CHANNEL, capacity, producerSlots, true));
    }

    /**
     * Opens the file, or creates it with {@value #DEFAULT_PRODUCER_SLOTS} producer slots.
     *
     * @param file     the channel file
     * @param capacity the ring capacity in bytes
     * @return the channel, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if an existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static ManyToOneChannel openOrCreate(Path file, int capacity) throws IOException {
        return openOrCreate(file, capacity, DEFAULT_PRODUCER_SLOTS);
    }

    /**
     * Registers a new sender in a free producer slot.
     *
     * @throws IllegalStateException if all slots are held by live processes (or by dead ones whose last
     *                               claim the consumer has not skipped yet)
     */
    @Override
    public Sender sender(org.agrona.concurrent.IdleStrategy idle) {
        int slot = takeSlot();
        if (slot < 0) {
            throw new IllegalStateException(name + ": all " + producerSlots + " producer slots are taken");
        }
        return track(new ManyToOneSender(this, slot, idle));
    }

    @Override
    Receiver newReceiver(long claimTimeoutNanos, org.agrona.concurrent.IdleStrategy idle) {
        return new ManyToOneReceiver(this, claimTimeoutNanos, idle);
    }

    @Override
    String kind() {
        return "many-to-one";
    }

    @Override
    boolean receiverSleeps() {
        return true;
    }
}
