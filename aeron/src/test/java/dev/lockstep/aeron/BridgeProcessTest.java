package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.lockstep.aeron.cli.BridgeCommand;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * Two hosts simulated on loopback: host A's mailbox folder with a producer process and an outbound
 * bridge process ({@code bridge out}, the real command line), host B's folder with an inbound bridge
 * process and the consumer (this JVM). Every message is checked whole (length, type, pattern, CRC-32C)
 * and in producer order.
 *
 * <p>Counts: CI runs reduced counts; the full ones:
 * {@code -Dlockstep.aeron.messages=1000000 -Dlockstep.aeron.killMessages=1000000}.
 */
class BridgeProcessTest {
    static final long MESSAGES = Long.getLong("lockstep.aeron.messages", 100_000);
    static final long KILL_MESSAGES = Long.getLong("lockstep.aeron.killMessages", 100_000);
    static final int STREAM = 11;
    Path hostA;
    Path hostB;

    @BeforeEach
    void folders() throws IOException {
        Path base = Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        hostA = Files.createTempDirectory(base, "lockstep-aeron-a-");
        hostB = Files.createTempDirectory(base, "lockstep-aeron-b-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        TestFiles.deleteTree(hostA);
        TestFiles.deleteTree(hostB);
    }

    Child bridge(Path host, String direction, String uri, int capacity, String... extra) throws IOException, InterruptedException {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(direction, "orders", uri, "--stream",
                Integer.toString(STREAM), "--capacity", Integer.toString(capacity)));
        args.addAll(java.util.List.of(extra));
        Child c = Child.start(host, BridgeCommand.class, args.toArray(new String[0]));
        c.awaitLine("READY", Duration.ofSeconds(30));
        return c;
    }

    /** The consumer's view: messages in producer order, each checked; what is missing and duplicated. */
    static final class Consumer implements MessageHandler {
        final int maxLength;
        long last = -1;
        long received;
        long missing;
        long bytes;

        Consumer(int maxLength) {
            this.maxLength = maxLength;
        }

        @Override
        public void onMessage(int type, java.nio.ByteBuffer buffer, int offset, int length) {
            long seq = Messages.check(type, buffer, offset, length, maxLength);
            if (seq <= last) {
                throw new AssertionError("message " + seq + " after " + last + ": duplicated or reordered");
            }
            missing += seq - last - 1;
            last = seq;
            received++;
            bytes += length;
        }
    }

    /** Ends a receive loop once the producer has exited and nothing arrived for 3 s (or after 120 s in all). */
    static final class Quiet {
        final Child producer;
        final long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        long lastDelivery = System.nanoTime();

        Quiet(Child producer) {
            this.producer = producer;
        }

        boolean over(int delivered) {
            long now = System.nanoTime();
            if (delivered > 0) {
                lastDelivery = now;
            }
            return now - end >= 0 || (!producer.isAlive() && now - lastDelivery > TimeUnit.SECONDS.toNanos(3));
        }
    }

    static BridgeStats awaitStats(Path file, java.util.function.Predicate<BridgeStats> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        BridgeStats s = BridgeStatus.read(file);
        while (!done.test(s) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            s = BridgeStatus.read(file);
        }
        return s;
    }

