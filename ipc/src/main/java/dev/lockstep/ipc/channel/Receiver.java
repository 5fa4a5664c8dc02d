package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.wait.EndpointIdle;
import dev.lockstep.ipc.wait.KernelIdle;
import dev.lockstep.ipc.wait.Waiting;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * The consumer side of a {@link ShmChannel}: the one registered consumer, used by one thread at a
 * time. It delivers messages in ring order to a {@link MessageHandler}, zeroes the consumed space and
 * recovers claims of dead (or stalled past the claim timeout) producers, as described in
 * {@link ShmChannel}. {@link OneToOneReceiver} and {@link ManyToOneReceiver} implement the two
 * protocols; the channel's {@code receiver()} returns the right one.
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
public abstract sealed class Receiver implements AutoCloseable permits OneToOneReceiver, ManyToOneReceiver {
    final ShmChannel channel;
    final ByteBuffer buffer;
    final int capacity;
    final int mask;
    /** log2(capacity): a position's lap is {@code pos >>> lapShift}. */
    final int lapShift;
    /** One-to-one: consumed headers become lap-stamped marks, not zero (see {@link #consume}). */
    private final boolean markConsumed;
    final int headOffset;
    final int tailOffset;
    final int dataOffset;
    private final Heartbeats.Registration heartbeat;
    /** How awaitReceive waits (one instance: a receiver is used by one thread at a time). */
    private final IdleStrategy idle;
    /**
     * Whether awaitReceive sleeps in the kernel in {@link WaitMode#FUTEX} mode (no explicit idle
     * strategy was given). Set by the channel before the receiver is handed out.
     */
    boolean kernelWait;
    /**
     * How a waiting awaitReceive idles: the futex strategy on the consumer's wait word (made at the first
     * kernel wait with {@link #sleepCheck()} as its re-check, then re-armed: a waiting call allocates
     * nothing), or {@link #idle}.
     */
    private final EndpointIdle waits;
    final int waitWordOffset;
    final int producerWaitOffset;
    /** Absolute offsets of the producers' space request and of our acknowledgement (head's line). */
    final int spaceRequestOffset;
    private final int spaceAckOffset;
    /** The last space-request epoch we acknowledged (plain: this thread only), -1 if none. */
    private long spaceAckedEpoch = -1;
    /**
     * One-to-one: a sleep request of ours is outstanding (see {@link OneToOneReceiver}), so calls of
     * awaitReceive that find work are counted towards withdrawing it. Always false for many-to-one.
     * Plain: this thread only.
     */
    boolean sleepRequested;
    /** The head we last released (plain: only this receiver writes head). */
    long head;
    /**
     * Where we read next (plain: this thread only). Equal to head unless a fence holds head back
     * (many-to-one): then records past the fence have been delivered and zeroed but not released.
     */
    long readPos;
    private boolean closed;
    /**
     * A receive call of this receiver is running, so its handler may be on the stack (plain: a receiver
     * is used by one thread at a time). A receive from that handler is refused, and a close from it is
     * deferred to the end of the call (see {@link #receive} and {@link #close}).
     */
    private boolean receiving;
    /** close() was called from a handler of the running receive call: done when that call returns. */
    private boolean closeWhenDone;

