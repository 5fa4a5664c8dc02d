package dev.lockstep.ipc.broadcast;

import static dev.lockstep.ipc.broadcast.BroadcastDescriptor.*;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.MappedAccess;

/**
 * A consumer of a {@link BroadcastChannel}, reading at its own position; used by one thread at a time.
 * Any number of receivers, in any processes, read the same channel; none of them slows the producer
 * or the others.
 *
 * <pre>{@code
 * MessageHandler h = (type, buf, off, len) -> total += buf.getLong(off);  // a field: no allocation
 * while (running) {
 *     receiver.awaitReceive(h, 64);          // a validated private copy of each message
 * }
 * long skipped = receiver.lostMessages();   // overwritten before we could read them
 * }</pre>
 *
 * <h2>Two ways to receive</h2>
 * <ul>
 *   <li><b>Copy, then validate</b> (the default: {@link #receive}, {@link #tryReceive},
 *       {@link #awaitReceive}): the message is copied into this receiver's private buffer, the copy is
 *       validated against the producer's tail intent, and only a valid copy is handed to the handler
 *       ({@code buffer} is then that private buffer, reused by the next message: valid during the call
 *       only). A handler never sees a torn message.</li>
 *   <li><b>Zero copy, then validate</b> ({@link #receiveZeroCopy}): the handler reads the message in
 *       the shared mapping, and the validation runs <em>after</em> it returns. If it returns
 *       {@link #LAPPED}, the producer may have overwritten the bytes while the handler read them:
 *       the handler must treat what it read as garbage and undo or discard its effects (keep them
 *       idempotent, or stage them and commit on {@link #DELIVERED}). A torn read is always reported;
 *       a handler must also tolerate garbage values without failing (bounds-check lengths it reads).</li>
 * </ul>
 *
 * <h2>Where it starts</h2>
 * After the newest message published when it was made ({@link StartPosition#NEXT}, the default), or
 * at the oldest message still in the ring ({@link StartPosition#OLDEST}: the backlog first), see
 * {@link BroadcastChannel#receiver(StartPosition)}. Its {@link #lostMessages()} counts from there.
 *
 * <h2>Lapping</h2>
 * When the producer has overwritten messages this receiver had not read yet, the receiver counts a
 * lap ({@link #lappedCount()}), adds the messages it missed to {@link #lostMessages()} (exact:
 * messages carry sequence numbers), and resumes at the newest message. {@link #resync()} jumps there
 * on request. No message is delivered twice or out of order.
 *
 * <p>If the handler throws, the message counts as received and the exception propagates (zero copy:
 * a lap detected after the throwing handler is still counted in {@link #lappedCount()}).
 */
public final class BroadcastReceiver implements AutoCloseable {
    /** {@link #receiveZeroCopy} result: nothing to receive. */
    public static final int EMPTY = 0;
    /** {@link #receiveZeroCopy} result: the handler saw a whole message that was not overwritten. */
    public static final int DELIVERED = 1;
    /**
     * {@link #receiveZeroCopy} result: this receiver was lapped; if the handler was called in this
     * call, the bytes it saw may have been overwritten while it read them and must be discarded. The
     * receiver has moved to the newest message.
     */
    public static final int LAPPED = -1;

    private static final long UNKNOWN = -1L;

    private final BroadcastChannel channel;
    private final ByteBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int maxMessageLength;
    private final int dataOffset;
    private final int tailIntentOffset;
    private final int tailOffset;
    private final int latestOffset;
    private final int oldestOffset;
    /** This receiver's slot line (absolute), or -1 if unlisted. */
    private final int slot;
    private final Heartbeats.Registration heartbeat;
    private final IdleStrategy idle;
    /** The private buffer of copy-mode receives. */
    private final ByteBuffer copy;
    /** Where we read next (plain: this thread only). */
    private long cursor;
    /** The sequence number we expect next, or UNKNOWN (joined before any message, or resynced on request). */
    private long expected = UNKNOWN;
    private long lapped;
    private long lost;
    private long received;
    /** The cursor last stored in our slot ({@link #publish}); position and received change only with it. */
    private long published;
    private boolean closed;
    /**
     * A receive call of this receiver is running, so its handler may be on the stack (plain: this
     * thread only). A receive from that handler is refused (it would overwrite the private copy the
     * outer handler is reading and account sequence numbers out of order), a close from it deferred to
     * the end of the call (the call still publishes into our consumer slot).
     */
    private boolean receiving;
    /** close() was called from a handler of the running receive call: done when that call returns. */
    private boolean closeWhenDone;

