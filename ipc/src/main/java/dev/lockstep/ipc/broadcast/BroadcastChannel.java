package dev.lockstep.ipc.broadcast;

import static dev.lockstep.ipc.broadcast.BroadcastDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * A one-to-many shared-memory channel: one producer ({@link BroadcastSender}) writes variable-length
 * messages into a ring that any number of consumers ({@link BroadcastReceiver}), in any processes,
 * read each at its own position. The producer never waits for consumers: it overwrites the oldest
 * messages. A consumer that falls more than the ring behind is <em>lapped</em>: it detects it, counts
 * it ({@link BroadcastReceiver#lappedCount()}, {@link BroadcastReceiver#lostMessages()}) and resumes
 * at the newest message, and never hands out a message that was overwritten while it read it.
 *
 * <pre>{@code
 * // producer process
 * try (BroadcastChannel prices = BroadcastChannel.openOrCreate(dir.resolve("prices"), 1 << 20);
 *      BroadcastSender out = prices.sender()) {
 *     out.send(1, bytes, 0, bytes.length);                  // never blocks
 * }
 * // any number of consumer processes
 * try (BroadcastChannel prices = BroadcastChannel.openOrCreate(dir.resolve("prices"), 1 << 20);
 *      BroadcastReceiver in = prices.receiver()) {          // from the newest message on
 *     in.awaitReceive((type, buf, off, len) -> handle(buf, off, len), 64); // a private, validated copy
 *     if (in.lappedCount() > 0) { ... }                     // fell behind: lostMessages() were skipped
 * }
 * }</pre>
 *
 * <h2>Algorithm</h2>
 * A single-writer sequence lock over a ring, the protocol of Agrona's {@code BroadcastTransmitter} /
 * {@code BroadcastReceiver} (Thompson et al.), re-derived here with fences justified by the
 * {@link java.lang.invoke.VarHandle} specification and made to survive the death of any process. The
 * producer announces the range it is about to overwrite (the <em>tail intent</em>) before writing
 * into it, and publishes the finished record by a releasing store of the <em>tail</em>. A consumer
 * reads a record below the tail with plain loads (copying it, or letting a handler read it in place),
 * then reads the tail intent again: if the intent has passed the record's position plus the capacity,
 * the producer may have overwritten the bytes while they were read, and the result is discarded
 * (copy mode: never handed out; zero-copy mode: reported as {@link BroadcastReceiver#LAPPED}).
 *
 * <h2>Properties</h2>
 * <ul>
 *   <li>Safety: every message a consumer is handed (copy mode), or that its zero-copy receive reports
 *       {@link BroadcastReceiver#DELIVERED}, is exactly a message the producer sent, whole, in send
 *       order, at most once; a lapped consumer skips messages (counted exactly by sequence numbers)
 *       but never duplicates or reorders them.</li>
 *   <li>Progress: the producer is wait-free (a send is a bounded number of stores, independent of the
 *       consumers); a consumer's receive is wait-free (each record is read once; a lap moves it
 *       forward).</li>
 *   <li>Crashes: consumers write nothing the producer or other consumers read, so a consumer killed at
 *       any instruction affects nobody. A producer killed mid-send leaves a tail intent past the tail:
 *       consumers keep what they have, never deliver its partial record (it is past the tail), and
 *       treat records it may have damaged as lapped. The next producer replaces the dead one
 *       ({@link #sender()}) and first turns the dead one's partial range into padding.</li>
 *   <li>Consumers come and go at any time; a new one starts after the newest message published when
 *       it joins (it reads that message's sequence number, so even a lap before its first message is
 *       counted exactly); one made with {@link StartPosition#OLDEST} starts at the oldest message still
 *       in the ring instead (within {@code capacity / 8} bytes and a record, see the notes), and reads the backlog first.
 *       Consumer slots ({@link BroadcastDescriptor}) only make consumers visible to {@code stat}: a
 *       consumer that finds every slot taken by live consumers still works, unlisted.</li>
 *   <li>Space: header + (2 + slots) lines of 128 bytes + capacity. Sending and receiving allocate
 *       nothing.</li>
 * </ul>
 *
 * <p>Implementation notes.
 * <pre>
 * Invariants (positions are byte counts, never wrapped; I = tail intent, T = tail, L = latest):
 *  J1  T &lt;= I, and I only grows (a successor producer never lowers it).
 *  J2  every byte at a position p &lt; T holds what the producer wrote at p unless I &gt; p + capacity
 *      (the producer stores to position q only after storing an intent &gt;= q + 1, J3).
 *  J3  producer order per send: I := end (opaque) ; storeStoreFence ; plain stores of padding header,
 *      sequence, body, record header ; next sequence (opaque) ; T := end (release) ; L := start
 *      (release).
 *  J4  consumer order per record at c (c &lt; T read with acquire): plain loads of the record ;
 *      loadLoadFence ; I read (opaque) ; accepted iff I &lt;= c + capacity.
 * Why J4 is enough: if a plain load of the consumer saw a store the producer made for position
 * q &gt;= c + capacity (the only stores that change [c, c + length) once T &gt; c), that store follows the
 * intent store I' &gt; q in the producer's order with a store-store fence between (J3), and the
 * consumer's intent load follows its data loads with a load-load fence (J4), so it reads I' or a
 * later value, both &gt; c + capacity: rejected. Records the consumer accepts were complete: T was read
 * with acquire after the producer's release of it, which follows all the record's stores.
 * A record's header is sanity-checked (length, type, bounds) before its body is read, so a torn
 * header never makes a read leave the ring; an insane header that then validates is corruption
 * (IllegalStateException).
 * Lapped (T - c &gt; capacity, or validation failed): the consumer counts a lap and moves to L (read
 * with acquire: the release of L follows that of T, so T &gt; L is visible). L + capacity &gt;= I holds
 * whenever the producer is between sends (a record is at most capacity / 8 + 24 bytes, two of them
 * at most capacity / 2), so the newest message can be read; if the producer laps it again meanwhile
 * the consumer simply laps again, each time moving forward.
 * Lost messages: every message carries its sequence number; a consumer adds the gap between the
 * number it expected and the one it reads. The next sequence is stored before T, so a successor
 * producer that read T (acquire) continues numbering past every message a consumer can have seen
 * (no number is reused; a send that died after storing it leaves a gap of one, counted as lost).
 * A consumer joins after latest, whose record it reads and validates like any other (retrying if it
 * is overwritten meanwhile) to learn the number it expects next; before any message it expects 0.
 * Producer take-over: the owner token is CASed from a dead process's token (never reissued: no
 * ABA). The successor reads T and I (acquire); if I &gt; T the predecessor died inside a send: it
 * stores a padding record [T, I) at T (opaque; inside the range I already covers, so consumers still
 * reading older records there reject them) and releases T := I. I is never lowered (J1): lowering
 * it would let a consumer validate bytes the dead producer had already damaged.
 *  J5  oldest O: a record boundary below the tail. Before announcing an intent I' with O &lt; I' - capacity
 *      the producer moves O to a record boundary in [m, T], m = min(I' - capacity + capacity/16, T): the
 *      first message it wrote at or after the first multiple of capacity/16 &gt;= m (it remembers, per
 *      block of capacity/16 bytes of the last ring, where its first message there started), or T if
 *      none; over a predecessor's records it walks their headers (not yet overwritten) from O to the
 *      first boundary &gt;= m. It stores O (release), storeStoreFence, then I' (J3). O
 *      only grows; O &gt;= I - capacity holds for every intent I announced while O is unchanged.
 * A consumer made with StartPosition.OLDEST reads O (acquire: the record there is complete, its
 * release followed the tail's release past it), then T (acquire), and reads the record at O (past
 * padding, to the first message) and validates it like any record (J4); if the producer overwrote it
 * meanwhile it starts again from the new O (1,000 attempts, then after latest as a NEXT consumer).
 * Safety does not depend on O: every record is validated by J4; O only makes the start a boundary
 * that is, when read, not being overwritten. A successor producer reads O after the intent (the
 * fence in J5 orders them), and replaces a value below I - capacity or above the tail (corruption)
 * by the tail (no backlog offered). The walk reads each old header once: amortised one per send.
 * Performance (issue 15): a profile of the 1-consumer throughput cell (perf record -e cpu-clock, perf
 * map; 32 B messages, 1 MiB ring, producer paced a half ring ahead of its consumer) put the producer's
 * send at 1.7x the CPU samples of Agrona's BroadcastTransmitter.transmit for the same message count
 * (9.4% vs 5.5% of the samples; each consumer about 50%, it polls without pause), the receive path at
 * parity. What the send does per message that Agrona's does not: the sequence number (two stores:
 * record, next-sequence word) and, once the ring has wrapped, the OLDEST walk: one old header read,
 * a release store of O and a fence for every send. O now moves a slack (capacity/16) past the floor
 * when it must move: one batch walk and one store per capacity/16 bytes sent, the header reads
 * sequential; an OLDEST consumer is offered the ring minus at most that slack. The walk was still
 a chain of dependent loads (each header gives the next position) of lines a ring old, about one per
 message (a send-only loop: 22-31 ns of CPU per 32 B message against 19 ns without it and 14-19 ns for
 Agrona's transmit); the producer now remembers where its first message in each capacity/16 block
 started (16 marks, one compare per send) and moves O there without reading a header; O is then at
 most 2 x capacity/16 plus a record past the overwrite floor. Torn-read safety is
 * unchanged: it never depended on O (J4 validates every record).
 * Per-message paths (issue 15, second round; BroadcastPathBench: send then receive in one thread,
 * CPU ns per message from perfnorm task-clock, alternated with Agrona's in the same runs, on the
 * loaded shared machine): the send alone is at parity within the load's spread (18-25 ns in the
 * quieter runs against Agrona's 16-27), send +
 * receive 44-77 ns against 35-70 (the spread is the machine's load). What remains ours alone per
 * message is the sequence word: a 32 B message is a 48-byte record here and a 40-byte one in
 * Agrona's ring, so the consumer pulls 0.75 instead of 0.625 cache lines per message from the
 * producer's core (40/48 = 0.83, the last quiet 1-consumer ratio: a hypothesis, to be checked by
 * the throughput bench at size 24 against Agrona's at 32, same record size). It makes the lost count
 * exact and the join/lap resync know the number of the message it lands on; dropping it needs a
 * consistent (latest, its number) snapshot from the producer line, which the two-word stores cannot
 * give without a version (left as is). The receiver now stores its slot's position and received
 * count once per receive call that moved the cursor (not three words per call, empty polls
 * included) and lost at a gap.
 * Stat: the slot's counters are the consumer's own
 * (opaque stores, read by stat with opaque loads); nobody else writes them.
 * </pre>
 */
public final class BroadcastChannel implements AutoCloseable {
    /** The file, or null for a channel wrapped around a caller's region. */
    final SharedFile file;
    final String name;
    final ByteBuffer buffer;
    final int capacity;
    final int mask;
    final int maxMessageLength;
    final int consumerSlots;
    final int structureOffset;
    /** Absolute offsets in {@link #buffer}. */
    final int tailIntentOffset;
    final int tailOffset;
    final int latestOffset;
    final int nextSequenceOffset;
    final int oldestOffset;
    final int producerOwnerOffset;
    final int dataOffset;
    /** The folder's process registry: owner tokens and liveness verdicts. */
    final Participants participants;
    private final List<AutoCloseable> handles = new CopyOnWriteArrayList<>();

    private BroadcastChannel(SharedFile file) throws IOException {
        this(file, file.buffer(), SharedFile.STRUCTURE_OFFSET, file.header().param(PARAM_CAPACITY),
                file.header().param(PARAM_CONSUMER_SLOTS));
        file.requireParam(PARAM_MAX_MESSAGE_LENGTH, "maximum message length", maxMessageLength);
        file.requireParam(PARAM_FORMAT_VERSION, "broadcast format version", FORMAT_VERSION);
    }

    private BroadcastChannel(SharedFile file, ByteBuffer buffer, int structureOffset, long cap, long slots)
            throws IOException {
        this.file = file;
        this.buffer = buffer;
        this.name = file != null ? file.path().toString() : "buffer region at " + structureOffset;
        if (cap < MIN_CAPACITY || cap > MAX_CAPACITY || Long.bitCount(cap) != 1 || slots < 0
                || slots > MAX_CONSUMER_SLOTS) {
            throw new IncompatibleFileException(file == null ? null : file.path(),
                    "bad broadcast parameters: capacity " + cap + ", consumer slots " + slots);
        }
        this.capacity = (int) cap;
        this.mask = capacity - 1;
        this.consumerSlots = (int) slots;
        this.maxMessageLength = BroadcastDescriptor.maxMessageLength(capacity);
        this.structureOffset = structureOffset;
        this.tailIntentOffset = structureOffset + TAIL_INTENT_OFFSET;
        this.tailOffset = structureOffset + TAIL_OFFSET;
        this.latestOffset = structureOffset + LATEST_OFFSET;
        this.nextSequenceOffset = structureOffset + NEXT_SEQUENCE_OFFSET;
        this.oldestOffset = structureOffset + OLDEST_OFFSET;
        this.producerOwnerOffset = structureOffset + PRODUCER_OWNER_OFFSET;
        this.dataOffset = structureOffset + BroadcastDescriptor.dataOffset(consumerSlots);
        if ((long) dataOffset + capacity > buffer.capacity()) {
            throw new IncompatibleFileException(file == null ? null : file.path(), "too short for its ring");
        }
        // A wrapped region has no folder of its own: its processes share the default folder's registry.
        this.participants = file != null ? Participants.of(file.path())
                : Participants.ofFolder(ShmDirectory.openDefault().path());
    }

    /**
     * Creates a broadcast file with a ring of {@code capacity} bytes and
     * {@link BroadcastDescriptor#DEFAULT_CONSUMER_SLOTS} consumer slots.
     *
     * @param file     the path of the new file
     * @param capacity the ring capacity in bytes
     * @return the channel, mapped
     * @throws IllegalArgumentException if capacity is not a power of two in [256, 1 GiB]
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static BroadcastChannel create(Path file, int capacity) throws IOException {
        return create(file, capacity, DEFAULT_CONSUMER_SLOTS);
    }

    /**
     * Creates a broadcast file with a ring of {@code capacity} bytes and {@code consumerSlots} slots
     * in which consumers make themselves visible to {@code stat} (more consumers still work, unlisted).
     *
     * @throws IllegalArgumentException if capacity is not a power of two in [256, 1 GiB] or the slot
     *                                  count is not in [0, 4096]
     * @param file          the path of the new file
     * @param capacity      the ring capacity in bytes
     * @param consumerSlots how many consumers {@code stat} can list (0 for none)
     * @return the channel, mapped
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static BroadcastChannel create(Path file, int capacity, int consumerSlots) throws IOException {
        return new BroadcastChannel(createFile(file, capacity, consumerSlots, false));
    }

    /**
     * Opens an existing broadcast file.
     *
     * @throws java.nio.file.NoSuchFileException if absent
     * @param file the broadcast file
     * @return the channel, mapped
     * @throws IncompatibleFileException if it is not a valid broadcast channel (left untouched)
     * @throws IOException if the file cannot be read or mapped
     */
    public static BroadcastChannel open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        return new BroadcastChannel(SharedFile.open(file, StructureKind.BROADCAST_CHANNEL));
    }

    /**
     * Opens the file, or creates it with {@code capacity} and the default slot count; an existing file
     * must have that capacity and slot count.
     *
     * @param file     the broadcast file
     * @param capacity the ring capacity in bytes, for a new file and expected of an existing one
     * @return the channel, mapped
     * @throws IncompatibleFileException if an existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static BroadcastChannel openOrCreate(Path file, int capacity) throws IOException {
        return new BroadcastChannel(createFile(file, capacity, DEFAULT_CONSUMER_SLOTS, true));
    }

    /**
     * A channel laid out in a region of a mapping the caller shares by other means (tests, several
     * structures in one file): {@link BroadcastDescriptor#structureLength} bytes from {@code offset},
     * all zero before first use. Closing it leaves the mapping alone. Its processes are named
     * (owner words, liveness) in the registry of the default shared-memory folder ({@code ShmDirectory.openDefault()}),
     * so every process must reach the region through {@code wrap}: one that opened it as a channel file of another
     * folder would carry that folder's registry's token, which the others' liveness checks would look up in the
     * wrong registry.
     *
     * @throws IllegalArgumentException if the buffer is not direct, or the region is misaligned (offset
     *                                  not a multiple of 128) or outside it, or the capacity or slot
     *                                  count is bad
     * @param buffer        a direct buffer over the shared mapping
     * @param offset        where the structure area starts in {@code buffer}
     * @param capacity      the ring capacity in bytes (a power of two in [256, 1 GiB])
     * @param consumerSlots how many consumers {@code stat} can list, in [0, 4096]
     * @return a channel over that region
     */
    public static BroadcastChannel wrap(ByteBuffer buffer, int offset, int capacity, int consumerSlots) {
        Objects.requireNonNull(buffer, "buffer");
        checkCapacity(capacity);
        checkConsumerSlots(consumerSlots);
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("buffer must be direct (a mapping): " + buffer);
        }
        long length = structureLength(capacity, consumerSlots);
        if (offset < 0 || (offset & (MappedAccess.LINE - 1)) != 0 || offset + length > buffer.capacity()) {
            throw new IllegalArgumentException("region [" + offset + ", +" + length
                    + ") must be 128-byte aligned and inside the buffer of " + buffer.capacity() + " bytes: " + offset);
        }
        try {
            return new BroadcastChannel(null, buffer.duplicate().order(java.nio.ByteOrder.nativeOrder()), offset,
                    capacity, consumerSlots);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static SharedFile createFile(Path file, int capacity, int slots, boolean openExisting) throws IOException {
        Objects.requireNonNull(file, "file");
        checkCapacity(capacity);
        checkConsumerSlots(slots);
        long length = structureLength(capacity, slots);
        long[] params = {capacity, BroadcastDescriptor.maxMessageLength(capacity), slots, FORMAT_VERSION};
        // The structure area is all zero after creation: intent = tail = latest = 0, no registrations.
        return openExisting
                ? SharedFile.openOrCreate(file, StructureKind.BROADCAST_CHANNEL, length, b -> { }, params)
                : SharedFile.create(file, StructureKind.BROADCAST_CHANNEL, length, b -> { }, params);
    }

    // ------------------------------------------------------------------ public API

    /**
     * Registers this process as the producer. A dead predecessor is replaced at once; if it died inside
     * a send, its partial range is turned into padding first.
     *
     * @throws IllegalStateException if a live producer is registered (naming the file and its pid), or
     *                               the producer line is corrupt (tail intent before the tail, or more
     *                               than a ring past it)
     * @return the producer endpoint, registered until closed
     */
    public BroadcastSender sender() {
        long me = participants.token();
        while (true) {
            // Volatile: the value the CAS below compares against.
            long owner = (long) MappedAccess.LONG.getVolatile(buffer, producerOwnerOffset);
            if (owner != 0 && participants.mayBeAlive(owner)) {
                throw new IllegalStateException(name + ": a live producer is registered: "
                        + participants.describeForMessage(owner) + (owner == me ? " (this process)" : ""));
            }
            // Volatile CAS: exactly one process wins a free or dead producer endpoint; a dead owner's
            // token is never reissued, so the CAS from it has no ABA problem.
            if (MappedAccess.LONG.compareAndSet(buffer, producerOwnerOffset, owner, me)) {
                if (owner != 0) {
                    addStat(PRODUCER_TAKEOVERS_OFFSET, 1);
                }
                try {
                    return track(new BroadcastSender(this));
                } catch (RuntimeException corrupt) {
                    release(producerOwnerOffset); // refused: leave the endpoint as free as we found it
                    throw corrupt;
                }
            }
        }
    }

    /**
     * A consumer that starts after the newest message published so far, waiting in {@code awaitReceive} with
     * {@link Idle#backoff()}.
     *
     * @return the new consumer, holding a consumer slot (if one is free) until closed
     */
    public BroadcastReceiver receiver() {
        return receiver(Idle.backoff());
    }

    /**
     * As {@link #receiver()}, waiting with {@code idle} (see {@link Idle} for the latency / CPU
     * trade-off).
     *
     * @param idle how the receiver waits while no new message is available
     * @return the new consumer, holding a consumer slot (if one is free) until closed
     */
    public BroadcastReceiver receiver(IdleStrategy idle) {
        return receiver(StartPosition.NEXT, idle);
    }

    /**
     * A consumer that starts at {@code start}: {@link StartPosition#NEXT} as {@link #receiver()}, or
     * {@link StartPosition#OLDEST}, the oldest message still in the ring (the backlog first), waiting
     * in {@code awaitReceive} with {@link Idle#backoff()}.
     *
     * <pre>{@code
     * try (BroadcastReceiver in = prices.receiver(StartPosition.OLDEST)) {   // what the ring still holds, then on
     *     while (in.receive(handler, 64) > 0) { }                            // the backlog, oldest first
     * }
     * }</pre>
     *
     * @param start where the consumer begins
     * @return the new consumer, holding a consumer slot (if one is free) until closed
     */
    public BroadcastReceiver receiver(StartPosition start) {
        return receiver(start, Idle.backoff());
    }

    /**
     * As {@link #receiver(StartPosition)}, waiting with {@code idle}.
     *
     * @param start where the consumer begins
     * @param idle  how the receiver waits while no new message is available
     * @return the new consumer, holding a consumer slot (if one is free) until closed
     */
    public BroadcastReceiver receiver(StartPosition start, IdleStrategy idle) {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(idle, "idle");
        return track(new BroadcastReceiver(this, idle, takeConsumerSlot(), start));
    }

    /**
     * Whether a producer is registered, its process is running, and its heartbeat is recent.
     *
     * @return {@code true} if all three hold
     */
    public boolean isProducerAlive() {
        // Acquire: pairs with the registering CAS of the token.
        long token = (long) MappedAccess.LONG.getAcquire(buffer, producerOwnerOffset);
        return token != 0 && participants.mayBeAlive(token)
                && Heartbeats.age(buffer, structureOffset + PRODUCER_HEARTBEAT_OFFSET)
                        <= Math.max(1_000L, 20 * Heartbeats.PERIOD_MILLIS);
    }

    /**
     * A snapshot of positions, statistics and registered endpoints.
     *
     * @return the values read now (each field individually current, not one atomic snapshot)
     */
    public BroadcastStats stats() {
        List<BroadcastStats.Consumer> consumers = new ArrayList<>();
        for (int s = 0; s < consumerSlots; s++) {
            int slot = structureOffset + slotOffset(s);
            // Acquire: pairs with the registering CAS of the token.
            long token = (long) MappedAccess.LONG.getAcquire(buffer, slot + SLOT_OWNER_OFFSET);
            if (token == 0) {
                continue;
            }
            Participants.Participant who = participants.describe(token).orElse(null);
            consumers.add(new BroadcastStats.Consumer(s, who == null ? 0L : who.pid(), participants.mayBeAlive(token),
                    Heartbeats.age(buffer, slot + SLOT_HEARTBEAT_OFFSET),
                    opaque(slot + SLOT_POSITION_OFFSET), opaque(slot + SLOT_LAPPED_OFFSET),
                    opaque(slot + SLOT_LOST_OFFSET), opaque(slot + SLOT_RECEIVED_OFFSET)));
        }
        // Acquire: pairs with the registering CAS of the token.
        long producer = (long) MappedAccess.LONG.getAcquire(buffer, producerOwnerOffset);
        Participants.Participant p = producer == 0 ? null : participants.describe(producer).orElse(null);
        return new BroadcastStats(name, capacity, maxMessageLength, consumerSlots,
                // Opaque reads: a monitoring snapshot needs untorn, recent values, no ordering.
                opaque(tailIntentOffset), opaque(tailOffset), opaque(latestOffset), opaque(oldestOffset),
                opaque(nextSequenceOffset),
                opaque(structureOffset + PRODUCER_TAKEOVERS_OFFSET), opaque(structureOffset + RECOVERED_BYTES_OFFSET),
                producer == 0 ? -1L : p == null ? 0L : p.pid(), producer != 0 && participants.mayBeAlive(producer),
                Heartbeats.age(buffer, structureOffset + PRODUCER_HEARTBEAT_OFFSET), List.copyOf(consumers));
    }

    /**
     * Ring capacity in bytes.
     *
     * @return the capacity, a power of two
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Largest message body: {@code capacity / 8}.
     *
     * @return the maximum message length in bytes
     */
    public int maxMessageLength() {
        return maxMessageLength;
    }

    /**
     * Number of consumer slots (consumers visible to {@code stat}).
     *
     * @return the slot count fixed at creation
     */
    public int consumerSlots() {
        return consumerSlots;
    }

    /**
     * The channel file ({@code null} for a {@code wrap}ped region).
     *
     * @return the file's path, or {@code null}
     */
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
        return "BroadcastChannel[" + name + ", capacity " + capacity + "]";
    }

    // ------------------------------------------------------------------ shared machinery

    private long opaque(int offset) {
        // Opaque: statistics and positions are single-writer longs; a reader needs them untorn only.
        return (long) MappedAccess.LONG.getOpaque(buffer, offset);
    }

    <T extends AutoCloseable> T track(T handle) {
        handles.add(handle);
        return handle;
    }

    void forget(AutoCloseable handle) {
        handles.remove(handle);
    }

    void addStat(int structureRelativeOffset, long delta) {
        int at = structureOffset + structureRelativeOffset;
        // Only the producer endpoint's owner writes these: plain read, opaque store so readers see an
        // untorn value.
        MappedAccess.LONG.setOpaque(buffer, at, (long) MappedAccess.LONG.get(buffer, at) + delta);
    }

    /**
     * Takes a free consumer slot, or one whose owner is certainly dead.
     *
     * @return its absolute offset in {@link #buffer}, or -1 if every slot is held by a live consumer
     */
    private int takeConsumerSlot() {
        long me = participants.token();
        for (int s = 0; s < consumerSlots; s++) {
            int slot = structureOffset + slotOffset(s);
            // Volatile: the value the CAS below compares against.
            long owner = (long) MappedAccess.LONG.getVolatile(buffer, slot + SLOT_OWNER_OFFSET);
            if (owner != 0 && participants.mayBeAlive(owner)) {
                continue;
            }
            // Volatile CAS: one consumer wins the slot (tokens are never reissued: no ABA).
            if (MappedAccess.LONG.compareAndSet(buffer, slot + SLOT_OWNER_OFFSET, owner, me)) {
                return slot;
            }
        }
        return -1;
    }

    /** Frees a slot or the producer endpoint this process owns. */
    void release(int ownerOffset) {
        // Volatile CAS: only our own token is replaced by 0; whatever we wrote before is ordered before.
        MappedAccess.LONG.compareAndSet(buffer, ownerOffset, participants.token(), 0L);
    }
}
