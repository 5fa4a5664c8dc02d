package dev.lockstep.core.sync;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ConcurrentHashMap;
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

    /**
     * Counts JFR events by name while running {@code work}; closing the stream (stop, then close) waits until
     * every event committed during the work has been counted. (Until 2026-12-06 a wait for a marker sleep
     * did that, and took the 100 ms sleep before the work for the marker: detectorSeesPinning failed on CI
     * with "{jdk.ThreadSleep=1}" when a flush delivered that sleep while the work ran.)
     */
    private static ConcurrentHashMap<String, AtomicInteger> record(ThrowingRunnable work) throws Exception {
        ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        try (AutoCloseable stream = Jdk.recordEvents(
                name -> counts.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet(),
                pinned -> PINNED.add(pinned), "jdk.VirtualThreadPinned", "jdk.ThreadSleep")) {
            Thread.sleep(100); // a jdk.ThreadSleep event: the tests' proof that the recording was on
            work.run();
        }
        return counts;
    }

    /**
     * The text of every {@code jdk.VirtualThreadPinned} event of the current test (stack trace included), for
     * the failure message: a pin that shows up once in 10,000 threads on one CI run must say where it was.
     */
    private static final java.util.Queue<String> PINNED = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @org.junit.jupiter.api.BeforeEach
    void clearPinned() {
        PINNED.clear();
    }

    /** The failure message of a pinning check: the counts and the first pinned event in full. */
    private static String pinnedMessage(ConcurrentHashMap<String, AtomicInteger> counts) {
        String first = PINNED.peek();
        return "carrier pinned: " + counts + (first == null ? "" : "; first pinned event: " + first);
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

    /**
     * Runs {@code task} in a few virtual threads before recording: loading the test's own classes
     * (lambdas, method references) by thousands of virtual threads at once makes them contend for the
     * class loader's lock, which pins (a JDK effect unrelated to the primitives under test).
     */
    private static void warmUp(Runnable task) throws InterruptedException {
        Thread[] ts = new Thread[WARM_UP];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = Jdk.virtualThreadFactory().newThread(task);
            ts[i].start();
        }
        for (Thread t : ts) {
            t.join();
        }
    }

    private static final int WARM_UP = 8;

    /** Runs {@code task} in {@link #THREADS} virtual threads and waits for all of them. */
    private static void runInVirtualThreads(Runnable task) throws InterruptedException {
        ExecutorService ex = Jdk.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < THREADS; i++) {
                ex.execute(task);
            }
        } finally {
            shutdownAndWait(ex);
        }
    }

    @Test
    void tenThousandVirtualThreadsOnAMutexWithoutPinning() throws Exception {
        Mutex mutex = new Mutex();
        Condition turn = mutex.newCondition();
        long[] counter = new long[1];
        Runnable task = () -> {
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
        };
        warmUp(task);
        ConcurrentHashMap<String, AtomicInteger> counts = record(() -> runInVirtualThreads(task));
        assertEquals(THREADS + WARM_UP, counter[0]);
        assertEquals(0, count(counts, "jdk.VirtualThreadPinned"), pinnedMessage(counts));
        assertTrue(count(counts, "jdk.ThreadSleep") >= 1, "the recording was active: " + counts);
        assertTrue(!mutex.isLocked() && !mutex.hasQueuedThreads());
    }

    @Test
    void tenThousandVirtualThreadsOnASemaphoreWithoutPinning() throws Exception {
        Semaphore[] semaphores = {new Semaphore(4), new Semaphore(4, true)};
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        Runnable[] tasks = new Runnable[semaphores.length];
        for (int k = 0; k < semaphores.length; k++) {
            Semaphore semaphore = semaphores[k];
            tasks[k] = () -> {
                semaphore.acquireUninterruptibly();
                try {
                    maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Thread.yield();
                    inside.decrementAndGet();
                } finally {
                    semaphore.release();
                }
                done.incrementAndGet();
            };
            warmUp(tasks[k]);
        }
        ConcurrentHashMap<String, AtomicInteger> counts = record(() -> {
            for (Runnable task : tasks) {
                runInVirtualThreads(task);
            }
        });
        assertEquals(2L * (THREADS + WARM_UP), done.get());
        assertTrue(maxInside.get() <= 4, "more than 4 inside: " + maxInside.get());
        for (Semaphore semaphore : semaphores) {
            assertEquals(4, semaphore.availablePermits());
        }
        assertEquals(0, count(counts, "jdk.VirtualThreadPinned"), pinnedMessage(counts));
        assertTrue(count(counts, "jdk.ThreadSleep") >= 1, "the recording was active: " + counts);
    }
}
