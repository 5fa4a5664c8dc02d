package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lockstep.ipc.channel.ChannelStats;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.sync.IpcMutex;
import dev.lockstep.ipc.sync.IpcSemaphore;

/** {@code stat --json}: one JSON document, one object per structure, values matching the structures made here. */
@Timeout(60)
class StatJsonTest {
    @TempDir
    Path dir;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    @Test
    void jsonIsOneDocumentWithOneObjectPerStructureMatchingTheirState() throws Exception {
        long me = ProcessHandle.current().pid();
        try (OneToOneChannel orders = OneToOneChannel.create(dir.resolve("orders"), 4096);
             Sender out = orders.sender();
             Receiver in = orders.receiver();
             IpcMutex mutex = IpcMutex.create(dir.resolve("mutex"), 64);
             IpcSemaphore permits = IpcSemaphore.create(dir.resolve("permits"), 3, 4);
             SharedPriorityQueue jobs = SharedPriorityQueue.create(dir.resolve("jobs"), 8, 100)) {
            for (int i = 0; i < 3; i++) {
                assertTrue(out.trySend(1, new byte[12], 0, 12));
            }
            assertTrue(in.tryReceive((type, buffer, offset, length) -> { }));
            mutex.lock();
            permits.acquire();
            jobs.trySend(3, ByteBuffer.wrap(new byte[10]));
            jobs.trySend(5, ByteBuffer.wrap(new byte[10]));
            Files.writeString(dir.resolve("junk"), "x".repeat(300));
            ChannelStats expected = orders.stats();

            String[] r = CliUsageTest.run("stat", "--json", dir.toString());
            assertEquals("1", r[0], "the junk file makes stat fail, the JSON still lists it: " + r[1] + r[2]);
            JsonNode root = MAPPER.readTree(r[1]); // the whole output is one document (trailing tokens fail)
            assertTrue(root.get("time").asText().matches("\\d{4}-.*Z"), r[1]);
            JsonNode structures = root.get("structures");
            assertEquals(5, structures.size(), r[1]);
            Map<String, JsonNode> byName = new HashMap<>();
            structures.forEach(s -> byName.put(s.get("name").asText(), s));
            assertEquals(java.util.Set.of("orders", "mutex", "permits", "jobs", "junk"), byName.keySet());

            JsonNode ch = byName.get("orders");
            assertEquals(dir.resolve("orders").toString(), ch.get("file").asText());
            assertEquals("ONE_TO_ONE_CHANNEL", ch.get("kind").asText());
            assertEquals(me, ch.get("creator").get("pid").asLong());
            assertEquals("alive", ch.get("creator").get("state").asText());
            assertTrue(ch.get("wait").asText().matches("futex on JDK 22\\+ Linux unless -Dlockstep\\.ipc\\.wait=poll, else poll; sleepers no, wake-ups [0-9]+ \\(receiver\\); full ring: sleepers no, wake-ups [0-9]+ \\(senders\\); sleep request: none \\(the receiver has not asked to sleep\\)"), "a channel's two futex words: " + ch.get("wait"));
            assertFalse(ch.has("error"), ch.toString());
            JsonNode state = ch.get("state");
            assertEquals(4096, state.get("capacity").asInt());
            assertEquals(expected.head(), state.get("head").asLong(), ch.toString());
            assertEquals(expected.tail(), state.get("tail").asLong(), ch.toString());
            assertEquals(expected.fill(), state.get("fill").asLong(), ch.toString());
            assertTrue(expected.fill() > 0 && expected.head() > 0, expected.toString());
            assertEquals(me, state.get("consumer").get("pid").asLong());
            assertEquals(1, state.get("producers").size());
            assertEquals(me, state.get("producers").get(0).get("pid").asLong());
            assertTrue(state.get("producers").get(0).get("alive").asBoolean());
            assertEquals(0, state.get("recoveredClaims").asLong());

            JsonNode m = byName.get("mutex").get("state");
            assertTrue(m.get("locked").asBoolean(), m.toString());
            assertEquals(me, m.get("ownerPid").asLong(), m.toString());
            assertTrue(byName.get("mutex").get("wait").asText().matches("futex on JDK 22\\+ Linux unless "
                    + "-Dlockstep\\.ipc\\.wait=poll, else poll; sleepers no, wake-ups 0"), byName.get("mutex").toString());
            assertEquals(2, byName.get("permits").get("state").get("available").asLong());
            assertEquals(3, byName.get("permits").get("state").get("permits").asLong());
            assertEquals(2, byName.get("jobs").get("state").get("messages").asInt());
            assertEquals(8, byName.get("jobs").get("state").get("maxMessages").asInt());

            JsonNode junk = byName.get("junk");
            assertNotNull(junk.get("error"), junk.toString());
            assertTrue(junk.get("error").asText().contains("not a Lockstep file"), junk.toString());
            assertFalse(junk.has("kind"), junk.toString());
            mutex.unlock();
        }
    }

    @Test
    void jsonOfAnEmptyFolderHasNoStructures() throws Exception {
        String[] r = CliUsageTest.run("stat", "--json", dir.toString());
        assertEquals("0", r[0], r[2]);
        JsonNode root = MAPPER.readTree(r[1]);
        assertTrue(root.get("structures").isArray() && root.get("structures").isEmpty(), r[1]);
    }
}
