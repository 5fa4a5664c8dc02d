package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.RecordDescriptor.*;


import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.wait.KernelIdle;

/**
 * The consumer of a {@link OneToOneChannel}: the producer publishes only at commit, so a header word
 * with length &lt;= 0 (zero, or the mark of a record consumed a lap earlier) is simply "empty" and the
 * consumer never reads the tail on its fast path (Agrona's
 * {@code OneToOneRingBuffer} protocol; see {@link ShmChannel}'s notes).
 *
 * <p>Kernel waiting ({@link dev.lockstep.ipc.shm.WaitMode#FUTEX}): in its sleep phase a waiting
 * {@code awaitReceive} asks the producer for permission to sleep (a request epoch in the channel
 * header) and sleeps only once the producer acknowledged it (from then on each of its sends stores
 * the tail with a volatile store and checks our wait word), or while no producer is registered;
 * until then it naps (polls briefly, then sleeps 100 us doubling to the sleep bound: the producer's
 * acknowledging send wakes it; {@code KernelIdle.NAP}). The request is withdrawn when traffic is dense (see
 * {@link #WITHDRAW_AFTER_NANOS}) and on close. The handshake and its proof are in {@link ShmChannel}'s
 * notes.
 *
 * <p>Releasing head: a release store, preceded by an acquire read of the producer's space request
 * (in head's line); only while the producer asks to sleep on a full ring (and from the release that
 * acknowledges it on) is the store volatile and followed by a check of the producers' wait word (the
 * space handshake, mirrored; proof in {@link OneToOneSender}'s notes). Before, every release paid a
 * volatile store (a full fence) and that read: {@code IpcPathBench} located the one-to-one round
 * trip's gap to Agrona there. Measured (CPU ns per single-thread round trip from {@code -prof
 * perfnorm:events=task-clock}, jars alternated in 4 rounds, loaded machine): 76-85 ns before, 74-77
 * after (median -5 ns per round); Agrona 55-63 in both (README, issue 12 row).
 */
public final class OneToOneReceiver extends Receiver {
    /**
     * A sleep request is withdrawn (the producer returns to its unfenced publication) once no waiting
     * {@code awaitReceive} has reached its sleep phase for this long while calls kept finding messages
     * (dense traffic: the receiver would not sleep anyway). A burst shorter than this keeps the request,
     * so the next idle period sleeps at once; a stream longer than this pays the producer's barrier
     * per message at most this long.
     */
    static final long WITHDRAW_AFTER_NANOS = 10_000_000L;
    /** The clock is read on every this-many-th call that found work (a power of two). */
    static final int WITHDRAW_CHECK_CALLS = 64;

    private final int sleepRequestOffset;
    private final int sleepAckOffset;
    private final int producerOwnerOffset;
    /** Our current (or last) request epoch (plain: this thread only). */
    private long epoch;
    /** Whether the producer acknowledged {@link #epoch} (we read it; plain: this thread only). */
    private boolean acknowledged;
    /** When a waiting call last reached its sleep phase (System.nanoTime; plain: this thread only). */
    private long lastSleepPhase;
    /** Calls that found work while requested (plain: this thread only). */
    private int busyCalls;

    OneToOneReceiver(OneToOneChannel channel, IdleStrategy idle) {
        super(channel, idle);
        this.sleepRequestOffset = channel.sleepRequestOffset;
        this.sleepAckOffset = channel.sleepAckOffset;
        this.producerOwnerOffset = channel.structureOffset + ChannelDescriptor.slotOffset(0)
                + ChannelDescriptor.SLOT_OWNER_OFFSET;
        // (Receiver's constructor acknowledged a space request raised before we came.)
        resumeAfterDeadConsumer();
        // A predecessor consumer's request (it died, or an older one closed without withdrawing): our
        // epochs continue after it, and we withdraw it, so the producer stops paying for a sleeper that
        // is gone. Volatile read / store: rare; the registering CAS made us the only writer.
        long request = (long) MappedAccess.LONG.getVolatile(buffer, sleepRequestOffset);
        epoch = request >>> 1;
        if ((request & 1) != 0) {
            MappedAccess.LONG.setVolatile(buffer, sleepRequestOffset, epoch << 1);
        }
    }

