package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import java.lang.invoke.VarHandle;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * A producer of a {@link ManyToOneChannel}: Agrona's {@code ManyToOneRingBuffer} claim (tail
 * compare-and-set) made robust: an intent in the producer's slot before the tail moves, a claimed
 * header naming the slot and commit, both by releasing stores as in Agrona. One read-modify-write (the
 * tail CAS) per message, as in Agrona. A claim whose header is not yet written is never revoked while
 * its owner may be alive (the consumer waits for it, as Agrona's does, and pads it only once every
 * intent covering it is certainly dead); one revoked after its header was written is delivered late
 * when the producer commits. Nothing the producer writes lands in reused space (see
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
                // (and our stores into the claim below come after the consumer's zeroing, not before it).
                headCache = (long) MappedAccess.LONG.getAcquire(buffer, headOffset);
                if (tail + required - headCache > capacity) {
                    // Full. Release: withdraws a stale intent from an earlier failed CAS; a consumer
                    // that reads it (acquire) sees everything we did before (see the notes on intents).
                    MappedAccess.LONG.setRelease(buffer, slotOffset + SLOT_INTENT_LENGTH_OFFSET, 0L);
                    return -1;
                }
            }
            // Release intent stores: a consumer that reads a later value of our intent (acquire) also
            // sees the header store of our previous claim, which precedes them in program order; the
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
                // Wrap: pad to the ring's end. Release store: nothing else writes this zero word while
                // we live (the consumer writes a zero word of [tail, tail + required) only once every
                // intent covering it is certainly dead, and ours covers it until after our header
                // store below); release orders it before the header store that follows, so a consumer
                // that sees the header at index 0 finds this padding too.
                MappedAccess.LONG.setRelease(buffer, dataOffset + index, header(toEnd, PADDING_TYPE));
                recordIndex = 0;
            }
            int at = dataOffset + recordIndex;
            // Release store (issue 12: a CAS from 0 before, one of the two read-modify-writes per
            // message; Agrona's header store is an ordered store too). No CAS is needed because the
            // consumer never writes the zero header word of a claim whose claimant may be alive: it
            // pads a zero word below the tail only when every intent covering it belongs to a process
            // that Participants judges certainly dead (never a live or stopped one), and our intent
            // covers [tail, tail + required) from before our tail CAS until after this store. So this
            // store always lands on zero. Release: our intent stores and the wrap padding happen-
            // before a consumer's acquire read of this header.
            MappedAccess.LONG.setRelease(buffer, at, header(-aligned, CLAIMED_FLAG | slot));
            // Release fence: orders the header store before every later store, in particular the
            // body's plain stores (ours in send, the caller's after tryClaim) -- the store-store order
            // the consumer's recovery of a dead claimant relies on (a zero header is never behind
            // nonzero body words: recoveryEnd reads the first nonzero word after a zero header as
            // another claim's header). The CAS gave this as a full fence; VarHandle.releaseFence
            // ("loads and stores before the fence will not be reordered with stores after it") is
            // the weaker fence that suffices.
            VarHandle.releaseFence();
            // Release store (not a CAS): the intent stops covering the claim, which its header now
            // describes. Negated, not zeroed, so the slot's last claim end stays readable for a
            // successor taking over a dead owner's slot. A consumer that reads this value (acquire)
            // re-reads the header and sees our store above (release/acquire through this store).
            MappedAccess.LONG.setRelease(buffer, slotOffset + SLOT_INTENT_LENGTH_OFFSET, (long) -required);
            pendingHeader = at;
            pendingType = type;
            pendingLength = length;
            pendingAligned = aligned;
            return at + HEADER_LENGTH;
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
        // Why no CAS is needed: after our header store the word at `at` is written only by us and by
        // the consumer's revocation, which replaces our claimed header by a fence of the same extent
        // ({-aligned, CLAIMED | REVOKED | slot}) and then (I3) never reuses [at, at + aligned) while
        // we may be alive: it holds head at the fence and zeroes the range only after it has read
        // (acquire) a positive length there, or after we are certainly dead (a dead process stores
        // nothing more). So this store can land only on our claimed header (the normal case) or on
        // that fence, never on reused space; on the fence, the consumer reads our record there later
        // and delivers it (or skips the padding of an abort) out of claim order but before any later
        // message of ours (ManyToOneReceiver checks its fences before each delivery while it holds
        // any). A revoked claim is therefore never lost once its header is written. (A claim whose
        // header is NOT yet written is never revoked while we may live: see claim().)
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
