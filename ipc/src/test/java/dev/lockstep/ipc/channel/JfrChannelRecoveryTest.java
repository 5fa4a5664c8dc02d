package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.MappedAccess;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code dev.lockstep.IpcRecovery} from channels: a dead producer's claim recovered by the consumer, and
 * a consumer take-over (dead participants simulated with a dead token, as ChannelTest does; the real
 * SIGKILL cases are JfrIpcEventsTest's).
 */
@Timeout(30)
class JfrChannelRecoveryTest {
    private static final String RECOVERY = "dev.lockstep.IpcRecovery";

    @TempDir
    Path dir;

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private List<RecordedEvent> record(ThrowingRunnable body) throws Exception {
        Path file = dir.resolve("rec.jfr");
        try (Recording r = new Recording()) {
            r.enable(RECOVERY);
            r.start();
            body.run();
            r.stop();
            r.dump(file);
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(RECOVERY))
                    .collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void deadProducersClaimRecoveryIsRecorded() throws Exception {
        try (ManyToOneChannel ch = ManyToOneChannel.create(dir.resolve("c"), 1024, 4);
             Sender dying = ch.sender(); Sender alive = ch.sender(); Receiver in = ch.receiver()) {
            List<RecordedEvent> events = record(() -> {
                int at = dying.tryClaim(1, 32);
                assertTrue(at >= 0);
                assertTrue(alive.trySend(2, new byte[] {1, 2, 3}, 0, 3));
                int[] got = {0};
                assertEquals(0, in.receive((t, b, o, l) -> got[0]++, 10), "blocked behind the claim");
                ChannelTest.killSlot(ch, dying.slot());
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (got[0] == 0 && System.nanoTime() < deadline) {
                    in.receive((t, b, o, l) -> got[0]++, 10);
                }
                assertEquals(1, got[0]);
            });
            assertEquals(1, events.size(), events.toString());
            RecordedEvent e = events.get(0);
            assertEquals(ManyToOneReceiver.class.getName(), e.getClass("structureClass").getName());
            assertEquals(ch.name, e.getString("structure"));
            assertEquals("claim of a dead producer", e.getString("kind"));
        }
    }

    @Test
    void consumerTakeOverIsRecorded() throws Exception {
        try (OneToOneChannel ch = OneToOneChannel.create(dir.resolve("c1"), 4096)) {
            Receiver zombie = ch.receiver();
            List<RecordedEvent> events = record(() -> {
                MappedAccess.LONG.setVolatile(ch.buffer, ch.consumerOwnerOffset,
                        dev.lockstep.ipc.shm.TestParticipants.deadToken(ch.participants));
                ch.receiver().close();
            });
            zombie.close();
            assertEquals(1, events.size(), events.toString());
            RecordedEvent e = events.get(0);
            assertEquals(ch.name, e.getString("structure"));
            assertEquals("consumer take-over", e.getString("kind"));
        }
    }
}
