package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.SLOT_INTENT_LENGTH_OFFSET;
import static dev.lockstep.ipc.channel.ChannelDescriptor.SLOT_INTENT_POSITION_OFFSET;
import static dev.lockstep.ipc.channel.RecordDescriptor.CLAIMED_FLAG;
import static dev.lockstep.ipc.channel.RecordDescriptor.HEADER_LENGTH;
import static dev.lockstep.ipc.channel.RecordDescriptor.PADDING_TYPE;
import static dev.lockstep.ipc.channel.RecordDescriptor.alignedLength;
import static dev.lockstep.ipc.channel.RecordDescriptor.header;

import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * Child-JVM producer of {@link ChannelClaimWindowTest}: a many-to-one claim stopped in the window
 * between its tail CAS and its header store, the one window of {@link ManyToOneSender#claim} no public
 * call can stop in. It registers a sender (its slot and owner token), then makes the steps of
 * {@code ManyToOneSender.claim} itself, in the same order and access modes: intent (release stores),
 * tail CAS, and, if the claim wraps, the padding to the ring's end (so a claim that wraps stops
 * between its padding store and its header store), and prints {@code CLAIMED <position>}; it then spins until {@code <file>.go} exists (the
 * parent stops it with SIGSTOP meanwhile, or kills it), and finishes as the sender does: claimed
 * header (release store), release fence, intent withdrawn, body, commit (release store of the record
 * header, type {@link #TYPE}), and prints {@code COMMITTED}.
 *
 * <p>Args: {@code file bodyLength}. The body is message {@link #SEQ} in
 * {@code ChannelRevocationTest.Checker}'s format.
 */
public final class ChannelHeaderWindowProducerMain {
    static final int TYPE = 5;
    /** The seq of the one message (ChannelRevocationTest.Checker's format). */
    static final int SEQ = 1000;

    public static void main(String[] args) throws Exception {
        ManyToOneChannel ch = ManyToOneChannel.open(Path.of(args[0]));
        int bodyLength = Integer.parseInt(args[1]);
        Sender out = ch.sender();
        int aligned = alignedLength(bodyLength);
        long tail = (long) MappedAccess.LONG.getVolatile(out.buffer, out.tailOffset);
        int index = (int) (tail & out.mask);
        int toEnd = out.capacity - index;
        int required = aligned <= toEnd ? aligned : toEnd + aligned;
        MappedAccess.LONG.setRelease(out.buffer, out.slotOffset + SLOT_INTENT_POSITION_OFFSET, tail);
        MappedAccess.LONG.setRelease(out.buffer, out.slotOffset + SLOT_INTENT_LENGTH_OFFSET, (long) required);
        if (!MappedAccess.LONG.compareAndSet(out.buffer, out.tailOffset, tail, tail + required)) {
            throw new IllegalStateException("the test expects no other producer during the claim");
        }
        int recordIndex = index;
        if (required != aligned) {
            MappedAccess.LONG.setRelease(out.buffer, out.dataOffset + index, header(toEnd, PADDING_TYPE));
            recordIndex = 0;
        }
        System.out.println("CLAIMED " + tail);
        System.out.flush();
        Path go = Path.of(args[0] + ".go");
        while (!Files.exists(go)) {
            Thread.onSpinWait(); // stopped (SIGSTOP) or killed (SIGKILL) in here by the parent
        }
        int at = out.dataOffset + recordIndex;
        MappedAccess.LONG.setRelease(out.buffer, at, header(-aligned, CLAIMED_FLAG | out.slot()));
        VarHandle.releaseFence();
        MappedAccess.LONG.setRelease(out.buffer, out.slotOffset + SLOT_INTENT_LENGTH_OFFSET, (long) -required);
        ChannelRevocationTest.fill(out.buffer, at + HEADER_LENGTH, SEQ, bodyLength);
        MappedAccess.LONG.setRelease(out.buffer, at, header(HEADER_LENGTH + bodyLength, TYPE));
        System.out.println("COMMITTED");
        System.out.flush();
        out.close();
    }
}
