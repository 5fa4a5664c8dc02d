package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * {@link BridgeHost}: two hosts in this JVM (two mailbox folders, loopback UDP), each running an
 * outbound and an inbound bridge and its embedded driver on its one thread.
 */
class BridgeHostTest extends TwoHostFixture {
    /** Messages each way ({@code -Dlockstep.aeron.test.hostMessages}, default 5,000: a second or two). */
    static final int COUNT = Integer.getInteger("lockstep.aeron.test.hostMessages", 5_000);
    @Override
    String folderPrefix() {
        return "lockstep-host-";
    }

    /** Live threads whose name starts with one of the prefixes. */
    static List<String> threads(String... prefixes) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> java.util.Arrays.stream(prefixes).anyMatch(n::startsWith)).sorted().collect(Collectors.toList());
    }

    @Test
    void bothDirectionsOnOneThreadPerHostInOrderWithChecksumsAndStats() throws Exception {
        String ab = BridgeInProcessTest.channel();
        String ba = BridgeInProcessTest.channel();
        try (BridgeHost a = AeronBridge.host("a", options(hostA));
             BridgeHost b = AeronBridge.host("b", options(hostB))) {
            Bridge bIn = b.in("orders", ab, 7);
            Bridge aOut = a.out("orders", ab, 7);
            Bridge aIn = a.in("fills", ba, 8);
            Bridge bOut = b.out("fills", ba, 8);
            // One thread per host, and no bridge or driver thread of their own.
            assertEquals(List.of("lockstep-bridge-host-a", "lockstep-bridge-host-b"), threads("lockstep-bridge"));
            assertEquals(List.of(), threads("sender", "receiver", "driver-conductor", "aeron-client-conductor"));
            assertEquals(4, a.bridges().size() + b.bridges().size());
            assertTrue(aOut.awaitConnected(Duration.ofSeconds(20)) && bOut.awaitConnected(Duration.ofSeconds(20)),
                    "never connected: " + aOut.stats() + bOut.stats());
            long bytesAB = 0;
            try (ManyToOneChannel ordersA = Mailboxes.open(hostA).manyToOne("orders", CAPACITY);
                 ManyToOneChannel ordersB = Mailboxes.open(hostB).manyToOne("orders", CAPACITY);
                 ManyToOneChannel fillsB = Mailboxes.open(hostB).manyToOne("fills", CAPACITY);
                 ManyToOneChannel fillsA = Mailboxes.open(hostA).manyToOne("fills", CAPACITY);
                 Sender txAB = ordersA.sender();
                 Receiver rxAB = ordersB.receiver();
                 Sender txBA = fillsB.sender();
                 Receiver rxBA = fillsA.receiver()) {
                int max = ordersA.maxMessageLength();
                ByteBuffer scratch = ByteBuffer.allocate(max).order(ByteOrder.nativeOrder());
                long[] nextAB = {0};
                long[] nextBA = {0};
                long sentAB = 0;
                long sentBA = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while ((nextAB[0] < COUNT || nextBA[0] < COUNT) && System.nanoTime() < deadline) {
                    if (sentAB < COUNT) {
                        int len = Messages.length(sentAB, max);
                        Messages.write(scratch, 0, sentAB, len);
                        if (txAB.trySend(Messages.type(sentAB), scratch, 0, len)) {
                            bytesAB += len;
                            sentAB++;
                        }
                    }
                    if (sentBA < COUNT) {
                        int len = Messages.length(sentBA, max);
                        Messages.write(scratch, 0, sentBA, len);
                        if (txBA.trySend(Messages.type(sentBA), scratch, 0, len)) {
                            sentBA++;
                        }
                    }
                    rxAB.receive((type, buf, off, len) -> {
                        assertEquals(nextAB[0], Messages.check(type, buf, off, len, max), "A to B: out of order, lost or duplicated");
                        nextAB[0]++;
                    }, 64);
                    rxBA.receive((type, buf, off, len) -> {
                        assertEquals(nextBA[0], Messages.check(type, buf, off, len, max), "B to A: out of order, lost or duplicated");
                        nextBA[0]++;
                    }, 64);
                }
                assertEquals(COUNT, nextAB[0], "A to B incomplete: " + aOut.stats() + bIn.stats());
                assertEquals(COUNT, nextBA[0], "B to A incomplete: " + bOut.stats() + aIn.stats());
            }
            // Each bridge of a host still keeps its own status file.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((bIn.stats().messages() < COUNT || aIn.stats().messages() < COUNT) && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            BridgeStats os = aOut.stats();
            BridgeStats is = bIn.stats();
            assertEquals(COUNT, os.messages(), os.toString());
            assertEquals(bytesAB, os.bytes(), os.toString());
            assertEquals(COUNT, is.messages(), is.toString());
            assertEquals(COUNT, is.sequence(), is.toString());
            assertEquals(0, is.gapEvents(), is.toString());
            assertEquals(os.epoch(), is.epoch());
            assertEquals(COUNT, aIn.stats().messages(), aIn.stats().toString());
            assertEquals("RUNNING", os.state());
            assertEquals(2, BridgeStatus.list(hostA).size(), "stat lists both bridges of host a");
            // Closing one bridge detaches it; the host and its other bridges keep running.
            bOut.close();
            assertEquals("CLOSED", BridgeStatus.read(BridgeStatus.outPath(hostB, "fills")).state());
            assertTrue(b.isRunning() && bIn.isRunning() && !bOut.isRunning());
            assertEquals(List.of(bIn), b.bridges());
        }
        for (Path p : List.of(BridgeStatus.outPath(hostA, "orders"), BridgeStatus.inPath(hostA, "fills", 8),
                BridgeStatus.inPath(hostB, "orders", 7))) {
            assertEquals("CLOSED", BridgeStatus.read(p).state(), p.toString());
        }
        assertTrue(Files.notExists(hostA.resolve(".aeron-host-a")) && Files.notExists(hostB.resolve(".aeron-host-b")),
                "embedded driver directory left behind");
        assertEquals(List.of(), threads("lockstep-bridge-host"), "host threads left running");
    }

    @Test
    void whenTheHostsClientStopsEveryBridgeFailsAndWaitersReturn() throws Exception {
        String uri = BridgeInProcessTest.channel();
        try (BridgeHost a = AeronBridge.host("a", options(hostA))) {
            Bridge out = a.out("orders", uri, 7);
            Bridge in = a.in("fills", uri, 8);
            assertTrue(out.isRunning() && in.isRunning() && a.isRunning());
            assertFalse(out.awaitTermination(Duration.ofMillis(50)), "ended before anything failed");
            a.aeron().close(); // the host's Aeron client stops under it (as on a driver timeout)
            assertTrue(a.awaitTermination(Duration.ofSeconds(10)), "host thread still running without its client");
            assertTrue(out.awaitTermination(Duration.ofSeconds(1)) && in.awaitTermination(Duration.ofSeconds(1)),
                    "a bridge waiter did not return");
            assertTrue(a.failure().isPresent() && !a.isRunning());
            for (Bridge b : List.of(out, in)) {
                BridgeStats s = b.stats();
                assertEquals("FAILED", s.state(), s.toString());
                assertTrue(s.lastError().contains("bridge host 'a' failed"), s.toString());
                assertTrue(b.failure().isPresent() && !b.isRunning());
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> a.out("more", uri, 9));
            assertTrue(refused.getMessage().contains("failed"), refused.getMessage());
        }
        assertEquals("FAILED", BridgeStatus.read(BridgeStatus.outPath(hostA, "orders")).state(), "close must not hide the failure");
        assertTrue(Files.notExists(hostA.resolve(".aeron-host-a")), "embedded driver directory left behind");
        assertEquals(List.of(), threads("lockstep-bridge-host"), "host thread left running");
    }

    @Test
    void aBridgeThatFailsInsideTheHostFailsAloneAndIsReported() throws Exception {
        String uri = BridgeInProcessTest.channel();
        // Copy-on-write: the host thread adds while this thread streams over the list below; a
        // synchronizedList's stream() is not synchronized and threw ConcurrentModificationException
        // (CI, 2026-12-03).
        List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        BridgeOptions o = options(hostA).withLog(log::add);
        try (BridgeHost a = AeronBridge.host("a", o);
             ManyToOneChannel orders = Mailboxes.open(hostA).manyToOne("orders", CAPACITY);
             Sender tx = orders.sender()) {
            Bridge in = a.in("fills", uri, 8);
            Bridge out = a.out("orders", uri, 7);
            // The publication closes under the outbound bridge: its next offer answers CLOSED, which fails it.
            java.lang.reflect.Field f = OutboundBridge.class.getDeclaredField("publication");
            f.setAccessible(true);
            ((io.aeron.Publication) f.get(out)).close();
            tx.send(1, ByteBuffer.allocate(16), 0, 16);
            assertTrue(out.awaitTermination(Duration.ofSeconds(10)), "the failed bridge's waiter did not return");
            assertTrue(out.failure().isPresent() && !out.isRunning());
            BridgeStats s = out.stats();
            assertEquals("FAILED", s.state(), s.toString());
            assertTrue(s.lastError().contains("CLOSED"), s.toString());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // the host logs it right after the cycle
            while (log.stream().noneMatch(l -> l.contains("dropped failed bridge")) && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertTrue(log.stream().anyMatch(l -> l.contains("dropped failed bridge")), log.toString());
            // The host and its other bridge keep running; the failed one stays listed until closed.
            Thread.sleep(50);
            assertTrue(a.isRunning() && in.isRunning(), "one bridge's failure stopped the host: " + a.failure());
            assertTrue(a.bridges().contains(out));
            out.close();
            assertEquals(List.of(in), a.bridges());
            assertEquals("FAILED", BridgeStatus.read(BridgeStatus.outPath(hostA, "orders")).state(), "close must not hide the failure");
            Bridge again = a.out("orders", uri, 7); // the mailbox and status file are free again
            assertTrue(again.isRunning());
        }
    }

    @Test
    void theCommandLineRefusesBadUsageAndClosesTheHostWhenABridgeCannotStart() throws Exception {
        String folder = hostA.toString();
        String uri = BridgeInProcessTest.channel();
        assertEquals(2, dev.lockstep.aeron.cli.BridgeCommand.run("bridge", "host", "--folder", folder), "no bridge given");
        assertEquals(2, dev.lockstep.aeron.cli.BridgeCommand.run("host", "--folder", folder, "--out", "orders", uri, "x"),
                "stream not a number");
        assertEquals(1, dev.lockstep.aeron.cli.BridgeCommand.run("host", "--folder", folder, "--name", "c",
                "--out", "orders", uri, "7", "--in", "fills", "udp://not-aeron", "8"), "a bridge that cannot start");
        assertTrue(Files.notExists(hostA.resolve(".aeron-host-c")), "the host was not closed after the failed start");
        assertEquals("CLOSED", BridgeStatus.read(BridgeStatus.outPath(hostA, "orders")).state(),
                "the bridge that had started was not closed");
        assertEquals(List.of(), threads("lockstep-bridge-host"), "host thread left running");
    }

    @Test
    void badArgumentsAndASecondHostOfTheSameNameAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> AeronBridge.host("../x", options(hostA)));
        IllegalArgumentException external = assertThrows(IllegalArgumentException.class,
                () -> AeronBridge.host("x", options(hostA).withAeronDirectory("/dev/shm/some-driver")));
        assertTrue(external.getMessage().contains("external"), external.getMessage());
        try (BridgeHost first = AeronBridge.host("x", options(hostA))) {
            IllegalStateException twice = assertThrows(IllegalStateException.class, () -> AeronBridge.host("x", options(hostA)));
            assertTrue(twice.getMessage().contains("another bridge host"), twice.getMessage());
            assertTrue(first.isRunning());
        }
    }
}
