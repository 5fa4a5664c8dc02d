package dev.lockstep.ipc.mailbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastSender;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;

/**
 * Two {@link Mailboxes} of one folder in one process (two components of one application, each opening
 * the namespace and a mailbox by name): the two channel handles they return share the process's token,
 * and the exclusive roles stay exclusive across them with a clear refusal; messages flow between them.
 */
@Timeout(30)
class MailboxesTwoHandlesTest {
    @TempDir
    Path dir;

    @Test
    void mailboxesOpenedTwiceByNameKeepTheirRolesExclusive() throws Exception {
        Mailboxes one = Mailboxes.open(dir.resolve("ns"));
        Mailboxes two = Mailboxes.open(dir.resolve("ns"));
        try (ManyToOneChannel a = one.manyToOne("orders", 4096); ManyToOneChannel b = two.manyToOne("orders", 4096);
             OneToOneChannel c = one.oneToOne("ticks", 4096); OneToOneChannel d = two.oneToOne("ticks", 4096);
             BroadcastChannel e = one.broadcast("prices", 4096); BroadcastChannel f = two.broadcast("prices", 4096)) {
            Receiver in = a.receiver();
            assertRefused(b::receiver, "consumer");
            try (Sender out = b.sender()) {
                assertTrue(out.trySend(1, ByteBuffer.allocate(8), 0, 8));
            }
            assertEquals(1, in.receive((type, buffer, offset, length) -> { }, 10));

            Sender ticks = c.sender();
            assertRefused(d::sender, "producer");
            Receiver tickIn = d.receiver();
            assertRefused(c::receiver, "consumer");
            assertTrue(ticks.trySend(2, new byte[4], 0, 4));
            assertEquals(1, tickIn.receive((type, buffer, offset, length) -> { }, 10));

            BroadcastSender prices = e.sender();
            assertRefused(f::sender, "producer");
            prices.close();
            f.sender().close(); // free again once the first is closed
        }
    }

    private static void assertRefused(java.util.function.Supplier<?> role, String what) {
        IllegalStateException e = assertThrows(IllegalStateException.class, role::get);
        String m = e.getMessage();
        assertTrue(m.contains("a live " + what + " is registered") && m.contains("(this process)"), m);
    }
}
