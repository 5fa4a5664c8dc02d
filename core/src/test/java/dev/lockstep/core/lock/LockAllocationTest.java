package dev.lockstep.core.lock;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No allocation per acquisition: after warm-up, 200,000 lock/unlock and tryLock/unlock cycles
 * allocate (almost) nothing on the calling thread. JMH's {@code -prof gc} shows the same in the
 * benchmarks; this test keeps it from regressing.
 */
class LockAllocationTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void acquisitionsAllocateNothing(Locks.Kind kind) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        SpinLockBase lock = kind.create();
        cycle(lock, 50_000); // warm-up: first-use node and slot, JIT
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        cycle(lock, 200_000);
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        // A few hundred bytes of slack for the measurement itself; one object per cycle would be >= 3 MB.
        assertTrue(allocated < 4_096, kind + " allocated " + allocated + " bytes over 400,000 acquisitions");
    }

    private static void cycle(SpinLockBase lock, int n) {
        for (int i = 0; i < n; i++) {
            lock.lock();
            lock.unlock();
            if (lock.tryLock()) {
                lock.unlock();
            }
        }
    }
}
