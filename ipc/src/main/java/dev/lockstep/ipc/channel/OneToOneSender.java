package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.wait.KernelIdle;

/**
 * The producer of a {@link OneToOneChannel}: Agrona's {@code OneToOneRingBuffer} protocol (no atomic
 * read-modify-write): a claim only reserves space locally; commit stores the header with release
 * (body visible first), then a wrap's padding header, then the tail with release. Nothing
 * uncommitted is ever visible. A producer that replaces a dead one first finds where it really
 * stopped and clears what it left in the free space (see {@link ShmChannel}'s notes). While the
 * consumer has asked to sleep in the kernel and this sender acknowledged it, each publication stores
 * the tail with a volatile store and then checks the consumer's wait word; otherwise it costs one
 * extra acquire read of the request word, in the tail's line (the sleep handshake of
 * {@link ShmChannel}'s notes).
 *
 * <p>Kernel waiting on a full ring ({@link dev.lockstep.ipc.shm.WaitMode#FUTEX}): the mirror image of
 * {@link OneToOneReceiver}'s sleep handshake. In its sleep phase a blocking send asks the consumer for
 * permission to sleep (a space-request epoch in head's line) and sleeps only once the consumer
 * acknowledged it (from then on each of its releases of head is a volatile store followed by a check
 * of the producers' wait word), or while no consumer is registered; until then it naps (polls briefly,
 * then bounded, doubling sleeps, woken by the acknowledging release; {@code KernelIdle.NAP}). The
 * consumer acknowledges at its next release of head, which is the only event that frees space. The
 * request is withdrawn when sends keep finding space ({@link OneToOneReceiver#WITHDRAW_AFTER_NANOS},
 * the clock read every {@link OneToOneReceiver#WITHDRAW_CHECK_CALLS}-th successful claim), and by a
 * successor producer that finds its dead or closed predecessor's request.
 *
 * <p>Implementation notes (space handshake; REQ = space request, ACK = space acknowledgement,
 * ChannelDescriptor). Consumer, per release of head h (OneToOneReceiver.release): r = acquire read of
 * REQ, before its head store. No wantsSleep: release store of head (the zeroing of what it consumed
 * is visible first), nothing else. wantsSleep: volatile store of head (P1); if epoch(r) is not the
 * epoch it last acknowledged, volatile store ACK = epoch(r); then the volatile read of the producers'
 * wait word (P2) and FUTEX_WAKE if a sleeper announced itself. Attaching (after its registering CAS):
 * a volatile read of REQ and the acknowledgement if wantsSleep. Producer, in its sleep phase (after
 * announcing on the wait word, W1): if no request is out, epoch++ and volatile store REQ = epoch &lt;&lt; 1
 * | 1; it may sleep only if an acquire read of ACK returns its epoch (remembered until withdrawn), or a
 * volatile read of the consumer's owner returns 0 (not remembered); then W2, the volatile re-read of
 * head, compared with the head its failed claim read. Why no wake-up is lost, for a producer sleeping
 * in epoch e after reading ACK = e: let j be the consumer's first release (or its attach) that read
 * REQ = e|1; it stored ACK = e after its head store. (i) Releases before j in program order stored head
 * before that ACK store (a volatile store: earlier accesses are not reordered after it; and a release's
 * head store is not reordered before its own acquire read of REQ), and our acquire read of ACK orders
 * them before W2 (happens-before): W2 sees their head or a later one. (ii) Releases after j: coherence
 * (read-read, for opaque and stronger reads of one variable) makes their reads of REQ return e|1 or a
 * later value; a later value is a withdrawal or a new epoch, which we write only while awake, after
 * this sleep. Releases that read e|1 do P1 then P2, all volatile: if W2 misses P1, then W1 &lt; W2 &lt; P1
 * &lt; P2 in the synchronization order and P2 sees the announcement. No consumer registered (owner read
 * 0 after our volatile request store): a consumer registering later does its CAS after that read in
 * the synchronization order and its attach read of REQ after it, so it acknowledges e before any
 * release (case (ii)); one that closed before released its owner word by a volatile CAS after its
 * last head store, which our read saw, so that head happens-before W2. Epochs only grow (a successor
 * producer continues after the REQ it finds), so an old ACK never matches a new request. A consumer
 * killed between P1 and P2 strands us for at most our sleep bound, as before. Proven by jcstress
 * OneToOneChannelProducerNoLostWakeupTest (acknowledged: the real receive against the real sleep
 * step) and OneToOneChannelSpaceRequestRaceTest (the request racing with a receive).
 */
