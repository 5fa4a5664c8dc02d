package dev.lockstep.aeron;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.ShmChannel;
import dev.lockstep.ipc.mailbox.MailboxEntry;
import dev.lockstep.ipc.shm.WaitMode;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;

/**
 * Mailbox to Aeron: the local mailbox's consumer, offering each message, framed by {@link BridgeFrame},
 * to an Aeron publication.
 *
 * <p>Back-pressure: a message Aeron does not accept ({@code BACK_PRESSURED}, {@code ADMIN_ACTION}, or
 * {@code NOT_CONNECTED}: no subscriber yet, or none any more) is kept in the bridge (one message) and
 * offered again each duty cycle; meanwhile the bridge takes nothing more from the mailbox, so the ring
 * fills and local producers see it full ({@code trySend} false, {@code send} waits). Nothing is dropped.
 * {@code CLOSED} or {@code MAX_POSITION_EXCEEDED} fail the bridge.
 *
 * <p>Sequence numbers. Each message taken from the ring gets the next number of this bridge's epoch
 * (both kept in the status file, so they survive a restart). To neither skip nor reuse a number when
 * the bridge is killed mid-message, the number, the message's place in the ring (offset, length) and
 * type are saved (one atomic slot, see {@link BridgeStatus}) after the offer and before the handler
 * returns, i.e. before the ring's consumer frees the record. A restarted bridge compares the first
 * message the ring gives it with the saved one: the same record (it was being handled when the bridge
 * died, so the ring delivers it again) is sent again under its old number (the inbound side drops it
 * if it had arrived); any other record gets the next number. So across a kill the inbound side sees
 * each number at most once and a lost message as a gap.
 *
 * <p>Waiting. With its mailbox empty (and no message held) the bridge waits in the receiver's
 * {@code awaitReceive} for at most {@value #MAILBOX_WAIT_MILLIS} ms: by default in the kernel on the
 * ring's futex word (many-to-one mailbox, JDK 22+: a producer's commit wakes it, no polling at all), else
 * polling with the configured strategy; it idles with the Aeron-side strategy only while Aeron refuses
 * the held message (see {@link BridgeOptions}). The timed wait allocates one small object per wait that
 * actually sleeps (the receiver's kernel idle), never per message.
 *
 * <p>Coalescing ({@link BridgeOptions#withCoalesce}, the default): each message taken from the ring is numbered and
 * its slot saved as above, but copied into a coalesced {@link BridgeFrame} instead of being offered
 * alone; the frame is offered when it reaches one datagram's payload
 * ({@code publication.maxPayloadLength()}) and at the end of every duty cycle (a frame of one message
 * goes as a plain frame), so a frame never waits for more traffic. A refused frame is held whole, as a
 * single message is. Between its copy and the frame's offer a message is in the bridge's memory only:
 * a SIGKILL there loses up to one cycle's messages ({@code batch}), which the inbound bridge reports
 * exactly as a gap (their numbers were saved). Fewer Aeron messages is fewer offers, fragment
 * callbacks, frame headers and datagrams: the CPU per message the profile of the README's benchmark
 * section shows in both bridges and both drivers.
 *
 * <p>Taking: one {@code receive(handler, batch)} call per duty cycle (one head release and producer
 * wake-up check per call). A refusal inside the handler (the message or frame is now held) ends the
 * call by throwing the preallocated, stackless {@code STOP}: by the {@code Receiver} contract the message
 * whose handler throws counts as consumed (it is: held in the bridge, exactly as when a loop of
 * single-message receives stopped after it), and the call ends, so nothing more is taken while holding.
 * Each record is zeroed right after its own handler returns (head released at the end of the call; a
 * successor consumer steps over zeroed records of a dead predecessor), so what a kill leaves to the
 * successor is still at most the record in the handler.
 *
 * <p>Implementation notes: the handler wraps the ring's mapping once in an {@link UnsafeBuffer} and
 * offers header and body as two buffers (Aeron copies into its term buffer: no copy here); only a
 * refused message is copied, into a buffer sized for the largest message. Coalescing copies each message
 * once, into the stage (a direct buffer of one datagram's payload plus the largest record, so a record
 * always fits; a frame may thus pass one datagram by up to one message and be fragmented by Aeron).
 * Invariants: records in the stage have consecutive numbers from {@code stageFirst}; while
 * {@code holding} nothing is taken from the ring (a refusal in the handler ends the receive call), so
 * the held frame never grows. Nothing allocates per message.
 */
