package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;
import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;

/**
 * Coalesced frames ({@link BridgeOptions#withCoalesce}): the outbound bridge's frames read raw (several
 * records per frame, consecutive sequence numbers, bodies and types intact), and end to end through an
 * inbound bridge whose mailbox fills part-way through frames (every message once, in order, whole; no
 * duplicate counted for the records of an aborted frame that had been delivered).
 */
class BridgeCoalesceTest extends TwoHostFixture {
    @Test
    void outboundFramesCarrySeveralRecordsWithConsecutiveSequences() throws Exception {
        String uri = BridgeInProcessTest.channel();
        int count = 3_000;
        Path dir = hostB.resolve("raw-driver");
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir.toString())
                .dirDeleteOnStart(true).dirDeleteOnShutdown(true).threadingMode(ThreadingMode.SHARED));
             Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.toString()));
             Subscription sub = aeron.addSubscription(uri, 4);
             ManyToOneChannel a = Mailboxes.open(hostA).manyToOne("raw", CAPACITY);
             Sender tx = a.sender()) {
            int max = a.maxMessageLength();
            ByteBuffer scratch = ByteBuffer.allocate(max).order(ByteOrder.nativeOrder());
            // Fill the ring before the bridge starts, so its first duty cycles find many messages.
            int sent = 0;
            for (; sent < count; sent++) {
                int len = Messages.length(sent, max);
                Messages.write(scratch, 0, sent, len);
                if (!tx.trySend(Messages.type(sent), scratch, 0, len)) {
                    break;
                }
            }
            ByteBuffer body = ByteBuffer.allocate(max).order(ByteOrder.nativeOrder());
            long[] next = {0};
            int[] frames = {0};
            int[] coalesced = {0};
            int[] maxRecords = {0};
            FragmentAssembler assembler = new FragmentAssembler((DirectBuffer buf, int off, int len, io.aeron.logbuffer.Header h) -> {
                frames[0]++;
                long seq = BridgeFrame.sequence(buf, off);
                int type = BridgeFrame.type(buf, off);
                assertEquals(next[0], seq, "frame's first sequence");
                if (type != BridgeFrame.COALESCED) {
                    buf.getBytes(off + BridgeFrame.HEADER_LENGTH, body, 0, len - BridgeFrame.HEADER_LENGTH);
                    assertEquals(next[0]++, Messages.check(type, body, 0, len - BridgeFrame.HEADER_LENGTH, max));
                    return;
                }
                coalesced[0]++;
                int at = off + BridgeFrame.HEADER_LENGTH;
                int records = 0;
                while (at < off + len) {
                    int t = BridgeFrame.recordType(buf, at);
                    int l = BridgeFrame.recordLength(buf, at);
                    assertTrue(at + BridgeFrame.RECORD_HEADER_LENGTH + l <= off + len, "record overruns its frame");
                    buf.getBytes(at + BridgeFrame.RECORD_HEADER_LENGTH, body, 0, l);
                    assertEquals(seq + records, next[0], "record sequence");
                    assertEquals(next[0]++, Messages.check(t, body, 0, l, max), "record " + records + " of a coalesced frame");
                    records++;
                    at += BridgeFrame.RECORD_HEADER_LENGTH + l;
                }
                assertEquals(off + len, at, "records do not end at the frame's end");
                maxRecords[0] = Math.max(maxRecords[0], records);
            });
            try (Bridge out = AeronBridge.out("raw", uri, 4, options(hostA).withCoalesce(true))) {
                assertTrue(out.awaitConnected(Duration.ofSeconds(20)), "out bridge never connected");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (next[0] < count && System.nanoTime() < deadline) {
                    if (sent < count) {
                        int len = Messages.length(sent, max);
                        Messages.write(scratch, 0, sent, len);
                        if (tx.trySend(Messages.type(sent), scratch, 0, len)) {
                            sent++;
                        }
                    }
                    if (sub.poll(assembler, 64) == 0) {
                        Thread.onSpinWait();
                    }
                }
                assertEquals(count, next[0], "messages read from the raw frames");
                assertTrue(coalesced[0] > 0 && maxRecords[0] > 1, "no frame carried several records: " + frames[0]
                        + " frames, " + coalesced[0] + " coalesced, at most " + maxRecords[0] + " records");
                assertTrue(frames[0] < count / 2, "frames " + frames[0] + " for " + count + " messages: hardly coalesced");
                long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (out.stats().messages() < count && System.nanoTime() < wait) {
                    Thread.sleep(5);
                }
                assertEquals(count, out.stats().messages(), out.stats().toString());
                assertEquals(count, out.stats().sequence(), out.stats().toString());
            }
        }
    }

    @Test
    void endToEndWithTheInboundMailboxFillingPartWayThroughFrames() throws Exception {
        String uri = BridgeInProcessTest.channel();
        int count = Integer.getInteger("lockstep.aeron.coalesceMessages", 20_000);
        try (Bridge in = AeronBridge.in("orders", uri, 8, options(hostB));
             Bridge out = AeronBridge.out("orders", uri, 8, options(hostA).withCoalesce(true));
             ManyToOneChannel a = Mailboxes.open(hostA).manyToOne("orders", CAPACITY);
             ManyToOneChannel b = Mailboxes.open(hostB).manyToOne("orders", CAPACITY);
             Sender tx = a.sender();
             Receiver rx = b.receiver()) {
            assertTrue(out.awaitConnected(Duration.ofSeconds(20)), "out bridge never connected");
            int max = a.maxMessageLength();
            ByteBuffer scratch = ByteBuffer.allocate(max).order(ByteOrder.nativeOrder());
            long[] next = {0};
            long bytes = 0;
            long sent = 0;
            long pauseUntil = 0;
            long nextPause = 1000;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (next[0] < count) {
                // A bridge that stopped moving (failed, or lost a message) fails the test instead of hanging it.
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("only " + next[0] + " of " + count + " arrived in 120 s; out " + out.stats()
                            + ", failure " + out.failure().orElse(null) + "; in " + in.stats());
                }
                if (sent < count) {
                    int len = Messages.length(sent, max);
                    Messages.write(scratch, 0, sent, len);
                    if (tx.trySend(Messages.type(sent), scratch, 0, len)) {
                        bytes += len;
                        sent++;
                    }
                }
                // Now and then the consumer stops reading for 50 ms: the inbound mailbox fills, so
                // the inbound bridge aborts coalesced frames part-way and resumes them.
                if (sent >= nextPause) {
                    nextPause += 4000;
                    pauseUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
                }
                if (System.nanoTime() < pauseUntil) {
                    continue;
                }
                rx.receive((type, buf, off, len) -> {
                    long seq = Messages.check(type, buf, off, len, max);
                    assertEquals(next[0], seq, "out of order, lost or duplicated");
                    next[0]++;
                }, 64);
            }
            assertEquals(count, next[0]);
            assertCleanTransfer(in, out, count, bytes);
            BridgeStats is = in.stats();
            assertEquals(0, is.rejected(), is.toString());
            assertTrue(is.backPressureEvents() > 0, "the inbound mailbox never filled: the resume path was not exercised " + is);
        }
    }
}
