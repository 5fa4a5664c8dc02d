package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * A shared-memory message channel: a ring of variable-length records in a memory-mapped file, written
 * by producers ({@link Sender}) and read by exactly one consumer ({@link Receiver}), possibly in other
 * processes. The two kinds, {@link OneToOneChannel} and {@link ManyToOneChannel}, share this API and
 * the robust claim protocol described here.
 *
 * <pre>{@code
 * try (ManyToOneChannel ch = ManyToOneChannel.openOrCreate(dir.resolve("orders"), 1 << 20);
 *      Sender out = ch.sender()) {
 *     byte[] order = ...;
 *     out.send(7, order, 0, order.length);            // blocks while the ring is full
 * }
 * // in the consumer process
 * try (ManyToOneChannel ch = ManyToOneChannel.open(dir.resolve("orders"));
 *      Receiver in = ch.receiver()) {
 *     in.awaitReceive((type, buf, off, len) -> handle(type, buf, off, len), 64);
 * }
 * }</pre>
 *
 * <h2>Algorithm</h2>
 * The ring follows Agrona's {@code ManyToOneRingBuffer} (Thompson et al.): producers claim space by
 * moving the tail with a compare-and-set, write a record, and publish it by a releasing store of its
 * length; the consumer reads records at the head in order, and frees them by advancing the head. To
 * survive a producer process killed at any instruction, this channel adds (see the implementation
 * notes): a claimed record header naming the claimant's slot, a per-producer claim intent, and
 * consumer-side recovery that turns a dead producer's claim into padding.
 *
 * <h2>Properties</h2>
 * <ul>
 *   <li>Safety: a message is delivered whole or not at all, once, in the order of the claims; per
 *       sender the order is the send order.</li>
 *   <li>Progress: senders are lock-free among themselves (a failed tail CAS means another sender
 *       succeeded); the consumer is wait-free per poll. A dead producer blocks the consumer for at most
 *       about one liveness check (~1 ms) after its death is visible; a live producer that holds a claim
 *       longer than the claim timeout (default 5 s) loses that message.</li>
 *   <li>Back-pressure: non-blocking sends return {@code false} when the ring is full.</li>
 *   <li>Space: header + (4 + slots) lines of 128 bytes + capacity. Sending and receiving allocate
 *       nothing.</li>
 * </ul>
 */