    Receiver(ShmChannel channel, IdleStrategy idle) { // subclasses only
        this.channel = channel;
        this.idle = Objects.requireNonNull(idle, "idle");
        this.buffer = channel.buffer;
        this.capacity = channel.capacity;
        this.mask = channel.mask;
        this.lapShift = Integer.numberOfTrailingZeros(channel.capacity);
        this.markConsumed = channel instanceof OneToOneChannel;
        this.headOffset = channel.headOffset;
        this.tailOffset = channel.tailOffset;
        this.waitWordOffset = channel.consumerWaitOffset;
        this.producerWaitOffset = channel.producerWaitOffset;
        this.spaceRequestOffset = channel.structureOffset + SPACE_REQUEST_OFFSET;
        this.spaceAckOffset = channel.structureOffset + SPACE_ACK_OFFSET;
        this.waits = new EndpointIdle(buffer, waitWordOffset, this::sleepCheck, this.idle);
        this.dataOffset = channel.dataOffset;
        this.heartbeat = Heartbeats.register(buffer, channel.structureOffset + CONSUMER_HEARTBEAT_OFFSET);
        // Acquire: a previous consumer's zeroing happened before its head release.
        this.head = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
        this.readPos = head;
        // Attaching (our registering CAS is done): a space request raised before we came (by a producer
        // that found no consumer registered and may be asleep, or left behind a predecessor consumer that
        // died) is acknowledged at once, before any release of ours. Volatile read: it follows our
        // registering CAS in the synchronization order (the "no consumer registered" case of the
        // senders' notes), and every later read of the request by this thread (each release's) sees this
        // value or a later one (coherence), so from here on every release takes the fenced path until
        // the request is withdrawn.
        long space = (long) MappedAccess.LONG.getVolatile(buffer, spaceRequestOffset);
        if ((space & 1) != 0) {
            acknowledgeSpace(space >>> 1);
        }
    }

    /**
     * Releases head to {@code h} if it moved (everything below it consumed and zeroed): the space
     * handshake ({@link OneToOneSender}'s and {@link ManyToOneSender}'s notes). An acquire read of the
     * producers' space request, then a release store of head and nothing else unless a request is
     * raised; while one is raised, a volatile head store (P1), the acknowledgement of a new epoch, and
     * the check of the producers' wait word (P2), whose outcome goes to {@link #signalled}.
     */
    final void releaseHead(long h) {
        if (h != head) {
            head = h;
            // Acquire, BEFORE the head store: it decides how this head is stored. Coherence of reads of
            // one variable makes every later release of ours see this value or a later one (a raised
            // request changes only by its withdrawal: one-to-one, by its producer, while awake;
            // many-to-one, by us), so from the release that saw a raised epoch on, every release takes
            // the fenced path until the withdrawal; acquire also keeps the head store below from being
            // reordered before this read, so a release that did not see the request stored head before
            // any later acknowledgement of ours.
            long request = (long) MappedAccess.LONG.getAcquire(buffer, spaceRequestOffset);
            if ((request & 1) == 0) {
                // No request: release store (the zeroing of what we consumed happens-before a producer
                // that reads this head with acquire writes there); no wake-up check, no full fence.
                MappedAccess.LONG.setRelease(buffer, headOffset, h);
                return;
            }
            // A producer asks to sleep. Volatile store: P1, a synchronization action ordered before the
            // volatile read of the wait word in WaitWord.signal (P2, program order), so a producer whose
            // volatile re-read of head (W2) missed this store announced itself (W1) before it and P2
            // sees the announcement (the Dekker pair of the senders' notes).
            MappedAccess.LONG.setVolatile(buffer, headOffset, h);
            long epoch = request >>> 1;
            if (epoch != spaceAckedEpoch) {
                acknowledgeSpace(epoch); // after our head store: the producer that reads it sees this head
            }
            signalled(request, WaitWord.signal(buffer, producerWaitOffset));
        }
    }

    /**
     * After a fenced release that read the raised {@code request}: whether its check of the producers'
     * wait word woke a sleeper. Many-to-one counts quiet releases towards withdrawing the request.
     */
    void signalled(long request, boolean woke) {
    }

    /** Acknowledges the producers' space request {@code epoch}: our releases from now on check their wait word. */
    private void acknowledgeSpace(long epoch) {
        spaceAckedEpoch = epoch;
        // Volatile store (release would do: it orders every earlier store of ours, in particular every
        // head store of a release that did not see the request, before the acknowledgement; a producer
        // that reads it with acquire then sees those heads). Rare: once per epoch.
        MappedAccess.LONG.setVolatile(buffer, spaceAckOffset, epoch);
    }