    /**
     * A consumer that died mid-batch may have consumed records without releasing head: skip leading
     * consumed marks of their own lap, by their extent, wherever the stored tail is (a mark of pos's
     * lap at pos proves a record was published and consumed there, even past a tail that a dead
     * producer did not store: stopping there would leave us reading a mark, "empty", forever), and
     * zero words below the tail (the producer publishes headers before the tail, so every position
     * below it is a record or consumed; by the zeroing order, never a body word behind a zero header).
     */
    private void resumeAfterDeadConsumer() {
        // Acquire: pairs with the producer's release of the tail (its headers were published before).
        long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
        long pos = head;
        while (true) {
            // Acquire: a committed header seen here must come with its body.
            long word = (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (pos & mask));
            if (isConsumedMark(word, pos, lapShift)) {
                // Consumed by the dead consumer: the mark holds the extent. No producer writes at pos's
                // index before head passes it, so the mark cannot change under us.
                pos -= length(word);
                continue;
            }
            if (word != 0 || pos >= tail) {
                break;
            }
            pos += ALIGNMENT;
        }
        if (pos != head) {
            head = pos;
            readPos = pos;
            // Volatile store, then the producers' wait word: as in releaseHead (a producer asleep on
            // the full ring the dead consumer left wakes now, not at its sleep bound).
            MappedAccess.LONG.setVolatile(buffer, headOffset, pos);
            dev.lockstep.ipc.wait.WaitWord.signal(buffer, producerWaitOffset);
        }
    }

    /**
     * Delivers up to {@code limit} records in ring order, zeroing each (its consumed mark left in its
     * header) and releasing head once at the end. No try/finally: the handler's exception path is a
     * catch that calls the cold {@link #handlerThrew} and rethrows, so the compiled method holds one
     * copy of the zeroing and of the release (a finally block is compiled once per exit path). Measured
     * neutral for speed (C2 code 3776 -&gt; 3456 bytes, still above HotSpot's InlineSmallCode, so poll
     * stays a call of its own, as Agrona's read does; the issue 12 row of the README).
     */
    @Override
    int poll(MessageHandler handler, int limit) {
        long pos = readPos;
        int count = 0;
        while (count < limit) {
            int at = dataOffset + (int) (pos & mask);
            // Acquire: pairs with the producer's release of the header, so the body is visible whole.
            long word = (long) MappedAccess.LONG.getAcquire(buffer, at);
            int length = length(word);
            if (length <= 0) {
                break; // nothing uncommitted is ever visible: zero or a consumed mark is "empty"
            }
            int aligned = (length + ALIGNMENT - 1) & -ALIGNMENT;
            int type = type(word);
            if (type != PADDING_TYPE) {
                count++;
                try {
                    handler.onMessage(type, buffer, at + HEADER_LENGTH, length - HEADER_LENGTH);
                } catch (Throwable t) {
                    handlerThrew(pos, aligned);
                    throw t; // consumed all the same (the class comment of Receiver)
                }
            }
            consume(pos, aligned);
            pos += aligned;
        }
        readPos = pos;
        releaseHead(pos);
        return count;
    }

    /**
     * The handler of the record at {@code pos} threw: the record counts as consumed (zeroed, its mark
     * left), and head is released past it (and past the records this call delivered before it, which
     * poll consumed already) before the caller rethrows. Cold: a call of its own.
     */
    private void handlerThrew(long pos, int aligned) {
        consume(pos, aligned);
        readPos = pos + aligned;
        releaseHead(pos + aligned);
    }

