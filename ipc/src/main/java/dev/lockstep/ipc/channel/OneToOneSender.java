package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;

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

    OneToOneSender(OneToOneChannel channel, IdleStrategy idle) {
        super(channel, 0, idle);
        this.lapShift = Integer.numberOfTrailingZeros(capacity);
        this.sleepRequestOffset = channel.sleepRequestOffset;
        this.sleepAckOffset = channel.sleepAckOffset;
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

}
