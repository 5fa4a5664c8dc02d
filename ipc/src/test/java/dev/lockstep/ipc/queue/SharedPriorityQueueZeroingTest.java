package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.lockstep.ipc.channel.MessageHandler;

/**
 * The zeroing rule of file layout version 8 (design, section 18): a hold zeroes the records it delivered
 * and releases the lane's zeroed word after them; the sender skips its next-header store only where that
 * word's run says a hold zeroed the word a lap before; a copying receive zeroes nothing, so a hold after
 * one starts a new run. Every message carries its sequence number, its length and a pattern derived from
 * both, so a stale header read as a record (a skipped zero where nothing was zeroed), a record zeroed
 * under the sender (space released before the zeroes), a loss or a duplicate all fail the check.
 */
@Timeout(120)
class SharedPriorityQueueZeroingTest {
    /** The largest message: 4 of them per lane, so a 1 KiB ring, lapped every few messages. */
    private static final int MAX = 120;

    /** Writes message {@code seq} of {@code length} bytes (at least 8) into {@code b} from its position 0. */
    static ByteBuffer fill(ByteBuffer b, long seq, int length) {
        b.clear().limit(length);
        b.putInt(0, (int) seq).putInt(4, length);
        for (int i = 8; i < length; i++) {
            b.put(i, (byte) (seq * 31 + i));
        }
        return b;
    }

    /** The sequence number of the message at {@code [offset, offset + length)}, after checking all of it. */
    static long check(ByteBuffer b, int offset, int length) {
        ByteBuffer v = b.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
        int seq = v.getInt(offset);
        if (length < 8 || v.getInt(offset + 4) != length) {
            throw new AssertionError("message " + seq + ": length " + length + ", its own says " + (length < 8 ? -1 : v.getInt(offset + 4)));
        }
        for (int i = 8; i < length; i++) {
            if (v.get(offset + i) != (byte) (seq * 31 + i)) {
                throw new AssertionError("message " + seq + " of " + length + " bytes torn at byte " + i);
            }
        }
        return seq;
    }

    /** Checks order: each message the next one. */
    static final class Ordered implements MessageHandler {
        long next;

        @Override
        public void onMessage(int priority, ByteBuffer buffer, int offset, int length) {
            long seq = check(buffer, offset, length);
            if (seq != (int) next) {
                throw new AssertionError("expected message " + next + ", got " + seq);
            }
            next++;
        }
    }

    /**
     * One thread, many laps: sends of random sizes, received by a random mix of handler batches (which
     * zero) and copying receives (which do not), so runs restart and sends both skip and store the next
     * header. Fails if the sender trusts a run that a copying receive broke (it would skip a zero over a
     * stale header, and the next receive would read that header as a record).
     */
    @Test
    void oneThreadMixedReceivesOverManyLaps() {
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(4, MAX, 1);
        SplittableRandom r = new SplittableRandom(12);
        ByteBuffer src = ByteBuffer.allocate(MAX);
        ByteBuffer dst = ByteBuffer.allocate(MAX);
        Ordered h = new Ordered();
        long sent = 0;
        for (int round = 0; round < 200_000; round++) {
            int burst = 1 + r.nextInt(4);
            for (int i = 0; i < burst && q.trySend(0, fill(src, sent, 8 + r.nextInt(MAX - 7))); i++) {
                sent++;
            }
            if (r.nextInt(3) == 0) {
                while (q.tryReceive(dst.clear()) >= 0) {
                    h.onMessage(0, dst, 0, dst.position());
                }
            } else {
                q.receive(h, 1 + r.nextInt(3));
            }
        }
        q.receive(h, Integer.MAX_VALUE);
        assertEquals(sent, h.next, "every message received once, in order");
        assertTrue(q.isEmpty());
    }

    /**
     * Two threads: a sender that keeps its one lane full, and a receiver mixing handler batches with
     * copying receives, on a 1 KiB ring, so the sender writes into space a hold has just released. Fails
     * if the space is released before the hold's zeroes (they would land on the sender's new record:
     * a torn message or, over its header, a lost one).
     */
    @Test
    void senderLapsTheHoldsZeroing() throws Exception {
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(4, MAX, 1);
        final long total = 400_000;
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            SplittableRandom r = new SplittableRandom(7);
            ByteBuffer src = ByteBuffer.allocate(MAX);
            try {
                for (long seq = 0; seq < total && failure.get() == null; seq++) {
                    fill(src, seq, 8 + r.nextInt(MAX - 7));
                    while (!q.trySend(0, src)) {
                        if (failure.get() != null) {
                            return;
                        }
                        Thread.onSpinWait();
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "zeroing-sender");
        sender.start();
        Ordered h = new Ordered();
        ByteBuffer dst = ByteBuffer.allocate(MAX);
        SplittableRandom r = new SplittableRandom(3);
        long deadline = System.nanoTime() + 100_000_000_000L;
        try {
            while (h.next < total && failure.get() == null) {
                if (System.nanoTime() > deadline) {
                    fail("stuck at message " + h.next + " of " + total + " (a header zeroed under the sender?)");
                }
                if (r.nextInt(8) == 0) {
                    if (q.tryReceive(dst.clear()) >= 0) {
                        h.onMessage(0, dst, 0, dst.position());
                    }
                } else if (q.receive(h, 1 + r.nextInt(4)) == 0) {
                    Thread.onSpinWait();
                }
            }
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        sender.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(total, h.next);
        assertTrue(q.isEmpty());
    }
}
