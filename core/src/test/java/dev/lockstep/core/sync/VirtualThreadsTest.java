package dev.lockstep.core.sync;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * 10,000 virtual threads on {@link Barrier} and {@link Latch} (and {@link Event}, {@link Monitor}):
 * all finish, and no carrier thread is pinned, as JFR's {@code jdk.VirtualThreadPinned} event (threshold
 * 0) shows. The recording is proved live by a probe that pins on purpose and must be reported. JDK 21+
 * only (skipped otherwise); the code compiles with {@code --release 17}, so virtual threads are made
 * through reflection, and so is JFR's {@code RecordingStream} (the test sources are compiled into the
 * {@code dev.lockstep.core} module, which does not read {@code jdk.jfr}; tests run on the class path).
 */
@Timeout(120)
class VirtualThreadsTest {
    private static final int THREADS = 10_000;
    private static final String PROBE = "pin-probe";

    @BeforeAll
    static void requiresJdk21() {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
    }

    /** Starts a virtual thread (Thread.ofVirtual().name(name).start(task)) through reflection. */
    static Thread startVirtual(String name, Runnable task) {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            builder = ofVirtual.getMethod("name", String.class).invoke(builder, name);
            return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class)
                    .invoke(builder, task);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Runs the workload with 200 threads unrecorded (a warm-up: the first run loads classes and links
     * VarHandle call sites, and the JDK pins a virtual thread briefly for those one-time steps, in
     * {@code ClassLoader.loadClass} and {@code MethodType.makeImpl}), then with {@code threads} threads under a JFR
     * stream of pinning events, and asserts none came from the workload.
     */
    private static void assertNoPinning(int threads, IntConsumer workload) throws Exception {
        workload.accept(200);
        ConcurrentLinkedQueue<String> pinned = new ConcurrentLinkedQueue<>();
        CountDownLatch probeSeen = new CountDownLatch(1);
        Class<?> streamClass = Class.forName("jdk.jfr.consumer.RecordingStream");
        Class<?> settingsClass = Class.forName("jdk.jfr.EventSettings");
        Class<?> eventClass = Class.forName("jdk.jfr.consumer.RecordedEvent");
        Class<?> threadClass = Class.forName("jdk.jfr.consumer.RecordedThread");
        Object rs = streamClass.getConstructor().newInstance();
        try {
            Object settings = streamClass.getMethod("enable", String.class).invoke(rs, "jdk.VirtualThreadPinned");
            settingsClass.getMethod("withThreshold", Duration.class).invoke(settings, Duration.ZERO);
            settingsClass.getMethod("withStackTrace").invoke(settings);
            Consumer<Object> onPinned = event -> {
                String thread;
                try {
                    Object t = eventClass.getMethod("getThread").invoke(event);
                    thread = t == null ? "?" : (String) threadClass.getMethod("getJavaName").invoke(t);
                } catch (ReflectiveOperationException e) {
                    thread = "? (" + e + ")";
                }
                if (PROBE.equals(thread)) {
                    probeSeen.countDown();
                } else {
                    pinned.add(thread + ": " + event);
                }
            };
            streamClass.getMethod("onEvent", String.class, Consumer.class).invoke(rs, "jdk.VirtualThreadPinned", onPinned);
            streamClass.getMethod("startAsync").invoke(rs);
            workload.accept(threads);
            // The probe pins on purpose: the recording must report it, or the "no pinning" below proves nothing.
            Thread probe = startVirtual(PROBE, VirtualThreadsTest::pinOnPurpose);
            probe.join();
            assertTrue(probeSeen.await(30, TimeUnit.SECONDS), "JFR did not report the deliberate pinning:"
                    + " the recording is not working, so its silence would prove nothing");
            streamClass.getMethod("stop").invoke(rs); // JDK 20+: flushes and waits until every event is consumed
        } finally {
            streamClass.getMethod("close").invoke(rs);
        }
        assertTrue(pinned.isEmpty(), "carrier pinned: " + pinned);
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

    @Test
    void tenThousandVirtualThreadsThroughABarrierWithoutPinning() throws Exception {
        int parties = 100;
        assertNoPinning(THREADS, n -> {
            Barrier barrier = new Barrier(parties);
            AtomicIntegerArray indexCount = new AtomicIntegerArray(parties);
            AtomicInteger failures = new AtomicInteger();
            List<Thread> threads = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                threads.add(startVirtual("vt-barrier", () -> {
                    try {
                        indexCount.incrementAndGet(barrier.await());
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }));
            }
            joinAll(threads);
            assertEquals(0, failures.get());
            for (int i = 0; i < parties; i++) {
                assertEquals(n / parties, indexCount.get(i), "arrival index " + i + " once per round");
            }
        });
    }

    @Test
    void tenThousandVirtualThreadsOnALatchWithoutPinning() throws Exception {
        assertNoPinning(THREADS, n -> {
            Latch started = new Latch(n);
            Latch go = new Latch(1);
            AtomicInteger released = new AtomicInteger();
            List<Thread> threads = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                threads.add(startVirtual("vt-latch", () -> {
                    started.countDown();
                    try {
                        go.await();
                        released.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            try {
                started.await();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            go.countDown();
            joinAll(threads);
            assertEquals(n, released.get());
        });
    }

    @Test
    void virtualThreadsOnEventAndMonitorWithoutPinning() throws Exception {
        assertNoPinning(2_000, n -> {
            Event event = new Event(Event.Mode.MANUAL_RESET);
            MonitorBoundedBuffer<Integer> buffer = new MonitorBoundedBuffer<>(8);
            AtomicInteger taken = new AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n / 2; i++) {
                int item = i;
                threads.add(startVirtual("vt-producer", () -> {
                    try {
                        event.await();
                        buffer.put(item);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                threads.add(startVirtual("vt-consumer", () -> {
                    try {
                        buffer.take();
                        taken.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            event.set();
            joinAll(threads);
            assertEquals(n / 2, taken.get());
        });
    }

    private static void joinAll(List<Thread> threads) {
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
