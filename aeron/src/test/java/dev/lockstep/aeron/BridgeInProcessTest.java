package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * Both bridges in this JVM (two mailbox folders stand for two hosts, loopback UDP): the quick
 * functional checks; the multi-process tests are in {@link BridgeProcessTest}.
 */
class BridgeInProcessTest extends TwoHostFixture {
    /** A loopback unicast channel on a free port, with 1 MiB terms (largest message 128 KiB). */
    static String channel() throws IOException {
        return channel("1m");
    }

    static String channel(String termLength) throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return "aeron:udp?endpoint=127.0.0.1:" + s.getLocalPort() + "|term-length=" + termLength;
        }
    }

    @Test
    void messagesCrossWithTypesAndBoundariesAndStats() throws Exception {
        String uri = channel();
        int count = 20_000;
        try (Bridge in = AeronBridge.in("orders", uri, 7, options(hostB));
             Bridge out = AeronBridge.out("orders", uri, 7, options(hostA));
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
            while (next[0] < count) {
                if (sent < count) {
                    int len = Messages.length(sent, max);
                    Messages.write(scratch, 0, sent, len);
                    if (tx.trySend(Messages.type(sent), scratch, 0, len)) {
                        bytes += len;
                        sent++;
                    }
                }
                rx.receive((type, buf, off, len) -> {
                    long seq = Messages.check(type, buf, off, len, max);
                    assertEquals(next[0], seq, "out of order, lost or duplicated");
                    next[0]++;
                }, 64);
            }
            assertEquals(count, next[0]);
            assertCleanTransfer(in, out, count, bytes);
            BridgeStats os = out.stats();
            BridgeStats is = in.stats();
            assertEquals(os.epoch(), is.epoch());
            assertTrue(os.connected() && is.connected(), os + "\n" + is);
            assertEquals("RUNNING", os.state());
            assertEquals(2, BridgeStatus.list(hostA).size() + BridgeStatus.list(hostB).size());
        }
        assertEquals("CLOSED", BridgeStatus.read(BridgeStatus.outPath(hostA, "orders")).state());
        assertTrue(Files.notExists(hostA.resolve(".aeron-out-orders")), "embedded driver directory left behind");
    }

    @Test
    void withoutASubscriberTheOutboundBridgeHoldsMessagesAndDeliversThemOnceOneAppears() throws Exception {
        String uri = channel();
        int count = 40; // fits the 64 KiB ring: the bridge holds the first, the rest wait in the ring
        try (Bridge out = AeronBridge.out("orders", uri, 9, options(hostA));
             ManyToOneChannel a = Mailboxes.open(hostA).manyToOne("orders", CAPACITY);
             Sender tx = a.sender()) {
            int max = a.maxMessageLength();
            ByteBuffer scratch = ByteBuffer.allocate(max).order(ByteOrder.nativeOrder());
            int sent = 0;
            while (sent < count) {
                int len = Messages.length(sent, max);
                Messages.write(scratch, 0, sent, len);
                assertTrue(tx.trySend(Messages.type(sent), scratch, 0, len), "ring full after " + sent);
                sent++;
            }
            Thread.sleep(500);
            BridgeStats held = out.stats();
            assertEquals(1, held.notConnectedEvents(), held.toString());
            assertEquals(0, held.messages(), held.toString());
            assertTrue(!held.connected() && held.state().equals("RUNNING"), held.toString());
            try (Bridge in = AeronBridge.in("orders", uri, 9, options(hostB));
                 ManyToOneChannel b = Mailboxes.open(hostB).manyToOne("orders", CAPACITY);
                 Receiver rx = b.receiver()) {
                long[] next = {0};
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (next[0] < count && System.nanoTime() < deadline) {
                    rx.awaitReceive((type, buf, off, len) -> {
                        assertEquals(next[0]++, Messages.check(type, buf, off, len, max), "lost or reordered");
                    }, 64, 100, TimeUnit.MILLISECONDS);
                }
                assertEquals(count, next[0], "held messages were not all delivered: " + out.stats() + in.stats());
            }
        }
    }

    @Test
    void bothBridgesCanUseAnExternalMediaDriver() throws Exception {
        Path dir = hostA.resolve("external-driver");
        String uri = channel();
        try (io.aeron.driver.MediaDriver driver = io.aeron.driver.MediaDriver.launch(new io.aeron.driver.MediaDriver.Context()
                .aeronDirectoryName(dir.toString()).dirDeleteOnStart(true).dirDeleteOnShutdown(true)
                .threadingMode(io.aeron.driver.ThreadingMode.SHARED));
             Bridge in = AeronBridge.in("ext", uri, 5, options(hostB).withAeronDirectory(dir.toString()));
             Bridge out = AeronBridge.out("ext", uri, 5, options(hostA).withAeronDirectory(dir.toString()));
             ManyToOneChannel a = Mailboxes.open(hostA).manyToOne("ext", CAPACITY);
             ManyToOneChannel b = Mailboxes.open(hostB).manyToOne("ext", CAPACITY);
             Sender tx = a.sender();
             Receiver rx = b.receiver()) {
            assertEquals(dir.toString(), driver.aeronDirectoryName());
            assertEquals(dir.toString(), out.aeronDirectory());
            assertEquals(dir.toString(), in.aeronDirectory());
            assertTrue(Files.notExists(hostA.resolve(".aeron-out-ext")) && Files.notExists(hostB.resolve(".aeron-in-ext-5")),
                    "an embedded driver was launched although an external one was configured");
            assertTrue(out.awaitConnected(Duration.ofSeconds(20)), "out bridge never connected");
            int max = a.maxMessageLength();
            ByteBuffer scratch = ByteBuffer.allocate(max).order(ByteOrder.nativeOrder());
            for (int i = 0; i < 20; i++) {
                int len = Messages.length(i, max);
                Messages.write(scratch, 0, i, len);
                tx.send(Messages.type(i), scratch, 0, len);
            }
            long[] next = {0};
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (next[0] < 20 && System.nanoTime() < deadline) {
                rx.awaitReceive((type, buf, off, len) -> assertEquals(next[0]++, Messages.check(type, buf, off, len, max)),
                        64, 100, TimeUnit.MILLISECONDS);
            }
            assertEquals(20, next[0]);
        }
    }

    @Test
    void badArgumentsAreRefusedWithClearMessages() throws Exception {
        IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
                () -> AeronBridge.out("../x", "aeron:udp?endpoint=127.0.0.1:40999", 1, options(hostA)));
        assertTrue(name.getMessage().contains("../x"), name.getMessage());
        IllegalArgumentException uri = assertThrows(IllegalArgumentException.class,
                () -> AeronBridge.out("x", "udp://127.0.0.1:40999", 1, options(hostA)));
        assertTrue(uri.getMessage().contains("aeron:"), uri.getMessage());
        // A second outbound bridge for the same mailbox is refused while the first runs.
        String c = channel();
        try (Bridge first = AeronBridge.out("x", c, 1, options(hostA))) {
            assertTrue(first.isRunning());
            IllegalStateException twice = assertThrows(IllegalStateException.class,
                    () -> AeronBridge.out("x", c, 1, options(hostA)));
            assertTrue(twice.getMessage().contains("another bridge"), twice.getMessage());
        }
        // Messages larger than the publication carries are refused at start, naming both sizes.
        BridgeOptions big = BridgeOptions.defaults().withMailboxFolder(hostA).withCreate(BridgeOptions.Kind.MANY_TO_ONE, 1 << 24);
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> AeronBridge.out("big", "aeron:udp?endpoint=127.0.0.1:40998|term-length=64k", 1, big));
        assertTrue(size.getMessage().contains("term-length"), size.getMessage());
    }
}
