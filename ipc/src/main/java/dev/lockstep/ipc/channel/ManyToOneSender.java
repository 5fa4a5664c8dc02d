package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import java.lang.invoke.VarHandle;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.wait.KernelIdle;

/**
 * A producer of a {@link ManyToOneChannel}: Agrona's {@code ManyToOneRingBuffer} claim (tail
 * compare-and-set) made robust: an intent in the producer's slot before the tail moves, a claimed
 * header naming the slot and commit, both by releasing stores as in Agrona. One read-modify-write (the
 * tail CAS) per message, as in Agrona. A claim whose header is not yet written is never revoked while
 * its owner may be alive (the consumer waits for it, as Agrona's does, and pads it only once every
 * intent covering it is certainly dead); one revoked after its header was written is delivered late
 * when the producer commits. Nothing the producer writes lands in reused space (see
 * {@link ShmChannel}'s notes on fences).
 *
 * <p>Kernel waiting on a full ring ({@link dev.lockstep.ipc.shm.WaitMode#FUTEX}): the space handshake
 * of {@link OneToOneSender}, for many producers (issue 12, eleventh round). A blocking send in its
 * sleep phase raises the producers' shared space request (or joins the one raised) and sleeps only
 * once the consumer acknowledged its epoch (from then on each release of head is a volatile store
 * followed by a check of the producers' wait word), or while no consumer is registered; until then it
 * naps ({@code KernelIdle.NAP}), and the acknowledging release wakes it. Producers never withdraw the
 * request (one cannot know whether another sleeps on it): the consumer does, after
 * {@link ManyToOneReceiver#WITHDRAW_AFTER_QUIET_RELEASES} fenced releases in a row found nobody
 * announced on the wait word, and checks the word once more after withdrawing. So a requester that
 * dies or stops with its request raised costs the consumer that many fenced releases, once. Without a
 * request the consumer releases head with a release store after an acquire read of the request (in
 * head's line, which it writes anyway): no full fence per release, as Agrona's ordered store.
 *
 * <p>Implementation notes (REQ = space request {@code epoch << 1 | raised}, ACK = the last epoch the
 * consumer acknowledged; ChannelDescriptor). REQ changes only by a producer's CAS from a clear bit to
 * the next epoch with the bit set (raise) and by the consumer's CAS from a raised epoch to the same
 * epoch with the bit clear (withdraw): each raised value {@code e|1} is written once, and only the
 * consumer's withdrawal of e follows it in REQ's coherence order. Consumer, per release of head h
 * (ManyToOneReceiver.releaseHead): r = acquire read of REQ, before its head store. Bit clear: release
 * store of head, nothing else. Bit set: volatile store of head (P1); if epoch(r) is not the epoch it
 * last acknowledged, volatile store ACK = epoch(r); then P2, the volatile read of the producers' wait
 * word (FUTEX_WAKE if a sleeper announced); after 64 fenced releases in a row whose P2 found no
 * sleeper, the withdrawal CAS (volatile) and P2' (the same check). Attaching (after its registering
 * CAS): a volatile read of REQ, and the acknowledgement if raised. Producer, in its sleep phase: W1,
 * the announce on the wait word (KernelIdle: volatile CAS, full fence); R, a volatile read of REQ (or
 * the raising CAS itself), seeing {@code e|1}; then it may sleep only if an acquire read of ACK returns
 * e, or a volatile read of the consumer's owner returns 0; then W2, the volatile re-read of head,
 * compared with the head its failed claim read. Why no wake-up is lost, for a producer that sleeps on
 * the value v it announced, in epoch e, after reading ACK = e: let j be the consumer's release (or
 * attach) that acknowledged e. (i) Releases before j in program order stored head before that ACK
 * store (a volatile store: earlier accesses are not reordered after it; a release's head store is not
 * reordered before its own acquire read of REQ), and our acquire read of ACK orders them before W2
 * (happens-before): W2 sees their head or a later one. (ii) j itself: its P1 precedes its ACK store:
 * as (i). (iii) Releases after j that read REQ raised: by coherence they read e|1 (the consumer saw
 * e|1 at j, and e|1 changes only by its own withdrawal); they do P1 then P2, all volatile: if W2 misses
 * P1, then W1 &lt; W2 &lt; P1 &lt; P2 in the synchronization order, and P2 sees our announcement (or a later
 * value of the word, which our FUTEX_WAIT on v then refuses). (iv) Releases after j that read REQ
 * clear: the consumer's withdrawal of e precedes them in program order; our R saw e|1, so R precedes
 * that withdrawal CAS in the synchronization order (a volatile read sees the last write before it),
 * and W1 &lt; R &lt; withdrawal &lt; P2': P2' sees our announcement or a later value. No consumer registered
 * (owner read 0 after R): a consumer registering later does its CAS after that read and its attach
 * read of REQ after it, so it sees e|1 (only a consumer withdraws, and every earlier consumer released
 * its owner word before our read) and acknowledges e before any release: (iii) and (iv); one that
 * closed before released its owner word by a volatile CAS after its last head store, which our read
 * saw, so that head happens-before W2. Epochs only grow, so an old ACK never matches a new request.
 * Crash safety: a requester killed or stopped with its request raised leaves at most its announce bit,
 * which the next P2 clears; the consumer then withdraws within 64 releases. A consumer killed between
 * P1 and P2 strands a sleeper for at most its sleep bound, as before. Proven by jcstress
 * ManyToOneChannelProducerNoLostWakeupTest (acknowledged: the real receive against the real sleep
 * step of a second producer), ManyToOneChannelSpaceRequestRaceTest (the request racing with a receive)
 * and ManyToOneChannelSpaceWithdrawalTest (the withdrawing receive against the sleep step).
 */