    /**
     * Delivers at most one message, without waiting.
     *
     * @param handler called with the message, on this thread
     * @return {@code true} if one was delivered, {@code false} if none was available
     * @throws IllegalStateException if the receiver is closed
     */
    public boolean tryReceive(MessageHandler handler) {
        return receive(handler, 1) == 1;
    }

    /**
     * Delivers up to {@code limit} available messages without waiting. A {@link ManyToOneReceiver}'s
     * call ends its batch after about a quarter of the ring's capacity in record bytes (at least one
     * message) and frees that space for senders: call again to read on.
     *
     * @param handler called once per message, on this thread, with a view of its body
     * @param limit   the most messages to deliver, &gt;= 1
     * @return the number delivered (0 if none is available)
     * @throws IllegalArgumentException if {@code limit < 1}
     * @throws IllegalStateException if the receiver is closed, or if called from a handler of this
     *                               receiver's own running receive call (any of {@code receive},
     *                               {@code tryReceive}, {@code awaitReceive}): the outer call owns the
     *                               position it reads from until it returns; the exception propagates out
     *                               of the handler, which counts that message as consumed as for any
     *                               handler that throws
     */
    public int receive(MessageHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
        if (closed) {
            throw new IllegalStateException("receiver is closed");
        }
        if (receiving) {
            // A nested call would start from the outer call's start position (the outer call keeps its
            // own until it returns) and deliver the outer call's messages again.
            throw new IllegalStateException("receive called from a handler of this receiver's own receive call: "
                    + "return from the handler first (" + channel.path() + ")");
        }
        receiving = true;
        try {
            return poll(handler, limit);
        } finally {
            receiving = false;
            if (closeWhenDone) {
                closeWhenDone = false;
                close();
            }
        }
    }

    /** The protocol's receive (arguments checked). */
    abstract int poll(MessageHandler handler, int limit);

    /**
     * Delivers the record at {@code pos} whose header word has {@code length > 0} (a message, or
     * padding: skipped), zeroes it, and returns the position after it; if the handler throws, the
     * record is zeroed all the same and the exception propagates.
     */
    final long deliver(MessageHandler handler, long pos, int at, long word) {
        int length = length(word);
        int type = type(word);
        int aligned = (length + ALIGNMENT - 1) & -ALIGNMENT;
        if (type == PADDING_TYPE) {
            consume(pos, aligned);
            return pos + aligned;
        }
        try {
            handler.onMessage(type, buffer, at + HEADER_LENGTH, length - HEADER_LENGTH);
        } finally {
            consume(pos, aligned); // consumed even if the handler throws (see the class comment)
        }
        return pos + aligned;
    }

    /**
     * Many-to-one: delivers the record at {@code pos} whose header word has {@code length > 0} (a
     * message, or padding: skipped) WITHOUT zeroing it, and returns the position after it. The caller
     * zeroes it later ({@link #consume}, after the batch), also when the handler throws (issue 12:
     * zeroing each record right after reading it took back the line the producer was writing the next
     * record into; the producer's tail CAS waited for it).
     */
    final long deliverDeferred(MessageHandler handler, long pos, int at, long word) {
        int length = length(word);
        int type = type(word);
        long next = pos + ((length + ALIGNMENT - 1) & -ALIGNMENT);
        if (type != PADDING_TYPE) {
            handler.onMessage(type, buffer, at + HEADER_LENGTH, length - HEADER_LENGTH);
        }
        return next;
    }

    /** Whether a header word with positive length is a message (not padding). */
    static boolean isMessage(long word) {
        return type(word) != PADDING_TYPE;
    }

    /**
     * Whether awaitReceive should not sleep now: a record is published or claimed past our position
     * (many-to-one: a claim in progress is waited for by polling, as is a fence held at head), read
     * after announcing a sleeper. Read only.
     */
    abstract boolean hasWork();

    /**
     * The futex idle strategy's re-check ({@link KernelIdle.Recheck}): {@link #hasWork()} as
     * {@code READY} or {@code SLEEP}; one-to-one overrides it ({@code NAP} while its sleep request is
     * unacknowledged).
     */
    int sleepCheck() {
        return hasWork() ? KernelIdle.READY : KernelIdle.SLEEP;
    }