public final class OneToOneSender extends Sender {
    /** The producer position (plain: only this sender moves the tail). */
    private long tail;
    /** log2(capacity): a position's lap, as stamped in a consumed record's mark. */
    private final int lapShift;
    /** Absolute offsets of the consumer's sleep request and of our acknowledgement. */
    private final int sleepRequestOffset;
    private final int sleepAckOffset;
    /** The last request epoch we acknowledged (plain: this thread only), -1 if none. */
    private long ackedEpoch = -1;
    /** Absolute offsets of our space request, of the consumer's acknowledgement and of its owner word. */
    private final int spaceRequestOffset;
    private final int spaceAckOffset;
    private final int consumerOwnerOffset;
    /** Our current (or last) space-request epoch (plain: this thread only). */
    private long spaceEpoch;
    /** Whether a space request of ours is out (plain: this thread only). */
    private boolean spaceRequested;
    /** Whether the consumer acknowledged {@link #spaceEpoch} (we read it; plain: this thread only). */
    private boolean spaceAcknowledged;
    /** When a blocking send last reached its sleep phase (System.nanoTime; plain: this thread only). */
    private long lastSleepPhase;
    /** Successful claims while a request is out (plain: this thread only). */
    private int busyClaims;

    OneToOneSender(OneToOneChannel channel, IdleStrategy idle) {
        super(channel, 0, idle);
        this.lapShift = Integer.numberOfTrailingZeros(capacity);
        this.sleepRequestOffset = channel.sleepRequestOffset;
        this.sleepAckOffset = channel.sleepAckOffset;
        this.spaceRequestOffset = channel.structureOffset + SPACE_REQUEST_OFFSET;
        this.spaceAckOffset = channel.structureOffset + SPACE_ACK_OFFSET;
        this.consumerOwnerOffset = channel.consumerOwnerOffset;
        // A predecessor producer's space request (it died, or closed while asking): our epochs continue
        // after it, and we withdraw it, so the consumer stops paying for a sleeper that is gone.
        // Volatile read / store: rare; the registering CAS made us the only writer.
        long space = (long) MappedAccess.LONG.getVolatile(buffer, spaceRequestOffset);
        spaceEpoch = space >>> 1;
        if ((space & 1) != 0) {
            MappedAccess.LONG.setVolatile(buffer, spaceRequestOffset, spaceEpoch << 1);
        }
        this.tail = recoverTail();
        zeroFreeSpace();
        // Attaching (registration done, recovery done, nothing in flight): a consumer that asked to
        // sleep before we came is acknowledged at once, so it may sleep before our first message.
        // Volatile read: every later read of the request by this thread (each send's) sees this value
        // or a later one (coherence), so from here on every send of ours takes the checking path until
        // the consumer withdraws; a predecessor producer that died is certainly dead, so it writes
        // nothing more (it may have acknowledged the same epoch already: acknowledging again is harmless).
        long request = (long) MappedAccess.LONG.getVolatile(buffer, sleepRequestOffset);
        if ((request & 1) != 0) {
            acknowledge(request >>> 1);
        }
        // A receiver asleep while the predecessor's last records were uncounted (it died between its
        // tail store and its wake-up, or before its tail store: recoverTail stored the real tail with a
        // volatile store): wake it now (one volatile read; a system call only if it sleeps).
        wakeConsumer();
    }

    /**
     * Acknowledges the consumer's sleep request {@code epoch}: every send of ours from now on publishes
     * its tail with a volatile store and then checks the consumer's wait word.
     */
    private void acknowledge(long epoch) {
        ackedEpoch = epoch;
        // Volatile store (release would do: it orders every earlier store of ours, in particular every
        // tail store of a send that did not see the request, before the acknowledgement; a consumer
        // that reads it with acquire then sees those tails, ShmChannel's notes). Rare: once per epoch.
        MappedAccess.LONG.setVolatile(buffer, sleepAckOffset, epoch);
    }

