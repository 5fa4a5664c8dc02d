package dev.lockstep.core.sync;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The blocking primitives of the sync family under thousands of virtual threads ({@link Mutex} with its
 * conditions, {@link Semaphore} fair and unfair, {@link Barrier}, {@link Latch}, {@link Event},
 * {@link Monitor}): everything finishes with the right result, and no carrier thread is pinned, as JFR's
 * {@code jdk.VirtualThreadPinned} event at threshold 0 shows. Every recording is proved live by a probe
 * that pins on purpose at its end and must be reported, so a recording that sees nothing cannot pass for
 * one that saw no pinning. JDK 21+ only (skipped otherwise); the code compiles with {@code --release 17},
 * so virtual threads and JFR's {@code RecordingStream} are reached through reflection ({@link Jdk}).
 *
 * <p>One class and one recording helper since 2026-12-06 (before: this class for the barrier, latch,
 * event and monitor, and {@code VirtualThreadTest} for the mutex and semaphore, each with its own JFR
 * set-up and its own proof that the recording was on).
 */
@Timeout(120)
class VirtualThreadsTest {
    private static final int THREADS = 10_000;
    /**
     * Threads of the unrecorded warm-up run: the first run loads classes and links VarHandle call sites,
     * and the JDK pins a virtual thread briefly for those one-time steps ({@code ClassLoader.loadClass},
     * {@code MethodType.makeImpl}), which is not the primitives' doing.
     */
    private static final int WARM_UP = 200;
    private static final String PROBE = "pin-probe";

    /** A workload for {@code threads} virtual threads, checking its own result. */
    interface Workload {
        void run(int threads) throws Exception;
    }

    @BeforeAll
    static void requiresJdk21() {
        assumeTrue(Jdk.feature() >= 21, "virtual threads need JDK 21+");
    }

    /**
     * Runs {@code workload} with {@value #WARM_UP} threads unrecorded, then with {@code threads} threads
     * under a recording of pinning events that ends with the probe, and asserts that the probe was seen
     * and that nothing else pinned.
     */
    private static void assertNoPinning(int threads, Workload workload) throws Exception {
        workload.run(WARM_UP);
        Queue<String> pinned = new ConcurrentLinkedQueue<>();
        Queue<String> probeEvents = new ConcurrentLinkedQueue<>();
        try (AutoCloseable recording = Jdk.recordPinning(
                (thread, event) -> (PROBE.equals(thread) ? probeEvents : pinned).add(thread + ": " + event))) {
            workload.run(threads);
            Jdk.startVirtual(PROBE, VirtualThreadsTest::pinOnPurpose).join();
        } // closing waits until every event committed so far has been handed over
        assertFalse(probeEvents.isEmpty(), "JFR did not report the deliberate pinning: the recording is not"
                + " working, so its silence would prove nothing");
        assertTrue(pinned.isEmpty(), pinned.size() + " carrier pinning event(s), the first: " + pinned.peek());
    }