    /**
     * How a waiting awaitReceive idles: kernel sleeps on the consumer's wait word in
     * {@link WaitMode#FUTEX} mode (unless an idle strategy was given), else the idle strategy.
     * Allocates nothing after this receiver's first kernel wait (the futex strategy is kept and re-armed).
     */
    private IdleStrategy waitIdle(boolean timed, long deadline) {
        return waits.forCall(kernelWait, timed, deadline);
    }

    /**
     * How {@code awaitReceive} waits in this process: {@link WaitMode#FUTEX} (spin, then sleep in the
     * kernel until a producer publishes; a one-to-one receiver first asks its producer and naps until
     * the producer acknowledged, i.e. until its next send or attach, see {@link OneToOneReceiver}) or
     * {@link WaitMode#POLL} (the idle strategy; always so for a receiver made with an explicit idle
     * strategy). Virtual threads poll in either mode.
     *
     * @return the mode of a platform thread's waiting {@code awaitReceive}
     */
    public WaitMode waitMode() {
        return kernelWait ? Waiting.mode() : WaitMode.POLL;
    }

    /** Source of consume's bulk zeroing (never written). */
    private static final byte[] ZEROS = new byte[4096];

    /**
     * Zeroes a consumed record at {@code pos}: header to padding first, then body, then header, with
     * store-store fences between, so that a successor taking over after we die mid-way finds either a
     * padding header over the record (and zeroes it again) or a zero header over an all-zero body
     * (and steps over it word by word), never a zero header in front of body bytes (see notes).
     * One-to-one: the header's last store is the consumed mark of {@code pos}, not zero.
     */
    final void consume(long pos, int aligned) {
        int index = (int) (pos & mask);
        int at = dataOffset + index;
        if (aligned > HEADER_LENGTH) {
            // Opaque + store-store fence: the padding header is visible before any zeroed body word.
            MappedAccess.LONG.setOpaque(buffer, at, header(aligned, PADDING_TYPE));
            java.lang.invoke.VarHandle.storeStoreFence();
            if (index + aligned <= capacity) {
                // Plain bulk stores, released by the head store. One bulk put per ZEROS.length bytes
                // (issue 12: a 1 KiB record was 128 putLong calls, C2 unrolled them into 8-byte
                // stores, the consumer's hottest code in ManyToOnePathBench; the bulk put is an
                // arraycopy stub with vector stores, as Agrona's one setMemory per batch).
                for (int i = HEADER_LENGTH; i < aligned; i += ZEROS.length) {
                    buffer.put(at + i, ZEROS, 0, Math.min(ZEROS.length, aligned - i));
                }
            } else {
                // Only an acknowledged fence crosses the ring's end (a claim and its wrap padding).
                for (int i = HEADER_LENGTH; i < aligned; i += 8) {
                    buffer.putLong(dataOffset + (int) ((pos + i) & mask), 0L); // plain: as above
                }
            }
            // Store-store fence: every body zero is visible before the zero header below (plain
            // stores may otherwise become visible in any order to a successor consumer).
            java.lang.invoke.VarHandle.storeStoreFence();
        }
        if (markConsumed) {
            // One-to-one: leave the lap-stamped "consumed" mark (length -aligned, so poll reads it as
            // empty), not zero, so that a successor producer walking forward before we release head
            // can step over this record (see ShmChannel's notes). Opaque: bitwise atomic by the
            // VarHandle spec, so a racing reader sees the whole mark or the whole padding header,
            // never a mix; ordered after the body zeros by the fence above, and released with them by
            // the head store. Same single store as before: no extra ordered operation per message.
            MappedAccess.LONG.setOpaque(buffer, at, consumedMark(pos, aligned, lapShift));
        } else {
            buffer.putLong(at, 0L); // plain: released by the head store
        }
    }