    /**
     * One-to-one: where the previous producer really stopped. It publishes a record's header before
     * the tail, so one that died in between left records past the stored tail (perhaps already
     * consumed, so head may even be ahead of it). Walk forward from max(tail, head) over published
     * headers and over the consumed marks of this lap (records the consumer consumed without having
     * released head past them yet) until a word that reads as free space (zero, or an older lap's
     * mark), and store the result. Correct whenever the consumer stops or dies (see ShmChannel's notes).
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
                // A record or padding nobody counted in the tail, or one the consumer is zeroing (its
                // header is then padding of the same extent).
                pos += (length + ALIGNMENT - 1) & -ALIGNMENT;
                continue;
            }
            if (Receiver.isConsumedMark(word, pos, lapShift)) {
                // Consumed in this lap, head not yet released past it (the consumer releases head at
                // its batch end, or died first): step over it, so that our tail never falls short of
                // where the consumer's head will land. A mark of the previous lap at this index cannot
                // match (other lap number); a mark of a later lap cannot exist (only we write past here).
                pos -= length;
                continue;
            }
            // Zero or an older lap's mark: free space, so this is the end of what the predecessor published.
            break;
        }
        if (pos != stored) {
            // Volatile store (release: as after a commit; volatile because the constructor then reads
            // the consumer's wait word to wake a receiver asleep in front of these records, WaitWord's
            // step (a) before (b)). Once per attach.
            MappedAccess.LONG.setVolatile(buffer, tailOffset, pos);
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

    /**
     * One-to-one claim: nothing is published until commit, so a producer that dies between claim and
     * commit leaves nothing the consumer could see (its header word stays zero: "empty"), and the
     * hot path has no atomic read-modify-write at all (Agrona's OneToOneRingBuffer protocol).
     */
    @Override
    int claim(int type, int length) {
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
        if (spaceRequested) {
            foundSpace(); // rare: only while a space request is out
        }
        int at = dataOffset + (required == aligned ? index : 0);
        pendingHeader = at;
        pendingType = type;
        pendingLength = length;
        pendingAligned = required; // the whole extent, padding included: commit publishes both
        return at + HEADER_LENGTH;
    }

    /**
     * Commit (or abort as padding): header, then the wrap padding, then the tail. While the consumer
     * asks to sleep (its request seen here) the tail store is volatile and the consumer's wait word is
     * checked after it; otherwise the tail store is a release store and nothing more (the hot path:
     * one extra acquire read of the request, in the tail's line, which this sender holds anyway).
     */
    @Override
    boolean publish(int at, long recordHeader) {
        pendingHeader = -1;
        // Acquire, BEFORE the publication: it decides how this message's tail is stored. Coherence of
        // the reads of one variable (opaque and stronger) makes every later send of ours see this
        // value or a later one, so once a send saw a request, all later ones take the checking path
        // until the consumer withdraws it; acquire also keeps the tail store below from being
        // reordered before this read (a later access is not reordered before an acquire read), so a
        // send that did not see the request stored its tail before any later acknowledgement of ours.
        long request = (long) MappedAccess.LONG.getAcquire(buffer, sleepRequestOffset);
        int index = (int) (tail & mask);
        // Release: the body (plain stores) is visible before the header that says it is there.
        MappedAccess.LONG.setRelease(buffer, at, recordHeader);
        if (at != dataOffset + index) {
            // Wrapped: the padding to the ring's end goes after the record, so a consumer that skips it
            // finds the record already published (release: orders after the record header).
            MappedAccess.LONG.setRelease(buffer, dataOffset + index, header(capacity - index, PADDING_TYPE));
        }
        tail += pendingAligned;
        if ((request & 1) == 0) {
            // No sleep request: release store, only for readers of the tail (statistics, a successor
            // producer, a consumer about to sleep, which first waits for our acknowledgement: see
            // ShmChannel's notes); no wake-up check. A volatile store here (a StoreLoad barrier per
            // message before reading the wait word) halved this channel's throughput
            // (IpcThroughputBench, 32 B, 4 forks x 2 runs: 27.6 -> 13.0 msgs/us).
            MappedAccess.LONG.setRelease(buffer, tailOffset, tail);
            return true;
        }
        // The consumer asks to sleep. Volatile store: WaitWord's step (a), a synchronization action
        // ordered before the volatile read of the wait word in wakeConsumer (program order), so a
        // consumer whose volatile re-read of the tail missed this store announced itself before it
        // and our read sees the announcement (the Dekker pair of ShmChannel's notes).
        MappedAccess.LONG.setVolatile(buffer, tailOffset, tail);
        long epoch = request >>> 1;
        if (epoch != ackedEpoch) {
            acknowledge(epoch); // after our tail store: the consumer that reads it sees this message
        }
        wakeConsumer();
        return true;
    }

