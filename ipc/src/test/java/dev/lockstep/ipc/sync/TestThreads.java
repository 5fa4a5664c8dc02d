package dev.lockstep.ipc.sync;

import java.util.concurrent.ThreadFactory;

/**
 * Starts test threads: virtual ones where the JDK has them (21+, found reflectively since the module
 * compiles with --release 17), platform ones otherwise.
 */
final class TestThreads {
    private static final ThreadFactory VIRTUAL = virtualFactory();

    private TestThreads() {
    }

    /** Whether {@link #virtual} really starts virtual threads on this JDK. */
    static boolean hasVirtual() {
        return VIRTUAL != null;
    }

    static Thread virtual(Runnable task) {
        if (VIRTUAL == null) {
            return platform(task);
        }
        Thread t = VIRTUAL.newThread(task);
        t.start();
        return t;
    }

    static Thread platform(Runnable task) {
        Thread t = new Thread(task);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static ThreadFactory virtualFactory() {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
