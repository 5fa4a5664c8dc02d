package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.wait.EndpointIdle;
import dev.lockstep.ipc.wait.KernelIdle;
import dev.lockstep.ipc.wait.Waiting;
import dev.lockstep.ipc.wait.WaitWord;

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
 * written. The protocols are described in {@link ShmChannel}: {@link OneToOneSender} and
 * {@link ManyToOneSender} implement them; the channel's {@code sender()} returns the right one.
 */
public abstract sealed class Sender implements AutoCloseable permits OneToOneSender, ManyToOneSender {
    final ShmChannel channel;
    final ByteBuffer buffer;
    final int slot;
    final int slotOffset;
    final int capacity;
    final int mask;
    final int maxMessageLength;
    final int tailOffset;
    final int headOffset;
    final int dataOffset;
    private final Heartbeats.Registration heartbeat;
    /** How blocking sends wait (one instance: a sender is used by one thread at a time). */
    private final IdleStrategy idle;
    /**
     * Whether blocking sends sleep in the kernel in {@link WaitMode#FUTEX} mode (no explicit idle
     * strategy was given). Set by the channel before the sender is handed out.
     */
    boolean kernelWait;
    /**
     * How blocking sends idle: the futex strategy on the producers' wait word (made at the first kernel
     * wait with {@link #sleepCheck()} as its re-check, then re-armed: a waiting send allocates nothing),
     * or {@link #idle}.
     */
    private final EndpointIdle waits;
    /** Absolute offset of the consumer's wait word (we wake it after publishing). */
    final int consumerWaitOffset;
    /** Absolute offset of the producers' wait word (we sleep on it while the ring is full). */
    private final int producerWaitOffset;
    /** Lower bound of head last read (plain: this thread only). */
    long headCache;
    /** Absolute offset of the pending claim's header, or -1. */
    int pendingHeader = -1;
    int pendingType;
    int pendingLength;
    int pendingAligned;
    private boolean closed;

    /**
     * A blocking send checks the consumer's liveness this often while the ring stays full and it polls
     * (asleep in the kernel, {@link WaitMode#FUTEX}: after each sleep, at most {@link WaitMode#MAX_SLEEP_MILLIS} ms).
     */
    public static final long CONSUMER_CHECK_MILLIS = 10;
    private static final long CONSUMER_CHECK_NANOS = CONSUMER_CHECK_MILLIS * 1_000_000L;

    Sender(ShmChannel channel, int slot, IdleStrategy idle) { // subclasses only
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
        this.consumerWaitOffset = channel.consumerWaitOffset;
        this.producerWaitOffset = channel.producerWaitOffset;
        this.waits = new EndpointIdle(buffer, producerWaitOffset, this::sleepCheck, this.idle);
        this.heartbeat = Heartbeats.register(buffer, slotOffset + SLOT_HEARTBEAT_OFFSET);
        // Acquire: pairs with the consumer's release of head; the space below head + capacity is zero.
        this.headCache = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
    }

    /**
     * The channel's mapping: write claimed bodies here with absolute puts.
     *
     * @return the shared buffer {@link #tryClaim} offsets index into
     */
    public ByteBuffer buffer() {
        return buffer;
    }

    /**
     * This sender's producer slot index.
     *
     * @return the slot, from 0 (always 0 for a one-to-one channel)
     */
    public int slot() {
        return slot;
    }

    /**
     * Claims space for a {@code length}-byte message of {@code type}.
     *
     * @param type   the message type, &gt;= 0 (negative types are reserved)
     * @param length the body length in bytes
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
        return claim(type, length);
    }

    /** The protocol's claim (arguments checked, no claim pending); sets the pending fields. */
    abstract int claim(int type, int length);

    /**
     * The protocol's commit or abort of the pending claim at {@code at}: its header becomes
     * {@code recordHeader}; clears the pending claim.
     *
     * @return true (both protocols: a many-to-one claim revoked after its header was written is
     *         delivered late, see {@link #commit})
     */
    abstract boolean publish(int at, long recordHeader);

    /**
     * Publishes the claimed message.
     *
     * @param index the value {@link #tryClaim} returned
     * @return {@code true}: the message is delivered. A many-to-one claim that the consumer revoked
     *         meanwhile (this sender stalled past the claim timeout) is delivered late, when this commit
     *         lands: after messages claimed after it, before any later message of this sender. (It
     *         returned {@code false} for such a claim before issue 12 made the commit a release store;
     *         the result is kept for source compatibility.)
     * @throws IllegalStateException if {@code index} is not the pending claim
     */
    public boolean commit(int index) {
        return publish(checkPending(index), header(HEADER_LENGTH + pendingLength, pendingType));
    }

    /**
     * Withdraws the claimed message: its space becomes padding the consumer skips.
     *
     * @param index the value {@link #tryClaim} returned
     * @return {@code true} (a revoked many-to-one claim's padding is skipped when this abort lands)
     * @throws IllegalStateException if {@code index} is not the pending claim
     */
    public boolean abort(int index) {
        // Published as padding of the record's aligned length (the consumer skips and zeroes it), not
        // dropped: body bytes already written must not stay in what becomes free space.
        return publish(checkPending(index), header(alignedLength(pendingLength), PADDING_TYPE));
    }

