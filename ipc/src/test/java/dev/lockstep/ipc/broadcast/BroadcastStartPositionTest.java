package dev.lockstep.ipc.broadcast;

import static dev.lockstep.ipc.broadcast.BroadcastChannelTest.message;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.broadcast.BroadcastChannelTest.Collector;

/**
 * {@link StartPosition#OLDEST}: a receiver that starts at the oldest message still in the ring.
 * The expected start is computed independently, by replaying the producer's layout (8-byte aligned
 * records of 16 + length bytes, padding to the ring's end where a record does not fit): the first
 * message whose record starts at or after the last send's end minus the capacity.
 */
@Timeout(60)
class BroadcastStartPositionTest {
    @TempDir
    Path dir;

    /** Message lengths: varied, multiples of 8 (the Collector checks every body word). */
    static int length(int m, int max) {
        return 8 * (1 + (m * 7919) % (max / 8));
    }

    /**
     * The first message an OLDEST receiver is offered after sending messages 0 .. count-1: the
     * producer's layout and its oldest boundary replayed independently (oldest moves, when a send
     * would overwrite it, to the first message start at or after the first multiple of the slack at
     * or after min(end - capacity + slack, tail), or to the tail if there is none).
     */
    static int oldestExpected(int count, int capacity, int max) {
        return replayOldest(count, capacity, m -> BroadcastDescriptor.aligned(BroadcastDescriptor.HEADER_LENGTH + length(m, max)));
    }

    static int replayOldest(int count, int capacity, java.util.function.IntUnaryOperator record) {
        long[] start = new long[count];
        java.util.TreeSet<Long> boundaries = new java.util.TreeSet<>(); // message starts
        long pos = 0;
        long oldest = 0;
        int slack = BroadcastSender.oldestSlack(capacity);
        for (int m = 0; m < count; m++) {
            int aligned = record.applyAsInt(m);
            int pad = (pos & (capacity - 1)) + aligned > capacity ? capacity - (int) (pos & (capacity - 1)) : 0;
            long end = pos + pad + aligned;
            if (oldest < end - capacity) {
                long target = Math.min(end - capacity + slack, pos);
                long block = (target + slack - 1) / slack * slack;
                Long b = boundaries.ceiling(block);
                oldest = b == null ? pos : b;
            }
            if (pad > 0) {
                pos += pad;
            }
            start[m] = pos;
            boundaries.add(pos);
            pos += aligned;
        }
        for (int m = 0; m < count; m++) {
            if (start[m] >= oldest) {
                return m;
            }
        }
        return count;
    }

