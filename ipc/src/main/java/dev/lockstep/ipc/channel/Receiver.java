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
 * The consumer side of a {@link ShmChannel}: the one registered consumer, used by one thread at a
 * time. It delivers messages in ring order to a {@link MessageHandler}, zeroes the consumed space and
 * recovers claims of dead (or stalled past the claim timeout) producers, as described in
 * {@link ShmChannel}.
 *
 * <pre>{@code
 * MessageHandler h = (type, buf, off, len) -> total += buf.getLong(off);   // a field: no allocation
 * while (running) {
 *     receiver.awaitReceive(h, 64);                                        // blocks for >= 1 message
 * }
 * }</pre>
 *
 * <p>If the handler throws, the message counts as consumed and the exception propagates.
 */
public final class Receiver implements AutoCloseable {
    /** Many-to-one: empty polls between two reads of the tail (a power of two). */
    static final int EMPTY_POLLS_PER_TAIL_CHECK = 64;
    private final ShmChannel channel;
    private final ByteBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int headOffset;
    private final int tailOffset;
    private final int dataOffset;
    private final int slotsOffset;
    private final int producerSlots;
    private final long claimTimeoutNanos;
    private final Heartbeats.Registration heartbeat;
    /** One-to-one: a zero header at head always means "empty" (the producer publishes only at commit). */
    private final boolean single;
    /** Empty polls since the tail was last read (many-to-one; plain: this thread only). */
    private int emptyPolls;
    /** Our head (plain: only this receiver writes head). */
    private long head;
    /** Position where we are stuck behind a claim, when we first saw it, when we last checked. */
    private long stuckPosition = -1;
    private long stuckSince;
    private long lastCheck;
    private boolean closed;

    Receiver(ShmChannel channel, long claimTimeoutNanos) {
        this.channel = channel;
        this.buffer = channel.buffer;
        this.capacity = channel.capacity;
        this.mask = channel.mask;
        this.headOffset = channel.headOffset;
        this.tailOffset = channel.tailOffset;
        this.dataOffset = channel.dataOffset;
        this.slotsOffset = channel.structureOffset + PRODUCER_TABLE_OFFSET;
        this.producerSlots = channel.producerSlots;
        this.claimTimeoutNanos = claimTimeoutNanos;
        this.heartbeat = Heartbeats.register(buffer, channel.structureOffset + CONSUMER_HEARTBEAT_OFFSET);
        this.single = channel instanceof OneToOneChannel;
        // Acquire: a previous consumer's zeroing happened before its head release.
        this.head = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
        resumeAfterDeadConsumer();
    }