public final class OutboundBridge extends Bridge {
    /** The longest an idle outbound bridge sleeps on its mailbox before publishing its counters again. */
    static final long MAILBOX_WAIT_MILLIS = 20;
    /**
     * Fault injection for the crash tests ({@code -Dlockstep.aeron.test.stall=offered:S} or {@code saved:S}):
     * the bridge thread stops (until closed) inside its handler once Aeron accepted sequence {@code S},
     * before ({@code offered}) or after ({@code saved}) it saves the sequence slot, in either case before
     * the ring frees the record, so that a test's SIGKILL lands exactly in the window the class comment
     * describes. Unset (-1) in normal use: one comparison per message.
     */
    private static final long STALL_SEQUENCE;
    private static final boolean STALL_AFTER_SAVE;

    static {
        String stall = System.getProperty("lockstep.aeron.test.stall", "");
        int colon = stall.indexOf(':');
        STALL_AFTER_SAVE = stall.startsWith("saved:");
        if (!stall.isEmpty() && (colon < 0 || !(stall.startsWith("offered:") || STALL_AFTER_SAVE))) {
            throw new IllegalArgumentException("lockstep.aeron.test.stall must be offered:SEQUENCE or saved:SEQUENCE: " + stall);
        }
        STALL_SEQUENCE = stall.isEmpty() ? -1 : Long.parseLong(stall.substring(colon + 1));
    }