public final class ManyToOneSender extends Sender {
    /** Absolute offsets of the producers' space request, of the consumer's acknowledgement and owner word. */
    private final int spaceRequestOffset;
    private final int spaceAckOffset;
    private final int consumerOwnerOffset;

    ManyToOneSender(ManyToOneChannel channel, int slot, IdleStrategy idle) {
        super(channel, slot, idle);
        this.spaceRequestOffset = channel.structureOffset + SPACE_REQUEST_OFFSET;
        this.spaceAckOffset = channel.structureOffset + SPACE_ACK_OFFSET;
        this.consumerOwnerOffset = channel.consumerOwnerOffset;
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

    /**
     * The re-check of a blocking send about to sleep in the kernel (called by the futex idle strategy
     * after it announced us on the producers' wait word, W1, and only then): may we sleep, and has head
     * moved? We may sleep only while the space request we read raised (raising it if it is clear) is
     * acknowledged, or while no consumer is registered; otherwise {@code NAP} (or {@code READY} if head
     * moved): the idle strategy polls briefly, then naps in bounded, doubling sleeps, and the
     * consumer's acknowledging release signals the word we announced on. The argument is in this
     * class's notes.
     */
    @Override
    int sleepCheck() {
        // Volatile read: R of the notes, after W1 in the synchronization order (KernelIdle's announce
        // is a volatile CAS followed by a full fence), so a withdrawal it does not see comes after it,
        // followed by the consumer's P2'.
        long request = (long) MappedAccess.LONG.getVolatile(buffer, spaceRequestOffset);
        while ((request & 1) == 0) {
            // Raise the next epoch. Volatile CAS (it is R when it succeeds): fails if the word changed
            // since our read (another producer raised first: we join its epoch; or an epoch was raised
            // and withdrawn meanwhile: we try again from the value we find).
            long raised = (((request >>> 1) + 1) << 1) | 1;
            long witness = (long) MappedAccess.LONG.compareAndExchange(buffer, spaceRequestOffset, request, raised);
            request = witness == request ? raised : witness;
        }
        // Acquire: pairs with the consumer's volatile store of the acknowledgement, after all its
        // earlier head stores (cases (i), (ii)): reading it, W2 below sees their head.
        if ((long) MappedAccess.LONG.getAcquire(buffer, spaceAckOffset) != request >>> 1
                && (long) MappedAccess.LONG.getVolatile(buffer, consumerOwnerOffset) != 0L) {
            // A consumer is registered but has not acknowledged this epoch: no full sleep. A nap is safe
            // without the acknowledgement: it is bounded, and the loop re-claims after it. (Volatile
            // read of the owner, after R: the "no consumer registered" case of the notes.)
            return super.spaceFreed() ? KernelIdle.READY : KernelIdle.NAP;
        }
        // Volatile read: W2 (the base class's re-read of head after our announcement).
        return super.spaceFreed() ? KernelIdle.READY : KernelIdle.SLEEP;
    }

    /** {@link #sleepCheck()} as "do not sleep in full" (a nap is bounded): for the jcstress probes. */
    @Override
    boolean spaceFreed() {
        return sleepCheck() != KernelIdle.SLEEP;
    }
}