    private int checkPending(int index) {
        if (pendingHeader < 0 || index != pendingHeader + HEADER_LENGTH) {
            throw new IllegalStateException("no pending claim at " + index
                    + (pendingHeader < 0 ? "" : " (pending: " + (pendingHeader + HEADER_LENGTH) + ")"));
        }
        return pendingHeader;
    }

    /**
     * Sends {@code src[offset, offset + length)} without waiting.
     *
     * @param type   the message type, &gt;= 0 (negative types are reserved)
     * @param src    the bytes to send
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, maxMessageLength]
     * @return {@code true} if delivered; {@code false} (nothing written) if the ring is full
     * @throws IndexOutOfBoundsException if the range is outside {@code src}
     */
    public boolean trySend(int type, byte[] src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        Objects.checkFromIndexSize(offset, length, src.length);
        int at = tryClaim(type, length);
        if (at < 0) {
            return false;
        }
        buffer.put(at, src, offset, length); // plain: released by commit
        // A copy revoked meanwhile (only after a claim timeout: we stalled for seconds) is delivered
        // late by this commit (see commit).
        return commit(at);
    }

    /**
     * Sends {@code src[offset, offset + length)} (absolute, src's position unchanged) without waiting.
     *
     * @param type   the message type, &gt;= 0 (negative types are reserved)
     * @param src    the bytes to send (any buffer, heap or direct)
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, maxMessageLength]
     * @return {@code true} if delivered; {@code false} (nothing written) if the ring is full
     * @throws IndexOutOfBoundsException if the range is outside {@code src}'s limit
     */
    public boolean trySend(int type, ByteBuffer src, int offset, int length) {
        Objects.requireNonNull(src, "src");
        Objects.checkFromIndexSize(offset, length, src.limit());
        int at = tryClaim(type, length);
        if (at < 0) {
            return false;
        }
        buffer.put(at, src, offset, length); // plain: released by commit
        // A copy revoked meanwhile (only after a claim timeout: we stalled for seconds) is delivered
        // late by this commit (see commit).
        return commit(at);
    }

    /**
     * Sends, waiting with this sender's idle strategy while the ring is full.
     *
     * @throws IllegalStateException if, while waiting, the channel's registered consumer is found dead
     *                               (checked every {@value #CONSUMER_CHECK_MILLIS} ms while polling; at
     *                               least every {@link WaitMode#MAX_SLEEP_MILLIS} ms while asleep in the
     *                               kernel, {@link WaitMode#FUTEX}): the message is not sent. With no consumer registered (none yet, or closed
     *                               normally) it keeps waiting for one.
     * @param type   the message type, &gt;= 0 (negative types are reserved)
     * @param src    the bytes to send
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, maxMessageLength]
     * @throws InterruptedException if the thread is interrupted while waiting (nothing is sent)
     */
    public void send(int type, byte[] src, int offset, int length) throws InterruptedException {
        if (trySend(type, src, offset, length)) {
            return;
        }
        sendWaiting(type, src, offset, length); // no ByteBuffer wrapper: a waiting send allocates nothing
    }

    /**
     * As {@link #send(int, byte[], int, int)}, from {@code src[offset, offset + length)} (absolute).
     *
     * @param type   the message type, &gt;= 0 (negative types are reserved)
     * @param src    the bytes to send
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, maxMessageLength]
     * @throws InterruptedException if the thread is interrupted while waiting (nothing is sent)
     */
    public void send(int type, ByteBuffer src, int offset, int length) throws InterruptedException {
        if (trySend(type, src, offset, length)) {
            return;
        }
        sendWaiting(type, src, offset, length);
    }

    /** One attempt from {@code src}, a {@code byte[]} or a {@link ByteBuffer} (the waiting loops serve both). */
    private boolean trySendFrom(int type, Object src, int offset, int length) {
        return src instanceof byte[] bytes ? trySend(type, bytes, offset, length)
                : trySend(type, (ByteBuffer) src, offset, length);
    }

    /** The blocking send's waiting loop, after a failed attempt; {@code src} as in {@link #trySendFrom}. */
    private void sendWaiting(int type, Object src, int offset, int length) throws InterruptedException {
        IdleStrategy idle = waitIdle(false, 0L);
        long nextCheck = System.nanoTime() + CONSUMER_CHECK_NANOS;
        Object jfr = Jfr.beginBackPressure(channel.name, this, length); // waiting path only; null unless recorded
        boolean sent = false;
        try {
            do {
                Waits.checkInterrupt();
                idle.idle();
                nextCheck = checkConsumer(nextCheck);
            } while (!(sent = trySendFrom(type, src, offset, length)));
        } finally {
            Jfr.endBackPressure(jfr, sent);
        }
    }

