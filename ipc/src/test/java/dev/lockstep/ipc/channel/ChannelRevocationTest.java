package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * A live producer whose claim outlives the claim timeout (a stalled process: GC pause, SIGSTOP) and
 * then resumes, in one process and step by step: its late body stores and commit must never land in
 * space handed to another claim, its commit reports the revocation, and every message whose send
 * returned {@code true} is delivered once, whole. The multi-process version with real SIGSTOP/SIGCONT
 * is {@link ChannelStallTest}.
 */
@Timeout(30)
class ChannelRevocationTest {
    @TempDir
    Path dir;

    /** Checks that message i of producer q is {@link #fill(ByteBuffer, int, int, int)}'s pattern. */
    static final class Checker implements MessageHandler {
        final List<Integer> seqs = new ArrayList<>();
        int bad;

        @Override
        public void onMessage(int type, ByteBuffer buffer, int offset, int length) {
            int seq = buffer.getInt(offset);
            for (int i = 4; i < length; i++) {
                if (buffer.get(offset + i) != (byte) (seq * 31 + i)) {
                    bad++;
                    return;
                }
            }
            seqs.add(seq);
        }
    }

    static void fill(ByteBuffer b, int at, int seq, int length) {
        b.putInt(at, seq);
        for (int i = 4; i < length; i++) {
            b.put(at + i, (byte) (seq * 31 + i));
        }
    }

    private static byte[] message(int seq, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(java.nio.ByteOrder.nativeOrder());
        fill(b, 0, seq, length);
        return b.array();
    }

