package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntilParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class LatchTest {

    @Test
    void rejectsNegativeCountNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Latch(-1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void zeroCountIsOpen() throws Exception {
        Latch l = new Latch(0);
        l.await();
        assertTrue(l.await(0, TimeUnit.SECONDS));
        l.countDown(); // stays at zero
        assertEquals(0, l.getCount());
    }

    @Test
    void countDownDecrementsAndStopsAtZero() {
        Latch l = new Latch(3);
        assertEquals(3, l.getCount());
        l.countDown();
        assertEquals(2, l.getCount());
        l.countDown();
        l.countDown();
        l.countDown();
        assertEquals(0, l.getCount());
    }

    @Test
    void finalCountDownReleasesEveryWaiterParkedOrNot() throws Exception {
        Latch l = new Latch(2);
        List<TestThreads.Forked<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int n = i;
            waiters.add(fork("w" + i, () -> {
                if (n % 2 == 0) {
                    l.await();
                    return true;
                }
                return l.await(10, TimeUnit.SECONDS);
            }));
        }
        for (TestThreads.Forked<Boolean> w : waiters) {
            waitUntilParked(w.thread);
        }
        l.countDown();
        Thread.sleep(20);
        for (TestThreads.Forked<Boolean> w : waiters) {
            assertFalse(w.isDone(), "released before the count reached zero");
        }
        l.countDown();
        for (TestThreads.Forked<Boolean> w : waiters) {
            assertTrue(w.get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void timedAwaitReturnsFalseOnTimeoutAndLeavesNothingBehind() throws Exception {
        Latch l = new Latch(1);
        for (int i = 0; i < 3; i++) {
            assertFalse(l.await(5, TimeUnit.MILLISECONDS)); // long enough to park
        }
        assertEquals(1, l.getCount());
        l.countDown();
        assertTrue(l.await(0, TimeUnit.SECONDS));
    }

    @Test
    void interruptWhileWaitingThrows() throws Exception {
        Latch l = new Latch(1);
        TestThreads.Forked<Void> w = fork("w", () -> {
            l.await();
            return null;
        });
        waitUntilParked(w.thread);
        w.thread.interrupt();
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.get(5, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
        assertEquals(1, l.getCount());
    }

    @Test
    void alreadyInterruptedAwaitThrowsEvenWhenOpen() {
        Latch l = new Latch(0);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, l::await);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> l.await(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted());
    }

    @Test
    void rejectsNullUnit() {
        assertThrows(NullPointerException.class, () -> new Latch(1).await(1, null));
    }

    @Test
    void writesBeforeCountDownAreVisibleAfterAwait() throws Exception {
        for (int round = 0; round < 200; round++) {
            Latch l = new Latch(2);
            int[] data = new int[2]; // plain: published by the latch
            TestThreads.Forked<Void> a = fork("a", () -> {
                data[0] = 1;
                l.countDown();
                return null;
            });
            TestThreads.Forked<Void> b = fork("b", () -> {
                data[1] = 2;
                l.countDown();
                return null;
            });
            l.await();
            assertEquals(1, data[0]);
            assertEquals(2, data[1]);
            a.get();
            b.get();
        }
    }
}
