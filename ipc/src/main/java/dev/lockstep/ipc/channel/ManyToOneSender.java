package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * A producer of a {@link ManyToOneChannel}: Agrona's {@code ManyToOneRingBuffer} claim (tail
 * compare-and-set) made robust: an intent in the producer's slot before the tail moves, a claimed
 * header naming the slot (compare-and-set from zero), commit by a releasing store as in Agrona. Two
 * read-modify-writes per message. A claim revoked before its header was written is detected at the
 * header's compare-and-set and acknowledged (the claim is made again); one revoked after it is
 * delivered late when the producer commits. Nothing the producer writes lands in reused space (see
 * {@link ShmChannel}'s notes on fences).
 */
public final class ManyToOneSender extends Sender {
    ManyToOneSender(ManyToOneChannel channel, int slot, IdleStrategy idle) {
        super(channel, slot, idle);
    }

    @Override
    int claim(int type, int length) {
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
     * Commit or abort: the claimed header becomes {@code recordHeader}, by a releasing store. Always
     * succeeds: a claim revoked after its header was written is delivered (or skipped, if aborted)
     * late, when the consumer finds this store over its fence (see below).
     */
    @Override
    boolean publish(int at, long recordHeader) {
        pendingHeader = -1;
        // Release store, not a CAS (issue 12: the commit CAS was one of three read-modify-writes per
        // message; Agrona's commit is a release store too). Release: the body's plain stores happen-
        // before any read (acquire) of this header, so a consumer that sees it sees the body whole.
        // Why no CAS is needed: after our header CAS the word at `at` is written only by us and by
        // the consumer's revocation, which replaces our claimed header by a fence of the same extent
        // ({-aligned, CLAIMED | REVOKED | slot}) and then (I3) never reuses [at, at + aligned) while
        // we may be alive: it holds head at the fence and zeroes the range only after it has read
        // (acquire) a positive length there, or after we are certainly dead (a dead process stores
        // nothing more). So this store can land only on our claimed header (the normal case) or on
        // that fence, never on reused space; on the fence, the consumer reads our record there later
        // and delivers it (or skips the padding of an abort) out of claim order but before any later
        // message of ours (ManyToOneReceiver checks its fences before each delivery while it holds
        // any). A revoked claim is therefore never lost once its header is written. (The one claim
        // the consumer must stop is one whose header is NOT yet written: then it cannot know the
        // claim's extent, so it fences the zero word and our header CAS in claim() fails.)
        MappedAccess.LONG.setRelease(buffer, at, recordHeader);
        // The consumer's wake-up check (WaitWord's protocol): the volatile read in signal follows our
        // tail CAS (a volatile write) in program order, hence in the synchronization order; the
        // consumer re-reads the tail (volatile) after announcing itself, so either it saw our claim
        // (then it does not sleep: it polls while the tail is past its position, and finds this
        // record) or its announcement precedes our tail CAS and so this read. Read after the commit,
        // not after the claim, so a woken consumer usually finds the record at once.
        wakeConsumer();
        return true;
    }

}
