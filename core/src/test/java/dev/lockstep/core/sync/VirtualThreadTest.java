package dev.lockstep.core.sync;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mutex and Semaphore under 10,000 virtual threads (JDK 21+; skipped before): everything finishes, and
 * no carrier thread is pinned, checked with JFR's {@code jdk.VirtualThreadPinned} event at threshold 0.
 * The detector is shown to work in the same test class: a virtual thread that parks inside a class
 * initializer pins its carrier on every JDK, and must produce the event.
 */
@Timeout(60)
class VirtualThreadTest {
    private static final int THREADS = 10_000;

    @BeforeAll
    static void needsVirtualThreads() {
        Assumptions.assumeTrue(Jdk.feature() >= 21, "virtual threads need JDK 21+");
    }

    /** Counts JFR events by name while running {@code work}, until a marker event after it was seen. */
    private static ConcurrentHashMap<String, AtomicInteger> record(ThrowingRunnable work) throws Exception {
        ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        CountDownLatch marker = new CountDownLatch(1);
        Thread markerThread = new Thread(() -> { }, "jfr-marker");
        try (AutoCloseable stream = Jdk.recordEvents(name -> {
            counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
            if (name.equals("jdk.ThreadSleep")) {
                marker.countDown();
            }
        }, "jdk.VirtualThreadPinned", "jdk.ThreadSleep")) {
            Thread.sleep(200); // let the stream start
            work.run();
            // A sleep after the work: once its event arrives, a flush after the work has been delivered.
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!marker.await(100, TimeUnit.MILLISECONDS)) {
                Thread.sleep(1);
                assertTrue(System.nanoTime() - end < 0, "JFR stream delivered no marker event");
            }
            Thread.sleep(1500); // one more flush period
        }
        return counts;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static void shutdownAndWait(ExecutorService ex) throws InterruptedException {
        ex.shutdown();
        assertTrue(ex.awaitTermination(40, TimeUnit.SECONDS), "virtual threads did not all finish");
    }

    private static int count(ConcurrentHashMap<String, AtomicInteger> counts, String name) {
        AtomicInteger c = counts.get(name);
        return c == null ? 0 : c.get();
    }

    static final class ParksInInitializer {
        static final long VALUE;

        static {
            LockSupport.parkNanos(50_000_000L); // 50 ms inside <clinit>: pins a virtual thread
            VALUE = 42;
        }
    }

    @Test
    void detectorSeesPinning() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> counts = record(() -> {
            Thread t = Jdk.virtualThreadFactory().newThread(() -> {
                if (ParksInInitializer.VALUE != 42) {
                    throw new AssertionError();
                }
            });
            t.start();
            t.join();
        });
        assertTrue(count(counts, "jdk.VirtualThreadPinned") >= 1,
                "a park in a class initializer must be reported as pinned: " + counts);
    }

    @Test
    void tenThousandVirtualThreadsOnAMutexWithoutPinning() throws Exception {
        Mutex mutex = new Mutex();
        Condition turn = mutex.newCondition();
        long[] counter = new long[1];
        ConcurrentHashMap<String, AtomicInteger> counts = record(() -> {
            ExecutorService ex = Jdk.newVirtualThreadPerTaskExecutor();
            try {
                for (int i = 0; i < THREADS; i++) {
                    ex.execute(() -> {
                        mutex.lock();
                        try {
                            counter[0]++;
                            if (counter[0] % 100 == 0) {
                                turn.signalAll();
                            } else {
                                turn.await(1, TimeUnit.MILLISECONDS); // condition waits too
                            }
                            Thread.yield(); // holding the lock while unmounted: others park
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        } finally {
                            mutex.unlock();
                        }
                    });
                }
            } finally {
                shutdownAndWait(ex);
            }
        });
        assertEquals(THREADS, counter[0]);
        assertEquals(0, count(counts, "jdk.VirtualThreadPinned"), "carrier pinned: " + counts);
        assertTrue(count(counts, "jdk.ThreadSleep") >= 1, "the recording was active: " + counts);
        assertTrue(!mutex.isLocked() && !mutex.hasQueuedThreads());
    }

    @Test
    void tenThousandVirtualThreadsOnASemaphoreWithoutPinning() throws Exception {
        for (boolean fair : new boolean[]{false, true}) {
            Semaphore semaphore = new Semaphore(4, fair);
            AtomicInteger inside = new AtomicInteger();
            AtomicInteger maxInside = new AtomicInteger();
            AtomicLong done = new AtomicLong();
            ConcurrentHashMap<String, AtomicInteger> counts = record(() -> {
                ExecutorService ex = Jdk.newVirtualThreadPerTaskExecutor();
                try {
                    for (int i = 0; i < THREADS; i++) {
                        ex.execute(() -> {
                            semaphore.acquireUninterruptibly();
                            try {
                                maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                                Thread.yield();
                                inside.decrementAndGet();
                            } finally {
                                semaphore.release();
                            }
                            done.incrementAndGet();
                        });
                    }
                } finally {
                    shutdownAndWait(ex);
                }
            });
            assertEquals(THREADS, done.get());
            assertTrue(maxInside.get() <= 4, "more than 4 inside: " + maxInside.get());
            assertEquals(4, semaphore.availablePermits());
            assertEquals(0, count(counts, "jdk.VirtualThreadPinned"), "carrier pinned: " + counts);
            assertTrue(count(counts, "jdk.ThreadSleep") >= 1, "the recording was active: " + counts);
        }
    }
}