    @Test
    void messagesOfVariedSizesCrossTwoBridgeProcessesWholeAndInOrder() throws Exception {
        String uri = BridgeInProcessTest.channel("4m");
        int capacity = 1 << 20;
        int maxLength = 6000;
        long started = System.nanoTime();
        try (Child in = bridge(hostB, "in", uri, capacity);
             Child out = bridge(hostA, "out", uri, capacity);
             Child producer = Child.start(hostA, ProducerMain.class, "orders", Long.toString(MESSAGES),
                     Integer.toString(capacity), Integer.toString(maxLength));
             ManyToOneChannel ch = Mailboxes.open(hostB).manyToOne("orders", capacity);
             Receiver rx = ch.receiver()) {
            Consumer c = new Consumer(maxLength);
            Quiet quiet = new Quiet(producer);
            while (c.last < MESSAGES - 1 && !quiet.over(rx.awaitReceive(c, 256, 100, TimeUnit.MILLISECONDS))) {
                // until the last message, or the producer is done and nothing came for a while
            }
            assertEquals(0, producer.await(Duration.ofSeconds(30)), producer.output());
            double seconds = (System.nanoTime() - started) / 1e9;
            assertEquals(MESSAGES, c.received, "received; out:\n" + out.output() + "\nin:\n" + in.output());
            assertEquals(0, c.missing);
            BridgeStats is = awaitStats(BridgeStatus.inPath(hostB, "orders", STREAM), s -> s.messages() == MESSAGES);
            BridgeStats os = awaitStats(BridgeStatus.outPath(hostA, "orders"), s -> s.messages() == MESSAGES);
            assertEquals(MESSAGES, is.messages(), is.toString());
            assertEquals(c.bytes, is.bytes(), is.toString());
            assertEquals(MESSAGES, os.messages(), os.toString());
            assertEquals(0, is.gapEvents(), is.toString());
            assertEquals(0, is.duplicatesDropped(), is.toString());
            assertTrue(is.alive() && is.connected() && os.alive() && os.connected(), is + "\n" + os);
            System.out.printf("%d messages (%d MB) through two bridge processes in %.1f s (with JVM starts): %.0f msg/s%n",
                    MESSAGES, c.bytes >> 20, seconds, MESSAGES / seconds);
            // SIGTERM: the command's shutdown hook closes its bridge (the JVM's exit code is then 143).
            int outExit = out.terminate(Duration.ofSeconds(30));
            int inExit = in.terminate(Duration.ofSeconds(30));
            assertTrue((outExit == 0 || outExit == 143) && (inExit == 0 || inExit == 143),
                    "exit codes " + outExit + ", " + inExit + "\n" + out.output() + in.output());
            assertEquals("CLOSED", BridgeStatus.read(BridgeStatus.outPath(hostA, "orders")).state());
            assertEquals("CLOSED", BridgeStatus.read(BridgeStatus.inPath(hostB, "orders", STREAM)).state());
        }
    }

    @Test
    void aKilledAndRestartedBridgeLosesOnlyWhatItReportsAndDuplicatesNothing() throws Exception {
        killAndRestartBothBridges();
    }

    /**
     * The same with an outbound bridge that does not coalesce ({@code --no-coalesce}; the test above runs
     * the default, coalescing, whose SIGKILL also loses the frame being built, its messages already taken
     * from the ring and numbered): what is lost is reported exactly either way.
     */
    @Test
    void aKilledAndRestartedPlainFrameBridgeLosesOnlyWhatItReports() throws Exception {
        killAndRestartBothBridges("--no-coalesce");
    }