    /**
     * One-to-one: the header word a consumed record at {@code pos} leaves behind until a later lap
     * overwrites it: length {@code -aligned} (never positive, so the consumer reads it as "empty"),
     * type = the position's lap number (low 32 bits), so it is never mistaken for a record consumed
     * a lap earlier at the same index.
     */
    static long consumedMark(long pos, int aligned, int lapShift) {
        return header(-aligned, (int) (pos >>> lapShift));
    }

    /** One-to-one: whether {@code word} is the mark of a record consumed at {@code pos} in pos's lap. */
    static boolean isConsumedMark(long word, long pos, int lapShift) {
        return length(word) < 0 && type(word) == (int) (pos >>> lapShift);
    }

    /**
     * Waits until at least one message is available, then delivers up to {@code limit}.
     *
     * @param handler called once per message, on this thread, with a view of its body
     * @param limit   the most messages to deliver, &gt;= 1
     * @return the number delivered (&gt;= 1)
     * @throws InterruptedException if interrupted while waiting
     */
    public int awaitReceive(MessageHandler handler, int limit) throws InterruptedException {
        int n = receive(handler, limit);
        if (n > 0) {
            if (sleepRequested) {
                foundWork();
            }
            return n;
        }
        IdleStrategy idle = waitIdle(false, 0L);
        for (int polls = 0; ; polls++) {
            Waits.checkInterrupt();
            idle.idle();
            waiting(polls);
            n = receive(handler, limit);
            if (n > 0) {
                if (sleepRequested) {
                    foundWork();
                }
                return n;
            }
        }
    }

    /**
     * As {@link #awaitReceive(MessageHandler, int)}, waiting at most {@code timeout}.
     *
     * @param handler called once per message, on this thread, with a view of its body
     * @param limit   the most messages to deliver, &gt;= 1
     * @param timeout how long to wait at most, in {@code unit}s
     * @param unit    the unit of {@code timeout}
     * @return the number delivered; 0 on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public int awaitReceive(MessageHandler handler, int limit, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        int n = receive(handler, limit);
        if (n > 0) {
            if (sleepRequested) {
                foundWork();
            }
            return n;
        }
        long deadline = Waits.deadline(timeout, unit);
        IdleStrategy idle = waitIdle(true, deadline);
        for (int polls = 0; ; polls++) {
            if (Waits.shouldGiveUp(Waits.TIMED, deadline)) {
                return 0;
            }
            idle.idle();
            waiting(polls);
            n = receive(handler, limit);
            if (n > 0) {
                if (sleepRequested) {
                    foundWork();
                }
                return n;
            }
        }
    }

    /**
     * One-to-one: an awaitReceive returned messages while a sleep request of ours is outstanding
     * (traffic may be dense: the request may be withdrawn, see {@link OneToOneReceiver}).
     */
    void foundWork() {
    }

    /** Called by close before the consumer is unregistered (one-to-one: withdraws a sleep request). */
    void closing() {
    }

    /**
     * Called before each poll of a waiting awaitReceive ({@code polls} = polls so far in this wait):
     * a protocol may look further when the idle strategy has left its spin phase.
     */
    void waiting(int polls) {
    }

    /**
     * This consumer's position: where it reads next.
     *
     * @return the byte position since the channel's creation (never wrapped)
     */
    public long position() {
        return readPos;
    }

    /**
     * Stops the heartbeat and unregisters the consumer (another may then register). Called from a
     * handler of this receiver's running receive call, it takes effect when that call returns (the call
     * may deliver the rest of its batch first): until then this process is still the consumer.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (receiving) {
            // From a handler: the running call still reads, zeroes and releases head; unregistering now
            // would let another consumer take over while it does (two consumers: duplicates). The call
            // may deliver the rest of its batch first; later calls throw.
            closeWhenDone = true;
            return;
        }
        closed = true;
        closing();
        heartbeat.close();
        channel.releaseEndpoint(channel.consumerOwnerOffset);
        channel.forget(this);
    }

    @Override
    public String toString() {
        return "Receiver[" + channel.path() + " at " + head + "]";
    }
}