    private final int epoch;
    private ExclusivePublication publication;
    private Receiver receiver;
    private final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(BridgeFrame.HEADER_LENGTH));
    private final UnsafeBuffer body = new UnsafeBuffer(0, 0);
    private ByteBuffer wrapped;
    private UnsafeBuffer pending;
    private final MessageHandler handler = this::onMessage;
    private final int batch;
    /** A frame Aeron has not accepted yet (plain: bridge thread only): {@code pending} or {@code stage}. */
    private boolean holding;
    private UnsafeBuffer held;
    private int heldOffset;
    private int heldLength;
    private int heldCount;
    private long heldBytes;
    /** Coalescing (see {@link BridgeOptions#withCoalesce}): the coalesced frame being built, or null. */
    private final UnsafeBuffer stage;
    /** A coalesced frame is offered once it is this long (one datagram's payload) or the cycle ends. */
    private final int flushAt;
    private int stageLength;
    private int stageCount;
    private long stageBytes;
    private long stageFirst;
    private long nextSequence;
    private boolean resumeCheck;
    private long resumeMark;
    private long resumeType;
    private long messages;
    private long bytes;
    private long backPressure;
    private long notConnected;
    private long lastResult;
    /** Messages handled in the current receive call (plain: bridge thread only). */
    private int handled;

    OutboundBridge(String mailbox, String channel, int streamId, BridgeOptions options) throws IOException {
        this(mailbox, channel, streamId, options, null);
    }

    OutboundBridge(String mailbox, String channel, int streamId, BridgeOptions options, BridgeHost host) throws IOException {
        super(true, mailbox, channel, streamId, options, host);
        try {
            this.batch = options.batch();
            this.epoch = (int) status.get(BridgeStatus.EPOCH_OFFSET);
            messages = status.get(BridgeStatus.MESSAGES_OFFSET);
            bytes = status.get(BridgeStatus.BYTES_OFFSET);
            backPressure = status.get(BridgeStatus.BACK_PRESSURE_OFFSET);
            notConnected = status.get(BridgeStatus.NOT_CONNECTED_OFFSET);
            long identity = mailboxIdentity();
            if (status.hasSlot()) {
                nextSequence = status.slot(0);
                if (status.get(BridgeStatus.MAILBOX_ID_OFFSET) == identity) {
                    resumeCheck = true;
                    resumeMark = status.slot(1);
                    resumeType = status.slot(2);
                }
                note("resuming epoch " + Integer.toHexString(epoch) + " at sequence " + nextSequence);
            }
            status.put(BridgeStatus.MAILBOX_ID_OFFSET, identity);
            publication = aeron.addExclusivePublication(channel, streamId);
            int needed = local.maxMessageLength() + BridgeFrame.HEADER_LENGTH;
            if (needed > publication.maxMessageLength()) {
                throw new IllegalArgumentException("mailbox '" + mailbox + "' allows messages of "
                        + local.maxMessageLength() + " B, the publication at most "
                        + (publication.maxMessageLength() - BridgeFrame.HEADER_LENGTH)
                        + " B after the bridge header: raise the channel's term-length or use a smaller mailbox");
            }
            pending = new UnsafeBuffer(ByteBuffer.allocateDirect(needed));
            int flush = publication.maxPayloadLength();
            int stageCapacity = flush + BridgeFrame.RECORD_HEADER_LENGTH + local.maxMessageLength();
            if (options.coalesce() && stageCapacity <= publication.maxMessageLength()) {
                stage = new UnsafeBuffer(ByteBuffer.allocateDirect(stageCapacity));
                flushAt = flush;
                note("coalescing each duty cycle's messages into frames of up to " + flush + " B");
            } else {
                if (options.coalesce()) {
                    note("not coalescing: a frame of " + stageCapacity + " B would exceed the publication's " + publication.maxMessageLength()
                            + " B (raise the channel's term-length)");
                }
                stage = null;
                flushAt = 0;
            }
            if (host != null) {
                // The host's thread also runs the driver: it polls the mailbox each cycle, never sleeps on it.
                receiver = local.receiver(ShmChannel.DEFAULT_CLAIM_TIMEOUT, options.idle().get());
                note("polling the mailbox in the duty cycle of bridge host '" + host.name() + "'");
            } else {
                receiver = receiverFor(options);
                note("waiting on the mailbox: " + (receiver.waitMode() == WaitMode.FUTEX ? "in the kernel (futex)"
                        : "polling (" + (options.mailboxIdle() == null ? "the receiver cannot sleep in the kernel here"
                        : "as configured") + ")"));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        start();
    }

    /**
     * The mailbox's consumer: one that sleeps in the kernel if so configured and it can (many-to-one
     * on JDK 22+), else one that polls with the configured mailbox strategy or, failing that, with the
     * Aeron-side {@code idle} (whose short parks suit a bridge better than the receiver's default).
     */
    private Receiver receiverFor(BridgeOptions options) {
        Supplier<IdleStrategy> poll = options.mailboxIdle();
        if (poll == null) {
            Receiver r = local.receiver();
            if (r.waitMode() == WaitMode.FUTEX) {
                return r;
            }
            r.close(); // unregisters: the one below registers again
            poll = options.idle();
        }
        return local.receiver(ShmChannel.DEFAULT_CLAIM_TIMEOUT, poll.get());
    }

    /** The ring positions saved for a restart belong to this mailbox file, not to a re-created one. */
    private long mailboxIdentity() {
        MailboxEntry e = localEntry;
        Instant created = e.created();
        return created.toEpochMilli() ^ (e.creator().pid() << 42) ^ e.creator().startTime();
    }

    @Override
    int doWork() throws InterruptedException {
        if (holding) {
            long r = publication.offer(held, heldOffset, heldLength);
            if (r < 0) {
                refused(r);
                return 0;
            }
            if (held == stage) {
                stageCount = 0;
            }
            accepted(heldCount, heldBytes);
        }
        int n = 0;
        if (!holding) {
            n = take(batch);
        }
        if (stageCount > 0 && !holding) {
            flush();
        }
        if (n > 0 || holding || host != null) {
            return n; // holding: the loop idles with the Aeron-side strategy, then offers again; hosted: the host idles
        }
        // Empty mailbox: wait on it (futex sleep, woken by the producer's commit, or the mailbox idle
        // strategy's polls), at most MAILBOX_WAIT_MILLIS so the counters are published and close() seen.
        handled = 0;
        try {
            receiver.awaitReceive(handler, batch, MAILBOX_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Stop stop) {
            // holding: see take
        }
        n = handled;
        if (stageCount > 0 && !holding) {
            flush();
        }
        return n > 0 ? n : -1;
    }

    /**
     * Takes up to {@code limit} messages in one receive call (one head release and producer wake-up
     * check per call instead of per message); a refusal inside the handler ends the call early through
     * {@link #STOP} (see {@link #stopTaking}). Returns the number handled.
     */
    private int take(int limit) {
        handled = 0;
        try {
            receiver.receive(handler, limit);
        } catch (Stop stop) {
            // holding: the refused frame's last message was the last one taken (see stopTaking)
        }
        return handled;
    }

    /**
     * Ends the current receive call after a refusal: the ring's contract is that a message whose handler
     * throws counts as consumed (it is, in {@code pending} or the held stage, as before), and the
     * exception ends the call, so nothing more is taken while a frame is held. Only on the refused path;
     * the exception is preallocated and stackless.
     */
    private void stopTaking() {
        throw STOP;
    }

    /** The control-flow exception of {@link #stopTaking}: preallocated, no stack trace, no suppression. */
    static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super("outbound bridge: stop taking (a frame is held)", null, false, false);
        }
    }

    private static final Stop STOP = new Stop();

    private void onMessage(int type, ByteBuffer buffer, int offset, int length) {
        handled++;
        if (buffer != wrapped) {
            body.wrap(buffer);
            wrapped = buffer;
        }
        long mark = ((long) offset << 32) | (length & 0xffff_ffffL);
        long sequence;
        if (resumeCheck && mark == resumeMark && type == resumeType) {
            sequence = nextSequence - 1; // the record we were handling when we died: same number again
            note("sending again sequence " + sequence + ", the message being sent when the last run ended");
        } else {
            sequence = nextSequence++;
        }
        resumeCheck = false;
        if (stage != null) {
            stageMessage(sequence, type, offset, length);
            // Before returning (so before the ring frees the record): see the class comment.
            status.saveSlot(nextSequence, mark, type);
            if (sequence == STALL_SEQUENCE && STALL_AFTER_SAVE) {
                stallForTest(sequence, "staged and saved");
            }
            if (stageLength >= flushAt) {
                flush();
                if (holding) {
                    stopTaking();
                }
            }
            return;
        }
        BridgeFrame.write(header, 0, sequence, type, epoch);
        long r = publication.offer(header, 0, BridgeFrame.HEADER_LENGTH, body, offset, length);
        if (r > 0) {
            accepted(1, length);
            if (sequence == STALL_SEQUENCE && !STALL_AFTER_SAVE) {
                stallForTest(sequence, "offered");
            }
        } else {
            pending.putBytes(0, header, 0, BridgeFrame.HEADER_LENGTH);
            pending.putBytes(BridgeFrame.HEADER_LENGTH, body, offset, length);
            hold(pending, 0, BridgeFrame.HEADER_LENGTH + length, 1, length);
            lastResult = 0;
            refused(r);
        }
        // Before returning (so before the ring frees the record): see the class comment.
        status.saveSlot(nextSequence, mark, type);
        if (sequence == STALL_SEQUENCE && STALL_AFTER_SAVE) {
            stallForTest(sequence, "saved");
        }
        if (holding) {
            stopTaking();
        }
    }

    /** Appends a message to the coalesced frame (sequence numbers within it are consecutive). */
    private void stageMessage(long sequence, int type, int offset, int length) {
        if (stageCount == 0) {
            BridgeFrame.write(stage, 0, sequence, BridgeFrame.COALESCED, epoch);
            stageLength = BridgeFrame.HEADER_LENGTH;
            stageBytes = 0;
            stageFirst = sequence;
        }
        BridgeFrame.writeRecord(stage, stageLength, type, length);
        stage.putBytes(stageLength + BridgeFrame.RECORD_HEADER_LENGTH, body, offset, length);
        stageLength += BridgeFrame.RECORD_HEADER_LENGTH + length;
        stageBytes += length;
        stageCount++;
    }

    /**
     * Offers the coalesced frame, or holds it if Aeron refuses. A frame of one message goes as a plain
     * frame (its header rewritten in place, just before the body), as without coalescing.
     */
    private void flush() {
        int offset = 0;
        int length = stageLength;
        if (stageCount == 1) {
            int type = BridgeFrame.recordType(stage, BridgeFrame.HEADER_LENGTH);
            offset = BridgeFrame.RECORD_HEADER_LENGTH;
            length -= offset;
            BridgeFrame.write(stage, offset, stageFirst, type, epoch);
        }
        long r = publication.offer(stage, offset, length);
        if (r > 0) {
            int count = stageCount;
            stageCount = 0;
            accepted(count, stageBytes);
        } else {
            hold(stage, offset, length, stageCount, stageBytes);
            refused(r);
        }
    }

    private void hold(UnsafeBuffer buffer, int offset, int length, int count, long bodyBytes) {
        held = buffer;
        heldOffset = offset;
        heldLength = length;
        heldCount = count;
        heldBytes = bodyBytes;
        holding = true;
        lastResult = 0;
    }

    /** See {@link #STALL_SEQUENCE}: parks until the bridge is closed (a test SIGKILLs the process meanwhile). */
    private void stallForTest(long sequence, String where) {
        note("STALLED (test) after sequence " + sequence + " was " + where + ", before the ring frees its record");
        publish(System.currentTimeMillis());
        while (running()) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }
    }

    private void accepted(int count, long bodyBytes) {
        if (holding) {
            holding = false;
            if (lastResult == Publication.NOT_CONNECTED) {
                note("connected: sending");
            }
        }
        messages += count;
        bytes += bodyBytes;
    }

    /** An offer of the held message was refused with {@code r}: count a new episode, fail on a closed publication. */
    private void refused(long r) {
        if (r == Publication.BACK_PRESSURED || r == Publication.ADMIN_ACTION) {
            if (lastResult != Publication.BACK_PRESSURED) {
                backPressure++;
            }
            lastResult = Publication.BACK_PRESSURED;
        } else if (r == Publication.NOT_CONNECTED) {
            if (lastResult != Publication.NOT_CONNECTED) {
                notConnected++;
                note("no subscriber on " + channel + " stream " + streamId + ": holding (the mailbox fills, nothing is dropped)");
            }
            lastResult = Publication.NOT_CONNECTED;
        } else {
            throw new IllegalStateException("publication " + channel + " stream " + streamId + " refused a message for good ("
                    + (r == Publication.CLOSED ? "CLOSED" : r == Publication.MAX_POSITION_EXCEEDED
                    ? "MAX_POSITION_EXCEEDED" : Long.toString(r)) + "); the held message was not sent");
        }
    }

    @Override
    void publish(long nowMillis) {
        status.put(BridgeStatus.MESSAGES_OFFSET, messages);
        status.put(BridgeStatus.BYTES_OFFSET, bytes);
        status.put(BridgeStatus.BACK_PRESSURE_OFFSET, backPressure);
        status.put(BridgeStatus.NOT_CONNECTED_OFFSET, notConnected);
        status.put(BridgeStatus.CONNECTED_OFFSET, publication != null && publication.isConnected() ? 1 : 0);
        status.heartbeat(nowMillis);
    }

    @Override
    public boolean isConnected() {
        ExclusivePublication p = publication;
        return p != null && p.isConnected();
    }

    @Override
    void closeLocalRole() {
        if (holding) {
            note("closing with " + (heldCount == 1 ? "sequence " + (nextSequence - 1)
                    : "sequences " + (nextSequence - heldCount) + ".." + (nextSequence - 1)) + " not sent (Aeron had not accepted it)");
        }
        if (receiver != null) {
            receiver.close();
        }
        if (publication != null) {
            publication.close();
        }
    }
}