    BroadcastReceiver(BroadcastChannel channel, IdleStrategy idle, int slot, StartPosition start) {
        this.channel = channel;
        this.idle = idle;
        this.buffer = channel.buffer;
        this.capacity = channel.capacity;
        this.mask = channel.mask;
        this.maxMessageLength = channel.maxMessageLength;
        this.dataOffset = channel.dataOffset;
        this.tailIntentOffset = channel.tailIntentOffset;
        this.tailOffset = channel.tailOffset;
        this.latestOffset = channel.latestOffset;
        this.oldestOffset = channel.oldestOffset;
        this.slot = slot;
        this.copy = ByteBuffer.allocate(Math.max(8, maxMessageLength)).order(ByteOrder.nativeOrder());
        if (start == StartPosition.OLDEST) {
            joinOldest();
        } else {
            join();
        }
        if (slot >= 0) {
            // Opaque: our own counters (a dead predecessor's values are overwritten), read by stat.
            MappedAccess.LONG.setOpaque(buffer, slot + SLOT_LAPPED_OFFSET, 0L);
            MappedAccess.LONG.setOpaque(buffer, slot + SLOT_LOST_OFFSET, 0L);
            MappedAccess.LONG.setOpaque(buffer, slot + SLOT_RECEIVED_OFFSET, 0L);
            MappedAccess.LONG.setOpaque(buffer, slot + SLOT_POSITION_OFFSET, cursor);
            this.published = cursor;
            this.heartbeat = Heartbeats.register(buffer, slot + SLOT_HEARTBEAT_OFFSET);
        } else {
            this.heartbeat = null;
        }
    }

    /**
     * Receives at most one message (copy mode), without waiting.
     *
     * @param handler called with the message, on this thread
     * @return {@code true} if one was handed to the handler, {@code false} if none was available
     * @throws IllegalStateException if this receiver is closed, if called from a handler of its own running
     *                               receive call, or on a malformed record
     */
    public boolean tryReceive(MessageHandler handler) {
        return receive(handler, 1) == 1;
    }

    /**
     * Hands up to {@code limit} available messages to {@code handler}, each as a validated private copy,
     * without waiting. Laps met on the way are counted and skipped.
     *
     * @param handler called once per message, on this thread, with a private copy of its body
     * @param limit   the most messages to hand over, &gt;= 1
     * @return the number handed to the handler (0 if none is available)
     * @throws IllegalArgumentException if {@code limit < 1}
     * @throws IllegalStateException if this receiver is closed, if called from a handler of its own running
     *                               receive call, or if the ring holds a record that is
     *                               not torn and yet malformed (a corrupted file)
     */
    public int receive(MessageHandler handler, int limit) {
        check(handler, limit);
        receiving = true;
        int count = 0;
        try {
            // Acquire: pairs with the producer's release of the tail: every record below it is
            // complete in memory order (J3, J4).
            long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
            while (count < limit && cursor < tail) {
                long c = cursor;
                if (tail - c > capacity) {
                    lap();
                    continue;
                }
                int at = dataOffset + (int) (c & mask);
                long word = buffer.getLong(at); // plain: validated below
                int length = length(word);
                int type = type(word);
                if (type == PADDING_TYPE && length >= ALIGNMENT && length <= capacity && (length & (ALIGNMENT - 1)) == 0) {
                    if (valid(c)) {
                        cursor = c + length;
                    } else {
                        lap();
                    }
                    continue;
                }
                int body = length - HEADER_LENGTH;
                int aligned = aligned(length);
                if (type < 0 || body < 0 || body > maxMessageLength || (int) (c & mask) + aligned > capacity) {
                    insane(c, word);
                    continue;
                }
                long seq = buffer.getLong(at + SEQUENCE_FIELD_OFFSET); // plain: validated below
                copy.put(0, buffer, at + HEADER_LENGTH, body); // plain loads: validated below
                if (!valid(c)) {
                    lap();
                    continue;
                }
                cursor = c + aligned;
                account(seq);
                count++;
                handler.onMessage(type, copy, 0, body);
            }
        } finally {
            publish();
            endReceive();
        }
        return count;
    }

