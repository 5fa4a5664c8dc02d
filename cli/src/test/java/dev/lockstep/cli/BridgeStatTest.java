package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lockstep.aeron.AeronBridge;
import dev.lockstep.aeron.Bridge;
import dev.lockstep.aeron.BridgeOptions;
import dev.lockstep.aeron.BridgeStats;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * {@code lockstep bridge ...} is lockstep-aeron's command mounted in the tool, and {@code stat} (text,
 * {@code --json}, {@code --watch}) shows the bridges of a folder: two real bridges in this JVM (embedded
 * drivers, loopback UDP), mailbox {@code orders} forwarded out and received into mailbox {@code copy} of
 * the same folder, a known number of messages through them, then the tool's output compared with the
 * bridges' own {@link BridgeStats}.
 */
@Timeout(120)
class BridgeStatTest {
    static final int CAPACITY = 1 << 16;
    static final int MESSAGES = 100;
    static final int LENGTH = 40;
    static final int STREAM = 7;

    Path dir;

    @BeforeEach
    void folder() throws IOException {
        // The embedded drivers' directories live in the mailbox folder: /dev/shm if it is there.
        Path base = Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        dir = Files.createTempDirectory(base, "lockstep-cli-bridge-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted((a, b) -> b.compareTo(a))::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String channel() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return "aeron:udp?endpoint=127.0.0.1:" + s.getLocalPort() + "|term-length=1m";
        }
    }

    @Test
    void bridgeHelpListsOutInAndStat() {
        String[] r = CliUsageTest.run("bridge", "--help");
        assertEquals("0", r[0], r[1] + r[2]);
        for (String sub : List.of("out", "in", "stat")) {
            assertTrue(r[1].lines().anyMatch(l -> l.strip().startsWith(sub + " ")), "bridge --help lists " + sub + ": " + r[1]);
        }
        String[] top = CliUsageTest.run("--help");
        assertTrue(top[1].lines().anyMatch(l -> l.strip().startsWith("bridge ")), "lockstep --help lists bridge: " + top[1]);
        String[] out = CliUsageTest.run("bridge", "out", "--help");
        assertEquals("0", out[0], out[1] + out[2]);
        assertTrue(out[1].contains("--stream") && out[1].contains("--aeron-dir"), out[1]);
        String[] none = CliUsageTest.run("bridge", "stat", "--folder", dir.toString());
        assertEquals("0", none[0], none[1] + none[2]);
        assertTrue(none[1].contains("no bridges in " + dir), "bridge stat writes to the tool's stream: " + none[1]);
    }

