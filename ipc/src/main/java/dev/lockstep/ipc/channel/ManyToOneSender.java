package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * A producer of a {@link ManyToOneChannel}: Agrona's {@code ManyToOneRingBuffer} claim (tail
 * compare-and-set) made robust: an intent in the producer's slot before the tail moves, a claimed
 * header naming the slot, commit by compare-and-set; a claim revoked while the producer stalled is
 * detected at its next compare-and-set and acknowledged, and nothing it wrote lands in reused space
 * (see {@link ShmChannel}'s notes on fences).
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

    /** Commit or abort: the claimed header becomes {@code recordHeader}, unless revoked. */
    @Override
    boolean publish(int at, long recordHeader) {
        pendingHeader = -1;
        long claimed = header(-pendingAligned, CLAIMED_FLAG | slot);
        // Volatile CAS: releases the body (a consumer that acquires the committed header sees it whole);
        // a CAS, not a store, so a revoked claim is detected instead of resurrected. While a revoked
        // claim's owner lives, its space is fenced (never reused), so the witness is the fence itself
        // and never another claim's header: a late commit cannot succeed on reused words.
        long w = (long) MappedAccess.LONG.compareAndExchange(buffer, at, claimed, recordHeader);
        if (w == claimed) {
            // The consumer's wake-up check, after two volatile-mode accesses: our tail CAS (claim) and
            // this commit CAS. The consumer re-reads the tail (volatile) after announcing itself, so by
            // the synchronization order either it saw our claim (and polls, not sleeps, until this
            // commit) or its announcement precedes the tail CAS and so this read (WaitWord's protocol).
            // Read after the commit, not after the claim, so a woken consumer finds the record.
            wakeConsumer();
            return true;
        }
        acknowledgeRevocation(at, w);
        return false;
    }

}
