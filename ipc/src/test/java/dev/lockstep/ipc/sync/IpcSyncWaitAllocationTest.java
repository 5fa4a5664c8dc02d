package dev.lockstep.ipc.sync;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.Allocations;

/**
 * A call that waits allocates nothing once the instance has waited before (issue 12, the quick report of
 * 2026-12-03: the contended {@code IpcMutex} cell allocated 11 B per acquisition, a new idle strategy, a
 * lambda and, with kernel sleeps, a {@code KernelIdle} per wait). Each primitive: the test thread makes
 * waits that a helper thread of the same process ends after about {@value Allocations#HOLD_MICROS} µs (a lock or
 * permit it holds, an event it sets, the barrier's other party), with the same instance; after
 * {@value Allocations#WARM_UP} such waits (the first makes the instance's spare), the test thread's allocated bytes
 * are read over {@value Allocations#WINDOWS} windows of {@value Allocations#WINDOW} waits, and the median window must stay
 * under {@value Allocations#BOUND} bytes: an allocation per wait shows in most windows (the old code: about 220 B
 * per wait, 22 KB per window, until C2's escape analysis happened to remove it in a late window of some
 * runs; the benchmark's compiled code kept it), a one-off (a JIT deoptimization materializing objects,
 * a class loaded late) in one or two.
 */
@Timeout(60)
class IpcSyncWaitAllocationTest {
    @TempDir
    Path dir;

    @Test
    void aContendedMutexLockAllocatesNothing() throws Exception {
        try (IpcMutex m = IpcMutex.openOrCreate(dir.resolve("m"), 64)) {
            AtomicInteger taken = new AtomicInteger();
            Allocations.assertWaitsAllocateNothing("IpcMutex.lock", () -> {
                m.lock();
                taken.incrementAndGet();
                Allocations.hold();
                m.unlock();
            }, taken, () -> {
                m.lock();
                m.unlock();
            });
        }
    }

    @Test
    void aContendedSemaphoreAcquireAllocatesNothing() throws Exception {
        try (IpcSemaphore s = IpcSemaphore.openOrCreate(dir.resolve("s"), 1, 4)) {
            AtomicInteger taken = new AtomicInteger();
            Allocations.assertWaitsAllocateNothing("IpcSemaphore.acquire", () -> {
                s.acquire();
                taken.incrementAndGet();
                Allocations.hold();
                s.release();
            }, taken, () -> {
                s.acquire();
                s.release();
            });
        }
    }

    @Test
    void anEventAwaitThatWaitsAllocatesNothing() throws Exception {
        try (IpcEvent e = IpcEvent.openOrCreate(dir.resolve("e"), true)) {
            AtomicInteger taken = new AtomicInteger();
            Allocations.assertWaitsAllocateNothing("IpcEvent.await", () -> {
                taken.incrementAndGet();
                Allocations.hold();
                e.set();
            }, taken, e::await);
        }
    }

    @Test
    void aBarrierPartyThatWaitsAllocatesNothing() throws Exception {
        try (IpcBarrier b = IpcBarrier.openOrCreate(dir.resolve("b"), 2)) {
            AtomicInteger taken = new AtomicInteger();
            Allocations.assertWaitsAllocateNothing("IpcBarrier.await", () -> {
                taken.incrementAndGet();
                Allocations.hold();
                b.await();
            }, taken, b::await);
        }
    }
}
