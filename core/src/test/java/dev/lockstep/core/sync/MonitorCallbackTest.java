package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static dev.lockstep.core.sync.TestThreads.waitUntilParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * User code that {@link Monitor} calls, its guards, when it throws, blocks or re-enters the monitor:
 * the exception propagates (the first one, not a later one from another guard), every waiter whose
 * guard is or becomes true still gets in, the caller occupies the monitor exactly as the method's
 * contract says, and the monitor stays usable.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MonitorCallbackTest {
    private final Monitor monitor = new Monitor();
    /** Monitor state the guards read; volatile only so that the test thread may peek. */
    private volatile int count;
    private final Monitor.Guard positive = monitor.newGuard(() -> count > 0);

    private void assertUsable() throws Exception {
        waitUntil("monitor free", () -> !monitor.isOccupied());
        assertTrue(monitor.tryEnter());
        assertEquals(1, monitor.getOccupiedDepth());
        monitor.leave();
        TestThreads.Forked<Void> w = fork("later waiter", () -> {
            monitor.enterWhen(positive);
            count--;
            monitor.leave();
            return null;
        });
        monitor.enter();
        count++;
        monitor.leave();
        w.get(5, TimeUnit.SECONDS);
    }

    /** A parked thread waiting for {@code positive}; it takes one unit and leaves. */
    private TestThreads.Forked<Void> positiveWaiter(String name) {
        TestThreads.Forked<Void> w = fork(name, () -> {
            monitor.enterWhen(positive);
            try {
                count--;
            } finally {
                monitor.leave();
            }
            return null;
        });
        waitUntilParked(w.thread);
        return w;
    }

    @Test
    void guardThrowingOnEntryPropagatesEveryWayOfEntering() throws Exception {
        RuntimeException boom = new IllegalStateException("boom");
        Monitor.Guard bad = monitor.newGuard(() -> {
            throw boom;
        });
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.enterWhen(bad)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.enterWhen(bad, 1, TimeUnit.SECONDS)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.enterWhenUninterruptibly(bad)));
        assertSame(boom, assertThrows(RuntimeException.class,
                () -> monitor.enterWhenUninterruptibly(bad, 1, TimeUnit.SECONDS)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.enterIf(bad)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.enterIf(bad, 1, TimeUnit.SECONDS)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.enterIfInterruptibly(bad)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.tryEnterIf(bad)));
        assertFalse(monitor.isOccupied(), "a failed entry leaves nothing occupied");
        // Re-entrant: the outer level stays occupied.
        monitor.enter();
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.enterWhen(bad)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.waitFor(bad)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.waitFor(bad, 1, TimeUnit.SECONDS)));
        assertSame(boom, assertThrows(RuntimeException.class, () -> monitor.waitForUninterruptibly(bad)));
        assertEquals(1, monitor.getOccupiedDepth());
        monitor.leave();
        assertUsable();
    }

    /**
     * The guard of a woken waiter throws when it re-checks; passing the wake-up on evaluates another
     * guard, which throws too: the waiter gets its own guard's exception (the other one suppressed),
     * and the monitor stays usable.
     */
    @Test
    void firstExceptionWinsWhenPassingTheWakeUpOnThrowsToo() throws Exception {
        RuntimeException first = new IllegalStateException("first");
        RuntimeException second = new IllegalStateException("second");
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean otherReady = new AtomicBoolean();
        String flakyName = "flaky";
        // Evaluated by the leaver: true once count > 0. Re-checked by its own woken waiter: throws.
        Monitor.Guard flaky = monitor.newGuard(() -> {
            if (armed.get() && Thread.currentThread().getName().equals(flakyName)) {
                throw first;
            }
            return count > 0;
        });
        // Throws when the flaky waiter passes its wake-up on.
        Monitor.Guard other = monitor.newGuard(() -> {
            if (armed.get() && Thread.currentThread().getName().equals(flakyName)) {
                throw second;
            }
            return otherReady.get();
        });
        TestThreads.Forked<Void> otherWaiter = fork("other", () -> {
            monitor.enterWhen(other);
            monitor.leave();
            return null;
        });
        waitUntilParked(otherWaiter.thread);
        TestThreads.Forked<Void> flakyWaiter = fork(flakyName, () -> {
            monitor.enterWhen(flaky);
            monitor.leave();
            return null;
        });
        waitUntilParked(flakyWaiter.thread);
        monitor.enter();
        count = 1;
        armed.set(true);
        monitor.leave(); // flaky is true for us: its waiter is signalled, re-checks, throws
        ExecutionException e = assertThrows(ExecutionException.class, () -> flakyWaiter.get(5, TimeUnit.SECONDS));
        assertSame(first, e.getCause(), "the waiter's own guard exception, not a later one");
        assertEquals(1, first.getSuppressed().length);
        assertSame(second, first.getSuppressed()[0]);
        monitor.enter();
        otherReady.set(true);
        monitor.leave();
        otherWaiter.get(5, TimeUnit.SECONDS); // woken although a guard threw on its behalf
        count = 0;
        assertUsable();
    }

    /** waitFor whose guard throws after a wake-up: propagates, the caller still occupies at its depth. */
    @Test
    void waitForWhoseGuardThrowsAfterWakeUpKeepsTheOccupancy() throws Exception {
        RuntimeException boom = new IllegalStateException("boom");
        String waiterName = "waitFor";
        // True for the leaver once count > 0; throws when the woken waiter re-checks it.
        Monitor.Guard g = monitor.newGuard(() -> {
            if (count > 0 && Thread.currentThread().getName().equals(waiterName)) {
                throw boom;
            }
            return count > 0;
        });
        CountDownLatch waiting = new CountDownLatch(1);
        TestThreads.Forked<Integer> w = fork(waiterName, () -> {
            monitor.enter();
            monitor.enter();
            waiting.countDown();
            try {
                monitor.waitFor(g);
                return -1; // not expected: its re-check throws
            } catch (IllegalStateException expected) {
                assertSame(boom, expected);
                int depth = monitor.getOccupiedDepth();
                monitor.leave();
                monitor.leave();
                return depth;
            }
        });
        waiting.await();
        waitUntilParked(w.thread);
        monitor.enter();
        count = 1;
        monitor.leave(); // g is true: the waiter is signalled, re-checks, and its guard throws
        assertEquals(2, w.get(5, TimeUnit.SECONDS), "the thrower still occupies, at its depth");
        count = 0;
        assertUsable();
    }

    /** A guard that blocks (holding the monitor, as its evaluator does): others' timed and interruptible entries still work. */
    @Test
    void blockingGuardDoesNotDisableTimeoutsOrInterruptsOfOthers() throws Exception {
        CountDownLatch inGuard = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        AtomicBoolean block = new AtomicBoolean();
        Monitor.Guard slow = monitor.newGuard(() -> {
            if (block.get()) {
                inGuard.countDown();
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return count > 0;
        });
        TestThreads.Forked<Void> slowWaiter = fork("slow-waiter", () -> {
            monitor.enterWhen(slow);
            count--;
            monitor.leave();
            return null;
        });
        waitUntilParked(slowWaiter.thread);
        block.set(true);
        TestThreads.Forked<Void> leaver = fork("leaver", () -> {
            monitor.enter();
            monitor.leave(); // evaluates 'slow', which blocks while we occupy the monitor
            return null;
        });
        inGuard.await();
        long t0 = System.nanoTime();
        assertFalse(monitor.enter(50, TimeUnit.MILLISECONDS));
        assertFalse(monitor.enterWhen(positive, 50, TimeUnit.MILLISECONDS));
        long waited = System.nanoTime() - t0;
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(100), "timed out early: " + waited);
        assertTrue(waited < TimeUnit.SECONDS.toNanos(5), "timed out far too late: " + waited);
        TestThreads.Forked<Void> interruptible = fork("interruptible", () -> {
            monitor.enterInterruptibly();
            monitor.leave();
            return null;
        });
        waitUntilParked(interruptible.thread);
        interruptible.thread.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> interruptible.get(5, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
        block.set(false);
        unblock.countDown();
        leaver.get(5, TimeUnit.SECONDS);
        monitor.enter();
        count = 1;
        monitor.leave();
        slowWaiter.get(5, TimeUnit.SECONDS);
        assertUsable();
    }

    /** A guard may use the monitor re-entrantly (queries, balanced enter/leave, enterIf); evaluation then proceeds. */
    @Test
    void guardMayReenterTheMonitorBalanced() throws Exception {
        AtomicInteger depthSeen = new AtomicInteger();
        Monitor.Guard reentrant = monitor.newGuard(() -> {
            assertTrue(monitor.isOccupiedByCurrentThread());
            monitor.enter();
            try {
                depthSeen.set(monitor.getOccupiedDepth());
                if (monitor.tryEnterIf(positive)) {
                    monitor.leave();
                }
                return count > 0;
            } finally {
                monitor.leave(); // an inner level: no signalling, no exception
            }
        });
        TestThreads.Forked<Void> w = fork("reentrant-guard waiter", () -> {
            monitor.enterWhen(reentrant);
            count--;
            monitor.leave();
            return null;
        });
        waitUntilParked(w.thread);
        monitor.enter();
        count = 1;
        monitor.leave();
        w.get(5, TimeUnit.SECONDS);
        assertTrue(depthSeen.get() >= 2);
        assertEquals(0, count);
        assertUsable();
    }

    /**
     * A guard that waits (waitFor, enterWhen) or leaves the level it is evaluated at would release the
     * monitor in the middle of an evaluation (and, evaluated from leave(), recurse into itself without
     * end): it gets IllegalStateException, which propagates; waiters are still woken.
     */
    @Test
    void guardThatWaitsOrLeavesIsRejectedAndNobodyIsStranded() throws Exception {
        Monitor.Guard never = monitor.newGuard(() -> false);
        AtomicInteger mode = new AtomicInteger(); // one shot: the next evaluation misbehaves, later ones do not
        Monitor.Guard misbehaving = monitor.newGuard(() -> {
            try {
                switch (mode.getAndSet(0)) {
                    case 1:
                        monitor.waitFor(never);
                        break;
                    case 2:
                        monitor.enterWhen(never);
                        break;
                    case 3:
                        monitor.leave();
                        break;
                    case 4:
                        monitor.waitForUninterruptibly(never, 1, TimeUnit.SECONDS);
                        break;
                    default:
                        break;
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            return count > 0;
        });
        for (int m = 1; m <= 4; m++) {
            int mm = m;
            TestThreads.Forked<Void> good = positiveWaiter("good-" + m);
            // Waits after 'good', so leave() evaluates its guard first.
            TestThreads.Forked<Void> misbehavingWaiter = fork("misbehaving-waiter-" + m, () -> {
                monitor.enterWhen(misbehaving);
                monitor.leave();
                return null;
            });
            waitUntilParked(misbehavingWaiter.thread);
            monitor.enter();
            count = 1;
            mode.set(m);
            IllegalStateException e = assertThrows(IllegalStateException.class, monitor::leave, "mode " + m);
            assertTrue(e.getMessage().contains("Guard"), e.getMessage());
            assertFalse(monitor.isOccupiedByCurrentThread(), "mode " + mm + ": leave() still left");
            good.get(5, TimeUnit.SECONDS); // woken although the guard threw, and got in
            monitor.enter();
            count = 1; // let the misbehaving waiter (now well-behaved) through, if it still waits
            monitor.leave();
            misbehavingWaiter.get(5, TimeUnit.SECONDS);
            monitor.enter();
            count = 0;
            monitor.leave();
        }
        // The entering thread's own evaluation is checked too, and leaves nothing occupied.
        mode.set(1);
        assertThrows(IllegalStateException.class, () -> monitor.enterWhen(misbehaving));
        mode.set(3);
        assertThrows(IllegalStateException.class, () -> monitor.enterIf(misbehaving));
        assertFalse(monitor.isOccupied());
        assertUsable();
    }
}