    private static void receiveUntilRevoked(ManyToOneChannel ch, Receiver in, MessageHandler h) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ch.stats().timeoutRecoveries() == 0) {
            in.receive(h, 64);
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the stalled claim was never revoked");
            }
        }
    }

    @Test
    void aRevokedZeroCopyClaimsLateBodyAndCommitNeverLandInReusedSpace() throws Exception {
        int body = 120; // records of 128 bytes: 8 fill the 1 KiB ring
        try (ManyToOneChannel ch = ManyToOneChannel.create(dir.resolve("c"), 1024, 4);
             Sender stalled = ch.sender(); Sender other = ch.sender();
             Receiver in = ch.receiver(Duration.ofNanos(1))) {
            int at = stalled.tryClaim(7, body);          // ... and the process stalls here
            Checker c = new Checker();
            receiveUntilRevoked(ch, in, c);
            int sent = 0;
            for (int i = 0; i < 7; i++) {               // fills the rest of the ring
                assertTrue(other.trySend(1, message(sent, body), 0, body));
                sent++;
            }
            while (in.receive(c, 64) > 0) {
                // drain
            }
            // The revoked claim's space: offered to a new claim only once its owner is done with it.
            if (other.trySend(1, message(sent, body), 0, body)) {
                sent++;
            }
            fill(stalled.buffer(), at, 999, body);        // the stalled producer resumes: late body...
            // ... and commit: its header was written before the revocation, so the consumer knew the
            // claim's extent, fenced it, and now delivers it late.
            assertTrue(stalled.commit(at), "a revoked claim whose header was written is committed");
            int deliveredBeforeLateCommit = c.seqs.size();
            for (int round = 0; round < 40; round++) {     // the ring keeps working, several laps
                while (in.receive(c, 64) > 0) {
                    // drain
                }
                if (other.trySend(1, message(sent, body), 0, body)) {
                    sent++;
                }
            }
            while (in.receive(c, 64) > 0) {
                // drain
            }
            assertEquals(0, c.bad, "torn messages");
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < sent; i++) {
                expected.add(i);
            }
            // Delivered once, late: after every message delivered before it was committed (they
            // were claimed after it, but the consumer went past the fenced claim), before the rest.
            expected.add(deliveredBeforeLateCommit, 999);
            assertEquals(expected, c.seqs, "every message whose send returned true, once, in order, "
                    + "the late commit at its commit time");
            assertTrue(sent >= 40, "the ring kept going: " + sent);
            ChannelTest.assertFreeSpaceIsZero(ch);
            // And the revoked producer is usable again.
            assertTrue(stalled.trySend(1, message(sent, body), 0, body));
            in.receive(c, 64);
            assertEquals(sent + 2, c.seqs.size());
        }
    }

    @Test
    void aLateCommitIsDeliveredBeforeTheSendersNextMessage() throws Exception {
        int body = 56;
        try (ManyToOneChannel ch = ManyToOneChannel.create(dir.resolve("c"), 4096, 4);
             Sender stalled = ch.sender(); Sender other = ch.sender();
             Receiver in = ch.receiver(Duration.ofNanos(1))) {
            int at = stalled.tryClaim(7, body);          // header written, then the producer stalls
            Checker c = new Checker();
            receiveUntilRevoked(ch, in, c);
            assertTrue(other.trySend(1, message(0, body), 0, body));
            assertTrue(other.trySend(1, message(1, body), 0, body));
            // The stalled producer resumes while the consumer is inside a poll, past its fences'
            // check at the start of the poll: it commits late and sends its next message, which lies
            // after message 1 in the ring.
            MessageHandler h = (type, buffer, offset, length) -> {
                c.onMessage(type, buffer, offset, length);
                if (buffer.getInt(offset) == 0) {
                    fill(stalled.buffer(), at, 999, body);
                    assertTrue(stalled.commit(at));
                    assertTrue(stalled.trySend(1, message(1000, body), 0, body));
                }
            };
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (c.seqs.size() < 4 && System.nanoTime() < deadline) {
                in.receive(h, 64);
            }
            assertEquals(0, c.bad, "torn messages");
            // 999 before 1000 (the same sender's order); 999 after 0 (it was committed while 0 was
            // being delivered); both other sender's messages in order.
            assertEquals(List.of(0, 999, 1, 1000), c.seqs);
            while (in.receive(c, 64) > 0) {
                // drain
            }
            assertEquals(ch.stats().tail(), ch.stats().head(), "the fence is resolved and head released");
            ChannelTest.assertFreeSpaceIsZero(ch);
        }
    }

    @Test
    void aClaimWhoseHeaderIsNotYetWrittenIsWaitedForWhileItsOwnerLives() throws Exception {
        try (ManyToOneChannel ch = ManyToOneChannel.create(dir.resolve("c"), 1024, 4);
             Sender stalled = ch.sender(); Sender other = ch.sender();
             Receiver in = ch.receiver(Duration.ofNanos(1))) {
            // A producer stalled between its tail CAS and its header store: its intent and the tail only.
            int slot = ch.structureOffset + ChannelDescriptor.slotOffset(stalled.slot());
            MappedAccess.LONG.setVolatile(ch.buffer, slot + ChannelDescriptor.SLOT_INTENT_POSITION_OFFSET, 0L);
            MappedAccess.LONG.setVolatile(ch.buffer, slot + ChannelDescriptor.SLOT_INTENT_LENGTH_OFFSET, 128L);
            MappedAccess.LONG.setVolatile(ch.buffer, ch.tailOffset, 128L);
            Checker c = new Checker();
            assertTrue(other.trySend(1, message(0, 16), 0, 16));
            long until = System.nanoTime() + 50_000_000L; // 50 million claim timeouts
            while (System.nanoTime() < until) {
                in.receive(c, 64);
            }
            // Issue 12: its header store is not a CAS from zero, so it could not learn of a revocation;
            // a claimant that may be alive is waited for, however long, never fenced or padded.
            assertEquals(List.of(), c.seqs, "nothing is delivered past the live claimant's claim");
            assertEquals(0L, (long) MappedAccess.LONG.getVolatile(ch.buffer, ch.dataOffset), "its header word is left zero");
            assertEquals(0L, ch.stats().recoveredClaims(), "neither fenced nor padded");
            // The owner resumes: header (claimed), intent withdrawn, abort (padding of the same extent).
            MappedAccess.LONG.setRelease(ch.buffer, ch.dataOffset,
                    RecordDescriptor.header(-128, RecordDescriptor.CLAIMED_FLAG | stalled.slot()));
            MappedAccess.LONG.setVolatile(ch.buffer, slot + ChannelDescriptor.SLOT_INTENT_LENGTH_OFFSET, -128L);
            MappedAccess.LONG.setRelease(ch.buffer, ch.dataOffset, RecordDescriptor.header(128, RecordDescriptor.PADDING_TYPE));
            in.receive(c, 64); // the 128-byte padding may fill a batch (BATCH_SHIFT): a second call reads on
            in.receive(c, 64);
            assertEquals(List.of(0), c.seqs, "the message behind it is delivered once it is done");
            assertEquals(ch.stats().tail(), ch.stats().head(), "head released");
            ChannelTest.assertFreeSpaceIsZero(ch);
        }
    }

    /** Writes slot {@code s}'s intent (a claim made by the tail CAS, header not yet written). */
    private static void intent(ManyToOneChannel ch, Sender s, long position, long length) {
        int slot = ch.structureOffset + ChannelDescriptor.slotOffset(s.slot());
        MappedAccess.LONG.setVolatile(ch.buffer, slot + ChannelDescriptor.SLOT_INTENT_POSITION_OFFSET, position);
        MappedAccess.LONG.setVolatile(ch.buffer, slot + ChannelDescriptor.SLOT_INTENT_LENGTH_OFFSET, length);
    }

    @Test
    void recoveringDeadClaimsNeverPadsOverALiveProducersClaim() throws Exception {
        try (ManyToOneChannel ch = ManyToOneChannel.create(dir.resolve("c"), 1024, 4);
             Sender winner = ch.sender(); Sender loser = ch.sender(); Sender live = ch.sender();
             Receiver in = ch.receiver(Duration.ofNanos(1))) {
            // Two producers died at the same instant: the winner between its tail CAS and its header
            // store (claim [0, 48)), a loser before its failed tail CAS with a stale intent [0, 200).
            // Then a live producer claimed [48, 96) and stalls before writing its header.
            intent(ch, winner, 0, 48);
            intent(ch, loser, 0, 200);
            intent(ch, live, 48, 48);
            MappedAccess.LONG.setVolatile(ch.buffer, ch.tailOffset, 96L);
            ChannelTest.killSlot(ch, winner.slot());
            ChannelTest.killSlot(ch, loser.slot());
            Checker c = new Checker();
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < deadline && ch.stats().recoveredClaims() < 1) {
                in.receive(c, 16);
            }
            long until = System.nanoTime() + 50_000_000L; // give a wrong recovery time to happen
            while (System.nanoTime() < until) {
                in.receive(c, 16);
            }
            // The dead claim is padded exactly; the live claim at 48 is waited for (issue 12: a claim
            // whose header is not yet written is never revoked while its claimant may live), never
            // padded over or fenced: its header word stays zero for the claimant's header store.
            long word48 = (long) MappedAccess.LONG.getVolatile(ch.buffer, ch.dataOffset + 48);
            assertEquals(0L, word48, "the live claim at 48 is left alone: " + Long.toHexString(word48) + ", " + ch.stats());
            assertEquals(48L, ch.stats().recoveredBytes(), "48 bytes padded, nothing else: " + ch.stats());
            assertEquals(1L, ch.stats().recoveredClaims(), ch.stats().toString());
            assertEquals(48L, ch.stats().head(), "head holds at the live producer's claim");
        }
    }
}
