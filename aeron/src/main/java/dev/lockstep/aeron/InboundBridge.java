package dev.lockstep.aeron;

import java.io.IOException;

import org.agrona.DirectBuffer;

import dev.lockstep.ipc.channel.Sender;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;

/**
 * Aeron to mailbox: an Aeron subscription whose messages, unframed ({@link BridgeFrame}), are written
 * into the local mailbox as one of its producers, with their type and body unchanged.
 *
 * <p>Back-pressure: when the mailbox is full the fragment handler answers {@code ABORT}: Aeron keeps
 * the message and the bridge polls again next duty cycle, so it reads nothing more from the image; the
 * image's window then closes and Aeron's flow control holds the sender (whose offers are refused with
 * {@code BACK_PRESSURED}, so the remote mailbox fills in turn). Nothing is dropped.
 *
 * <p>Sequence numbers are judged by a {@link SequenceTracker}: a gap is counted, logged and shown in
 * the stats; a duplicate (a message an outbound bridge sent again after a restart) is dropped and
 * counted. After each delivery the expected (epoch, sequence) is saved in the status file, so a
 * restarted inbound bridge continues the judgement. A message longer than the mailbox's
 * {@code maxMessageLength()}, or with a negative type, cannot be delivered: it is dropped, counted as
 * {@code rejected} and logged (size mailboxes alike on both hosts).
 */