    /**
     * Zero copy: hands the next message to {@code handler} in the shared mapping, then validates that
     * the producer did not overwrite it while the handler ran.
     *
     * @param handler called at most once, with a view of the body in the shared mapping
     * @return {@link #DELIVERED} if the handler saw a whole message that was not overwritten;
     *         {@link #EMPTY} if there was none (handler not called); {@link #LAPPED} if this receiver
     *         was lapped: whatever the handler saw in this call (if it was called) is invalid and its
     *         effects must be discarded; the receiver has moved to the newest message
     * @throws IllegalStateException if closed, if called from a handler of its own running receive call, or
     *                               on a malformed record that validates (corruption)
     */
    public int receiveZeroCopy(MessageHandler handler) {
        check(handler, 1);
        receiving = true;
        try {
            while (true) {
                // Acquire: as in receive.
                long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
                long c = cursor;
                if (c >= tail) {
                    return EMPTY;
                }
                if (tail - c > capacity) {
                    lap();
                    return LAPPED;
                }
                int at = dataOffset + (int) (c & mask);
                long word = buffer.getLong(at); // plain: validated below
                int length = length(word);
                int type = type(word);
                if (type == PADDING_TYPE && length >= ALIGNMENT && length <= capacity && (length & (ALIGNMENT - 1)) == 0) {
                    if (!valid(c)) {
                        lap();
                        return LAPPED;
                    }
                    cursor = c + length;
                    continue;
                }
                int body = length - HEADER_LENGTH;
                int aligned = aligned(length);
                if (type < 0 || body < 0 || body > maxMessageLength || (int) (c & mask) + aligned > capacity) {
                    insane(c, word);
                    return LAPPED;
                }
                long seq = buffer.getLong(at + SEQUENCE_FIELD_OFFSET); // plain: validated below
                cursor = c + aligned; // consumed even if the handler throws
                boolean intact = false;
                try {
                    handler.onMessage(type, buffer, at + HEADER_LENGTH, body);
                } finally {
                    // The handler's loads (plain, through the mapping) are validated after it returned
                    // or threw; a lap found here is counted either way (an exception still propagates).
                    intact = valid(c);
                    if (intact) {
                        account(seq);
                    } else {
                        lap();
                    }
                }
                return intact ? DELIVERED : LAPPED;
            }
        } finally {
            publish();
            endReceive();
        }
    }

    /** The end of a receive call: a close() its handler asked for is done now. */
    private void endReceive() {
        receiving = false;
        if (closeWhenDone) {
            closeWhenDone = false;
            close();
        }
    }

