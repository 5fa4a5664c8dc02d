package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call that waits allocates nothing once the instance has waited before (issue 12, the quick report of
 * 2026-12-03: the contended {@code IpcMutex} cell allocated 11 B per acquisition, a new idle strategy, a
 * lambda and, with kernel sleeps, a {@code KernelIdle} per wait). Each primitive: the test thread makes
 * waits that a helper thread of the same process ends after about {@value #HOLD_MICROS} µs (a lock or
 * permit it holds, an event it sets, the barrier's other party), with the same instance; after
 * {@value #WARM_UP} such waits (the first makes the instance's spare), the test thread's allocated bytes
 * are read over {@value #WINDOWS} windows of {@value #WINDOW} waits, and the median window must stay
 * under {@value #BOUND} bytes: an allocation per wait shows in most windows (the old code: about 220 B
 * per wait, 22 KB per window, until C2's escape analysis happened to remove it in a late window of some
 * runs; the benchmark's compiled code kept it), a one-off (a JIT deoptimization materializing objects,
 * a class loaded late) in one or two.
 */
@Timeout(60)
class IpcSyncWaitAllocationTest {
    private static final int WARM_UP = 100;
    private static final int WINDOW = 100;
    private static final int WINDOWS = 5;
    private static final int ROUNDS = WARM_UP + WINDOW * WINDOWS;
    private static final long HOLD_MICROS = 200;
    private static final long BOUND = 512;

    @TempDir
    Path dir;

    /** The helper's side of one round: hold, then release the waiter (called on the helper thread). */
    interface Helper {
        void round() throws Exception;
    }

    /** The test thread's side of one round: a call that has to wait (the helper has taken the resource). */
    interface Waiter {
        void round() throws Exception;
    }

    @Test
    void aContendedMutexLockAllocatesNothing() throws Exception {
        try (IpcMutex m = IpcMutex.openOrCreate(dir.resolve("m"), 64)) {
            AtomicInteger taken = new AtomicInteger();
            measure("IpcMutex.lock", () -> {
                m.lock();
                taken.incrementAndGet();
                hold();
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
            measure("IpcSemaphore.acquire", () -> {
                s.acquire();
                taken.incrementAndGet();
                hold();
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
            measure("IpcEvent.await", () -> {
                taken.incrementAndGet();
                hold();
                e.set();
            }, taken, e::await);
        }
    }

    @Test
    void aBarrierPartyThatWaitsAllocatesNothing() throws Exception {
        try (IpcBarrier b = IpcBarrier.openOrCreate(dir.resolve("b"), 2)) {
            AtomicInteger taken = new AtomicInteger();
            measure("IpcBarrier.await", () -> {
                taken.incrementAndGet();
                hold();
                b.await();
            }, taken, b::await);
        }
    }

    /**
     * Runs the rounds: per round the helper runs {@code helper} once the test thread asked for it, and
     * the test thread waits until the helper has taken the resource ({@code taken} moved), then runs
     * {@code waiter}, which has to wait until the helper lets go.
     */
    private static void measure(String what, Helper helper, AtomicInteger taken, Waiter waiter) throws Exception {
        LongSupplier allocated = dev.lockstep.ipc.test.Allocations.currentThreadCounter();
        warmKernelSleep();
        AtomicInteger asked = new AtomicInteger();
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                for (int r = 1; r <= ROUNDS; r++) {
                    while (asked.get() < r) {
                        Thread.onSpinWait();
                    }
                    helper.round();
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "helper");
        t.setDaemon(true);
        t.start();
        long[] windows = new long[WINDOWS];
        long mark = 0L;
        for (int r = 1; r <= ROUNDS; r++) {
            if (r > WARM_UP && (r - WARM_UP - 1) % WINDOW == 0) {
                long now = allocated.getAsLong();
                if (r > WARM_UP + 1) {
                    windows[(r - WARM_UP - 1) / WINDOW - 1] = now - mark;
                }
                mark = allocated.getAsLong(); // after the read's own allocation
            }
            asked.set(r);
            while (taken.get() < r) {
                Thread.onSpinWait();
            }
            waiter.round();
        }
        windows[WINDOWS - 1] = allocated.getAsLong() - mark;
        t.join(10_000);
        assertTrue(failure[0] == null, what + ": the helper failed: " + failure[0]);
        long median = java.util.Arrays.stream(windows).sorted().toArray()[WINDOWS / 2];
        assertTrue(median < BOUND, what + ": bytes allocated per window of " + WINDOW + " waits: "
                + java.util.Arrays.toString(windows));
    }

    /**
     * With kernel sleeps (FUTEX mode, JDK 22+): makes the futex downcall hot first. Until C2 compiles it,
     * a {@code FUTEX_WAIT} through the linker allocates 18-56 B per call (JDK 25, measured: 0 from about
     * the 10,000th call on); the rounds here make a few hundred, so they would measure the warm-up of
     * the JIT, not the wait. 30,000 sleeps that return at once (the word is 0, the expected value 1:
     * EAGAIN), about 30 ms.
     */
    private static void warmKernelSleep() {
        dev.lockstep.ipc.wait.KernelSleep k = dev.lockstep.ipc.wait.Waiting.kernel();
        if (k == null) {
            return; // POLL mode: nothing to warm
        }
        java.nio.ByteBuffer word = java.nio.ByteBuffer.allocateDirect(64);
        for (int i = 0; i < 30_000; i++) {
            k.sleep(word, 0, 1, 1_000L);
        }
    }

    /** Holds for about {@value #HOLD_MICROS} µs, spinning (no allocation, no park). */
    private static void hold() {
        long end = System.nanoTime() + HOLD_MICROS * 1_000L;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