    @Test
    void anOldestReceiverGetsEveryMessageTheRingStillHoldsThenTheNewOnes() throws Exception {
        int capacity = 4096;
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), capacity);
             BroadcastSender out = ch.sender()) {
            int max = ch.maxMessageLength();
            for (int count : new int[] {37, 211, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1500}) {
                while (out.sequence() < count) {
                    int m = (int) out.sequence();
                    out.send(m % 7, message(m, length(m, max)), 0, length(m, max));
                }
                try (BroadcastReceiver from = ch.receiver(StartPosition.OLDEST)) {
                    Collector c = new Collector();
                    from.receive(c, 10_000);
                    int first = oldestExpected(count, capacity, max);
                    assertTrue(first > 0, "the ring wrapped");
                    assertEquals(count - first, c.got.size(), "after " + count + " messages");
                    for (int i = 0; i < c.got.size(); i++) {
                        int m = first + i;
                        assertEquals(m, c.got.get(i)[1], "after " + count + " messages, the oldest is " + first);
                        assertEquals(m % 7, c.got.get(i)[0]);
                        assertEquals(length(m, max), c.got.get(i)[2]);
                    }
                    assertEquals(0, from.lappedCount());
                    assertEquals(0, from.lostMessages());
                    out.send(count % 7, message(count, length(count, max)), 0, length(count, max));
                    assertEquals(1, from.receive(c, 10));
                    assertEquals(count, c.last(), "then the new ones");
                }
            }
        }
    }

    /**
     * A second producer over the first one's records: oldest moves by walking the predecessor's
     * headers while the floor is in them, then by the second producer's own marks. An OLDEST
     * receiver opened at points on both sides gets a whole, gapless run of numbers up to the newest,
     * holding at least capacity - 2 x slack - 3 records of message bytes (oldest is within 2 x slack
     * and a record of the floor; one wrap padding).
     */
    @Test
    void afterAProducerHandOverOldestStillStartsAtAMessageNearTheFloor() throws Exception {
        int capacity = 4096;
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("h"), capacity)) {
            int max = ch.maxMessageLength();
            int slack = BroadcastSender.oldestSlack(capacity);
            try (BroadcastSender first = ch.sender()) {
                while (first.sequence() < 150) {
                    int m = (int) first.sequence();
                    first.send(m % 7, message(m, length(m, max)), 0, length(m, max));
                }
            }
            try (BroadcastSender second = ch.sender()) {
                for (int count = 151; count <= 400; count += 1 + count / 50) {
                    while (second.sequence() < count) {
                        int m = (int) second.sequence();
                        second.send(m % 7, message(m, length(m, max)), 0, length(m, max));
                    }
                    try (BroadcastReceiver from = ch.receiver(StartPosition.OLDEST)) {
                        Collector c = new Collector();
                        from.receive(c, 10_000);
                        int firstNo = (int) c.got.get(0)[1];
                        assertEquals(count - firstNo, c.got.size(), "after " + count + ": a gapless run to the newest");
                        long bytes = 0;
                        for (int i = 0; i < c.got.size(); i++) {
                            assertEquals(firstNo + i, c.got.get(i)[1], "after " + count);
                            assertEquals(length(firstNo + i, max), c.got.get(i)[2]);
                            bytes += BroadcastDescriptor.aligned(BroadcastDescriptor.HEADER_LENGTH + length(firstNo + i, max));
                        }
                        long least = capacity - 2L * slack - 3L * (BroadcastDescriptor.HEADER_LENGTH + max + 8);
                        assertTrue(bytes >= least, "after " + count + ": backlog of " + bytes + " bytes from message "
                                + firstNo + ", expected at least " + least);
                    }
                }
            }
        }
    }

    @Test
    void beforeTheRingWrapsOldestIsTheFirstMessageAndOnAnEmptyChannelTheNextOne() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 4096);
             BroadcastSender out = ch.sender()) {
            try (BroadcastReceiver early = ch.receiver(StartPosition.OLDEST)) {
                out.send(1, message(0, 8), 0, 8);
                out.send(1, message(1, 8), 0, 8);
                Collector c = new Collector();
                assertEquals(2, early.receive(c, 10));
                assertEquals(0, c.got.get(0)[1]);
            }
            try (BroadcastReceiver late = ch.receiver(StartPosition.OLDEST);
                 BroadcastReceiver next = ch.receiver(StartPosition.NEXT)) {
                Collector c = new Collector();
                assertEquals(2, late.receive(c, 10), "the whole backlog");
                assertEquals(0, c.got.get(0)[1]);
                assertEquals(0, next.receive(new Collector(), 10), "NEXT: nothing until the next send");
            }
            assertThrows(NullPointerException.class, () -> ch.receiver((StartPosition) null));
        }
    }

    /** An OLDEST receiver lapped before it reads its backlog counts exactly what it lost. */
    @Test
    void anOldestReceiverLappedBeforeReadingCountsTheLossExactly() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024);
             BroadcastSender out = ch.sender()) {
            for (int m = 0; m < 100; m++) {
                out.send(1, message(m, 24), 0, 24); // 40-byte records: 25 per ring
            }
            try (BroadcastReceiver slow = ch.receiver(StartPosition.OLDEST)) {
                int first = oldestExpectedFixed(100, 40, 1024);
                for (int m = 100; m < 200; m++) {
                    out.send(1, message(m, 24), 0, 24);
                }
                Collector c = new Collector();
                slow.receive(c, 1_000);
                assertEquals(1, slow.lappedCount());
                assertEquals(199, c.got.get(0)[1], "resumes at the newest message");
                assertEquals(199 - first, slow.lostMessages(), "from the oldest (" + first + ") to the newest");
            }
        }
    }

    /**
     * What a reader sees when the producer overwrote the oldest record between the reader's load of
     * oldest and its read of that record, made deterministic: oldest is set back to a position the
     * producer has overwritten since. The reader must reject the record it reads there (validation
     * by the tail intent), and, as oldest never becomes readable, start after the newest message
     * without counting a lap or a loss.
     */
    @Test
    void anOldestRecordOverwrittenWhileReadIsNeverTakenAsTheStart() throws Exception {
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024);
             BroadcastSender out = ch.sender()) {
            for (int m = 0; m < 100; m++) {
                out.send(1, message(m, 24), 0, 24);
            }
            dev.lockstep.ipc.shm.MappedAccess.LONG.setRelease(ch.buffer, ch.oldestOffset, 40L); // message 1: overwritten
            try (BroadcastReceiver r = ch.receiver(StartPosition.OLDEST)) {
                out.send(1, message(100, 24), 0, 24);
                Collector c = new Collector();
                assertEquals(1, r.receive(c, 10));
                assertEquals(100, c.last(), "started after the newest message");
                assertEquals(0, r.lappedCount());
                assertEquals(0, r.lostMessages());
            }
        }
    }

    static int oldestExpectedFixed(int count, int record, int capacity) {
        return replayOldest(count, capacity, m -> record);
    }

    /**
     * Receivers keep joining at OLDEST while a producer thread laps a small ring as fast as it can:
     * every message handed out is whole (the Collector checks every body word), numbers only grow,
     * and an unlapped receiver got every number from its first to its last.
     * Run time: {@code -Dlockstep.broadcast.oldestMillis} (default 1,500 ms).
     */
    @Test
    void oldestReceiversJoiningWhileTheProducerLapsThemNeverSeeATornMessage() throws Exception {
        long millis = Long.getLong("lockstep.broadcast.oldestMillis", 1_500);
        try (BroadcastChannel ch = BroadcastChannel.create(dir.resolve("b"), 1024)) {
            int max = ch.maxMessageLength();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try (BroadcastSender out = ch.sender()) {
                    for (long m = 0; !stop.get(); m++) {
                        int len = length((int) (m & 0xffff), max);
                        out.send(1, message(m, len), 0, len);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            producer.start();
            long joins = 0;
            long received = 0;
            long laps = 0;
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (System.nanoTime() < end && failure.get() == null) {
                try (BroadcastReceiver r = ch.receiver(StartPosition.OLDEST)) {
                    Collector c = new Collector();
                    for (int i = 0; i < 20; i++) {
                        r.receive(c, 8);
                    }
                    joins++;
                    if (!c.got.isEmpty()) {
                        long first = c.got.get(0)[1];
                        long last = c.last();
                        for (int i = 1; i < c.got.size(); i++) {
                            assertTrue(c.got.get(i)[1] > c.got.get(i - 1)[1], "numbers only grow");
                        }
                        if (r.lappedCount() == 0) {
                            assertEquals(last - first + 1, c.got.size(), "not lapped: every number from " + first);
                            assertEquals(0, r.lostMessages());
                        } else {
                            // lost counts from the message the receiver started at (<= first) on
                            assertTrue(c.got.size() + r.lostMessages() >= last - first + 1 && r.lostMessages() <= last,
                                    "received " + c.got.size() + " + lost " + r.lostMessages() + " between " + first + " and " + last);
                        }
                        received += c.got.size();
                        laps += r.lappedCount();
                    }
                }
            }
            stop.set(true);
            producer.join();
            if (failure.get() != null) {
                throw new AssertionError("producer failed", failure.get());
            }
            System.out.println("OLDEST joins under a lapping producer: " + joins + " joins, " + received
                    + " messages whole, " + laps + " laps");
            assertTrue(joins > 0 && received > 0);
        }
    }
}
