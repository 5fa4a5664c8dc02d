package dev.lockstep.ipc.broadcast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.mailbox.MailboxEntry;
import dev.lockstep.ipc.mailbox.Mailboxes;
import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

@Timeout(60)
class BroadcastChannelTest {
    @TempDir
    Path dir;

    /** Records (type, first long of the body or -1, length) of every message, checking each body's pattern. */
    static final class Collector implements MessageHandler {
        final List<long[]> got = new ArrayList<>();

        @Override
        public void onMessage(int type, ByteBuffer buffer, int offset, int length) {
            long first = length >= 8 ? buffer.getLong(offset) : -1;
            for (int i = 8; i + 8 <= length; i += 8) {
                assertEquals(first, buffer.getLong(offset + i), "body word " + i + " of message " + first);
            }
            got.add(new long[] {type, first, length});
        }

        long last() {
            return got.get(got.size() - 1)[1];
        }
    }

    static byte[] message(long value, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(java.nio.ByteOrder.nativeOrder());
        for (int i = 0; i + 8 <= length; i += 8) {
            b.putLong(i, value);
        }
        return b.array();
    }

    @Test
    void everyReceiverGetsEveryMessageInOrderAcrossWraps() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 4096);
             BroadcastSender out = ch.sender()) {
            BroadcastReceiver[] ins = {ch.receiver(), ch.receiver(), ch.receiver()};
            Collector[] seen = {new Collector(), new Collector(), new Collector()};
            for (int m = 0; m < 2_000; m++) {
                int length = 8 * (1 + m % (ch.maxMessageLength() / 8));
                out.send(m % 7, message(m, length), 0, length);
                for (int r = 0; r < 3; r++) {
                    if (m % (r + 1) == 0) { // receivers poll at different rates, all within one ring
                        ins[r].receive(seen[r], 100);
                    }
                }
            }
            for (int r = 0; r < 3; r++) {
                ins[r].receive(seen[r], 100);
                assertEquals(2_000, seen[r].got.size(), "receiver " + r);
                for (int m = 0; m < 2_000; m++) {
                    assertEquals(m, seen[r].got.get(m)[1]);
                    assertEquals(m % 7, seen[r].got.get(m)[0]);
                }
                assertEquals(0, ins[r].lappedCount());
                assertEquals(0, ins[r].lostMessages());
                assertEquals(2_000, ins[r].receivedMessages());
                assertEquals(out.position(), ins[r].position());
            }
        }
    }

    /**
     * A handler that receives again on its own receiver (copy or zero-copy) gets a clear
     * IllegalStateException, and the private copy it is reading stays its own message; a close from the
     * handler takes effect when the call returns. Before the guard a nested copy-mode call overwrote the
     * outer handler's copy with the next message.
     */
    @Test
    void aReceiveOrCloseFromItsOwnHandlerLeavesTheOuterCallIntact() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 4096);
             BroadcastSender out = ch.sender()) {
            BroadcastReceiver in = ch.receiver();
            for (int i = 0; i < 4; i++) {
                out.send(i, new byte[] {(byte) (10 + i), (byte) (10 + i)}, 0, 2);
            }
            List<String> events = new ArrayList<>();
            assertEquals(4, in.receive((type, b, off, len) -> {
                byte before = b.get(off);
                if (type == 1) {
                    for (java.util.concurrent.Callable<?> nested : List.<java.util.concurrent.Callable<?>>of(
                            () -> in.receive((t2, b2, o2, l2) -> events.add("nested got " + t2), 4),
                            () -> in.receiveZeroCopy((t2, b2, o2, l2) -> events.add("nested got " + t2)))) {
                        try {
                            nested.call();
                            events.add("not refused");
                        } catch (IllegalStateException e) {
                            events.add(e.getMessage().startsWith("receive called from a handler") ? "refused" : e.getMessage());
                        } catch (Exception e) {
                            events.add(e.toString());
                        }
                    }
                    in.close();
                }
                events.add(type + ":" + before + "/" + b.get(off)); // the copy unchanged by anything above
            }, 4));
            assertEquals(List.of("0:10/10", "refused", "refused", "1:11/11", "2:12/12", "3:13/13"), events);
            assertEquals(4, in.receivedMessages());
            assertEquals(0, in.lostMessages());
            assertThrows(IllegalStateException.class, () -> in.tryReceive(new Collector()), "closed after the call");
        }
    }

    @Test
    void emptyAndZeroLengthMessages() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 256);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            Collector c = new Collector();
            assertFalse(in.tryReceive(c));
            assertEquals(BroadcastReceiver.EMPTY, in.receiveZeroCopy(c));
            out.send(3, new byte[0], 0, 0);
            assertTrue(in.tryReceive(c));
            assertArrayEquals(new long[] {3, -1, 0}, c.got.get(0));
        }
    }

    @Test
    void aLappedReceiverCountsExactlyWhatItLostAndResumesAtTheNewest() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024);
             BroadcastSender out = ch.sender();
             BroadcastReceiver slow = ch.receiver()) {
            for (int m = 0; m < 500; m++) {
                out.send(1, message(m, 24), 0, 24); // 40-byte records: 25 per ring
            }
            Collector c = new Collector();
            slow.receive(c, 1_000);
            assertEquals(1, slow.lappedCount());
            assertEquals(499, c.got.get(0)[1], "resumes at the newest message");
            assertEquals(1, c.got.size());
            assertEquals(499, slow.lostMessages(), "sequence numbers give the exact loss");
            for (int m = 500; m < 510; m++) {
                out.send(1, message(m, 24), 0, 24);
            }
            slow.receive(c, 1_000);
            assertEquals(11, c.got.size());
            for (int i = 1; i < c.got.size(); i++) {
                assertEquals(c.got.get(i - 1)[1] + 1, c.got.get(i)[1], "no gap, no duplicate after the lap");
            }
            assertEquals(499, slow.lostMessages());
            assertEquals(1, slow.lappedCount());
        }
    }

    /**
     * The zero-copy handler runs while the producer (driven from inside the handler) overwrites the
     * message it is reading: the receive must report LAPPED, never DELIVERED. (Seen failing with the
     * post-handler validation removed from receiveZeroCopy: it returned DELIVERED.)
     */
    @Test
    void zeroCopyReportsAMessageOverwrittenWhileTheHandlerReadIt() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            out.send(1, message(7, 24), 0, 24);
            long[] seen = new long[2];
            int result = in.receiveZeroCopy((type, buffer, offset, length) -> {
                seen[0] = buffer.getLong(offset);
                for (int m = 0; m < 30; m++) { // more than a ring: the record under the handler is overwritten
                    out.send(2, message(100 + m, 24), 0, 24);
                }
                seen[1] = buffer.getLong(offset);
            });
            assertEquals(7, seen[0]);
            assertTrue(seen[1] != 7, "the handler saw the bytes change");
            assertEquals(BroadcastReceiver.LAPPED, result);
            assertEquals(1, in.lappedCount());
            // It resumed at the newest message.
            Collector c = new Collector();
            assertEquals(BroadcastReceiver.DELIVERED, in.receiveZeroCopy(c));
            assertEquals(129, c.last());
            assertEquals(BroadcastReceiver.EMPTY, in.receiveZeroCopy(c));
        }
    }

    @Test
    void zeroCopyDeliversInPlaceWhenNothingIsOverwritten() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            for (int m = 0; m < 100; m++) {
                out.send(1, message(m, 16), 0, 16);
                Collector c = new Collector();
                assertEquals(BroadcastReceiver.DELIVERED, in.receiveZeroCopy(c));
                assertEquals(m, c.last());
            }
            assertEquals(0, in.lappedCount());
        }
    }

    @Test
    void resyncSkipsTheBacklogWithoutCountingItLost() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 4096);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            for (int m = 0; m < 10; m++) {
                out.send(1, message(m, 8), 0, 8);
            }
            in.resync();
            Collector c = new Collector();
            assertEquals(1, in.receive(c, 100));
            assertEquals(9, c.last());
            assertEquals(0, in.lostMessages());
            assertEquals(0, in.lappedCount());
        }
    }

    @Test
    void aReceiverStartsAtTheNextMessage() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 4096);
             BroadcastSender out = ch.sender()) {
            out.send(1, message(1, 8), 0, 8);
            try (BroadcastReceiver late = ch.receiver()) {
                out.send(1, message(2, 8), 0, 8);
                Collector c = new Collector();
                assertEquals(1, late.receive(c, 10));
                assertEquals(2, c.last());
            }
        }
    }

    @Test
    void aThrowingHandlerConsumesItsMessageAndThePropagatedExceptionLosesNothingElse() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 4096);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            for (int m = 0; m < 3; m++) {
                out.send(1, message(m, 8), 0, 8);
            }
            RuntimeException boom = new RuntimeException("boom");
            assertThrows(RuntimeException.class, () -> in.receive((t, b, o, l) -> {
                throw boom;
            }, 10));
            Collector c = new Collector();
            assertEquals(2, in.receive(c, 10));
            assertEquals(1, c.got.get(0)[1]);
            out.send(1, message(3, 8), 0, 8);
            assertThrows(RuntimeException.class, () -> in.receiveZeroCopy((t, b, o, l) -> {
                throw boom;
            }));
            assertEquals(0, in.receive(c, 10));
            assertEquals(4, in.receivedMessages(), "the throwing handlers' messages count as received");
        }
    }

    @Test
    void badArgumentsGetClearExceptions() throws Exception {
        Path f = dir.resolve("b");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BroadcastChannel.create(f, 1000))
                .getMessage().contains("power of two"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BroadcastChannel.create(f, 128))
                .getMessage().contains("128"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BroadcastChannel.create(f, 1024, -1))
                .getMessage().contains("consumer slots"));
        assertThrows(NullPointerException.class, () -> BroadcastChannel.create(null, 1024));
        assertFalse(Files.exists(f), "nothing created by a refused call");
        assertThrows(IllegalArgumentException.class,
                () -> BroadcastChannel.wrap(ByteBuffer.allocate(8192), 0, 1024, 1));
        assertThrows(IllegalArgumentException.class,
                () -> BroadcastChannel.wrap(ByteBuffer.allocateDirect(8192), 64, 1024, 1));
        assertThrows(IllegalArgumentException.class,
                () -> BroadcastChannel.wrap(ByteBuffer.allocateDirect(1024), 0, 1024, 1));
        try (BroadcastChannel ch = BroadcastChannel.create(f, 1024);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            assertEquals(128, ch.maxMessageLength());
            assertTrue(assertThrows(IllegalArgumentException.class, () -> out.send(1, new byte[129], 0, 129))
                    .getMessage().contains("129"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> out.send(-2, new byte[8], 0, 8))
                    .getMessage().contains("type"));
            assertThrows(IndexOutOfBoundsException.class, () -> out.send(1, new byte[8], 4, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> out.send(1, ByteBuffer.allocate(8), -1, 4));
            assertThrows(NullPointerException.class, () -> out.send(1, (byte[]) null, 0, 0));
            assertThrows(NullPointerException.class, () -> in.receive(null, 1));
            assertThrows(IllegalArgumentException.class, () -> in.receive((t, b, o, l) -> { }, 0));
            assertThrows(NullPointerException.class, () -> in.awaitReceive((t, b, o, l) -> { }, 1, 1, null));
            assertTrue(assertThrows(IllegalStateException.class, ch::sender).getMessage().contains("live producer"));
            out.close();
            assertThrows(IllegalStateException.class, () -> out.send(1, new byte[8], 0, 8));
            in.close();
            assertThrows(IllegalStateException.class, () -> in.receive((t, b, o, l) -> { }, 1));
            assertThrows(IllegalStateException.class, in::resync);
            try (BroadcastSender again = ch.sender()) { // a closed producer frees the endpoint
                again.send(1, new byte[8], 0, 8);
            }
        }
    }

    @Test
    void aCorruptProducerLineIsRefusedAndLeavesTheEndpointFree() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024)) {
            try (BroadcastSender out = ch.sender()) {
                out.send(1, message(1, 8), 0, 8);
            }
            long tail = ch.stats().tail();
            MappedAccess.LONG.setOpaque(ch.buffer, ch.tailIntentOffset, tail + 4096); // more than a ring
            assertTrue(assertThrows(IllegalStateException.class, ch::sender).getMessage().contains("corrupt"));
            MappedAccess.LONG.setOpaque(ch.buffer, ch.tailIntentOffset, tail - 8); // before the tail
            assertTrue(assertThrows(IllegalStateException.class, ch::sender).getMessage().contains("corrupt"));
            assertEquals(-1, ch.stats().producerPid(), "the refused sender did not keep the endpoint");
            MappedAccess.LONG.setOpaque(ch.buffer, ch.tailIntentOffset, tail);
            try (BroadcastSender out = ch.sender()) {
                out.send(1, message(2, 8), 0, 8);
            }
        }
    }

    @Test
    void filesAreValidatedAndForeignFilesRefusedUntouched() throws Exception {
        Path f = dir.resolve("b");
        try (BroadcastChannel ch = BroadcastChannel.create(f, 1024)) {
            assertEquals(1024, ch.capacity());
        }
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> BroadcastChannel.create(f, 1024));
        assertTrue(assertThrows(IncompatibleFileException.class, () -> BroadcastChannel.openOrCreate(f, 2048))
                .getMessage().contains("size parameters"));
        try (BroadcastChannel ch = BroadcastChannel.open(f)) {
            assertEquals(1024, ch.capacity());
            assertEquals(BroadcastDescriptor.DEFAULT_CONSUMER_SLOTS, ch.consumerSlots());
        }
        Path other = dir.resolve("o");
        OneToOneChannel.create(other, 1024).close();
        byte[] before = Files.readAllBytes(other);
        assertTrue(assertThrows(IncompatibleFileException.class, () -> BroadcastChannel.open(other))
                .getMessage().contains("ONE_TO_ONE_CHANNEL"));
        assertThrows(IncompatibleFileException.class, () -> BroadcastChannel.openOrCreate(other, 1024));
        assertArrayEquals(before, Files.readAllBytes(other));
        assertThrows(java.nio.file.NoSuchFileException.class, () -> BroadcastChannel.open(dir.resolve("none")));
    }

    @Test
    void mailboxesOpenAndListBroadcastChannels() throws Exception {
        Mailboxes boxes = Mailboxes.open(dir.resolve("boxes"));
        try (BroadcastChannel ch = boxes.broadcast("prices", 4096);
             BroadcastSender out = ch.sender();
             BroadcastChannel again = boxes.broadcast("prices", 4096);
             BroadcastReceiver in = again.receiver()) {
            out.send(5, message(42, 8), 0, 8);
            Collector c = new Collector();
            assertEquals(1, in.receive(c, 1));
            assertEquals(42, c.last());
            List<MailboxEntry> entries = boxes.list();
            assertEquals(1, entries.size());
            assertEquals(StructureKind.BROADCAST_CHANNEL, entries.get(0).kind());
            assertThrows(IncompatibleFileException.class, () -> boxes.broadcast("prices", 8192));
        }
    }

    @Test
    void statsShowPositionsAndListedConsumers() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024, 2);
             BroadcastSender out = ch.sender();
             BroadcastReceiver a = ch.receiver();
             BroadcastReceiver b = ch.receiver();
             BroadcastReceiver unlisted = ch.receiver()) {
            assertTrue(a.isListed());
            assertTrue(b.isListed());
            assertFalse(unlisted.isListed(), "two slots, three consumers: the third works unlisted");
            for (int m = 0; m < 100; m++) {
                out.send(1, message(m, 24), 0, 24);
                a.receive(new Collector(), 10);
            }
            Collector uc = new Collector();
            unlisted.receive(uc, 1000);
            assertEquals(99, uc.last());
            b.receive(new Collector(), 1000);
            BroadcastStats s = ch.stats();
            assertEquals(out.position(), s.tail());
            assertEquals(s.tail(), s.tailIntent());
            assertEquals(100, s.nextSequence());
            assertEquals(ProcessHandle.current().pid(), s.producerPid());
            assertEquals(2, s.consumers().size());
            assertEquals(100, s.consumers().get(0).received());
            assertEquals(out.position(), s.consumers().get(0).position());
            assertEquals(1, s.consumers().get(1).lapped());
            assertEquals(99, s.consumers().get(1).lost());
            String text = s.toString();
            assertTrue(text.contains("messages sent 100") && text.contains("lapped 1, lost 99"), text);
            a.close();
            assertEquals(1, ch.stats().consumers().size(), "a closed consumer frees its slot");
            try (BroadcastReceiver c = ch.receiver()) {
                assertTrue(c.isListed(), "and the slot is reused");
            }
        }
    }

    /**
     * The slot's counters are stored only when they change (position and received once per receive
     * call that moved the cursor, lost at a gap): stat still shows each receive path's exact values,
     * and an empty poll leaves them as they were. (Failed against two broken variants: publish()
     * skipping when the cursor moved ('received after a copy batch ==> expected: <3> but was: <0>'),
     * and lost not stored at the gap ('expected: <11> but was: <0>').)
     */
    @Test
    void statSeesEveryReceivePathsCountersAndEmptyPollsStoreNothingNew() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("s"), 256, 1);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            for (int m = 0; m < 3; m++) {
                out.send(1, message(m, 8), 0, 8);
            }
            assertEquals(3, in.receive(new Collector(), 10));
            BroadcastStats.Consumer c = ch.stats().consumers().get(0);
            assertEquals(3, c.received(), "received after a copy batch");
            assertEquals(out.position(), c.position());
            assertEquals(0, in.receive(new Collector(), 10));
            assertEquals(BroadcastReceiver.EMPTY, in.receiveZeroCopy(new Collector()));
            BroadcastStats.Consumer after = ch.stats().consumers().get(0);
            assertEquals(List.of(3L, out.position(), 0L, 0L), List.of(after.received(), after.position(), after.lost(),
                    after.lapped()), "an empty poll changes nothing");
            out.send(1, message(3, 8), 0, 8);
            assertEquals(BroadcastReceiver.DELIVERED, in.receiveZeroCopy(new Collector()));
            c = ch.stats().consumers().get(0);
            assertEquals(4, c.received(), "received after a zero-copy receive");
            assertEquals(out.position(), c.position());
            for (int m = 4; m < 4 + 12; m++) { // 24-byte records, a 256-byte ring: lapped
                out.send(1, message(m, 8), 0, 8);
            }
            assertEquals(BroadcastReceiver.LAPPED, in.receiveZeroCopy(new Collector()));
            assertEquals(BroadcastReceiver.DELIVERED, in.receiveZeroCopy(new Collector()));
            c = ch.stats().consumers().get(0);
            assertEquals(in.lostMessages(), c.lost());
            assertEquals(11, c.lost(), "messages 4..14 lost, 15 delivered");
            assertEquals(1, c.lapped());
            assertEquals(5, c.received());
            assertEquals(out.position(), c.position());
        }
    }

    @Test
    void awaitReceiveTimesOutAndHonoursInterrupts() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024);
             BroadcastSender out = ch.sender();
             BroadcastReceiver in = ch.receiver()) {
            long start = System.nanoTime();
            assertEquals(0, in.awaitReceive(new Collector(), 1, 50, TimeUnit.MILLISECONDS));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 50, "never early: " + ms);
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> in.awaitReceive(new Collector(), 1));
            assertFalse(Thread.interrupted());
            AtomicReference<Collector> got = new AtomicReference<>(new Collector());
            Thread waiter = new Thread(() -> {
                try {
                    in.awaitReceive(got.get(), 1);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            waiter.start();
            Thread.sleep(20);
            out.send(1, message(9, 8), 0, 8);
            waiter.join(10_000);
            assertFalse(waiter.isAlive());
            assertEquals(9, got.get().last());
        }
    }

    /**
     * A producer that died inside a send (simulated: the endpoint released, then the intent moved past
     * the tail and the ring damaged as far as that intent, as its stores would) is replaced by a
     * successor that pads the partial range. A receiver that read the old tail and is reading an old
     * record the dead producer damaged (zero copy; the successor takes over while its handler runs)
     * reports a lap instead of a torn message; a receiver waiting at the tail skips the padding; both
     * then get the successor's messages. (Seen failing with the successor lowering the intent to the
     * tail: the damaged record validated and receiveZeroCopy returned DELIVERED.)
     */
    @Test
    void aSuccessorProducerPadsADeadProducersPartialSend() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024)) {
            BroadcastReceiver behind = ch.receiver();
            BroadcastSender first = ch.sender();
            for (int m = 0; m < 20; m++) { // 20 x 40 = 800 bytes
                first.send(1, message(m, 24), 0, 24);
            }
            BroadcastReceiver atTail = ch.receiver();
            long tail = first.position();
            first.close();
            // The "dead" producer announced [800, 1040) -- two records' worth past the ring's end --
            // and scribbled over indexes 800..1023 and 0..15 (the header of message 0).
            ByteBuffer b = ch.buffer;
            long intent = tail + 240;
            MappedAccess.LONG.setOpaque(b, ch.tailIntentOffset, intent);
            for (long p = tail; p < intent; p += 8) {
                b.putLong(ch.dataOffset + (int) (p & ch.mask), 0x7777_7777_7777_7777L);
            }
            b.putLong(ch.dataOffset, BroadcastDescriptor.header(40, 1)); // a sane-looking damaged header
            AtomicReference<BroadcastSender> successor = new AtomicReference<>();
            int result = behind.receiveZeroCopy((type, buffer, offset, length) -> successor.set(ch.sender()));
            assertEquals(BroadcastReceiver.LAPPED, result, "message 0 was damaged by the dead producer");
            try (BroadcastSender next = successor.get()) {
                assertEquals(intent, next.position(), "the successor starts past the dead producer's range");
                assertEquals(20, next.sequence());
                assertEquals(240, ch.stats().recoveredBytes());
                assertEquals(intent, ch.stats().tailIntent(), "the intent is never lowered");
                next.send(1, message(20, 24), 0, 24);
                Collector t = new Collector();
                assertEquals(1, atTail.receive(t, 10));
                assertEquals(20, t.last());
                assertEquals(0, atTail.lappedCount());
                Collector c = new Collector();
                behind.receive(c, 100);
                assertEquals(20, c.last());
                for (long[] m : c.got) {
                    assertTrue(m[1] >= 0 && m[1] <= 20, "only whole messages: " + m[1]);
                }
            }
        }
    }
}
