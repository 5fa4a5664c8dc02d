package dev.lockstep.core.sync;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Reflective access, for tests, to what the core module does not read at compile time
 * (java.management, jdk.jfr) or what --release 17 does not have (virtual threads). Tests run on the
 * class path, where these modules are readable.
 */
final class Jdk {
    private Jdk() {
    }

    static int feature() {
        return Runtime.version().feature();
    }

    /** ThreadMXBean.findDeadlockedThreads(), or null. */
    static long[] findDeadlockedThreads() {
        try {
            Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Method m = Class.forName("java.lang.management.ThreadMXBean").getMethod("findDeadlockedThreads");
            return (long[]) m.invoke(mx);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** ThreadMXBean.getThreadInfo(id).getLockOwnerId(). */
    static long lockOwnerId(long threadId) {
        try {
            Object mx = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            Object info = Class.forName("java.lang.management.ThreadMXBean").getMethod("getThreadInfo", long.class)
                    .invoke(mx, threadId);
            return (long) Class.forName("java.lang.management.ThreadInfo").getMethod("getLockOwnerId").invoke(info);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** A factory of virtual threads (JDK 21+). */
    static ThreadFactory virtualThreadFactory() {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static ExecutorService newVirtualThreadPerTaskExecutor() {
        try {
            return (ExecutorService) java.util.concurrent.Executors.class
                    .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static boolean isVirtual(Thread t) {
        try {
            return (boolean) Thread.class.getMethod("isVirtual").invoke(t);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Starts a virtual thread named {@code name} (JDK 21+: Thread.ofVirtual().name(name).start(task)). */
    static Thread startVirtual(String name, Runnable task) {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            builder = Class.forName("java.lang.Thread$Builder$OfVirtual").getMethod("name", String.class)
                    .invoke(builder, name);
            return (Thread) Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class)
                    .invoke(builder, task);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A running JFR RecordingStream of {@code jdk.VirtualThreadPinned} at threshold 0, with stack traces,
     * handing each event to {@code onPinned} as (the pinned thread's name, the event's text). close() stops
     * the stream, which returns once every event committed before it has been handed over (JDK 20+; the
     * callers need JDK 21 for virtual threads), then closes it. (Until 2026-12-06 the tests waited for a
     * marker event instead, and once took an earlier event of the same kind for the marker.)
     */
    static AutoCloseable recordPinning(BiConsumer<String, String> onPinned) {
        try {
            Class<?> rs = Class.forName("jdk.jfr.consumer.RecordingStream");
            Object stream = rs.getConstructor().newInstance();
            Class<?> settings = Class.forName("jdk.jfr.EventSettings");
            Object s = rs.getMethod("enable", String.class).invoke(stream, "jdk.VirtualThreadPinned");
            settings.getMethod("withThreshold", Duration.class).invoke(s, Duration.ZERO);
            settings.getMethod("withStackTrace").invoke(s);
            Method getThread = Class.forName("jdk.jfr.consumer.RecordedEvent").getMethod("getThread");
            Method getJavaName = Class.forName("jdk.jfr.consumer.RecordedThread").getMethod("getJavaName");
            Consumer<Object> handler = ev -> {
                String thread;
                try {
                    Object t = getThread.invoke(ev);
                    thread = t == null ? "?" : String.valueOf(getJavaName.invoke(t));
                } catch (ReflectiveOperationException e) {
                    thread = "? (" + e + ")";
                }
                if (Boolean.getBoolean("lockstep.test.printPinned")) {
                    System.err.println(ev);
                }
                onPinned.accept(thread, String.valueOf(ev));
            };
            rs.getMethod("onEvent", String.class, Consumer.class).invoke(stream, "jdk.VirtualThreadPinned", handler);
            rs.getMethod("startAsync").invoke(stream);
            return () -> {
                try {
                    rs.getMethod("stop").invoke(stream);
                } finally {
                    rs.getMethod("close").invoke(stream);
                }
            };
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