    /**
     * Parks while pinned: inside synchronized (pins on JDK 21-23), then inside a class initializer
     * (pins on every JDK so far: a virtual thread cannot unmount in {@code <clinit>}). The initializer
     * runs once per class, so each probe loads a fresh copy of the class in its own class loader.
     */
    static void pinOnPurpose() {
        synchronized (VirtualThreadsTest.class) {
            LockSupport.parkNanos(20_000_000L);
        }
        try {
            Class.forName(PinningInitializer.class.getName(), true, new FreshLoader());
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    /** Defines its own copy of {@link PinningInitializer}, so that its static initializer runs again. */
    static final class FreshLoader extends ClassLoader {
        FreshLoader() {
            super(VirtualThreadsTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(PinningInitializer.class.getName())) {
                return super.loadClass(name, resolve);
            }
            String resource = name.replace('.', '/') + ".class";
            try (java.io.InputStream in = getParent().getResourceAsStream(resource)) {
                byte[] bytes = in.readAllBytes();
                return defineClass(name, bytes, 0, bytes.length);
            } catch (java.io.IOException | NullPointerException e) {
                throw new ClassNotFoundException(name, e);
            }
        }
    }

    static final class PinningInitializer {
        static {
            LockSupport.parkNanos(20_000_000L); // a virtual thread cannot unmount inside <clinit>
        }

        private PinningInitializer() {
        }
    }

    /** Starts {@code n} virtual threads named {@code name} running {@code task}, and joins them all. */
    private static void runInVirtualThreads(int n, String name, Runnable task) throws InterruptedException {
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            threads.add(Jdk.startVirtual(name, task));
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    @Test
    void mutexAndItsConditionsWithoutPinning() throws Exception {
        assertNoPinning(THREADS, n -> {
            Mutex mutex = new Mutex();
            Condition turn = mutex.newCondition();
            long[] counter = new long[1];
            runInVirtualThreads(n, "vt-mutex", () -> {
                mutex.lock();
                try {
                    counter[0]++;
                    if (counter[0] % 100 == 0) {
                        turn.signalAll();
                    } else {
                        turn.await(1, java.util.concurrent.TimeUnit.MILLISECONDS); // condition waits too
                    }
                    Thread.yield(); // holding the lock while unmounted: others park
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                } finally {
                    mutex.unlock();
                }
            });
            assertEquals(n, counter[0]);
            assertTrue(!mutex.isLocked() && !mutex.hasQueuedThreads(), mutex.toString());
        });
    }

    @Test
    void semaphoresFairAndUnfairWithoutPinning() throws Exception {
        assertNoPinning(THREADS, n -> {
            for (boolean fair : new boolean[] {false, true}) {
                Semaphore semaphore = new Semaphore(4, fair);
                AtomicInteger inside = new AtomicInteger();
                AtomicInteger maxInside = new AtomicInteger();
                AtomicLong done = new AtomicLong();
                runInVirtualThreads(n, "vt-semaphore", () -> {
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
                assertEquals(n, done.get(), "fair " + fair);
                assertTrue(maxInside.get() <= 4, "fair " + fair + ": more than 4 inside: " + maxInside.get());
                assertEquals(4, semaphore.availablePermits(), "fair " + fair);
            }
        });
    }

    @Test
    void barrierWithoutPinning() throws Exception {
        int parties = 100;
        assertNoPinning(THREADS, n -> {
            Barrier barrier = new Barrier(parties);
            AtomicIntegerArray indexCount = new AtomicIntegerArray(parties);
            AtomicInteger failures = new AtomicInteger();
            runInVirtualThreads(n, "vt-barrier", () -> {
                try {
                    indexCount.incrementAndGet(barrier.await());
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
            });
            assertEquals(0, failures.get());
            for (int i = 0; i < parties; i++) {
                assertEquals(n / parties, indexCount.get(i), "arrival index " + i + " once per round");
            }
        });
    }

    @Test
    void latchWithoutPinning() throws Exception {
        assertNoPinning(THREADS, n -> {
            Latch started = new Latch(n);
            Latch go = new Latch(1);
            AtomicInteger released = new AtomicInteger();
            List<Thread> threads = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                threads.add(Jdk.startVirtual("vt-latch", () -> {
                    started.countDown();
                    try {
                        go.await();
                        released.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            started.await();
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(n, released.get());
        });
    }

    @Test
    void eventAndMonitorWithoutPinning() throws Exception {
        assertNoPinning(2_000, n -> {
            Event event = new Event(Event.Mode.MANUAL_RESET);
            MonitorBoundedBuffer<Integer> buffer = new MonitorBoundedBuffer<>(8);
            AtomicInteger taken = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n / 2; i++) {
                int item = i;
                threads.add(Jdk.startVirtual("vt-producer", () -> {
                    try {
                        event.await();
                        buffer.put(item);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                threads.add(Jdk.startVirtual("vt-consumer", () -> {
                    try {
                        buffer.take();
                        taken.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            event.set();
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(n / 2, taken.get());
        });
    }
}