    /**
     * Waits until at least one message is available, then hands up to {@code limit} to the handler
     * (copy mode). Waits with the receiver's idle strategy.
     *
     * @param handler called once per message, on this thread, with a private copy of its body
     * @param limit   the most messages to hand over, &gt;= 1
     * @return the number handed over (&gt;= 1)
     * @throws InterruptedException if interrupted while waiting
     */
    public int awaitReceive(MessageHandler handler, int limit) throws InterruptedException {
        int n = receive(handler, limit);
        if (n > 0) {
            return n;
        }
        idle.reset();
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
     * @param handler called once per message, on this thread, with a private copy of its body
     * @param limit   the most messages to hand over, &gt;= 1
     * @param timeout how long to wait at most, in {@code unit}s
     * @param unit    the unit of {@code timeout}
     * @return the number handed over; 0 on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public int awaitReceive(MessageHandler handler, int limit, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        int n = receive(handler, limit);
        if (n > 0) {
            return n;
        }
        long deadline = Waits.deadline(timeout, unit);
        idle.reset();
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

    /**
     * Moves to the newest message (the next receive returns it, unless it is overwritten first),
     * skipping any backlog; skipped messages are not counted as lost.
     *
     * @throws IllegalStateException if closed
     */
    public void resync() {
        if (closed) {
            throw new IllegalStateException("receiver is closed");
        }
        moveToLatest();
        expected = UNKNOWN;
        publish();
    }

    /**
     * Times this receiver was lapped (fell more than the ring behind and resumed at the newest message).
     *
     * @return the lap count since this receiver was made
     */
    public long lappedCount() {
        return lapped;
    }

    /**
     * Messages this receiver missed because they were overwritten before it read them (from sequence
     * numbers; not counting messages before it joined or skipped by {@link #resync()}).
     *
     * @return the number of messages lost since this receiver was made
     */
    public long lostMessages() {
        return lost;
    }

    /**
     * Messages handed to a handler (copy mode) or reported {@link #DELIVERED} (zero copy).
     *
     * @return the count since this receiver was made
     */
    public long receivedMessages() {
        return received;
    }

    /**
     * Where this receiver reads next.
     *
     * @return the byte position since the channel's creation (never wrapped)
     */
    public long position() {
        return cursor;
    }

    /**
     * Whether this receiver is listed in a consumer slot (visible to {@code stat}).
     *
     * @return {@code false} if all slots were taken when it was made
     */
    public boolean isListed() {
        return slot >= 0;
    }

    /**
     * Stops the heartbeat and frees the consumer slot. Called from a handler of this receiver's running
     * receive call, it takes effect when that call returns (the call may hand over the rest of its batch
     * first).
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (receiving) {
            closeWhenDone = true;
            return;
        }
        closed = true;
        if (slot >= 0) {
            heartbeat.close();
            channel.release(slot + SLOT_OWNER_OFFSET);
        }
        channel.forget(this);
    }

    @Override
    public String toString() {
        return "BroadcastReceiver[" + channel.path() + " at " + cursor + ", lapped " + lapped + ", lost " + lost + "]";
    }

    // ------------------------------------------------------------------ internals

    private void check(MessageHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
        if (closed) {
            throw new IllegalStateException("receiver is closed");
        }
        if (receiving) {
            throw new IllegalStateException("receive called from a handler of this receiver's own receive call: "
                    + "return from the handler first");
        }
    }

    /**
     * Whether the record at {@code c}, read with plain loads before this call, was intact: the tail
     * intent has not passed {@code c + capacity} (J4).
     */
    private boolean valid(long c) {
        // Load-load fence: by the VarHandle spec, loads before it (the record's bytes, the handler's
        // reads) are not reordered with loads after it (the intent below). Opaque: an untorn value.
        VarHandle.loadLoadFence();
        return (long) MappedAccess.LONG.getOpaque(buffer, tailIntentOffset) <= c + capacity;
    }

    /** A record header that is neither a message nor padding: torn (a lap) or, if valid, corruption. */
    private void insane(long c, long word) {
        if (valid(c)) {
            throw new IllegalStateException(channel.name + ": malformed record at position " + c + " (length "
                    + length(word) + ", type " + type(word) + "): the file is corrupt");
        }
        lap();
    }

    private void lap() {
        lapped++;
        moveToLatest();
        if (slot >= 0) {
            // Opaque: our own counter, read by stat.
            MappedAccess.LONG.setOpaque(buffer, slot + SLOT_LAPPED_OFFSET, lapped);
        }
    }

    private void moveToLatest() {
        // Acquire: pairs with the producer's release of latest, which follows its release of a tail
        // past it: the record at latest is complete below the tail we read next.
        long latest = (long) MappedAccess.LONG.getAcquire(buffer, latestOffset);
        if (latest > cursor) {
            cursor = latest;
        } else {
            // No newer message yet (only a producer that died inside its first sends): the tail.
            // Acquire: as in receive.
            cursor = Math.max(cursor, (long) MappedAccess.LONG.getAcquire(buffer, tailOffset));
        }
    }

    /**
     * Starts after the newest message, knowing its sequence number (so that a lap before our first
     * message is counted exactly): reads latest and validates the record there like any read.
     */
    private void join() {
        for (int attempt = 0; ; attempt++) {
            // Acquire: pairs with the producer's release of the tail.
            long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
            if (tail == 0) {
                cursor = 0; // nothing published yet: the first message is number 0 (see the notes)
                expected = 0;
                return;
            }
            // Acquire: pairs with the release of latest, which follows the release of a tail past it.
            long latest = (long) MappedAccess.LONG.getAcquire(buffer, latestOffset);
            int at = dataOffset + (int) (latest & mask);
            long word = buffer.getLong(at); // plain: validated below
            long seq = buffer.getLong(at + SEQUENCE_FIELD_OFFSET); // plain: validated below
            int length = length(word);
            if (!valid(latest)) {
                if (attempt < 1_000) {
                    continue; // overwritten while we read it: the producer moved on, read the new latest
                }
                cursor = tail; // never hang on a producer that keeps lapping us (or a corrupt intent)
                return;
            }
            if (type(word) >= 0 && length >= HEADER_LENGTH && length - HEADER_LENGTH <= maxMessageLength) {
                cursor = latest + aligned(length);
                expected = seq + 1;
            } else {
                cursor = tail; // no message published yet (only a dead first producer's padding)
            }
            return;
        }
    }

    /**
     * Starts at the oldest record the producer is not overwriting ({@link StartPosition#OLDEST}): reads
     * oldest, then walks to the first message from there (past padding), reading and validating each
     * record like any read; if one is overwritten meanwhile, starts again from the new oldest, and
     * after 1,000 such attempts joins after the newest message instead (never hangs).
     */
    private void joinOldest() {
        for (int attempt = 0; attempt < 1_000; attempt++) {
            // Acquire: pairs with the producer's release of oldest, which follows its release of a
            // tail past it: the record at oldest is complete (below the tail we read next).
            long c = (long) MappedAccess.LONG.getAcquire(buffer, oldestOffset);
            // Acquire: pairs with the producer's release of the tail (records below it complete).
            long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
            boolean torn = false;
            while (c < tail) {
                int at = dataOffset + (int) (c & mask);
                long word = buffer.getLong(at); // plain: validated below
                long seq = buffer.getLong(at + SEQUENCE_FIELD_OFFSET); // plain: validated below
                if (!valid(c)) {
                    torn = true; // overwritten while we read it: start from the new oldest
                    break;
                }
                int length = length(word);
                int type = type(word);
                if (type == PADDING_TYPE && length >= ALIGNMENT && length <= capacity && (length & (ALIGNMENT - 1)) == 0) {
                    c += length;
                    continue;
                }
                if (type < 0 || length < HEADER_LENGTH || length - HEADER_LENGTH > maxMessageLength) {
                    insane(c, word); // validated, so corruption: throws
                }
                cursor = c;
                expected = seq; // this is the first message we will read: nothing lost before it
                return;
            }
            if (!torn) {
                cursor = c; // no message in the ring yet: the first one arrives at c
                expected = tail == 0 ? 0 : UNKNOWN;
                return;
            }
        }
        join();
    }

    private void account(long seq) {
        if (expected != UNKNOWN) {
            if (seq < expected) {
                throw new IllegalStateException(channel.name + ": message number " + seq + " after " + (expected - 1)
                        + ": the file is corrupt");
            }
            if (seq != expected) { // a gap: rare, so lost is stored here rather than per batch
                lost += seq - expected;
                if (slot >= 0) {
                    // Opaque: our own counter, read by stat; it orders nothing.
                    MappedAccess.LONG.setOpaque(buffer, slot + SLOT_LOST_OFFSET, lost);
                }
            }
        }
        expected = seq + 1;
        received++;
    }

    /**
     * Stores our position and received count for stat, once per receive call and only if the cursor
     * moved (received changes only with it; lost and lapped are stored where they change, which is
     * rare): an empty poll stores nothing, a batch two words.
     */
    private void publish() {
        if (slot >= 0 && cursor != published) {
            published = cursor;
            // Opaque: our own position and counter, read by stat; they order nothing.
            MappedAccess.LONG.setOpaque(buffer, slot + SLOT_POSITION_OFFSET, cursor);
            MappedAccess.LONG.setOpaque(buffer, slot + SLOT_RECEIVED_OFFSET, received);
        }
    }
}