public abstract sealed class ShmChannel implements AutoCloseable permits OneToOneChannel, ManyToOneChannel {
    /*
     * Implementation notes.
     *
     * Positions: head <= every claimed position < tail <= head + capacity. [head, tail) holds records
     * (committed, claimed, padding) or zero words of claims whose header is not yet written; [tail,
     * head + capacity) is all zero (the consumer zeroes what it consumes before advancing head with a
     * release store; a producer reads head with acquire before writing into freed space).
     *
     * Claim (Sender.tryClaim):
     *  1. compute the needed space (a wrap needs a padding record to the ring's end too);
     *  2. write the intent {position = tail, length = needed} into the sender's slot;
     *  3. CAS tail -> tail + needed (volatile: also publishes the intent before the tail moves);
     *  4. on a wrap, CAS the padding header at the old tail index from 0;
     *  5. CAS the record header from 0 to {-alignedLength, CLAIMED_FLAG | slot} (one 8-byte word: the
     *     consumer sees the full extent and the claimant together); the CAS is a full fence, so the
     *     header is visible before any body byte (the storeStoreFence the protocol needs). A failed
     *     CAS means the consumer revoked the claim (timeout fallback below): claim again.
     *  6. the caller writes the body with plain stores;
     *  7. commit = CAS header {-aligned, claimed} -> {8 + length, type}; volatile, so it releases the
     *     body. A failed commit means the claim was revoked: the message is not delivered and commit
     *     returns false. abort = the same CAS to a padding header.
     *
     * One-to-one (Sender.claimSingle / publishSingle): the single producer skips steps 2-5 and the
     * CASes. Claim only reserves space locally; commit stores the header with release (body visible
     * first), then a wrap's padding header, then the tail with release. Nothing uncommitted is ever
     * visible, so a zero header at head is simply "empty" and the consumer never reads the tail. A
     * producer killed mid-claim leaves body bytes in free space and, if it died between header and
     * tail, published records beyond the stored tail: its successor walks forward from max(tail, head)
     * over published headers to find the real tail, then zeroes the free space, before its first claim.
     *
     * Consumer at head, header word w:
     *  - length > 0: a message (deliver) or padding (skip); then the record is zeroed - header turned
     *    into padding first, then body, then header - and head is released after the batch.
     *  - length < 0 (claimed by slot s): wait; every ~1 ms while stuck, check s: if its process is
     *    dead (pid + start time, ProcessIdentity), or the record has been stuck longer than the claim
     *    timeout, CAS the header to padding of the same length (counted in the statistics). The CAS
     *    fails if the producer committed meanwhile: then the message is delivered normally.
     *  - w == 0 and head < tail (many-to-one; the tail is read only every 64 empty polls, so the
     *    producers' tail line is not pulled across cores on every poll): a producer moved the tail but
     *    has not written the header (or died there). Find the slots whose intent range covers head: if none of them is alive and they agree
     *    on the range's end, CAS the header from 0 to padding up to that end (or the ring's end); if one
     *    is alive, wait. Otherwise (two producers died in the same instant with disagreeing stale
     *    intents, or a slot was corrupted) fall back to the claim timeout and pad up to the next nonzero
     *    word.
     * A producer writes headers only by CAS from 0, so a revocation can never be overwritten.
     *
     * Slots: pid field 0 = free, -pid = being registered, pid = owned. A dead owner's slot is taken
     * over only once its last intent ends at or before head, so a claim naming slot s is always judged
     * by the process that made it. The consumer identity uses the same encoding. Handles closed
     * normally release their slot; handles of a live process that are never closed keep it.
     *
     * Consumer take-over: a consumer that died mid-batch may have zeroed records without releasing
     * head. The new consumer skips leading zero words at head that no intent covers (they can only be
     * records the dead consumer consumed), so it resumes at the first unconsumed record. Messages the
     * dead consumer delivered but had not yet zeroed are delivered again (at-least-once across a
     * consumer crash; exactly-once otherwise).
     *
     * Risk of the timeout: a producer that is alive but does not commit within the claim timeout (a
     * stopped process, a thread stalled in the middle of writing a body) loses that message (its commit
     * returns false); if it keeps writing body bytes after the revocation, it writes into space the
     * consumer has freed. Keep the timeout far above any legitimate claim duration.
     */
    static final long CHECK_INTERVAL_NANOS = 1_000_000L;
    /** Default claim timeout (see {@link Receiver}). */
    public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofSeconds(5);
    /** A heartbeat older than this many ms makes {@link #isConsumerAlive()} false. */
    public static final long STALE_HEARTBEAT_MILLIS = Math.max(1_000L, 20 * Heartbeats.PERIOD_MILLIS);

    /** The file, or null for a channel wrapped around a caller's region. */
    final SharedFile file;
    final String name;
    final ByteBuffer buffer;
    final int capacity;
    final int mask;
    final int maxMessageLength;
    final int producerSlots;
    /** Absolute offsets in {@link #buffer}. */
    final int headOffset;
    final int tailOffset;
    final int consumerOwnerOffset;
    final int dataOffset;
    final int structureOffset;
    /** The folder's process registry: owner tokens and liveness verdicts (see ChannelDescriptor). */
    final Participants participants;
    private final List<AutoCloseable> handles = new CopyOnWriteArrayList<>();

    ShmChannel(SharedFile file) throws IOException {
        this(file, file.buffer(), SharedFile.STRUCTURE_OFFSET, file.header().param(PARAM_CAPACITY),
                file.header().param(PARAM_PRODUCER_SLOTS));
        file.requireParam(PARAM_MAX_MESSAGE_LENGTH, "maximum message length", maxMessageLength);
    }

