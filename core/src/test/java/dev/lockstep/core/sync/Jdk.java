package dev.lockstep.core.sync;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
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

    /**
     * A running JFR RecordingStream with the given events enabled at threshold 0; close() stops it and returns
     * once every event committed before it has been handed to the callbacks (JDK 20+).
     */
    static AutoCloseable recordEvents(Consumer<String> onEventName, String... events) {
        return recordEvents(onEventName, pinned -> { }, events);
    }

    /**
     * As {@link #recordEvents(Consumer, String...)}, and hands each {@code jdk.VirtualThreadPinned} event's
     * text (its fields and stack trace) to {@code onPinned}, so that a test that finds one can say where.
     */
    static AutoCloseable recordEvents(Consumer<String> onEventName, Consumer<String> onPinned, String... events) {
        try {
            Class<?> rs = Class.forName("jdk.jfr.consumer.RecordingStream");
            Object stream = rs.getConstructor().newInstance();
            Class<?> settings = Class.forName("jdk.jfr.EventSettings");
            for (String e : events) {
                Object s = rs.getMethod("enable", String.class).invoke(stream, e);
                settings.getMethod("withThreshold", Duration.class).invoke(s, Duration.ZERO);
                try {
                    settings.getMethod("withStackTrace").invoke(s);
                } catch (NoSuchMethodException ignored) {
                    // older JDKs
                }
            }
            Class<?> recordedEvent = Class.forName("jdk.jfr.consumer.RecordedEvent");
            Method getEventType = recordedEvent.getMethod("getEventType");
            Method getName = Class.forName("jdk.jfr.EventType").getMethod("getName");
            Consumer<Object> handler = ev -> {
                try {
                    String name = (String) getName.invoke(getEventType.invoke(ev));
                    if (name.equals("jdk.VirtualThreadPinned")) {
                        onPinned.accept(String.valueOf(ev));
                        if (Boolean.getBoolean("lockstep.test.printPinned")) {
                            System.err.println(ev);
                        }
                    }
                    onEventName.accept(name);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            };
            rs.getMethod("onEvent", Consumer.class).invoke(stream, handler);
            rs.getMethod("startAsync").invoke(stream);
            return () -> {
                try {
                    // JDK 20+: flushes and waits until every event committed so far is consumed (the callers
                    // need JDK 21 for virtual threads); VirtualThreadsTest closes its own stream the same way.
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
