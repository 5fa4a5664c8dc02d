package dev.lockstep.core.sync;

import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Small helpers for the sync tests: forked threads with results, and polling for a state. */
final class TestThreads {
    private TestThreads() {
    }

    /** A started daemon thread running {@code task}, with its result or exception as a future. */
    static final class Forked<T> extends FutureTask<T> {
        final Thread thread;

        Forked(Callable<T> task, String name) {
            super(task);
            thread = new Thread(this, name);
            thread.setDaemon(true);
        }
    }

    static <T> Forked<T> fork(String name, Callable<T> task) {
        Forked<T> f = new Forked<>(task, name);
        f.thread.start();
        return f;
    }

    /** Polls until the condition holds; fails the test after 5 s. */
    static void waitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.yield();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** Waits until the thread is parked (WAITING or TIMED_WAITING): past its spin phase. */
    /**
     * Waits until {@code t} is in an untimed park (WAITING): past any timed nap of a spin phase, which
     * TIMED_WAITING cannot tell from a timed wait, so a thread seen here re-checks nothing until woken.
     */
    static void waitUntilParkedUntimed(Thread t) {
        waitUntil(t.getName() + " parks untimed", () -> t.getState() == Thread.State.WAITING);
    }

    static void waitUntilParked(Thread t) {
        waitUntil(t.getName() + " parks", () -> {
            Thread.State s = t.getState();
            return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
        });
    }
}