    /** A channel over {@code buffer} whose structure area starts at {@code structureOffset}. */
    ShmChannel(SharedFile file, ByteBuffer buffer, int structureOffset, long cap, long slots) throws IOException {
        this.file = file;
        this.buffer = buffer;
        this.name = file != null ? file.path().toString() : "buffer region at " + structureOffset;
        // A wrapped region has no folder of its own: its processes share the default folder's registry.
        this.participants = file != null ? Participants.of(file.path())
                : Participants.ofFolder(ShmDirectory.openDefault().path());
        if (cap < MIN_CAPACITY || cap > MAX_CAPACITY || Long.bitCount(cap) != 1 || slots < 1
                || slots > MAX_PRODUCER_SLOTS) {
            throw new dev.lockstep.ipc.shm.IncompatibleFileException(file == null ? null : file.path(),
                    "bad channel parameters: capacity " + cap + ", producer slots " + slots);
        }
        this.capacity = (int) cap;
        this.mask = capacity - 1;
        this.producerSlots = (int) slots;
        this.maxMessageLength = RecordDescriptor.maxMessageLength(capacity);
        this.structureOffset = structureOffset;
        this.headOffset = structureOffset + HEAD_OFFSET;
        this.tailOffset = structureOffset + TAIL_OFFSET;
        this.consumerOwnerOffset = structureOffset + CONSUMER_OWNER_OFFSET;
        this.dataOffset = structureOffset + ChannelDescriptor.dataOffset(producerSlots);
        if ((long) dataOffset + capacity > buffer.capacity()) {
            throw new dev.lockstep.ipc.shm.IncompatibleFileException(file == null ? null : file.path(),
                    "too short for its ring");
        }
    }