    /**
     * A consumer that died mid-batch may have zeroed records without releasing head: skip leading zero
     * words that no producer intent covers (see ShmChannel's notes).
     */
    private void resumeAfterDeadConsumer() {
        long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset); // acquire: intents written before it
        long pos = head;
        while (pos < tail) {
            // Acquire: a committed header seen here must come with its body.
            long word = (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (pos & mask));
            if (word != 0 || intentCovers(pos)) {
                break;
            }
            pos += ALIGNMENT;
        }
        if (pos != head) {
            head = pos;
            // Release: as in receive.
            MappedAccess.LONG.setRelease(buffer, headOffset, pos);
        }
    }

    private boolean intentCovers(long pos) {
        for (int s = 0; s < producerSlots; s++) {
            int slot = slotsOffset + s * SLOT_LENGTH;
            // Opaque: read after the acquire of tail, which ordered them (intent before tail CAS).
            long ipos = (long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_POSITION_OFFSET);
            long ilen = (long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_LENGTH_OFFSET);
            if (ipos <= pos && pos < ipos + ilen) {
                return true;
            }
        }
        return false;
    }

    /** Delivers at most one message; {@code true} if one was delivered. */
    public boolean tryReceive(MessageHandler handler) {
        return receive(handler, 1) == 1;
    }

    /**
     * Delivers up to {@code limit} available messages without waiting.
     *
     * @return the number delivered (0 if none is available)
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    public int receive(MessageHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
        if (closed) {
            throw new IllegalStateException("receiver is closed");
        }
        long pos = head;
        int count = 0;
        try {
            while (count < limit) {
                int at = dataOffset + (int) (pos & mask);
                // Acquire: pairs with the producer's commit CAS, so the body is visible whole.
                long word = (long) MappedAccess.LONG.getAcquire(buffer, at);
                int length = length(word);
                if (length > 0) {
                    int type = type(word);
                    int aligned = (length + ALIGNMENT - 1) & -ALIGNMENT;
                    if (type == PADDING_TYPE) {
                        consume(at, aligned);
                        pos += aligned;
                        continue;
                    }
                    count++;
                    try {
                        handler.onMessage(type, buffer, at + HEADER_LENGTH, length - HEADER_LENGTH);
                    } finally {
                        consume(at, aligned);
                        pos += aligned;
                    }
                    continue;
                }
                if (word == 0) {
                    // One-to-one: nothing uncommitted is ever visible, so zero is "empty". Many-to-one:
                    // zero is usually "empty" too; only a claim between its tail CAS and its header CAS
                    // (or a producer that died there) looks the same. Reading the tail on every empty
                    // poll would pull the producers' tail line across cores each time, so look only
                    // every EMPTY_POLLS_PER_TAIL_CHECK polls: recovery is ~1 ms anyway.
                    if (single || (++emptyPolls & (EMPTY_POLLS_PER_TAIL_CHECK - 1)) != 0) {
                        break;
                    }
                    // Acquire: if tail moved past pos, the claimant's intent (written before its tail CAS)
                    // is visible to the recovery in stuck().
                    long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
                    if (tail == pos) {
                        break; // empty
                    }
                }
                // A claim in progress at head (header written or not yet): wait, recover if it is dead.
                if (!stuck(pos, at, word)) {
                    break;
                }
            }
        } finally {
            if (pos != head) {
                head = pos;
                // Release: the zeroing of everything below pos happens-before a producer that reads this
                // head (acquire) writes there.
                MappedAccess.LONG.setRelease(buffer, headOffset, pos);
            }
        }
        return count;
    }

    /** Zeroes a consumed record: header to padding first, then body, then header (see notes). */
    private void consume(int at, int aligned) {
        if (aligned > HEADER_LENGTH) {
            // Opaque + store-store fence: if we die while zeroing, a successor sees padding, never a
            // message header over a partly zeroed body.
            MappedAccess.LONG.setOpaque(buffer, at, header(aligned, PADDING_TYPE));
            java.lang.invoke.VarHandle.storeStoreFence();
            for (int i = HEADER_LENGTH; i < aligned; i += 8) {
                buffer.putLong(at + i, 0L); // plain: released by the head store
            }
        }
        buffer.putLong(at, 0L); // plain: released by the head store
    }

    /**
     * Handles a claim at head that is not committed.
     *
     * @return {@code true} if the header changed (re-read it), {@code false} to stop polling for now
     */
    private boolean stuck(long pos, int at, long word) {
        long now = System.nanoTime();
        if (pos != stuckPosition) {
            stuckPosition = pos;
            stuckSince = now;
            lastCheck = now;
            return false;
        }
        if (now - lastCheck < ShmChannel.CHECK_INTERVAL_NANOS) {
            return false;
        }
        lastCheck = now;
        boolean timedOut = now - stuckSince >= claimTimeoutNanos;
        int length = length(word);
        int type = type(word);
        if (length < 0 && (type & CLAIMED_FLAG) != 0) {
            int slot = type & SLOT_MASK;
            boolean dead = slot >= producerSlots || !channel.endpointAlive(slotsOffset + slot * SLOT_LENGTH);
            if (!dead && !timedOut) {
                return false;
            }
            // Volatile CAS: fails if the producer committed or aborted meanwhile (then deliver that).
            if (MappedAccess.LONG.compareAndSet(buffer, at, word, header(-length, PADDING_TYPE))) {
                recovered(-length, !dead);
            }
            return true;
        }
        if (word != 0) {
            // Neither a record nor a claim: corrupt; skip it only after the timeout.
            if (!timedOut) {
                return false;
            }
            long end = Math.min(pos + ALIGNMENT, pos + (capacity - (pos & mask)));
            // Volatile CAS: fails if the word changed meanwhile (then re-read it).
            if (MappedAccess.LONG.compareAndSet(buffer, at, word, header((int) (end - pos), PADDING_TYPE))) {
                recovered((int) (end - pos), true);
            }
            return true;
        }
        // Zero header: find the claimants whose intent covers pos.
        long end = -1;
        boolean found = false;
        boolean anyAlive = false;
        boolean agree = true;
        for (int s = 0; s < producerSlots; s++) {
            int slot = slotsOffset + s * SLOT_LENGTH;
            // Opaque: ordered after the acquire of the tail in receive (intent written before tail CAS).
            long ipos = (long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_POSITION_OFFSET);
            long ilen = (long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_LENGTH_OFFSET);
            if (ipos <= pos && pos < ipos + ilen) {
                found = true;
                if (channel.endpointAlive(slot + SLOT_PID_OFFSET)) {
                    anyAlive = true;
                } else if (end < 0) {
                    end = ipos + ilen;
                } else if (end != ipos + ilen) {
                    agree = false;
                }
            }
        }
        long toEnd = capacity - (pos & mask);
        long padTo;
        boolean byTimeout = false;
        if (found && !anyAlive && agree) {
            padTo = Math.min(end, pos + toEnd);
        } else if (timedOut) {
            // Fallback: pad to the next nonzero word (the next record's header) or the ring's end.
            long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
            long limit = Math.min(tail, pos + toEnd);
            padTo = pos + ALIGNMENT;
            // Acquire: a nonzero word seen here is a header published by a producer's CAS.
            while (padTo < limit && (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (padTo & mask)) == 0) {
                padTo += ALIGNMENT;
            }
            byTimeout = true;
        } else {
            return false;
        }
        int padLength = (int) (padTo - pos);
        // Volatile CAS from 0: fails if the producer wrote its header meanwhile (then handle that).
        if (MappedAccess.LONG.compareAndSet(buffer, at, 0L, header(padLength, PADDING_TYPE))) {
            recovered(padLength, byTimeout);
        }
        return true;
    }

    private void recovered(int bytes, boolean byTimeout) {
        channel.addStat(RECOVERED_CLAIMS_OFFSET, 1);
        channel.addStat(RECOVERED_BYTES_OFFSET, bytes);
        if (byTimeout) {
            channel.addStat(TIMEOUT_RECOVERIES_OFFSET, 1);
        }
        stuckPosition = -1;
    }

    /**
     * Waits until at least one message is available, then delivers up to {@code limit}.
     *
     * @return the number delivered (&gt;= 1)
     * @throws InterruptedException if interrupted while waiting
     */
    public int awaitReceive(MessageHandler handler, int limit) throws InterruptedException {
        int n = receive(handler, limit);
        if (n > 0) {
            return n;
        }
        IdleStrategy idle = Idle.backoff(); // only when we must wait
        while (true) {
            Waits.checkInterrupt();
            idle.idle();
            n = receive(handler, limit);
            if (n > 0) {
                return n;
            }
        }
    }

    /**
     * As {@link #awaitReceive(MessageHandler, int)}, waiting at most {@code timeout}.
     *
     * @return the number delivered; 0 on timeout
     */
    public int awaitReceive(MessageHandler handler, int limit, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        int n = receive(handler, limit);
        if (n > 0) {
            return n;
        }
        long deadline = Waits.deadline(timeout, unit);
        IdleStrategy idle = Idle.backoff();
        while (true) {
            if (Waits.shouldGiveUp(Waits.TIMED, deadline)) {
                return 0;
            }
            idle.idle();
            n = receive(handler, limit);
            if (n > 0) {
                return n;
            }
        }
    }

    /** This consumer's position. */
    public long position() {
        return head;
    }

    /** Stops the heartbeat and unregisters the consumer (another may then register). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.close();
        channel.releaseEndpoint(channel.consumerPidOffset);
        channel.forget(this);
    }

    @Override
    public String toString() {
        return "Receiver[" + channel.path() + " at " + head + "]";
    }
}
