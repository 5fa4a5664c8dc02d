package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The producer side of a {@link ShmChannel}: one registered producer slot, used by one thread at a
 * time (take one sender per thread). Closing it releases the slot.
 *
 * <p>Zero-copy sending:
 * <pre>{@code
 * int at = sender.tryClaim(3, 16);
 * if (at >= 0) {
 *     ByteBuffer b = sender.buffer();
 *     b.putLong(at, id).putLong(at + 8, price);   // absolute puts only
 *     sender.commit(at);
 * }
 * }</pre>
 * Copying sending: {@link #trySend(int, byte[], int, int)} (non-blocking, {@code false} when full),
 * {@link #send(int, byte[], int, int)} (blocks), {@link #trySend(int, byte[], int, int, long, TimeUnit)}
 * (timed), and the same with a {@link ByteBuffer} source. Types are {@code >= 0}; bodies are at most
 * {@link ShmChannel#maxMessageLength()} bytes, else {@link IllegalArgumentException} and nothing is
 * written. The protocol is described in {@link ShmChannel}.
 */
public final class Sender implements AutoCloseable {
    private final ShmChannel channel;
    private final ByteBuffer buffer;
    private final int slot;
    private final int slotOffset;
    private final int capacity;
    private final int mask;
    private final int maxMessageLength;
    private final int tailOffset;
    private final int headOffset;
    private final int dataOffset;
    private final Heartbeats.Registration heartbeat;
    /** How blocking sends wait (one instance: a sender is used by one thread at a time). */
    private final IdleStrategy idle;
    /** One-to-one: the only producer, which publishes nothing before commit (see claimSingle). */
    private final boolean single;
    /** One-to-one: the producer position (plain: only this sender moves the tail). */
    private long tail;
    /** Lower bound of head last read (plain: this thread only). */
    private long headCache;
    /** Absolute offset of the pending claim's header, or -1. */
    private int pendingHeader = -1;
    private int pendingType;
    private int pendingLength;
    private int pendingAligned;
    private boolean closed;

    /** A blocking send checks the consumer's liveness this often while the ring stays full. */
    public static final long CONSUMER_CHECK_MILLIS = 10;
    private static final long CONSUMER_CHECK_NANOS = CONSUMER_CHECK_MILLIS * 1_000_000L;

    Sender(ShmChannel channel, int slot, IdleStrategy idle) {
        this.channel = channel;
        this.idle = Objects.requireNonNull(idle, "idle");
        this.buffer = channel.buffer;
        this.slot = slot;
        this.slotOffset = channel.structureOffset + slotOffset(slot);
        this.capacity = channel.capacity;
        this.mask = channel.mask;
        this.maxMessageLength = channel.maxMessageLength;
        this.tailOffset = channel.tailOffset;
        this.headOffset = channel.headOffset;
        this.dataOffset = channel.dataOffset;
        this.heartbeat = Heartbeats.register(buffer, slotOffset + SLOT_HEARTBEAT_OFFSET);
        // Acquire: pairs with the consumer's release of head; the space below head + capacity is zero.
        this.headCache = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
        this.single = channel instanceof OneToOneChannel;
        if (single) {
            this.tail = recoverTail();
            zeroFreeSpace();
        }
    }

    /**
     * One-to-one: where the previous producer really stopped. It publishes a record's header before
     * the tail, so one that died in between left records past the stored tail (perhaps already
     * consumed, so head may even be ahead of it). Walk forward from max(tail, head) over published
     * headers until a zero header that the consumer has not passed, and store the result.
     */
    private long recoverTail() {
        // Acquire: pairs with the previous producer's release of the tail after its last commit.
        long stored = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
        long pos = Math.max(stored, headCache);
        while (true) {
            // Head BEFORE the header (acquire: pairs with the consumer's release of head, which follows
            // its zeroing of everything below it). Read in this order, a head h <= pos tells us the
            // consumer had not freed pos when we then read its header: a nonzero header is a record
            // still in the stream (skip it), never a word of space the consumer already freed and
            // a later lap reused. Read the other way round, a header read first could be one the
            // consumer freed (and released head past) between the two reads.
            headCache = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
            if (headCache > pos) {
                pos = headCache; // consumed up to there: nothing below head is ours to count
                continue;
            }
            // Acquire: a published header comes with its record.
            long word = (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (pos & mask));
            int length = length(word);
            if (length > 0) {
                pos += (length + ALIGNMENT - 1) & -ALIGNMENT; // a record or padding nobody counted in the tail
                continue;
            }
            // Zero: the end of what the predecessor published, unless the consumer consumed and zeroed
            // it after our head read; then head has moved past pos (it releases head before its next
            // batch), and we read it again.
            // Acquire: as above.
            long again = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
            if (again > pos) {
                headCache = again;
                pos = again;
                continue;
            }
            break;
        }
        if (pos != stored) {
            // Release: as after a commit.
            MappedAccess.LONG.setRelease(buffer, tailOffset, pos);
        }
        return pos;
    }

    /**
     * One-to-one: a predecessor that died (or aborted by closing) between claim and commit may have
     * left body bytes past the tail, where the consumer expects zeros. Clear the free space before the
     * first claim. The consumer reads only the header word at head <= tail, which no uncommitted claim
     * ever writes, so this races with nothing it reads.
     */
    private void zeroFreeSpace() {
        long end = headCache + capacity;
        for (long pos = tail + HEADER_LENGTH; pos < end; pos += ALIGNMENT) {
            int at = dataOffset + (int) (pos & mask);
            if (buffer.getLong(at) != 0L) {  // plain: read first so clean pages are not dirtied
                buffer.putLong(at, 0L);        // plain: published by our first commit's release
            }
        }
    }

    /** The channel's mapping: write claimed bodies here with absolute puts. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** This sender's producer slot index. */
    public int slot() {
        return slot;
    }

    /**
     * Claims space for a {@code length}-byte message of {@code type}.
     *
     * @return the offset in {@link #buffer()} where the body goes, or -1 if the ring is full
     * @throws IllegalArgumentException if {@code type < 0} or {@code length} is outside
     *                                  [0, maxMessageLength]
     * @throws IllegalStateException    if a claim is pending or the sender is closed
     */
    public int tryClaim(int type, int length) {
        checkMessage(type, length);
        if (pendingHeader >= 0) {
            throw new IllegalStateException("a claim is pending: commit or abort it first");
        }
        return single ? claimSingle(type, length) : claim(type, length);
    }

    /**
     * One-to-one claim: nothing is published until commit, so a producer that dies between claim and
     * commit leaves nothing the consumer could see (its header word stays zero: "empty"), and the
     * hot path has no atomic read-modify-write at all (Agrona's OneToOneRingBuffer protocol).
     */
    private int claimSingle(int type, int length) {
        int aligned = alignedLength(length);
        int index = (int) (tail & mask);
        int toEnd = capacity - index;
        int required = aligned <= toEnd ? aligned : toEnd + aligned;
        if (tail + required - headCache > capacity) {
            // Acquire: pairs with the consumer's release of head, so the freed space reads as zero.
            headCache = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
            if (tail + required - headCache > capacity) {
                return -1;
            }
        }
        int at = dataOffset + (required == aligned ? index : 0);
        pendingHeader = at;
        pendingType = type;
        pendingLength = length;
        pendingAligned = required; // the whole extent, padding included: commit publishes both
        return at + HEADER_LENGTH;
    }

    /** One-to-one commit (or abort as padding): header, then the wrap padding, then the tail. */
    private boolean publishSingle(long recordHeader) {
        int at = pendingHeader;
        pendingHeader = -1;
        int index = (int) (tail & mask);
        // Release: the body (plain stores) is visible before the header that says it is there.
        MappedAccess.LONG.setRelease(buffer, at, recordHeader);
        if (at != dataOffset + index) {
            // Wrapped: the padding to the ring's end goes after the record, so a consumer that skips it
            // finds the record already published (release: orders after the record header).
            MappedAccess.LONG.setRelease(buffer, dataOffset + index, header(capacity - index, PADDING_TYPE));
        }
        tail += pendingAligned;
        // Release: only for readers of the tail (statistics, a successor producer); the consumer
        // never reads it on its fast path, so this store stays in our cache.
        MappedAccess.LONG.setRelease(buffer, tailOffset, tail);
        return true;
    }

    private int claim(int type, int length) {
        int aligned = alignedLength(length);
        while (true) {
            // Volatile: the value the CAS compares against (opaque would do; volatile keeps it simple).
            long tail = (long) MappedAccess.LONG.getVolatile(buffer, tailOffset);
            int index = (int) (tail & mask);
            int toEnd = capacity - index;
            int required = aligned <= toEnd ? aligned : toEnd + aligned;
            if (tail + required - headCache > capacity) {
                // Acquire: pairs with the consumer's release of head, so the freed space reads as zero
                // (and our CASes from 0 below compare with the consumer's zeroing, not older bytes).
                headCache = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
                if (tail + required - headCache > capacity) {
                    // Full. Release: withdraws a stale intent from an earlier failed CAS; a consumer
                    // that reads it (acquire) sees everything we did before (see the notes on intents).
                    MappedAccess.LONG.setRelease(buffer, slotOffset + SLOT_INTENT_LENGTH_OFFSET, 0L);
                    return -1;
                }
            }
            // Release intent stores: a consumer that reads a later value of our intent (acquire) also
            // sees the header CAS of our previous claim, which precedes them in program order; the
            // volatile tail CAS below orders them before the tail moves, which is what the consumer
            // needs to find them once it sees tail > head.
            MappedAccess.LONG.setRelease(buffer, slotOffset + SLOT_INTENT_POSITION_OFFSET, tail);
            MappedAccess.LONG.setRelease(buffer, slotOffset + SLOT_INTENT_LENGTH_OFFSET, (long) required);
            // Volatile CAS: claims [tail, tail + required) for us alone.
            if (!MappedAccess.LONG.compareAndSet(buffer, tailOffset, tail, tail + required)) {
                continue;
            }
            int recordIndex = index;
            if (required != aligned) {
                // Wrap: pad to the ring's end. Volatile CAS from 0, our first store into the claim: if
                // the word is not 0 the consumer revoked the claim while we stalled (a fence): we
                // acknowledge and write nothing else into the range, not even the record header.
                long w = (long) MappedAccess.LONG.compareAndExchange(buffer, dataOffset + index, 0L,
                        header(toEnd, PADDING_TYPE));
                if (w != 0L) {
                    acknowledgeRevocation(dataOffset + index, w);
                    continue;
                }
                recordIndex = 0;
            }
            int at = dataOffset + recordIndex;
            // Volatile CAS from 0: publishes {extent, claimant} as one word and is a full fence, so the
            // header is visible before any body byte stored after it (the store-store order the
            // consumer's recovery relies on). A nonzero witness is the consumer's fence: the claim was
            // revoked while we stalled; acknowledge it and claim again.
            long w = (long) MappedAccess.LONG.compareAndExchange(buffer, at, 0L, header(-aligned, CLAIMED_FLAG | slot));
            if (w != 0L) {
                acknowledgeRevocation(at, w);
                continue;
            }
            // Release store (not a CAS): the intent stops covering the claim, which its header now
            // describes. Negated, not zeroed, so the slot's last claim end stays readable for a
            // successor taking over a dead owner's slot. A consumer that reads this value (acquire)
            // re-reads the header and sees our CAS above (release/acquire through this store).
            MappedAccess.LONG.setRelease(buffer, slotOffset + SLOT_INTENT_LENGTH_OFFSET, (long) -required);
            pendingHeader = at;
            pendingType = type;
            pendingLength = length;
            pendingAligned = aligned;
            return at + HEADER_LENGTH;
        }
    }

    /**
     * Our claim was revoked while we stalled: the consumer left the fence word {@code w} where our
     * first store, or our commit, was to go, and keeps the claim's space out of use until we say we
     * are done with it. We are: every store we make into that space precedes this call. Turning the
     * fence into padding tells the consumer so; it then zeroes and frees the space.
     */
    private void acknowledgeRevocation(int at, long w) {
        if (length(w) < 0 && (type(w) & (CLAIMED_FLAG | REVOKED_FLAG)) == (CLAIMED_FLAG | REVOKED_FLAG)) {
            // Volatile CAS: releases all our earlier stores into the fenced space (body bytes written
            // while we did not know), so the consumer's zeroing, which follows its acquire of this
            // padding, happens after them.
            MappedAccess.LONG.compareAndSet(buffer, at, w, header(-length(w), PADDING_TYPE));
        }
        // Release: our intent no longer covers anything (it may still cover the fence's range if the
        // revocation found our header unwritten); ordered after the acknowledgement above.
        long ilen = (long) MappedAccess.LONG.get(buffer, slotOffset + SLOT_INTENT_LENGTH_OFFSET); // plain: ours
        if (ilen > 0) {
            MappedAccess.LONG.setRelease(buffer, slotOffset + SLOT_INTENT_LENGTH_OFFSET, -ilen);
        }
    }

    /**
     * Publishes the claimed message.
     *
     * @param index the value {@link #tryClaim} returned
     * @return {@code true} if delivered; {@code false} if the consumer revoked the claim (claim timeout
     *         exceeded): the message is lost and must be sent again
     * @throws IllegalStateException if {@code index} is not the pending claim
     */
    public boolean commit(int index) {
        int at = checkPending(index);
        if (single) {
            return publishSingle(header(HEADER_LENGTH + pendingLength, pendingType));
        }
        pendingHeader = -1;
        return publish(at, header(HEADER_LENGTH + pendingLength, pendingType));
    }

    /**
     * Withdraws the claimed message: its space becomes padding the consumer skips.
     *
     * @return {@code false} if the claim had already been revoked
     */
    public boolean abort(int index) {
        int at = checkPending(index);
        if (single) {
            // Published as padding (the consumer zeroes it), not dropped: the body bytes already
            // written must not stay in the free space.
            return publishSingle(header(alignedLength(pendingLength), PADDING_TYPE));
        }
        pendingHeader = -1;
        return publish(at, header(pendingAligned, PADDING_TYPE));
    }

    /** Many-to-one commit or abort: the claimed header becomes {@code recordHeader}, unless revoked. */
    private boolean publish(int at, long recordHeader) {
        long claimed = header(-pendingAligned, CLAIMED_FLAG | slot);
        // Volatile CAS: releases the body (a consumer that acquires the committed header sees it whole);
        // a CAS, not a store, so a revoked claim is detected instead of resurrected. While a revoked
        // claim's owner lives, its space is fenced (never reused), so the witness is the fence itself
        // and never another claim's header: a late commit cannot succeed on reused words.
        long w = (long) MappedAccess.LONG.compareAndExchange(buffer, at, claimed, recordHeader);
        if (w == claimed) {
            return true;
        }
        acknowledgeRevocation(at, w);
        return false;
    }

    private int checkPending(int index) {
        if (pendingHeader < 0 || index != pendingHeader + HEADER_LENGTH) {
            throw new IllegalStateException("no pending claim at " + index
                    + (pendingHeader < 0 ? "" : " (pending: " + (pendingHeader + HEADER_LENGTH) + ")"));
        }
        return pendingHeader;
    }

    /** Sends {@code src[offset, offset + length)}; {@code false} (nothing written) if the ring is full. */
    public boolean trySend(int type, byte[] src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        Objects.checkFromIndexSize(offset, length, src.length);
        int at = tryClaim(type, length);
        if (at < 0) {
            return false;
        }
        buffer.put(at, src, offset, length); // plain: released by commit
        return commitOrRetry(at);
    }

    /** Sends {@code src[offset, offset + length)} (absolute, src's position unchanged); {@code false} if full. */
    public boolean trySend(int type, ByteBuffer src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        Objects.checkFromIndexSize(offset, length, src.limit());
        int at = tryClaim(type, length);
        if (at < 0) {
            return false;
        }
        buffer.put(at, src, offset, length); // plain: released by commit
        return commitOrRetry(at);
    }

    private boolean commitOrRetry(int at) {
        // A revoked copy (only after a claim timeout: we stalled for seconds) reports "not sent" so
        // the caller's retry policy applies.
        return commit(at);
    }

    /**
     * Sends, waiting with this sender's idle strategy while the ring is full.
     *
     * @throws IllegalStateException if, while waiting, the channel's registered consumer is found dead
     *                               (checked every {@value #CONSUMER_CHECK_MILLIS} ms): the message is
     *                               not sent. With no consumer registered (none yet, or closed
     *                               normally) it keeps waiting for one.
     */
    public void send(int type, byte[] src, int offset, int length) throws InterruptedException {
        if (trySend(type, src, offset, length)) {
            return;
        }
        // Waiting: the ByteBuffer variant's loop; the wrapper is allocated only now.
        send(type, ByteBuffer.wrap(src), offset, length);
    }

    /** As {@link #send(int, byte[], int, int)}, from {@code src[offset, offset + length)} (absolute). */
    public void send(int type, ByteBuffer src, int offset, int length) throws InterruptedException {
        if (trySend(type, src, offset, length)) {
            return;
        }
        idle.reset();
        long nextCheck = System.nanoTime() + CONSUMER_CHECK_NANOS;
        do {
            Waits.checkInterrupt();
            idle.idle();
            nextCheck = checkConsumer(nextCheck);
        } while (!trySend(type, src, offset, length));
    }

    /**
     * Sends, waiting at most {@code timeout} while the ring is full; {@code false} on timeout.
     *
     * @throws IllegalStateException as {@link #send(int, byte[], int, int)} if the consumer is found dead
     */
    public boolean trySend(int type, byte[] src, int offset, int length, long timeout, TimeUnit unit)
            throws InterruptedException {
        Waits.requireUnit(unit);
        if (trySend(type, src, offset, length)) {
            return true;
        }
        // Waiting: the ByteBuffer variant's loop; the wrapper is allocated only now.
        return trySend(type, ByteBuffer.wrap(src), offset, length, timeout, unit);
    }

    /** As {@link #trySend(int, byte[], int, int, long, TimeUnit)}, from a buffer (absolute). */
    public boolean trySend(int type, ByteBuffer src, int offset, int length, long timeout, TimeUnit unit)
            throws InterruptedException {
        Waits.requireUnit(unit);
        if (trySend(type, src, offset, length)) {
            return true;
        }
        long deadline = Waits.deadline(timeout, unit);
        idle.reset();
        long nextCheck = System.nanoTime() + CONSUMER_CHECK_NANOS;
        while (true) {
            if (Waits.shouldGiveUp(Waits.TIMED, deadline)) {
                return false;
            }
            idle.idle();
            nextCheck = checkConsumer(nextCheck);
            if (trySend(type, src, offset, length)) {
                return true;
            }
        }
    }

    /** While waiting for space: throws if the registered consumer is dead; rate-limited (a /proc read). */
    private long checkConsumer(long nextCheck) {
        long now = System.nanoTime();
        if (now - nextCheck < 0) {
            return nextCheck;
        }
        String dead = channel.deadConsumer();
        if (dead != null) {
            throw new IllegalStateException(channel.name + ": the ring is full and its consumer (" + dead
                    + ") is dead; the message was not sent");
        }
        return now + CONSUMER_CHECK_NANOS;
    }

    private void checkMessage(int type, int length) {
        if (closed) {
            throw new IllegalStateException("sender is closed");
        }
        if (type < 0) {
            throw new IllegalArgumentException("type must be >= 0: " + type);
        }
        if (length < 0 || length > maxMessageLength) {
            throw new IllegalArgumentException("message length must be in [0, " + maxMessageLength + "]: " + length);
        }
    }

    /** Aborts a pending claim, stops the heartbeat and releases the slot. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (pendingHeader >= 0) {
            abort(pendingHeader + HEADER_LENGTH);
        }
        closed = true;
        heartbeat.close();
        channel.releaseEndpoint(slotOffset + SLOT_OWNER_OFFSET);
        channel.forget(this);
    }

    @Override
    public String toString() {
        return "Sender[slot " + slot + " of " + channel.path() + "]";
    }
}