    /** Checks the arguments of the {@code wrap} factories. */
    static ByteBuffer checkRegion(ByteBuffer buffer, int offset, int capacity, int slots) {
        Objects.requireNonNull(buffer, "buffer");
        checkCapacity(capacity);
        checkProducerSlots(slots);
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("buffer must be direct (a mapping): " + buffer);
        }
        if (offset < 0 || (offset & (MappedAccess.LINE - 1)) != 0
                || (long) offset + structureLength(capacity, slots) > buffer.capacity()) {
            throw new IllegalArgumentException("region [" + offset + ", +" + structureLength(capacity, slots)
                    + ") must be 128-byte aligned and inside the buffer of " + buffer.capacity() + " bytes: " + offset);
        }
        return buffer.duplicate().order(java.nio.ByteOrder.nativeOrder());
    }

    static SharedFile createFile(Path file, StructureKind kind, int capacity, int slots, boolean openExisting)
            throws IOException {
        Objects.requireNonNull(file, "file");
        checkCapacity(capacity);
        checkProducerSlots(slots);
        long length = structureLength(capacity, slots);
        long[] params = {capacity, RecordDescriptor.maxMessageLength(capacity), slots};
        // The structure area is all zero after creation: head = tail = 0, no registrations.
        return openExisting
                ? SharedFile.openOrCreate(file, kind, length, b -> { }, params)
                : SharedFile.create(file, kind, length, b -> { }, params);
    }

    // ------------------------------------------------------------------ public API

    /**
     * Registers a new sender (producer handle). A sender is used by one thread at a time.
     *
     * @throws IllegalStateException if no producer slot is free (one-to-one: if a live producer is
     *                               registered), naming the file and the owner
     */
    public Sender sender() {
        return sender(Idle.backoff());
    }

    /**
     * As {@link #sender()}, waiting in the blocking sends with {@code idle} (default
     * {@link Idle#backoff()}; see {@link Idle}).
     */
    public abstract Sender sender(IdleStrategy idle);

    /**
     * Registers this process as the channel's consumer, with the {@linkplain #DEFAULT_CLAIM_TIMEOUT
     * default claim timeout}.
     *
     * @throws IllegalStateException if a live consumer is registered (naming the file and its pid); a
     *                               dead one is replaced
     */
    public Receiver receiver() {
        return receiver(DEFAULT_CLAIM_TIMEOUT);
    }

    /**
     * As {@link #receiver()}, with the time after which a claim held by a live producer is revoked.
     *
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public Receiver receiver(Duration claimTimeout) {
        return receiver(claimTimeout, Idle.backoff());
    }

    /**
     * As {@link #receiver(Duration)}, waiting in {@code awaitReceive} with {@code idle} (default
     * {@link Idle#backoff()}; see {@link Idle} for the latency / CPU trade-off).
     *
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public Receiver receiver(Duration claimTimeout, IdleStrategy idle) {
        Objects.requireNonNull(claimTimeout, "claimTimeout");
        Objects.requireNonNull(idle, "idle");
        if (claimTimeout.isNegative() || claimTimeout.isZero()) {
            throw new IllegalArgumentException("claim timeout must be > 0: " + claimTimeout);
        }
        registerEndpoint(consumerOwnerOffset, "consumer", true);
        Receiver r = new Receiver(this, claimTimeout.toNanos(), idle);
        handles.add(r);
        return r;
    }

    /**
     * The registered consumer if its process is certainly dead (described for a message), else null
     * (alive, stopped, or none registered).
     */
    String deadConsumer() {
        // Acquire: pairs with the registering CAS of the token.
        long token = (long) MappedAccess.LONG.getAcquire(buffer, consumerOwnerOffset);
        if (token == 0 || participants.mayBeAlive(token)) {
            return null;
        }
        return participants.describeForMessage(token);
    }

    /** Whether a consumer is registered, its process is running, and its heartbeat is recent. */
    public boolean isConsumerAlive() {
        return endpointAlive(consumerOwnerOffset)
                && Heartbeats.age(buffer, structureOffset + CONSUMER_HEARTBEAT_OFFSET) <= STALE_HEARTBEAT_MILLIS;
    }

    /** Whether at least one registered producer's process is running with a recent heartbeat. */
    public boolean isProducerAlive() {
        for (int s = 0; s < producerSlots; s++) {
            int slot = structureOffset + slotOffset(s);
            if (endpointAlive(slot + SLOT_OWNER_OFFSET)
                    && Heartbeats.age(buffer, slot + SLOT_HEARTBEAT_OFFSET) <= STALE_HEARTBEAT_MILLIS) {
                return true;
            }
        }
        return false;
    }

    /** A snapshot of positions, statistics and endpoints. */
    public ChannelStats stats() {
        List<ChannelStats.Endpoint> producers = new ArrayList<>();
        for (int s = 0; s < producerSlots; s++) {
            ChannelStats.Endpoint e = endpoint(s, structureOffset + slotOffset(s) + SLOT_OWNER_OFFSET,
                    structureOffset + slotOffset(s) + SLOT_HEARTBEAT_OFFSET);
            if (e != null) {
                producers.add(e);
            }
        }
        return new ChannelStats(name, this instanceof OneToOneChannel ? "one-to-one" : "many-to-one",
                capacity, maxMessageLength,
                // Opaque reads: a monitoring snapshot needs untorn, recent values, no ordering.
                (long) MappedAccess.LONG.getOpaque(buffer, headOffset),
                (long) MappedAccess.LONG.getOpaque(buffer, tailOffset),
                stat(RECOVERED_CLAIMS_OFFSET), stat(RECOVERED_BYTES_OFFSET), stat(TIMEOUT_RECOVERIES_OFFSET),
                stat(CONSUMER_TAKEOVERS_OFFSET),
                endpoint(-1, consumerOwnerOffset, structureOffset + CONSUMER_HEARTBEAT_OFFSET), List.copyOf(producers));
    }

    /** Ring capacity in bytes. */
    public int capacity() {
        return capacity;
    }

    /** Largest message body: {@code capacity / 8}. */
    public int maxMessageLength() {
        return maxMessageLength;
    }

    /** Number of producer slots (1 for a one-to-one channel). */
    public int producerSlots() {
        return producerSlots;
    }

    /** The channel file ({@code null} for a {@code wrap}ped region). */
    public Path path() {
        return file == null ? null : file.path();
    }

    /** Closes every sender and receiver made by this object, then the mapping. */
    @Override
    public void close() {
        for (AutoCloseable h : handles) {
            try {
                h.close();
            } catch (Exception ignored) {
                // handles' close does not throw
            }
        }
        handles.clear();
        if (file != null) {
            file.close();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", capacity " + capacity + "]";
    }

    // ------------------------------------------------------------------ shared machinery

    void forget(AutoCloseable handle) {
        handles.remove(handle);
    }

    Sender newSender(int slot, IdleStrategy idle) {
        Sender s = new Sender(this, slot, idle);
        handles.add(s);
        return s;
    }

    private long stat(int offset) {
        // Opaque: statistics are written by the consumer only and order nothing.
        return (long) MappedAccess.LONG.getOpaque(buffer, structureOffset + offset);
    }

    void addStat(int offset, long delta) {
        int at = structureOffset + offset;
        // Only the consumer writes statistics: plain read, opaque store so readers see an untorn value.
        MappedAccess.LONG.setOpaque(buffer, at, (long) MappedAccess.LONG.get(buffer, at) + delta);
    }

    private ChannelStats.Endpoint endpoint(int slot, int ownerOffset, int heartbeatOffset) {
        // Acquire: pairs with the registering CAS of the token.
        long token = (long) MappedAccess.LONG.getAcquire(buffer, ownerOffset);
        if (token == 0) {
            return null;
        }
        Participants.Participant who = participants.describe(token).orElse(null);
        return new ChannelStats.Endpoint(slot, who == null ? 0L : who.pid(), who == null ? 0L : who.startTime(),
                participants.mayBeAlive(token), Heartbeats.age(buffer, heartbeatOffset));
    }

    /**
     * Whether the endpoint whose owner field is at {@code ownerOffset} may be alive: registered, and
     * its process not certainly dead ({@link Participants#mayBeAlive}: pid + start time in our PID
     * namespace, heartbeat and kernel lock in another; a stopped process is never judged dead).
     */
    boolean endpointAlive(int ownerOffset) {
        // Acquire: pairs with the registering CAS of the token.
        long token = (long) MappedAccess.LONG.getAcquire(buffer, ownerOffset);
        return token != 0 && participants.mayBeAlive(token);
    }

    /**
     * Takes the endpoint whose owner field is at {@code ownerOffset} if it is free or its owner is
     * dead.
     *
     * @param mustTake throw if it is held by a live process (else return false)
     * @return whether this process now owns it
     */
    boolean registerEndpoint(int ownerOffset, String role, boolean mustTake) {
        long me = participants.token();
        while (true) {
            // Volatile: the value the CAS below compares against.
            long owner = (long) MappedAccess.LONG.getVolatile(buffer, ownerOffset);
            if (owner != 0 && participants.mayBeAlive(owner)) {
                if (mustTake) {
                    throw new IllegalStateException(name + ": a live " + role + " is registered: "
                            + participants.describeForMessage(owner) + (owner == me ? " (this process)" : ""));
                }
                return false;
            }
            // Volatile CAS: exactly one process wins a free or dead endpoint, in one step (a token is
            // the whole identity: no "registering" state a registrant could die in; a dead owner's
            // token is never reissued, so the CAS from it has no ABA problem).
            if (MappedAccess.LONG.compareAndSet(buffer, ownerOffset, owner, me)) {
                if (owner != 0 && ownerOffset == consumerOwnerOffset) {
                    addStat(CONSUMER_TAKEOVERS_OFFSET, 1);
                }
                return true;
            }
        }
    }

    /** Frees an endpoint this process owns. */
    void releaseEndpoint(int ownerOffset) {
        // Volatile CAS (release): everything this endpoint wrote (records, intent) happens-before a new
        // owner sees 0.
        MappedAccess.LONG.compareAndSet(buffer, ownerOffset, participants.token(), 0L);
    }

    /**
     * Takes a free producer slot, or a dead producer's slot whose last claim the consumer has passed.
     *
     * @return the slot index, or -1 if none
     */
    int takeSlot() {
        for (int s = 0; s < producerSlots; s++) {
            int slot = structureOffset + slotOffset(s);
            // Acquire: pairs with the token CAS of registration/release.
            long owner = (long) MappedAccess.LONG.getAcquire(buffer, slot + SLOT_OWNER_OFFSET);
            if (owner != 0) {
                if (endpointAlive(slot + SLOT_OWNER_OFFSET)) {
                    continue;
                }
                // Dead owner: its claim (if any) must be behind the consumer first, else the consumer would
                // judge that claim by our liveness. Opaque reads: the dead writer wrote them long ago.
                // The intent length is negated once the claim's header is written; its magnitude still
                // gives the end of the slot's last claim.
                long end = (long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_POSITION_OFFSET)
                        + Math.abs((long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_LENGTH_OFFSET));
                if (end > (long) MappedAccess.LONG.getAcquire(buffer, headOffset)) { // acquire: see Sender
                    continue;
                }
            }
            if (registerEndpoint(slot + SLOT_OWNER_OFFSET, "producer", false)) {
                return s;
            }
        }
        return -1;
    }
}
