package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntilParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Latch} as a drop-in for {@link CountDownLatch}: the whole public API with the JDK's
 * signatures, the JDK's exceptions (IllegalArgumentException on a negative count, NullPointerException
 * on a null unit, InterruptedException for a pending interrupt even on an open latch), {@code getCount},
 * {@code toString} and timeouts (a non-positive timeout does not wait).
 */
@Timeout(30)
class LatchJdkContractTest {
    @Test
    void hasTheWholeApiOfCountDownLatch() {
        JdkApi.assertHasApiOf(CountDownLatch.class, Latch.class);
    }

    @Test
    void negativeCountThrowsIllegalArgumentExceptionAndZeroIsOpen() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> new Latch(-1));
        assertThrows(IllegalArgumentException.class, () -> new Latch(Integer.MIN_VALUE));
        Latch open = new Latch(0);
        assertEquals(0L, open.getCount());
        open.await();
        assertTrue(open.await(0, TimeUnit.SECONDS));
        open.countDown();
        assertEquals(0L, open.getCount(), "counting down an open latch changes nothing");
    }

    @Test
    void nullUnitThrowsNullPointerException() {
        Latch l = new Latch(1);
        assertThrows(NullPointerException.class, () -> l.await(1, null));
        assertThrows(NullPointerException.class, () -> new Latch(0).await(1, null));
    }

    @Test
    void aPendingInterruptThrowsEvenOnAnOpenLatch() {
        Latch open = new Latch(0);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, open::await);
        assertFalse(Thread.interrupted(), "cleared");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> open.await(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted(), "cleared");
    }

    @Test
    void getCountAndToStringFollowTheCountDown() {
        Latch l = new Latch(2);
        String id = Latch.class.getName() + "@" + Integer.toHexString(System.identityHashCode(l));
        assertEquals(id + "[Count = 2]", l.toString());
        l.countDown();
        assertEquals(1L, l.getCount());
        assertEquals(id + "[Count = 1]", l.toString());
        l.countDown();
        l.countDown();
        assertEquals(0L, l.getCount());
        assertEquals(id + "[Count = 0]", l.toString());
    }

    @Test
    void nonPositiveTimeoutsDoNotWait() throws Exception {
        Latch l = new Latch(1);
        assertFalse(l.await(0, TimeUnit.SECONDS));
        assertFalse(l.await(-1, TimeUnit.DAYS));
        assertFalse(l.await(Long.MIN_VALUE, TimeUnit.NANOSECONDS));
        long start = System.nanoTime();
        assertFalse(l.await(20, TimeUnit.MILLISECONDS));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(20), "never early");
        l.countDown();
        assertTrue(l.await(-1, TimeUnit.SECONDS));
    }

    @Test
    void interruptWhileWaitingThrowsAndCountDownReleasesTheOthers() throws Exception {
        Latch l = new Latch(1);
        TestThreads.Forked<Void> interrupted = fork("interrupted", () -> {
            l.await();
            return null;
        });
        TestThreads.Forked<Boolean> timed = fork("timed", () -> l.await(10, TimeUnit.SECONDS));
        waitUntilParked(interrupted.thread);
        waitUntilParked(timed.thread);
        interrupted.thread.interrupt();
        assertTrue(assertThrows(java.util.concurrent.ExecutionException.class,
                () -> interrupted.get(5, TimeUnit.SECONDS)).getCause() instanceof InterruptedException);
        assertEquals(1L, l.getCount());
        l.countDown();
        assertTrue(timed.get(5, TimeUnit.SECONDS));
    }
}