    private void killAndRestartBothBridges(String... outOptions) throws Exception {
        String uri = BridgeInProcessTest.channel();
        int capacity = 1 << 18;
        int maxLength = 4000;
        Child out = null;
        Child in = null;
        try (Child producer = Child.start(hostA, ProducerMain.class, "orders", Long.toString(KILL_MESSAGES),
                     Integer.toString(capacity), Integer.toString(maxLength));
             ManyToOneChannel ch = Mailboxes.open(hostB).manyToOne("orders", capacity);
             Receiver rx = ch.receiver()) {
            in = bridge(hostB, "in", uri, capacity);
            out = bridge(hostA, "out", uri, capacity, outOptions);
            Consumer c = new Consumer(maxLength);
            boolean outKilled = false;
            boolean inKilled = false;
            Quiet quiet = new Quiet(producer);
            while (c.last < KILL_MESSAGES - 1 && !quiet.over(rx.awaitReceive(c, 256, 100, TimeUnit.MILLISECONDS))) {
                if (!outKilled && c.last >= KILL_MESSAGES / 4) {
                    outKilled = true;
                    out.kill(); // SIGKILL mid-stream: its embedded driver dies with it
                    out.close();
                    out = bridge(hostA, "out", uri, capacity, outOptions);
                }
                if (!inKilled && c.last >= KILL_MESSAGES / 2) {
                    inKilled = true;
                    in.kill();
                    in.close();
                    in = bridge(hostB, "in", uri, capacity);
                }
            }
            assertEquals(0, producer.await(Duration.ofSeconds(30)), producer.output());
            assertTrue(outKilled && inKilled, "the stream ended before both kills");
            assertEquals(KILL_MESSAGES - 1, c.last, "the last message never arrived; out:\n" + out.output() + "\nin:\n"
                    + in.output());
            BridgeStats is = awaitStats(BridgeStatus.inPath(hostB, "orders", STREAM), s -> s.sequence() == KILL_MESSAGES);
            System.out.println("kill test: received " + c.received + ", missing " + c.missing + "; inbound reports "
                    + is.gapEvents() + " gap(s), " + is.missingMessages() + " missing, " + is.duplicatesDropped()
                    + " duplicate(s) dropped, " + is.resets() + " reset(s)\nout:\n" + out.output() + "in:\n" + in.output());
            assertEquals(KILL_MESSAGES, c.received + c.missing);
            assertEquals(KILL_MESSAGES, is.sequence(), is.toString());
            assertEquals(0, is.resets(), "the restarted outbound bridge must keep its epoch: " + is);
            // Exact, except that an inbound bridge killed between its local commit and its state store
            // reports that one delivered message as missing too (README: at most one per inbound kill).
            assertTrue(is.missingMessages() >= c.missing && is.missingMessages() <= c.missing + 1,
                    "reported missing " + is.missingMessages() + ", actually missing " + c.missing + ": " + is);
            assertEquals(c.missing > 0, is.gapEvents() > 0, is.toString());
        } finally {
            if (out != null) {
                out.close();
            }
            if (in != null) {
                in.close();
            }
        }
    }

    @Test
    void aSlowConsumerBackPressuresThroughBothBridgesToTheProducerAndNothingIsDropped() throws Exception {
        String uri = BridgeInProcessTest.channel();
        int capacityA = 1 << 16;
        int capacityB = 1 << 14; // max message 2 KiB
        int maxLength = 2000;
        long count = 40_000;
        try (Child in = bridge(hostB, "in", uri, capacityB);
             Child out = bridge(hostA, "out", uri, capacityA);
             Child producer = Child.start(hostA, ProducerMain.class, "orders", Long.toString(count),
                     Integer.toString(capacityA), Integer.toString(maxLength));
             ManyToOneChannel ch = Mailboxes.open(hostB).manyToOne("orders", capacityB);
             Receiver rx = ch.receiver()) {
            Consumer c = new Consumer(maxLength);
            boolean stalled = false;
            Quiet quiet = new Quiet(producer);
            while (c.last < count - 1 && !quiet.over(rx.awaitReceive(c, 100, 100, TimeUnit.MILLISECONDS))) {
                if (!stalled && c.received >= count / 4) {
                    stalled = true;
                    Thread.sleep(2_000); // the consumer stops: everything upstream must fill and wait
                }
                if (c.received % 500 < 100) {
                    Thread.sleep(1);
                }
            }
            String full = producer.awaitLine("DONE", Duration.ofSeconds(60));
            assertEquals(count, c.received, "dropped messages; out:\n" + out.output() + "\nin:\n" + in.output());
            assertEquals(0, c.missing);
            BridgeStats is = awaitStats(BridgeStatus.inPath(hostB, "orders", STREAM), s -> s.messages() == count);
            BridgeStats os = BridgeStatus.read(BridgeStatus.outPath(hostA, "orders"));
            System.out.println("back-pressure: producer found its ring full " + full + " times\n" + os + is);
            assertEquals(0, is.gapEvents(), is.toString());
            assertTrue(is.backPressureEvents() > 0, "the inbound bridge never found its mailbox full: " + is);
            assertTrue(os.backPressureEvents() > 0, "Aeron never refused the outbound bridge: " + os);
            assertTrue(Long.parseLong(full) > 0, "the producer never found its mailbox full");
        }
    }
}