    /**
     * Sends, waiting at most {@code timeout} while the ring is full; {@code false} on timeout.
     *
     * @throws IllegalStateException as {@link #send(int, byte[], int, int)} if the consumer is found dead
     * @param type   the message type, &gt;= 0 (negative types are reserved)
     * @param src    the bytes to send
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, maxMessageLength]
     * @param timeout how long to wait at most, in {@code unit}s
     * @param unit    the unit of {@code timeout}
     * @return {@code true} if delivered, {@code false} if the timeout elapsed first
     * @throws InterruptedException if the thread is interrupted while waiting (nothing is sent)
     */
    public boolean trySend(int type, byte[] src, int offset, int length, long timeout, TimeUnit unit)
            throws InterruptedException {
        Waits.requireUnit(unit);
        if (trySend(type, src, offset, length)) {
            return true;
        }
        return trySendWaiting(type, src, offset, length, Waits.deadline(timeout, unit)); // no wrapper
    }

    /**
     * As {@link #trySend(int, byte[], int, int, long, TimeUnit)}, from a buffer (absolute).
     *
     * @param type   the message type, &gt;= 0 (negative types are reserved)
     * @param src    the bytes to send
     * @param offset the first byte of the message in {@code src}
     * @param length the message length, in [0, maxMessageLength]
     * @param timeout how long to wait at most, in {@code unit}s
     * @param unit    the unit of {@code timeout}
     * @return {@code true} if delivered, {@code false} if the timeout elapsed first
     * @throws InterruptedException if the thread is interrupted while waiting (nothing is sent)
     */
    public boolean trySend(int type, ByteBuffer src, int offset, int length, long timeout, TimeUnit unit)
            throws InterruptedException {
        Waits.requireUnit(unit);
        if (trySend(type, src, offset, length)) {
            return true;
        }
        return trySendWaiting(type, src, offset, length, Waits.deadline(timeout, unit));
    }

    /** The timed send's waiting loop, after a failed attempt; {@code src} as in {@link #trySendFrom}. */
    private boolean trySendWaiting(int type, Object src, int offset, int length, long deadline)
            throws InterruptedException {
        IdleStrategy idle = waitIdle(true, deadline);
        long nextCheck = System.nanoTime() + CONSUMER_CHECK_NANOS;
        Object jfr = Jfr.beginBackPressure(channel.name, this, length); // waiting path only; null unless recorded
        boolean sent = false;
        try {
            while (true) {
                if (Waits.shouldGiveUp(Waits.TIMED, deadline)) {
                    return false;
                }
                idle.idle();
                nextCheck = checkConsumer(nextCheck);
                if (trySendFrom(type, src, offset, length)) {
                    return sent = true;
                }
            }
        } finally {
            Jfr.endBackPressure(jfr, sent);
        }
    }

    /**
     * How a blocking send idles while the ring is full: kernel sleeps on the producers' wait word in
     * {@link WaitMode#FUTEX} mode (unless an idle strategy was given), each at most
     * {@link WaitMode#MAX_SLEEP_MILLIS} ms (the consumer's liveness is checked after each, as for the
     * sync structures' sleepers: a liveness read every {@value #CONSUMER_CHECK_MILLIS} ms would cost
     * as much CPU as polling); else the idle strategy. Allocates nothing after this sender's first
     * kernel wait (the futex strategy is kept and re-armed).
     */
    private IdleStrategy waitIdle(boolean timed, long deadline) {
        return waits.forCall(kernelWait, timed, deadline);
    }

    /**
     * The re-check of a blocking send after announcing a sleeper: has head moved since our failed
     * claim read it into {@link #headCache}? (Only head moving frees space.) Volatile read: the
     * consumer stores head with a volatile store and then reads our wait word (volatile), so by the
     * synchronization order either this read sees the new head or the consumer's read of the word sees
     * our announcement (WaitWord's protocol). Read only.
     */
    boolean spaceFreed() { // one-to-one overrides it: the space handshake first (OneToOneSender)
        return (long) MappedAccess.LONG.getVolatile(buffer, headOffset) != headCache;
    }

    /**
     * The futex idle strategy's re-check ({@link KernelIdle.Recheck}): {@link #spaceFreed()} as
     * {@code READY} or {@code SLEEP}; one-to-one overrides it ({@code NAP} while its space request is
     * unacknowledged).
     */
    int sleepCheck() {
        return spaceFreed() ? KernelIdle.READY : KernelIdle.SLEEP;
    }

    /**
     * Wakes the consumer if it announced itself asleep on an empty ring: after a publication that was
     * a volatile-mode access (the caller's), one volatile read of the consumer's wait word and no system
     * call unless the consumer sleeps (WaitWord's steps (b)-(d)).
     */
    final void wakeConsumer() {
        WaitWord.signal(buffer, consumerWaitOffset);
    }

    /**
     * How blocking sends wait in this process: {@link WaitMode#FUTEX} (spin, then sleep in the kernel
     * until the consumer frees space) or {@link WaitMode#POLL} (the idle strategy; always so for a
     * sender made with an explicit idle strategy). Virtual threads poll in either mode.
     *
     * @return the mode of a platform thread's blocking send
     */
    public WaitMode waitMode() {
        return kernelWait ? Waiting.mode() : WaitMode.POLL;
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
