package dev.lockstep.ipc.broadcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@link BroadcastChannel} file opened twice in one process. Owner words carry the process's
 * {@link dev.lockstep.ipc.shm.Participants} token, shared by every handle of the process: the
 * producer role must stay exclusive across handles (refused with an exception naming this process),
 * consumers of both handles each get every message, and a handle's close frees only its own endpoints.
 */
@Timeout(60)
class BroadcastChannelTwoHandlesTest {
    @TempDir
    Path dir;

    @Test
    void aSecondProducerThroughAnotherHandleIsRefusedNamingThisProcess() throws Exception {
        Path file = dir.resolve("b");
        try (BroadcastChannel a = BroadcastChannel.create(file, 4096); BroadcastChannel b = BroadcastChannel.open(file)) {
            BroadcastSender out = a.sender();
            IllegalStateException e = assertThrows(IllegalStateException.class, b::sender);
            String m = e.getMessage();
            assertTrue(m.contains(file.toString()) && m.contains("a live producer is registered")
                    && m.contains("pid " + ProcessHandle.current().pid()) && m.contains("(this process)"), m);
            assertThrows(IllegalStateException.class, a::sender);
            BroadcastReceiver in = b.receiver();
            out.send(3, BroadcastChannelTest.message(1, 8), 0, 8);
            BroadcastChannelTest.Collector c = new BroadcastChannelTest.Collector();
            assertEquals(1, in.receive(c, 10));
            assertEquals(1, c.last());
        }
    }

    /**
     * Receivers on both handles (distinct consumer slots) each get all 3,000 messages; closing handle
     * a (its producer and receiver) leaves b's receiver listed and reading, and lets a producer on b
     * continue the numbering.
     */
    @Test
    void receiversOfBothHandlesGetEveryMessageAndAHandlesCloseFreesOnlyItsOwn() throws Exception {
        Path file = dir.resolve("b");
        try (BroadcastChannel a = BroadcastChannel.create(file, 1 << 16); BroadcastChannel b = BroadcastChannel.open(file)) {
            BroadcastSender out = a.sender();
            BroadcastReceiver ra = a.receiver();
            BroadcastReceiver rb = b.receiver();
            assertTrue(ra.isListed() && rb.isListed());
            BroadcastChannelTest.Collector ca = new BroadcastChannelTest.Collector();
            BroadcastChannelTest.Collector cb = new BroadcastChannelTest.Collector();
            for (int m = 0; m < 3_000; m++) {
                out.send(1, BroadcastChannelTest.message(m, 16), 0, 16);
                if (m % 100 == 99) {
                    ra.receive(ca, 1_000);
                    rb.receive(cb, 1_000);
                }
            }
            assertEquals(3_000, ca.got.size());
            assertEquals(3_000, cb.got.size());
            for (int m = 0; m < 3_000; m++) {
                assertEquals(m, ca.got.get(m)[1]);
                assertEquals(m, cb.got.get(m)[1]);
            }
            List<BroadcastStats.Consumer> listed = b.stats().consumers();
            assertEquals(2, listed.size(), b.stats().toString());
            assertNotEquals(listed.get(0).slot(), listed.get(1).slot());

            a.close(); // closes out and ra
            listed = b.stats().consumers();
            assertEquals(1, listed.size(), "b's receiver stays listed: " + b.stats());
            assertEquals(3_000, listed.get(0).received());
            BroadcastSender next = b.sender(); // the producer role is free again
            BroadcastReceiver rb2 = b.receiver(); // takes the slot ra freed
            out.close(); // again: a no-op, not a release of next's registration (same token)
            ra.close(); // again: leaves rb2's slot alone
            IllegalStateException e = assertThrows(IllegalStateException.class, b::sender);
            assertTrue(e.getMessage().contains("(this process)"), e.getMessage());
            assertEquals(2, b.stats().consumers().size(), "closing ra twice freed no live slot: " + b.stats());
            next.send(1, BroadcastChannelTest.message(3_000, 16), 0, 16);
            assertEquals(1, rb.receive(cb, 10));
            assertEquals(3_000, cb.last());
            assertEquals(0, rb.lostMessages());
            assertEquals(1, rb2.receive(ca, 10));
        }
    }
}
