package dev.lockstep.ipc.broadcast;

import static dev.lockstep.ipc.broadcast.BroadcastDescriptor.*;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Objects;

import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The producer of a {@link BroadcastChannel}: the one registered producer, used by one thread at a
 * time. A send never waits and never fails for lack of space: it overwrites the oldest messages
 * (consumers that had not read them yet are lapped and told so).
 *
 * <pre>{@code
 * try (BroadcastSender out = channel.sender()) {
 *     out.send(1, bytes, 0, bytes.length);
 * }
 * }</pre>
 *
 * <p>Creating a sender after a producer died inside a send first turns the dead producer's partial
 * range into padding (see {@link BroadcastChannel}'s notes). Closing unregisters it, so another
 * process may become the producer; numbering and positions continue where this one stopped.
 */
public final class BroadcastSender implements AutoCloseable {
    private final BroadcastChannel channel;
    private final ByteBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int maxMessageLength;
    private final int dataOffset;
    private final int tailIntentOffset;
    private final int tailOffset;
    private final int latestOffset;
    private final int nextSequenceOffset;
    private final int oldestOffset;
    private final Heartbeats.Registration heartbeat;
    /** The oldest record boundary not being overwritten (plain: only this sender writes it). */
    private long oldest;
    /** Our tail = the tail intent (plain: only this sender writes either). */
    private long tail;
    /** The number of the next message (plain: this sender only). */
    private long sequence;
    /** log2 of {@link #oldestSlack}: blocks of that many bytes, block b = [b * slack, (b + 1) * slack). */
    private final int blockShift;
    /**
     * Marks (this sender only): for a block b in [max(firstBlock, nextBlock - MARKS), nextBlock),
     * {@code marks[b & (MARKS - 1)]} is the start of the first message this sender wrote at or after
     * {@code b * slack}: a record boundary remembered when it was written, so that moving oldest does
     * not walk the old headers (a chain of dependent loads, one per record).
     */
    private final long[] marks = new long[MARKS];
    /** The first block whose messages are all this sender's (the blocks before hold a predecessor's). */
    private final long firstBlock;
    /** The first block no message of this sender has started in or after yet. */
    private long nextBlock;
    private boolean closed;

    BroadcastSender(BroadcastChannel channel) {
        this.channel = channel;
        this.buffer = channel.buffer;
        this.capacity = channel.capacity;
        this.mask = channel.mask;
        this.maxMessageLength = channel.maxMessageLength;
        this.dataOffset = channel.dataOffset;
        this.tailIntentOffset = channel.tailIntentOffset;
        this.tailOffset = channel.tailOffset;
        this.latestOffset = channel.latestOffset;
        this.nextSequenceOffset = channel.nextSequenceOffset;
        this.oldestOffset = channel.oldestOffset;
        // Acquire: pairs with the predecessor's release of the tail: its records, and the next
        // sequence it stored before that release, are visible.
        long t = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
        // Acquire: the predecessor's intent (opaque store); a dead process stores nothing more.
        long intent = (long) MappedAccess.LONG.getAcquire(buffer, tailIntentOffset);
        // Opaque: untorn; ordered after the tail's acquire above (see the class notes: no number a
        // consumer saw is reused).
        this.sequence = (long) MappedAccess.LONG.getOpaque(buffer, nextSequenceOffset);
        // Acquire: after the intent's acquire; the predecessor stored oldest, then a store-store fence,
        // then the intent (begin), so having read its intent we read its oldest for that send or a later one.
        long o = (long) MappedAccess.LONG.getAcquire(buffer, oldestOffset);
        if (intent < t || intent - t > capacity) {
            throw new IllegalStateException(channel.name + ": tail intent " + intent + " and tail " + t
                    + " cannot both be right (at most one partial send of at most a ring): the file is corrupt");
        }
        if (intent > t) {
            // The predecessor died inside a send: [t, intent) may hold part of a record. Keep the intent
            // (never lower it: J1) and cover the range with one padding record, then publish it.
            // Opaque: an untorn word for consumers that race on this index (they reject what they read
            // there by the intent, which already covers it).
            MappedAccess.LONG.setOpaque(buffer, dataOffset + (int) (t & mask), header((int) (intent - t), PADDING_TYPE));
            channel.addStat(RECOVERED_BYTES_OFFSET, intent - t);
            // Release: the padding header is visible to any consumer that reads this tail (acquire).
            MappedAccess.LONG.setRelease(buffer, tailOffset, intent);
            t = intent;
        }
        if (o < intent - capacity || o > t) {
            // Not a boundary we can trust (a corrupt value): nothing older than
            // the tail is offered to OLDEST consumers. Release: as in advanceOldest.
            o = t;
            MappedAccess.LONG.setRelease(buffer, oldestOffset, o);
        }
        this.oldest = o;
        this.tail = t;
        this.blockShift = Integer.numberOfTrailingZeros(oldestSlack(capacity));
        this.firstBlock = (t + oldestSlack(capacity) - 1) >>> blockShift;
        this.nextBlock = firstBlock;
        this.heartbeat = Heartbeats.register(buffer, channel.structureOffset + PRODUCER_HEARTBEAT_OFFSET);
    }

    /**
     * Sends a message: {@code length} bytes of {@code src} from {@code offset}, with {@code type}.
     *
     * @param type   a message type &gt;= 0
     * @param src    the bytes to send
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, {@link BroadcastChannel#maxMessageLength()}]
     * @throws IllegalArgumentException if the type is negative or the length exceeds
     *                                  {@link BroadcastChannel#maxMessageLength()}
     * @throws IndexOutOfBoundsException if the range is outside {@code src}
     * @throws IllegalStateException if this sender is closed
     */
    public void send(int type, byte[] src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        Objects.checkFromIndexSize(offset, length, src.length);
        int at = begin(type, length);
        buffer.put(at + HEADER_LENGTH, src, offset, length); // plain: released with the tail (J3)
        end(at, type, length);
    }

    /**
     * As {@link #send(int, byte[], int, int)}, from {@code src}'s bytes {@code [offset, offset + length)}
     * (absolute: its position and limit are not used nor changed).
     *
     * @param type   a message type &gt;= 0
     * @param src    the bytes to send (heap or direct)
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, {@link BroadcastChannel#maxMessageLength()}]
     * @throws IllegalArgumentException if the type is negative or the length is too large
     * @throws IndexOutOfBoundsException if the range is outside {@code src}'s capacity
     * @throws IllegalStateException if this sender is closed
     */
    public void send(int type, ByteBuffer src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        Objects.checkFromIndexSize(offset, length, src.capacity());
        int at = begin(type, length);
        buffer.put(at + HEADER_LENGTH, src, offset, length); // plain: released with the tail (J3)
        end(at, type, length);
    }

    /**
     * Checks the arguments, announces the range (tail intent), writes the wrap padding if needed.
     *
     * @return the absolute offset of the record in the buffer
     */
    private int begin(int type, int length) {
        if (closed) {
            throw new IllegalStateException("sender is closed");
        }
        if (type < 0) {
            throw new IllegalArgumentException("message type must be >= 0: " + type);
        }
        if (length < 0 || length > maxMessageLength) {
            throw new IllegalArgumentException("message length must be in [0, " + maxMessageLength + "]: " + length);
        }
        long t = tail;
        int index = (int) (t & mask);
        int aligned = aligned(HEADER_LENGTH + length);
        int pad = index + aligned > capacity ? capacity - index : 0;
        long end = t + pad + aligned;
        if (oldest < end - capacity) {
            advanceOldest(Math.min(end - capacity + oldestSlack(capacity), t), end);
        }
        // Opaque: an untorn value for consumers' validation loads. Then a store-store fence: by the
        // VarHandle spec, stores before it (this intent) are not reordered with stores after it (the
        // padding and record below), so no consumer can see a byte of the new range without the
        // intent that covers it (J3).
        MappedAccess.LONG.setOpaque(buffer, tailIntentOffset, end);
        VarHandle.storeStoreFence();
        if (pad > 0) {
            buffer.putLong(dataOffset + index, header(pad, PADDING_TYPE)); // plain: released with the tail
            t += pad;
            index = 0;
        }
        while (nextBlock << blockShift <= t) { // the first message at or after those blocks' starts
            marks[(int) nextBlock & (MARKS - 1)] = t;
            nextBlock++;
        }
        tail = t; // start of the record until end() moves it on
        return dataOffset + index;
    }

    /**
     * How far past the overwrite floor {@code oldest} is moved when it must move: {@code capacity / 16}
     * bytes. Moving it a slack ahead (not just to the floor) turns the per-send walk of one old header,
     * release store of oldest and fence (what the 1-consumer profile showed on the send path, see the
     * class notes of BroadcastChannel) into one move and one store per {@code capacity / 16} bytes
     * sent (to a remembered boundary, see {@link #advanceOldest}); an OLDEST consumer is offered the
     * ring's messages minus at most twice that slack and a record.
     */
    static int oldestSlack(int capacity) {
        return capacity >>> 4;
    }

    /** Number of marks: capacity / {@link #oldestSlack}, the blocks of one ring. */
    private static final int MARKS = 16;

    /**
     * Moves {@code oldest} to a record boundary in [{@code target}, tail], where {@code target} is at
     * or after {@code end - capacity} (the bytes before that are about to be overwritten) and at most
     * the tail, and publishes it (J5). Over this sender's own records: the first message it wrote at
     * or after the first multiple of {@link #oldestSlack} at or after {@code target} (a mark taken
     * when it wrote it: no header is read), or the tail if none. Over a predecessor's records: the
     * first boundary at or after {@code target}, walking their headers; a corrupt header moves it to
     * {@code end} (this send's end: no older record is offered).
     */
    private void advanceOldest(long target, long end) {
        long b = (target + (1L << blockShift) - 1) >>> blockShift; // the first block at or after target
        long o;
        if (b >= firstBlock && b >= nextBlock - MARKS) {
            // A boundary we remembered: the first message at or after b * slack (>= target), or, if
            // none started there yet, the tail (>= target: target is at most the tail). Both below or
            // at the tail, so records already complete.
            o = b < nextBlock ? marks[(int) b & (MARKS - 1)] : tail;
        } else {
            o = walk(target, end); // the predecessor's records: walk their headers
        }
        oldest = o;
        // Release: the records below the tail released before (the one at o among them) happen-before
        // a consumer's acquire of oldest. Then a store-store fence: by the VarHandle spec this store
        // is not reordered with the intent stored after it, so a successor producer that reads the
        // intent of this send reads this oldest or a later one.
        MappedAccess.LONG.setRelease(buffer, oldestOffset, o);
        VarHandle.storeStoreFence();
    }

    /** The first record boundary at or after {@code floor}, walking headers from oldest ({@code end} if corrupt). */
    private long walk(long floor, long end) {
        long o = oldest;
        while (o < floor) {
            // Plain: a header of a record below our tail, written by this sender or by a predecessor
            // whose tail we read with acquire; nobody else writes the ring.
            long word = buffer.getLong(dataOffset + (int) (o & mask));
            int step = type(word) == PADDING_TYPE ? length(word) : aligned(length(word));
            if (step < ALIGNMENT || step > capacity || (step & (ALIGNMENT - 1)) != 0 || o + step > tail) {
                o = end; // a corrupt header: no older record is offered
                break;
            }
            o += step;
        }
        return o;
    }

    private void end(int at, int type, int length) {
        long start = tail;
        long end = start + aligned(HEADER_LENGTH + length);
        buffer.putLong(at + SEQUENCE_FIELD_OFFSET, sequence); // plain: released with the tail
        buffer.putLong(at, header(HEADER_LENGTH + length, type)); // plain: released with the tail
        sequence++;
        // Opaque: untorn for a successor; ordered before the tail by the release below, so a successor
        // that reads the tail (acquire) numbers on past every message a consumer saw.
        MappedAccess.LONG.setOpaque(buffer, nextSequenceOffset, sequence);
        // Release: every store of the record (and the wrap padding) happens-before a consumer's
        // acquire of this tail.
        MappedAccess.LONG.setRelease(buffer, tailOffset, end);
        // Release, after the tail: a consumer that reads latest (acquire) sees a tail past it.
        MappedAccess.LONG.setRelease(buffer, latestOffset, start);
        tail = end;
    }

    /**
     * Bytes sent since the channel was created (the tail position).
     *
     * @return the tail, a byte count never wrapped (padding included)
     */
    public long position() {
        return tail;
    }

    /**
     * Number of messages sent on this channel since creation (by this and earlier producers).
     *
     * @return the sequence number the next message will get
     */
    public long sequence() {
        return sequence;
    }

    /** Stops the heartbeat and unregisters the producer (another may then register). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.close();
        channel.release(channel.producerOwnerOffset);
        channel.forget(this);
    }

    @Override
    public String toString() {
        return "BroadcastSender[" + channel.path() + " at " + tail + "]";
    }
}
