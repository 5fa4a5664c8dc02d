package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@link OneToOneChannel} file opened twice in one process. Owner words carry the process's
 * {@link dev.lockstep.ipc.shm.Participants} token, which every handle of the process shares (the
 * defect class of SharedPriorityQueue's 5dbdac9: per-handle state plus a CAS on a token word that two
 * handles cannot tell apart). The contract: each role is exclusive across handles too (the second
 * sender or receiver is refused with an exception naming this process), messages flow between handles
 * whole, once and in order, and one handle's close releases only what that handle registered.
 */
@Timeout(60)
class OneToOneChannelTwoHandlesTest {
    @TempDir
    Path dir;

    @Test
    void aSecondProducerOrConsumerThroughAnotherHandleIsRefusedNamingThisProcess() throws Exception {
        Path file = dir.resolve("c");
        try (OneToOneChannel a = OneToOneChannel.create(file, 4096); OneToOneChannel b = OneToOneChannel.open(file)) {
            Sender out = a.sender();
            IllegalStateException producer = assertThrows(IllegalStateException.class, b::sender);
            assertRefusal(producer, file, "producer");
            Receiver in = b.receiver();
            IllegalStateException consumer = assertThrows(IllegalStateException.class, a::receiver);
            assertRefusal(consumer, file, "consumer");
            assertThrows(IllegalStateException.class, b::receiver, "nor through the handle that holds the role");
            // The refusals changed nothing: the registered pair still works.
            assertTrue(out.trySend(7, new byte[] {1, 2, 3}, 0, 3));
            ChannelTest.Collector c = new ChannelTest.Collector();
            assertEquals(1, in.receive(c, 10));
            assertEquals(7, c.types.get(0));
        }
    }

    static void assertRefusal(IllegalStateException e, Path file, String role) {
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), m);
        assertTrue(m.contains("a live " + role + " is registered"), m);
        assertTrue(m.contains("pid " + ProcessHandle.current().pid()), m);
        assertTrue(m.contains("(this process)"), m);
    }

    /** Sender on one handle, receiver on the other, each in its own thread: every message once, in order. */
    @Test
    void messagesBetweenTwoHandlesArriveWholeOnceAndInOrder() throws Exception {
        Path file = dir.resolve("c");
        int messages = 200_000;
        try (OneToOneChannel a = OneToOneChannel.create(file, 4096); OneToOneChannel b = OneToOneChannel.open(file);
             Sender out = a.sender(); Receiver in = b.receiver()) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                ByteBuffer m = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
                try {
                    for (long i = 0; i < messages; i++) {
                        int length = 8 * (1 + (int) (i % 8));
                        for (int k = 0; k < length; k += 8) {
                            m.putLong(k, i);
                        }
                        out.send(1, m, 0, length);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            producer.start();
            long[] next = {0};
            MessageHandler check = (type, buffer, offset, length) -> {
                long i = next[0]++;
                assertEquals(8 * (1 + (int) (i % 8)), length, "length of message " + i);
                for (int k = 0; k < length; k += 8) {
                    assertEquals(i, buffer.getLong(offset + k), "word " + k + " of message " + i);
                }
            };
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            while (next[0] < messages && System.nanoTime() < deadline && failure.get() == null) {
                in.awaitReceive(check, 256, 100, TimeUnit.MILLISECONDS);
            }
            producer.join(TimeUnit.SECONDS.toMillis(5));
            assertNull(failure.get());
            assertEquals(messages, next[0], "every message once");
            assertEquals(0, in.receive(check, 10), "nothing more");
        }
    }

    /**
     * Closing a handle (and with it its endpoints) frees only the roles that handle held: the other
     * handle's receiver stays registered (a third handle's receiver is still refused) and gets what a
     * new sender on a third handle sends; an endpoint closed twice after a sibling re-registered the
     * role does not unregister the sibling.
     */
    @Test
    void closingOneHandleReleasesOnlyTheRolesItHeld() throws Exception {
        Path file = dir.resolve("c");
        try (OneToOneChannel a = OneToOneChannel.create(file, 4096); OneToOneChannel b = OneToOneChannel.open(file);
             OneToOneChannel c = OneToOneChannel.open(file)) {
            Sender first = a.sender();
            Receiver in = b.receiver();
            assertTrue(first.trySend(1, new byte[8], 0, 8));
            a.close(); // closes first
            assertTrue(b.isConsumerAlive(), "b's receiver is still registered");
            assertRefusal(assertThrows(IllegalStateException.class, c::receiver), file, "consumer");

            Sender second = c.sender(); // the producer role is free again
            first.close(); // again: a no-op, not an unregistering of c's sender
            assertRefusal(assertThrows(IllegalStateException.class, b::sender), file, "producer");
            assertTrue(second.trySend(2, new byte[8], 0, 8));
            ChannelTest.Collector got = new ChannelTest.Collector();
            assertEquals(2, in.receive(got, 10));
            assertEquals(java.util.List.of(1, 2), got.types);

            in.close();
            Receiver again = c.receiver();
            in.close(); // again: leaves c's receiver registered
            assertRefusal(assertThrows(IllegalStateException.class, b::receiver), file, "consumer");
            assertTrue(second.trySend(3, new byte[8], 0, 8));
            assertEquals(1, again.receive(got, 10));
            assertEquals(3, got.types.get(2));
        }
    }
}
