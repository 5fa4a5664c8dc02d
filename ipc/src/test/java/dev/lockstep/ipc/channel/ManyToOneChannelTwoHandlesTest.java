package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One {@link ManyToOneChannel} file opened twice in one process (see
 * {@link OneToOneChannelTwoHandlesTest} for why): senders of both handles hold distinct producer
 * slots and their messages all arrive once, in per-sender order; the consumer role is exclusive across
 * handles; a handle's close frees only its own senders' slots.
 */
@Timeout(60)
class ManyToOneChannelTwoHandlesTest {
    @TempDir
    Path dir;

    @Test
    void aSecondConsumerThroughAnotherHandleIsRefusedNamingThisProcess() throws Exception {
        Path file = dir.resolve("c");
        try (ManyToOneChannel a = ManyToOneChannel.create(file, 4096, 4); ManyToOneChannel b = ManyToOneChannel.open(file)) {
            Receiver in = a.receiver();
            OneToOneChannelTwoHandlesTest.assertRefusal(assertThrows(IllegalStateException.class, b::receiver),
                    file, "consumer");
            Sender out = b.sender();
            assertTrue(out.trySend(5, new byte[4], 0, 4));
            assertEquals(1, in.receive(new ChannelTest.Collector(), 10));
        }
    }

    /** Two sending threads per handle, the receiver on one of them: none lost or twice, per-sender order. */
    @Test
    void sendersOfTwoHandlesHoldDistinctSlotsAndEveryMessageArrivesOnceInOrder() throws Exception {
        Path file = dir.resolve("c");
        int producers = 4;
        int perProducer = 50_000;
        try (ManyToOneChannel a = ManyToOneChannel.create(file, 8192, 8); ManyToOneChannel b = ManyToOneChannel.open(file);
             Receiver in = a.receiver()) {
            List<Sender> senders = new ArrayList<>();
            Set<Integer> slots = new HashSet<>();
            for (int p = 0; p < producers; p++) {
                Sender s = (p % 2 == 0 ? a : b).sender();
                senders.add(s);
                assertTrue(slots.add(s.slot()), "slot " + s.slot() + " given twice");
            }
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                Sender s = senders.get(p);
                Thread t = new Thread(() -> {
                    ByteBuffer m = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
                    try {
                        for (long i = 0; i < perProducer; i++) {
                            m.putLong(0, id).putLong(8, i);
                            s.send(id, m, 0, 16);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                threads.add(t);
                t.start();
            }
            long[] next = new long[producers];
            long[] total = {0};
            MessageHandler check = (type, buffer, offset, length) -> {
                assertEquals(16, length);
                int id = (int) buffer.getLong(offset);
                assertEquals(type, id, "type and body agree");
                assertEquals(next[id], buffer.getLong(offset + 8), "producer " + id + ": next in its order");
                next[id]++;
                total[0]++;
            };
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            while (total[0] < (long) producers * perProducer && System.nanoTime() < deadline && failure.get() == null) {
                in.awaitReceive(check, 256, 100, TimeUnit.MILLISECONDS);
            }
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(5));
            }
            assertNull(failure.get());
            for (int p = 0; p < producers; p++) {
                assertEquals(perProducer, next[p], "producer " + p + ": every message once");
            }
            assertEquals(0, in.receive(check, 10), "nothing more");
            ChannelTest.assertFreeSpaceIsZero(a);
        }
    }

    /**
     * Closing handle a (and its sender) frees a's slot only: b's sender keeps its slot and keeps
     * sending, a third handle's sender takes a's freed slot, and with both slots taken a further
     * sender is refused.
     */
    @Test
    void closingOneHandleFreesOnlyItsOwnSendersSlots() throws Exception {
        Path file = dir.resolve("c");
        try (ManyToOneChannel a = ManyToOneChannel.create(file, 4096, 2); ManyToOneChannel b = ManyToOneChannel.open(file);
             ManyToOneChannel c = ManyToOneChannel.open(file); Receiver in = c.receiver()) {
            Sender sa = a.sender();
            Sender sb = b.sender();
            int freed = sa.slot();
            assertNotEquals(freed, sb.slot());
            a.close();
            Sender sc = c.sender();
            assertEquals(freed, sc.slot(), "the third handle's sender takes the slot a freed");
            sa.close(); // again: a no-op, not a release of sc's slot (same token)
            IllegalStateException full = assertThrows(IllegalStateException.class, c::sender);
            assertTrue(full.getMessage().contains("all 2 producer slots are taken"), full.getMessage());
            assertEquals(2, c.stats().producers().size(), c.stats().toString());
            assertTrue(sb.trySend(1, new byte[8], 0, 8));
            assertTrue(sc.trySend(2, new byte[8], 0, 8));
            ChannelTest.Collector got = new ChannelTest.Collector();
            assertEquals(2, in.receive(got, 10));
            assertEquals(List.of(1, 2), got.types);
            sb.close();
            sc.close();
            assertEquals(0, c.stats().producers().size(), c.stats().toString());
        }
    }
}
