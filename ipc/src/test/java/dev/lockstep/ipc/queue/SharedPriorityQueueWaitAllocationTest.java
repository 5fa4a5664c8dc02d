package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.Allocations;

/**
 * A send that waits for room in its lane, and a receive that waits for a message, allocate nothing once
 * the handle has waited before (the handle keeps a spare waiter per side; a waiting call borrows it).
 * Harness and bound: {@link Allocations#assertWaitsAllocateNothing}; a helper thread of the same process,
 * on the same handle, ends each wait after about {@value Allocations#HOLD_MICROS} µs.
 */
@Timeout(60)
class SharedPriorityQueueWaitAllocationTest {
    @TempDir
    Path dir;

    @Test
    void aReceiveThatWaitsAllocatesNothing() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), 4, 32, 4)) {
            ByteBuffer src = ByteBuffer.allocateDirect(32);
            ByteBuffer dst = ByteBuffer.allocateDirect(32);
            AtomicInteger taken = new AtomicInteger();
            Allocations.assertWaitsAllocateNothing("SharedPriorityQueue.receive", () -> {
                taken.incrementAndGet(); // the queue is empty: the receive below waits
                Allocations.hold();
                src.clear().limit(8);
                q.send(1, src);
            }, taken, () -> {
                dst.clear();
                q.receive(dst);
            });
        }
    }

    @Test
    void aSendThatWaitsAllocatesNothing() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), 4, 32, 4)) {
            ByteBuffer src = ByteBuffer.allocateDirect(32);
            ByteBuffer dst = ByteBuffer.allocateDirect(32);
            int n = 0;
            while (q.trySend(1, src.clear().limit(8))) { // this thread's lane for priority 1: full
                n++;
            }
            assertTrue(n >= 4, "a lane holds at least maxMessages messages: " + n);
            assertTrue(q.isFull(1));
            AtomicInteger taken = new AtomicInteger();
            Allocations.assertWaitsAllocateNothing("SharedPriorityQueue.send", () -> {
                taken.incrementAndGet(); // the lane is full: the send below waits
                Allocations.hold();
                dst.clear();
                q.receive(dst);
            }, taken, () -> {
                src.clear().limit(8);
                q.send(1, src);
            });
            assertTrue(q.isFull(1), "each send refilled the lane: every one of them had to wait");
            assertEquals(n, q.size());
            assertFalse(q.isEmpty());
        }
    }
}
