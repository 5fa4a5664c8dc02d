package dev.lockstep.ipc.queue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.Allocations;

/**
 * A send that waits for a free slot, and a receive that waits for a message, allocate nothing once the
 * handle has waited before (the handle keeps a spare {@code WaitSpare.Wait} per side; before, each
 * waiting call made a new idle strategy and a bound method reference). Harness and bound:
 * {@link Allocations#assertWaitsAllocateNothing}; a helper thread of the same process, on the same
 * handle, ends each wait after about {@value Allocations#HOLD_MICROS} µs.
 */
@Timeout(60)
class SharedPriorityQueueWaitAllocationTest {
    @TempDir
    Path dir;

    @Test
    void aReceiveThatWaitsAllocatesNothing() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), 4, 32)) {
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
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), 4, 32)) {
            ByteBuffer src = ByteBuffer.allocateDirect(32);
            ByteBuffer dst = ByteBuffer.allocateDirect(32);
            for (int i = 0; i < 4; i++) { // full
                src.clear().limit(8);
                q.send(1, src);
            }
            AtomicInteger taken = new AtomicInteger();
            Allocations.assertWaitsAllocateNothing("SharedPriorityQueue.send", () -> {
                taken.incrementAndGet(); // the queue is full: the send below waits
                Allocations.hold();
                dst.clear();
                q.receive(dst);
            }, taken, () -> {
                src.clear().limit(8);
                q.send(1, src);
            });
        }
    }
}
