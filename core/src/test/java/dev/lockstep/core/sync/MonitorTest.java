package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static dev.lockstep.core.sync.TestThreads.waitUntilParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class MonitorTest {
    private final Monitor monitor = new Monitor();
    private volatile boolean flag; // the state guards read (volatile only so that the test thread may peek)
    private final Monitor.Guard flagSet = monitor.newGuard(() -> flag);

    private void setFlagAndLeave(boolean value) {
        monitor.enter();
        try {
            flag = value;
        } finally {
            monitor.leave();
        }
    }

    @Test
    void mutualExclusion() throws Exception {
        int[] counter = new int[1]; // plain: guarded by the monitor
        List<TestThreads.Forked<Void>> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(fork("t" + t, () -> {
                for (int i = 0; i < 20_000; i++) {
                    monitor.enter();
                    try {
                        counter[0]++;
                    } finally {
                        monitor.leave();
                    }
                }
                return null;
            }));
        }
        for (TestThreads.Forked<Void> t : threads) {
            t.get(15, TimeUnit.SECONDS);
        }
        assertEquals(80_000, counter[0]);
        assertFalse(monitor.isOccupied());
    }

    @Test
    void enterWhenWaitsForTheGuardAndLeaveWakesIt() throws Exception {
        TestThreads.Forked<Boolean> waiter = fork("waiter", () -> {
            monitor.enterWhen(flagSet);
            try {
                return flag && monitor.isOccupiedByCurrentThread();
            } finally {
                monitor.leave();
            }
        });
        waitUntilParked(waiter.thread);
        assertFalse(waiter.isDone());
        setFlagAndLeave(true);
        assertTrue(waiter.get(5, TimeUnit.SECONDS));
    }

    @Test
    void enterWhenTimedReturnsFalseWithoutOccupying() throws Exception {
        assertFalse(monitor.enterWhen(flagSet, 10, TimeUnit.MILLISECONDS));
        assertFalse(monitor.isOccupied());
        flag = true;
        assertTrue(monitor.enterWhen(flagSet, 0, TimeUnit.SECONDS));
        assertTrue(monitor.isOccupiedByCurrentThread());
        monitor.leave();
    }

    @Test
    void enterWhenTimedCoversWaitingForTheMonitorItself() throws Exception {
        flag = true;
        monitor.enter();
        try {
            TestThreads.Forked<Boolean> other = fork("other", () -> monitor.enterWhen(flagSet, 10, TimeUnit.MILLISECONDS));
            assertFalse(other.get(5, TimeUnit.SECONDS));
            TestThreads.Forked<Boolean> tryer = fork("tryer", () -> monitor.tryEnterIf(flagSet) || monitor.tryEnter()
                    || monitor.enter(5, TimeUnit.MILLISECONDS));
            assertFalse(tryer.get(5, TimeUnit.SECONDS));
        } finally {
            monitor.leave();
        }
    }

    @Test
    void enterWhenIsInterruptibleAndLeavesNothingOccupied() throws Exception {
        TestThreads.Forked<Void> waiter = fork("waiter", () -> {
            monitor.enterWhen(flagSet);
            return null;
        });
        waitUntilParked(waiter.thread);
        waiter.thread.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiter.get(5, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
        assertFalse(monitor.isOccupied());
        monitor.enter();
        assertFalse(monitor.hasWaiters(flagSet), "the interrupted waiter is no longer counted");
        monitor.leave();
    }

    @Test
    void enterWhenUninterruptiblyKeepsWaitingAndTheStatus() throws Exception {
        TestThreads.Forked<Boolean> waiter = fork("waiter", () -> {
            monitor.enterWhenUninterruptibly(flagSet);
            monitor.leave();
            return Thread.currentThread().isInterrupted();
        });
        waitUntilParked(waiter.thread);
        waiter.thread.interrupt();
        Thread.sleep(20);
        assertFalse(waiter.isDone(), "an interrupt must not end an uninterruptible wait");
        setFlagAndLeave(true);
        assertTrue(waiter.get(5, TimeUnit.SECONDS), "interrupt status kept");
    }

    @Test
    void enterWhenUninterruptiblyTimed() throws Exception {
        Thread.currentThread().interrupt();
        assertFalse(monitor.enterWhenUninterruptibly(flagSet, 10, TimeUnit.MILLISECONDS));
        assertTrue(Thread.interrupted());
        flag = true;
        assertTrue(monitor.enterWhenUninterruptibly(flagSet, 10, TimeUnit.MILLISECONDS));
        monitor.leave();
    }

    @Test
    void enterIfAndTryEnterIfDoNotWaitForTheGuard() {
        assertFalse(monitor.enterIf(flagSet));
        assertFalse(monitor.isOccupied());
        assertFalse(monitor.tryEnterIf(flagSet));
        assertFalse(monitor.enterIf(flagSet, 1, TimeUnit.MILLISECONDS));
        flag = true;
        assertTrue(monitor.enterIf(flagSet));
        assertEquals(1, monitor.getOccupiedDepth());
        monitor.leave();
        assertTrue(monitor.tryEnterIf(flagSet));
        monitor.leave();
        assertFalse(monitor.isOccupied());
    }

    @Test
    void waitForReleasesTheMonitorWhileWaiting() throws Exception {
        TestThreads.Forked<Integer> waiter = fork("waiter", () -> {
            monitor.enter();
            try {
                monitor.enter(); // depth 2, restored after the wait
                monitor.waitFor(flagSet);
                return monitor.getOccupiedDepth();
            } finally {
                monitor.leave();
                monitor.leave();
            }
        });
        waitUntilParked(waiter.thread);
        setFlagAndLeave(true); // possible only because waitFor released the monitor
        assertEquals(2, waiter.get(5, TimeUnit.SECONDS));
    }

    @Test
    void waitForTimedAndUninterruptible() throws Exception {
        monitor.enter();
        try {
            assertFalse(monitor.waitFor(flagSet, 5, TimeUnit.MILLISECONDS));
            assertTrue(monitor.isOccupiedByCurrentThread());
            Thread.currentThread().interrupt();
            assertFalse(monitor.waitForUninterruptibly(flagSet, 5, TimeUnit.MILLISECONDS));
            assertTrue(Thread.interrupted());
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> monitor.waitFor(flagSet));
            assertTrue(monitor.isOccupiedByCurrentThread());
            flag = true;
            monitor.waitFor(flagSet);
            monitor.waitForUninterruptibly(flagSet);
        } finally {
            monitor.leave();
        }
    }

    @Test
    void misuseIsRejected() {
        assertThrows(IllegalMonitorStateException.class, monitor::leave);
        assertThrows(IllegalMonitorStateException.class, () -> monitor.waitFor(flagSet));
        assertThrows(IllegalMonitorStateException.class, () -> monitor.getWaitQueueLength(flagSet));
        Monitor other = new Monitor();
        Monitor.Guard foreign = other.newGuard(() -> true);
        assertThrows(IllegalMonitorStateException.class, () -> monitor.enterWhen(foreign));
        assertThrows(IllegalMonitorStateException.class, () -> monitor.enterIf(foreign));
        assertThrows(NullPointerException.class, () -> monitor.newGuard(null));
        assertThrows(NullPointerException.class, () -> monitor.enterWhen(flagSet, 1, null));
        assertFalse(monitor.isOccupied());
    }

    @Test
    void reentrantOccupancy() {
        monitor.enter();
        monitor.enter();
        assertEquals(2, monitor.getOccupiedDepth());
        monitor.leave();
        assertTrue(monitor.isOccupiedByCurrentThread());
        monitor.leave();
        assertEquals(0, monitor.getOccupiedDepth());
        assertFalse(new Monitor(true).isOccupied());
        assertTrue(new Monitor(true).isFair());
    }

    @Test
    void leaveWakesOnlyAWaiterWhoseGuardBecameTrueNoHerd() throws Exception {
        Set<String> evaluators = ConcurrentHashMap.newKeySet();
        AtomicBoolean record = new AtomicBoolean();
        boolean[] other = new boolean[1];
        Monitor.Guard otherSet = monitor.newGuard(() -> {
            if (record.get()) {
                evaluators.add(Thread.currentThread().getName());
            }
            return other[0];
        });
        List<TestThreads.Forked<Void>> otherWaiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            otherWaiters.add(fork("other-" + i, () -> {
                monitor.enterWhen(otherSet);
                monitor.leave();
                return null;
            }));
        }
        TestThreads.Forked<Void> flagWaiter = fork("flag-waiter", () -> {
            monitor.enterWhen(flagSet);
            monitor.leave();
            return null;
        });
        for (TestThreads.Forked<Void> w : otherWaiters) {
            TestThreads.waitUntilParkedUntimed(w.thread); // not in a timed nap that re-checks the guard
        }
        TestThreads.waitUntilParkedUntimed(flagWaiter.thread);
        record.set(true);
        setFlagAndLeave(true);
        flagWaiter.get(5, TimeUnit.SECONDS);
        Thread.sleep(20);
        for (TestThreads.Forked<Void> w : otherWaiters) {
            assertFalse(w.isDone());
            assertFalse(evaluators.contains(w.thread.getName()), w.thread.getName() + " was woken to re-check");
        }
        monitor.enter();
        assertEquals(3, monitor.getWaitQueueLength(otherSet));
        other[0] = true;
        monitor.leave(); // chained: each one woken leaves and wakes the next
        for (TestThreads.Forked<Void> w : otherWaiters) {
            w.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void throwingGuardPropagatesAndWakesEveryoneSoNobodyIsStranded() throws Exception {
        RuntimeException boom = new IllegalStateException("boom");
        boolean[] explode = new boolean[1];
        Monitor.Guard fragile = monitor.newGuard(() -> {
            if (explode[0]) {
                throw boom;
            }
            return flag;
        });
        TestThreads.Forked<Boolean> waiter = fork("waiter", () -> {
            monitor.enterWhen(flagSet);
            boolean entered = monitor.isOccupiedByCurrentThread();
            try {
                monitor.leave(); // may evaluate the fragile guard too, and throw
            } catch (IllegalStateException expected) {
                assertFalse(monitor.isOccupiedByCurrentThread());
            }
            return entered;
        });
        waitUntilParked(waiter.thread);
        // Started second, so its guard is the most recently waited-for one: leave() evaluates it first.
        TestThreads.Forked<Void> fragileWaiter = fork("fragile-waiter", () -> {
            monitor.enterWhen(fragile);
            monitor.leave();
            return null;
        });
        waitUntilParked(fragileWaiter.thread);
        monitor.enter();
        explode[0] = true;
        flag = true;
        RuntimeException thrown = assertThrows(RuntimeException.class, monitor::leave);
        assertSame(boom, thrown);
        assertFalse(monitor.isOccupiedByCurrentThread(), "leave() did not give up the monitor"); // the woken waiter may already be inside
        assertTrue(waiter.get(5, TimeUnit.SECONDS), "woken by the signal-all and entered");
        ExecutionException e = assertThrows(ExecutionException.class, () -> fragileWaiter.get(5, TimeUnit.SECONDS));
        assertSame(boom, e.getCause());
        waitUntil("monitor free", () -> !monitor.isOccupied());
    }
}