    @Test
    void statShowsTheBridgesOfTheFolderInTextJsonAndWatch() throws Exception {
        String uri = channel();
        BridgeOptions o = BridgeOptions.defaults().withMailboxFolder(dir).withCreate(BridgeOptions.Kind.MANY_TO_ONE, CAPACITY);
        try (Bridge in = AeronBridge.in("copy", uri, STREAM, o);
             Bridge out = AeronBridge.out("orders", uri, STREAM, o);
             ManyToOneChannel orders = Mailboxes.open(dir).manyToOne("orders", CAPACITY);
             Sender tx = orders.sender()) {
            assertTrue(out.awaitConnected(Duration.ofSeconds(30)), "out bridge never connected");
            byte[] body = new byte[LENGTH];
            for (int i = 0; i < MESSAGES; i++) {
                while (!tx.trySend(3, body, 0, LENGTH)) {
                    Thread.onSpinWait();
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((in.stats().messages() < MESSAGES || out.stats().messages() < MESSAGES || !in.isConnected())
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            BridgeStats so = out.stats();
            BridgeStats si = in.stats();
            assertEquals(MESSAGES, so.messages(), so.toString());
            assertEquals(MESSAGES, si.messages(), si.toString());

            List<String> namesBefore = names();

            // text
            String[] t = CliUsageTest.run("stat", dir.toString());
            assertEquals("0", t[0], t[1] + t[2]);
            assertTrue(t[1].contains(out.statusFile().toString() + "\n  bridge out orders -> " + uri + " stream " + STREAM),
                    t[1]);
            assertTrue(t[1].contains(in.statusFile().toString() + "\n  bridge in copy <- " + uri + " stream " + STREAM),
                    t[1]);
            assertTrue(t[1].contains("  messages " + MESSAGES + ", bytes " + (long) MESSAGES * LENGTH + ", back-pressure"), t[1]);
            assertTrue(t[1].contains("RUNNING, connected"), t[1]);
            assertTrue(t[1].contains("/orders\n") && t[1].contains("/copy\n"), "the mailboxes are listed too: " + t[1]);

            // JSON
            String[] j = CliUsageTest.run("stat", "--json", dir.toString());
            assertEquals("0", j[0], j[1] + j[2]);
            JsonNode bridges = new ObjectMapper().readTree(j[1]).get("bridges");
            assertEquals(2, bridges.size(), j[1]);
            checkJson(bridges.get(0), in.statusFile(), si); // sorted by file name: .bridge-in-... first
            checkJson(bridges.get(1), out.statusFile(), so);

            // watch: the bridges on every refresh, with rates from the second on
            String[] w = CliUsageTest.run("stat", "--watch", "--json", "--count", "2", "--interval", "50", dir.toString());
            assertEquals("0", w[0], w[1] + w[2]);
            List<String> docs = w[1].lines().toList();
            assertEquals(2, docs.size(), w[1]);
            JsonNode second = new ObjectMapper().readTree(docs.get(1)).get("bridges");
            assertEquals(2, second.size(), docs.get(1));
            assertTrue(second.get(1).get("rates").has("messagesPerSecond"), docs.get(1));
            assertTrue(new ObjectMapper().readTree(docs.get(0)).get("bridges").get(1).get("rates").isNull(), docs.get(0));

            // the bridge's own stat, mounted under lockstep
            String[] b = CliUsageTest.run("bridge", "stat", "--folder", dir.toString());
            assertEquals("0", b[0], b[1] + b[2]);
            assertTrue(b[1].contains("bridge out orders -> " + uri) && b[1].contains("bridge in copy <- " + uri), b[1]);

            assertEquals(namesBefore, names(), "stat and bridge stat create nothing in the folder");
        }
    }

    /** The folder's entries, hidden ones included (status files, the embedded drivers' directories). */
    private List<String> names() throws IOException {
        try (Stream<Path> all = Files.list(dir)) {
            return all.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void checkJson(JsonNode b, Path file, BridgeStats s) {
        assertEquals(file.toString(), b.get("file").asText(), b.toString());
        assertEquals(s.direction(), b.get("direction").asText(), b.toString());
        assertEquals(s.mailbox(), b.get("mailbox").asText(), b.toString());
        assertEquals(s.channel(), b.get("channel").asText(), b.toString());
        assertEquals(STREAM, b.get("streamId").asInt(), b.toString());
        assertEquals(ProcessHandle.current().pid(), b.get("pid").asLong(), b.toString());
        assertTrue(b.get("alive").asBoolean(), b.toString());
        assertEquals("RUNNING", b.get("state").asText(), b.toString());
        assertTrue(b.get("connected").asBoolean(), b.toString());
        assertEquals(MESSAGES, b.get("messages").asLong(), b.toString());
        assertEquals((long) MESSAGES * LENGTH, b.get("bytes").asLong(), b.toString());
        assertEquals(s.epoch(), b.get("epoch").asInt(), b.toString());
        assertEquals(s.gapEvents(), b.get("gapEvents").asLong(), b.toString());
        assertEquals(s.sequence(), b.get("sequence").asLong(), b.toString());
        for (String field : List.of("backPressureEvents", "notConnectedEvents", "missingMessages", "duplicatesDropped",
                "resets", "rejected", "heartbeatAgeMillis", "lastError")) {
            assertTrue(b.has(field), field + " in " + b);
        }
    }
}
