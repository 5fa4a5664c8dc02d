package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastDescriptor;
import dev.lockstep.ipc.broadcast.BroadcastReceiver;
import dev.lockstep.ipc.broadcast.BroadcastSender;

/** {@code stat} of a broadcast channel: positions, producer, listed consumers with lap counts; read-only. */
class BroadcastStatTest {
    @TempDir
    Path dir;

    @Test
    void statShowsBroadcastPositionsAndConsumersWithoutChangingTheFile() throws Exception {
        Path file = dir.resolve("prices");
        try (BroadcastChannel ch = BroadcastChannel.create(file, 1024, 4);
             BroadcastSender out = ch.sender();
             BroadcastReceiver keeping = ch.receiver();
             BroadcastReceiver lapped = ch.receiver()) {
            for (int m = 0; m < 100; m++) {
                out.send(1, new byte[24], 0, 24);
                keeping.receive((t, b, o, l) -> { }, 10);
            }
            lapped.receive((t, b, o, l) -> { }, 100);
            byte[] before = Files.readAllBytes(file);
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int status = LockstepCli.run(new String[] {"stat", file.toString()},
                    new PrintStream(buf, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
            String text = buf.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, text);
            assertTrue(text.contains("BROADCAST_CHANNEL"), text);
            assertTrue(text.contains("tail " + out.position() + ", tail intent " + out.position()), text);
            assertTrue(text.contains("messages sent 100"), text);
            assertTrue(text.contains("producer pid " + ProcessHandle.current().pid() + " alive"), text);
            assertTrue(text.contains("position " + out.position() + " (behind 0 B), received 100, lapped 0, lost 0"), text);
            assertTrue(text.contains("received 1, lapped 1, lost 99"), text);

            buf.reset();
            assertEquals(0, LockstepCli.run(new String[] {"stat", "--json", file.toString()},
                    new PrintStream(buf, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())));
            com.fasterxml.jackson.databind.JsonNode state = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(buf.toString(StandardCharsets.UTF_8)).get("structures").get(0).get("state");
            assertEquals(out.position(), state.get("tail").asLong(), state.toString());
            assertEquals(100, state.get("messagesSent").asLong(), state.toString());
            // 100 sends of 24 B wrapped the 1024 B ring: the oldest whole message starts after 0, before
            // the newest, and no more than a ring behind the tail
            long oldest = state.get("oldest").asLong();
            long latest = state.get("latest").asLong();
            assertTrue(oldest > 0 && oldest < latest && out.position() - oldest <= 1024, state.toString());
            assertTrue(text.contains(", oldest " + oldest + ", "), text);
            assertEquals(ProcessHandle.current().pid(), state.get("producerPid").asLong(), state.toString());
            com.fasterxml.jackson.databind.JsonNode consumers = state.get("consumers");
            assertEquals(2, consumers.size(), state.toString());
            assertEquals(100, consumers.get(0).get("received").asLong(), state.toString());
            assertEquals(0, consumers.get(0).get("behindBytes").asLong(), state.toString());
            assertEquals(1, consumers.get(1).get("lapped").asLong(), state.toString());
            assertEquals(99, consumers.get(1).get("lost").asLong(), state.toString());
            assertArrayEquals(withoutHeartbeats(before, 4), withoutHeartbeats(Files.readAllBytes(file), 4),
                    "stat changed the file (heartbeats of this JVM's endpoints aside)");
        }
    }

    /** The file's bytes with the heartbeat fields zeroed (this JVM's endpoints beat while stat runs). */
    private static byte[] withoutHeartbeats(byte[] file, int slots) {
        int base = dev.lockstep.ipc.shm.SharedFile.STRUCTURE_OFFSET;
        java.util.List<Integer> fields = new java.util.ArrayList<>();
        fields.add(base + BroadcastDescriptor.PRODUCER_HEARTBEAT_OFFSET);
        for (int i = 0; i < slots; i++) {
            fields.add(base + BroadcastDescriptor.slotOffset(i) + BroadcastDescriptor.SLOT_HEARTBEAT_OFFSET);
        }
        byte[] copy = file.clone();
        for (int f : fields) {
            java.util.Arrays.fill(copy, f, f + 8, (byte) 0);
        }
        return copy;
    }
}