    /**
     * The re-check of a receiver about to sleep in the kernel (called by the futex idle strategy after
     * it announced us on the consumer's wait word, and only then): may we sleep, and has the producer
     * published past our position? We may sleep only once the producer acknowledged our current sleep
     * request: then every send it makes publishes its tail with a volatile store and checks the wait
     * word after it, and every send it made before the acknowledgement happens-before our reading of
     * it. Until then we ask (once per epoch) and answer {@code NAP} (or {@code READY} if the tail
     * moved), so the idle strategy polls briefly and then sleeps in bounded, doubling naps: the
     * producer's acknowledging send signals the word we announced on, and a send that missed our
     * request is seen at the end of a nap. With no producer registered at all we may sleep (a producer
     * that attaches later acknowledges at once, and wakes us). See ShmChannel's notes for the argument.
     */
    @Override
    int sleepCheck() {
        lastSleepPhase = System.nanoTime();
        if (!acknowledged) {
            if (!sleepRequested) {
                sleepRequested = true;
                epoch++;
                // Volatile store (a release store would do for safety: the request is only a permission,
                // which the producer confirms through the acknowledgement; volatile so it is not held
                // behind our later reads). Rare: once per request.
                MappedAccess.LONG.setVolatile(buffer, sleepRequestOffset, (epoch << 1) | 1);
            }
            // Acquire: pairs with the producer's volatile store of the acknowledgement, after all its
            // earlier tail stores: reading it, the tail read below (and in every later re-check) sees
            // the tail of every send that did not see our request.
            if ((long) MappedAccess.LONG.getAcquire(buffer, sleepAckOffset) == epoch) {
                acknowledged = true;
            } else if ((long) MappedAccess.LONG.getVolatile(buffer, producerOwnerOffset) != 0L) {
                // A producer is registered but has not acknowledged yet: no full sleep. A nap is safe
                // without the acknowledgement: it is bounded, and the loop polls after it.
                return published() ? KernelIdle.READY : KernelIdle.NAP;
            }
            // Else no producer is registered: we may sleep this once (not remembered). Volatile read,
            // after our volatile request store: a producer that registers later does so by a volatile
            // CAS after this read in the synchronization order, and then reads the request (volatile,
            // when it attaches) after it too, so it sees our request and acknowledges before its first
            // send; a producer that closed before released the slot by a volatile CAS to 0, which we
            // read here, so its last tail store happens-before the tail read below.
        }
        return published() ? KernelIdle.READY : KernelIdle.SLEEP;
    }

    /** {@link #sleepCheck()} as "do not sleep in full" (a nap is bounded): for the jcstress probes. */
    @Override
    boolean hasWork() {
        return sleepCheck() != KernelIdle.SLEEP;
    }

    /**
     * Whether the producer published past our position.
     * Volatile read: WaitWord's re-check after our announcement (a volatile CAS and a full fence):
     * if it misses an acknowledged send's volatile tail store, that store follows it in the
     * synchronization order, and so does the sender's volatile read of the wait word, which then
     * sees our announcement. {@code >}, not {@code !=}: after a producer died between its header
     * and its tail store we may have delivered past the stored tail; its successor's first commit
     * moves the tail past us.
     */
    private boolean published() {
        return (long) MappedAccess.LONG.getVolatile(buffer, tailOffset) - readPos > 0;
    }

    /** Withdraws the sleep request after {@link #WITHDRAW_AFTER_NANOS} of calls that all found work. */
    @Override
    void foundWork() {
        if ((++busyCalls & (WITHDRAW_CHECK_CALLS - 1)) == 0
                && System.nanoTime() - lastSleepPhase >= WITHDRAW_AFTER_NANOS) {
            withdraw();
        }
    }

    @Override
    void closing() {
        if (sleepRequested) {
            withdraw();
        }
    }

    /**
     * Withdraws our sleep request: the producer returns to its release-store publication at its next
     * send that sees this. We are awake (only this thread sleeps), and the next request uses a new
     * epoch, which the producer must acknowledge again before we sleep.
     */
    private void withdraw() {
        sleepRequested = false;
        acknowledged = false;
        // Volatile store (release would do: the producer only needs to see it eventually; until it does
        // it pays its barrier a little longer). Rare.
        MappedAccess.LONG.setVolatile(buffer, sleepRequestOffset, epoch << 1);
    }
}