public final class InboundBridge extends Bridge {
    private Subscription subscription;
    private Sender sender;
    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this::onFragment);
    private final int batch;
    private final int maxLength;
    private final SequenceTracker tracker;
    private final long baseGaps;
    private final long baseMissing;
    private final long baseDuplicates;
    private final long baseResets;
    private long messages;
    private long bytes;
    private long backPressure;
    private long rejected;
    /** The mailbox was full at the last attempt (plain: bridge thread only). */
    private boolean holding;
    /**
     * A coalesced frame aborted part-way (mailbox full): its epoch, first sequence and the number of
     * its records already delivered, skipped when Aeron hands the frame over again (plain: bridge thread only).
     */
    private boolean partial;
    private int partialEpoch;
    private long partialFirst;
    private int partialDone;

    InboundBridge(String mailbox, String channel, int streamId, BridgeOptions options) throws IOException {
        this(mailbox, channel, streamId, options, null);
    }

    InboundBridge(String mailbox, String channel, int streamId, BridgeOptions options, BridgeHost host) throws IOException {
        super(false, mailbox, channel, streamId, options, host);
        try {
            this.batch = options.batch();
            this.maxLength = local.maxMessageLength();
            messages = status.get(BridgeStatus.MESSAGES_OFFSET);
            bytes = status.get(BridgeStatus.BYTES_OFFSET);
            backPressure = status.get(BridgeStatus.BACK_PRESSURE_OFFSET);
            rejected = status.get(BridgeStatus.REJECTED_OFFSET);
            baseGaps = status.get(BridgeStatus.GAPS_OFFSET);
            baseMissing = status.get(BridgeStatus.MISSING_OFFSET);
            baseDuplicates = status.get(BridgeStatus.DUPLICATES_OFFSET);
            baseResets = status.get(BridgeStatus.RESETS_OFFSET);
            if (status.hasSlot()) {
                tracker = new SequenceTracker((int) status.slot(0), status.slot(1));
                note("resuming: expecting sequence " + tracker.expected() + " of epoch " + Integer.toHexString(tracker.epoch()));
            } else {
                tracker = new SequenceTracker();
            }
            sender = local.sender();
            subscription = aeron.addSubscription(channel, streamId, this::available, this::unavailable);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        start();
    }

    private void available(Image image) {
        note("publisher connected (session " + image.sessionId() + ", " + image.sourceIdentity() + ")");
    }

    private void unavailable(Image image) {
        note("publisher gone (session " + image.sessionId() + ")");
    }

    @Override
    int doWork() {
        return subscription.controlledPoll(assembler, batch);
    }

    private ControlledFragmentHandler.Action onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        if (length < BridgeFrame.HEADER_LENGTH) {
            rejected++;
            report("dropped a " + length + "-byte message: shorter than the bridge header (not a bridge stream?)");
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        long sequence = BridgeFrame.sequence(buffer, offset);
        int type = BridgeFrame.type(buffer, offset);
        int epoch = BridgeFrame.epoch(buffer, offset);
        if (type == BridgeFrame.COALESCED) {
            return onCoalesced(buffer, offset + BridgeFrame.HEADER_LENGTH, offset + length, epoch, sequence);
        }
        return deliver(buffer, offset + BridgeFrame.HEADER_LENGTH, length - BridgeFrame.HEADER_LENGTH, type, epoch, sequence);
    }

    /**
     * The records of a coalesced frame, record {@code i} with sequence {@code first + i}. If the mailbox
     * fills part-way the frame is aborted and the records delivered so far are remembered, so that when
     * Aeron hands the frame over again they are skipped, not judged duplicates.
     */
    private ControlledFragmentHandler.Action onCoalesced(DirectBuffer buffer, int at, int end, int epoch, long first) {
        int skip = partial && partialEpoch == epoch && partialFirst == first ? partialDone : 0;
        partial = false;
        int i = 0;
        while (at < end) {
            if (end - at < BridgeFrame.RECORD_HEADER_LENGTH) {
                rejected++;
                report("dropped the rest of a coalesced frame after sequence " + (first + i - 1) + ": "
                        + (end - at) + " B left, shorter than a record header (malformed frame)");
                break;
            }
            int type = BridgeFrame.recordType(buffer, at);
            int bodyLength = BridgeFrame.recordLength(buffer, at);
            int body = at + BridgeFrame.RECORD_HEADER_LENGTH;
            if (bodyLength < 0 || bodyLength > end - body) {
                rejected++;
                report("dropped the rest of a coalesced frame at sequence " + (first + i) + ": record length "
                        + bodyLength + " does not fit the " + (end - body) + " B left (malformed frame)");
                break;
            }
            if (i >= skip && deliver(buffer, body, bodyLength, type, epoch, first + i) == ControlledFragmentHandler.Action.ABORT) {
                partial = true;
                partialEpoch = epoch;
                partialFirst = first;
                partialDone = i;
                return ControlledFragmentHandler.Action.ABORT; // Aeron keeps the frame; records before i are not sent again
            }
            i++;
            at = body + bodyLength;
        }
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    /** One message: judged by its sequence, then written into the mailbox (or ABORT: mailbox full). */
    private ControlledFragmentHandler.Action deliver(DirectBuffer buffer, int bodyOffset, int bodyLength, int type,
                                                     int epoch, long sequence) {
        SequenceTracker.Verdict verdict = tracker.judge(epoch, sequence);
        if (verdict == SequenceTracker.Verdict.DUPLICATE) {
            tracker.accept(epoch, sequence);
            note("dropped duplicate sequence " + sequence + " (expected " + tracker.expected() + ")");
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        if (bodyLength > maxLength || type < 0) {
            rejected++;
            accepted(verdict, epoch, sequence);
            report("dropped sequence " + sequence + ": " + (type < 0 ? "negative type " + type
                    : bodyLength + " B is longer than mailbox '" + mailbox + "' allows (" + maxLength + " B)"));
            return ControlledFragmentHandler.Action.CONTINUE;
        }
        int at = sender.tryClaim(type, bodyLength);
        if (at < 0) {
            if (!holding) {
                holding = true;
                backPressure++;
            }
            return ControlledFragmentHandler.Action.ABORT; // Aeron keeps it; we poll again next cycle
        }
        holding = false;
        buffer.getBytes(bodyOffset, sender.buffer(), at, bodyLength);
        if (!sender.commit(at)) {
            return ControlledFragmentHandler.Action.ABORT; // claim revoked (we stalled past the timeout): again
        }
        messages++;
        bytes += bodyLength;
        accepted(verdict, epoch, sequence);
        return ControlledFragmentHandler.Action.CONTINUE;
    }

    private void accepted(SequenceTracker.Verdict verdict, int epoch, long sequence) {
        int previousEpoch = tracker.epoch();
        boolean wasStarted = tracker.started();
        long lost = tracker.accept(epoch, sequence);
        status.saveSlot(tracker.epoch(), tracker.expected(), 0);
        if (verdict == SequenceTracker.Verdict.NEW_EPOCH && wasStarted) {
            report("new sender epoch " + Integer.toHexString(epoch) + " (was " + Integer.toHexString(previousEpoch)
                    + "): the old epoch's undelivered messages, if any, are unknown");
        }
        if (lost > 0) {
            report("gap: " + lost + " message(s) lost before sequence " + sequence + " (epoch "
                    + Integer.toHexString(epoch) + ")");
        }
    }

    @Override
    void publish(long nowMillis) {
        status.put(BridgeStatus.MESSAGES_OFFSET, messages);
        status.put(BridgeStatus.BYTES_OFFSET, bytes);
        status.put(BridgeStatus.BACK_PRESSURE_OFFSET, backPressure);
        status.put(BridgeStatus.REJECTED_OFFSET, rejected);
        status.put(BridgeStatus.GAPS_OFFSET, baseGaps + tracker.gaps());
        status.put(BridgeStatus.MISSING_OFFSET, baseMissing + tracker.missing());
        status.put(BridgeStatus.DUPLICATES_OFFSET, baseDuplicates + tracker.duplicates());
        status.put(BridgeStatus.RESETS_OFFSET, baseResets + tracker.resets());
        status.put(BridgeStatus.CONNECTED_OFFSET, subscription != null && subscription.isConnected() ? 1 : 0);
        status.heartbeat(nowMillis);
    }

    @Override
    public boolean isConnected() {
        Subscription s = subscription;
        return s != null && s.isConnected();
    }

    @Override
    void closeLocalRole() {
        if (subscription != null) {
            subscription.close();
        }
        if (sender != null) {
            sender.close();
        }
    }
}
