package dev.lockstep.ipc.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.Method;
import java.util.function.LongSupplier;

/** Per-thread allocation counting for the ipc module's zero-allocation tests. */
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
}
