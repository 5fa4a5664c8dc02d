package dev.lockstep.ipc.test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Per-thread allocation counting for the ipc module's zero-allocation tests, and the harness of the
 * tests that a call which waits allocates nothing ({@link #assertWaitsAllocateNothing}).
 */
public final class Allocations {
    private Allocations() {
    }

    /**
     * The calling thread's allocated bytes so far, as a counter to read again later on the same thread,
     * through {@code com.sun.management.ThreadMXBean} by reflection (the tests are compiled into the
     * module, which does not read java.management); skips the test where the JVM has no per-thread
     * allocation counter. Each read allocates a few dozen bytes itself (the reflective call's boxing).
     *
     * @return the counter of the calling thread
     */
    public static LongSupplier currentThreadCounter() {
        Object threads;
        Method allocatedBytes;
        try {
            threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            allocatedBytes = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            assumeTrue(false, "no per-thread allocation counter: " + e);
            throw new AssertionError(e); // not reached: assumeTrue(false) aborts the test
        }
        @SuppressWarnings("deprecation") // Thread.threadId() is JDK 19+; the tests also run on 17
        long id = Thread.currentThread().getId();
        return () -> {
            try {
                return (long) allocatedBytes.invoke(threads, id);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        };
    }

    public static final int WARM_UP = 100;
    public static final int WINDOW = 100;
    public static final int WINDOWS = 5;
    public static final int ROUNDS = WARM_UP + WINDOW * WINDOWS;
    public static final long HOLD_MICROS = 200;
    public static final long BOUND = 512;

    /** The helper's side of one round: hold, then release the waiter (called on the helper thread). */
    public interface Helper {
        void round() throws Exception;
    }

    /** The test thread's side of one round: a call that has to wait (the helper has taken the resource). */
    public interface Waiter {
        void round() throws Exception;
    }

    /**
     * Runs the rounds: per round the helper runs {@code helper} once the test thread asked for it, and
     * the test thread waits until the helper has taken the resource ({@code taken} moved), then runs
     * {@code waiter}, which has to wait until the helper lets go.
     */
    public static void assertWaitsAllocateNothing(String what, Helper helper, AtomicInteger taken, Waiter waiter) throws Exception {
        LongSupplier allocated = currentThreadCounter();
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
    public static void hold() {
        long end = System.nanoTime() + HOLD_MICROS * 1_000L;
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }
}
