package dev.lockstep.jmh.ipc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two-process harness with real peer JVMs: every mechanism echoes (round trip) and sinks
 * (throughput, including more bytes than any transport buffers, so back-pressure must resolve), and
 * the session leaves no file and no process behind. A few hundred messages each: about a second per
 * mechanism, mostly the peer's JVM start.
 */
class IpcHarnessTest {
    private static final int MESSAGES = 500;

    @ParameterizedTest
    @ValueSource(strings = {"floor", "agrona", "agronaManyToOne", "lockstep", "lockstepManyToOne", "lockstepPriorityQueue", "laneProbe", "pipe", "fifo", "uds", "tcp"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void echoesEveryMessageAndCleansUp(String mechanism) throws IOException {
        Path dir;
        ProcessHandle peer;
        try (IpcSession s = IpcSession.start(mechanism, IpcPeer.ECHO, 32)) {
            dir = s.directory();
            peer = s.peer();
            assertTrue(Files.exists(dir.resolve(IpcSession.READY)));
            IpcLink link = s.link();
            for (int i = 0; i < MESSAGES; i++) {
                link.send(32);
                assertTrue(link.receive(32), "reply " + i);
            }
        }
        assertFalse(Files.exists(dir), "session folder removed: " + dir);
        assertFalse(peer.isAlive(), "peer killed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"agrona", "agronaManyToOne", "lockstep", "lockstepManyToOne", "lockstepPriorityQueue", "laneProbe", "pipe", "fifo", "uds", "tcp"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void sinkDrainsMoreThanTheTransportBuffers(String mechanism) throws IOException {
        Path dir;
        try (IpcSession s = IpcSession.start(mechanism, IpcPeer.SINK, 1024)) {
            dir = s.directory();
            IpcLink link = s.link();
            // 16 MiB: far more than a 64 KiB ring or any kernel socket/pipe buffer, so the sender must
            // block or spin until the peer drains (back-pressure), and it finishes only if the peer does
            for (int i = 0; i < 16 * 1024; i++) {
                link.send(1024);
            }
            assertTrue(s.peer().isAlive(), "the sink is still running");
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deadPeerFailsTheBenchInsteadOfHangingIt() throws IOException {
        try (IpcSession s = IpcSession.start("floor", IpcPeer.ECHO, 32)) {
            s.peer().destroyForcibly();
            IpcLink link = s.link();
            link.send(32);
            // the peer may have answered before it died: keep asking until the wait notices
            assertThrows(IOException.class, () -> {
                while (true) {
                    link.send(32);
                    link.receive(32);
                }
            });
        }
    }

    @Test
    void rejectsBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IpcSession.start("carrierPigeon", IpcPeer.ECHO, 32));
        assertTrue(e.getMessage().contains("carrierPigeon"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> IpcSession.start("floor", IpcPeer.SINK, 32));
        assertTrue(e.getMessage().contains("floor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> IpcSession.start("pipe", IpcPeer.ECHO, 4096));
        assertTrue(e.getMessage().contains("4096"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> IpcSession.start("pipe", "shout", 32));
    }

    @Test
    void mechanismNamesMatchTheBenchmarkParams() {
        for (Mechanism m : Mechanism.values()) {
            assertEquals(m, Mechanism.of(m.paramName()));
        }
    }
}