    /**
     * The re-check of a blocking send about to sleep in the kernel (called by the futex idle strategy
     * after it announced us on the producers' wait word, and only then): may we sleep, and has head
     * moved? We may sleep only once the consumer acknowledged our current space request, or while no
     * consumer is registered; until then we ask (once per epoch) and answer {@code NAP} (or
     * {@code READY} if head moved), so the idle strategy polls briefly and then sleeps in bounded,
     * doubling naps: the consumer's acknowledging release signals the word we announced on, and a
     * release that missed our request is seen at the end of a nap. The argument is in this class's notes.
     */
    @Override
    int sleepCheck() {
        lastSleepPhase = System.nanoTime();
        if (!spaceAcknowledged) {
            if (!spaceRequested) {
                spaceRequested = true;
                spaceEpoch++;
                // Volatile store (release would do for safety: the request is only a permission, which
                // the consumer confirms through its acknowledgement; volatile so it is not held behind
                // our later reads). Rare: once per request.
                MappedAccess.LONG.setVolatile(buffer, spaceRequestOffset, (spaceEpoch << 1) | 1);
            }
            // Acquire: pairs with the consumer's volatile store of the acknowledgement, after all its
            // earlier head stores: reading it, the head read below (and in every later re-check) sees
            // the head of every release that did not see our request (case (i) of the notes).
            if ((long) MappedAccess.LONG.getAcquire(buffer, spaceAckOffset) == spaceEpoch) {
                spaceAcknowledged = true;
            } else if ((long) MappedAccess.LONG.getVolatile(buffer, consumerOwnerOffset) != 0L) {
                // A consumer is registered but has not acknowledged yet: no full sleep. A nap is safe
                // without the acknowledgement: it is bounded, and the loop re-claims after it.
                return super.spaceFreed() ? KernelIdle.READY : KernelIdle.NAP;
            }
            // Else no consumer is registered: we may sleep this once (not remembered). Volatile read,
            // after our volatile request store: a consumer that registers later does so by a volatile
            // CAS after this read in the synchronization order, and reads the request (volatile, when
            // it attaches) after it, so it acknowledges before its first release; one that closed before
            // released its owner word by a volatile CAS after its last head store, which we read here.
        }
        // Volatile read: W2 (the base class's re-read of head after our announcement).
        return super.spaceFreed() ? KernelIdle.READY : KernelIdle.SLEEP;
    }

    /** {@link #sleepCheck()} as "do not sleep in full" (a nap is bounded): for the jcstress probes. */
    @Override
    boolean spaceFreed() {
        return sleepCheck() != KernelIdle.SLEEP;
    }

    /** Withdraws the space request after {@link OneToOneReceiver#WITHDRAW_AFTER_NANOS} of claims that all found space. */
    private void foundSpace() {
        if ((++busyClaims & (OneToOneReceiver.WITHDRAW_CHECK_CALLS - 1)) == 0
                && System.nanoTime() - lastSleepPhase >= OneToOneReceiver.WITHDRAW_AFTER_NANOS) {
            spaceRequested = false;
            spaceAcknowledged = false;
            // Volatile store (release would do: the consumer only needs to see it eventually; until it
            // does it pays its fence a little longer). Rare. We are awake: only this thread sleeps on
            // a full ring of this channel.
            MappedAccess.LONG.setVolatile(buffer, spaceRequestOffset, spaceEpoch << 1);
        }
    }
}
