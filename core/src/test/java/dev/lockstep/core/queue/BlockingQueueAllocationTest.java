package dev.lockstep.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * A blocking {@code take} that waits (parks) allocates nothing after its thread's first wait: the
 * waiting layer reuses the thread's node (the former adapter allocated one waiter node per park). The
 * consumer takes from an empty queue that a producer feeds slowly, so that most takes park; the bytes
 * the consumer thread allocated over the measured takes ({@code com.sun.management.ThreadMXBean}) must
 * stay below 4 per take (a node per park is 16 to 32 bytes).
 */
@Timeout(60)
class BlockingQueueAllocationTest {
    private static final int WARMUP = 2_000;
    private static final int MEASURED = 2_000;

    @ParameterizedTest
    @ValueSource(strings = {"spsc", "mpmc"})
    void waitingTakeAllocatesNothing(String kind) throws Exception {
        java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean
                        && ((com.sun.management.ThreadMXBean) mx).isThreadAllocatedMemorySupported(),
                "per-thread allocation counters are not supported by this JVM");
        com.sun.management.ThreadMXBean tmx = (com.sun.management.ThreadMXBean) mx;
        tmx.setThreadAllocatedMemoryEnabled(true);
        BlockingQueue<Integer> q = kind.equals("spsc") ? new SpscBlockingQueue<>(4) : new MpmcBlockingQueue<>(4);
        Integer element = 7;
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < WARMUP + MEASURED; i++) {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50)); // slow: the consumer parks
                    q.put(element);
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }, "producer");
        producer.start();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < WARMUP; i++) {
            assertEquals(element, q.take());
        }
        long before = tmx.getThreadAllocatedBytes(id);
        for (int i = 0; i < MEASURED; i++) {
            q.take();
        }
        long allocated = tmx.getThreadAllocatedBytes(id) - before;
        producer.join();
        System.out.println("waiting takes, " + kind + ": " + allocated + " bytes allocated by " + MEASURED + " takes");
        assertTrue(allocated < 4L * MEASURED, kind + ": " + allocated + " bytes allocated by "
                + MEASURED + " waiting takes");
    }
}
