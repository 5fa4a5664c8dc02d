package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Barrier} as a drop-in for {@link CyclicBarrier}: the whole public API with the JDK's
 * signatures, the JDK's exceptions (IllegalArgumentException for parties &lt;= 0, NullPointerException
 * for a null unit before any arrival is counted, BrokenBarrierException before the interrupt check),
 * the monitoring queries, timeouts and reset. The barrier action's contract is in
 * {@link BarrierCallbackTest}.
 */
@Timeout(30)
class BarrierJdkContractTest {
    @Test
    void hasTheWholeApiOfCyclicBarrier() {
        JdkApi.assertHasApiOf(CyclicBarrier.class, Barrier.class);
    }

    @Test
    void nonPositivePartiesThrowIllegalArgumentException() {
        assertThrows(IllegalArgumentException.class, () -> new Barrier(0));
        assertThrows(IllegalArgumentException.class, () -> new Barrier(-1));
        assertThrows(IllegalArgumentException.class, () -> new Barrier(0, () -> { }));
        assertThrows(IllegalArgumentException.class, () -> new Barrier(Integer.MIN_VALUE, null));
        assertEquals(3, new Barrier(3).getParties());
        assertEquals(1, new Barrier(1, null).getParties());
    }

    @Test
    void nullUnitThrowsNullPointerExceptionWithoutArriving() {
        Barrier b = new Barrier(2);
        assertThrows(NullPointerException.class, () -> b.await(1, null));
        assertEquals(0, b.getNumberWaiting(), "no arrival was counted");
        assertFalse(b.isBroken());
    }

    @Test
    void monitoringQueriesFollowTheRound() throws Exception {
        Barrier b = new Barrier(3);
        assertEquals(0, b.getNumberWaiting());
        TestThreads.Forked<Integer> first = fork("first", b::await);
        waitUntil("one waits", () -> b.getNumberWaiting() == 1);
        TestThreads.Forked<Integer> second = fork("second", () -> b.await(10, TimeUnit.SECONDS));
        waitUntil("two wait", () -> b.getNumberWaiting() == 2);
        assertFalse(b.isBroken());
        assertEquals(0, b.await());
        assertEquals(2, (int) first.get(5, TimeUnit.SECONDS));
        assertEquals(1, (int) second.get(5, TimeUnit.SECONDS));
        assertEquals(0, b.getNumberWaiting(), "a new round");
        assertFalse(b.isBroken());
    }

    @Test
    void aNonPositiveTimeoutBreaksTheBarrierUnlessTheArrivalIsTheLast() throws Exception {
        Barrier b = new Barrier(2);
        assertThrows(TimeoutException.class, () -> b.await(0, TimeUnit.SECONDS));
        assertTrue(b.isBroken());
        assertThrows(BrokenBarrierException.class, () -> b.await(-1, TimeUnit.SECONDS));
        b.reset();
        assertFalse(b.isBroken());
        TestThreads.Forked<Integer> other = fork("other", b::await);
        waitUntil("one waits", () -> b.getNumberWaiting() == 1);
        assertEquals(0, b.await(Long.MIN_VALUE, TimeUnit.NANOSECONDS), "the last arrival trips, whatever its timeout");
        assertEquals(1, (int) other.get(5, TimeUnit.SECONDS));
        assertEquals(0, new Barrier(1).await(-5, TimeUnit.SECONDS));
    }

    @Test
    void aBrokenBarrierThrowsBrokenBarrierExceptionBeforeCheckingTheInterrupt() {
        Barrier b = new Barrier(2);
        assertThrows(TimeoutException.class, () -> b.await(0, TimeUnit.SECONDS));
        Thread.currentThread().interrupt();
        assertThrows(BrokenBarrierException.class, b::await);
        assertTrue(Thread.interrupted(), "the interrupt status is left alone, as CyclicBarrier does");
    }

    @Test
    void anInterruptedArrivalBreaksTheBarrierAndTheOthersGetBrokenBarrierException() throws Exception {
        Barrier b = new Barrier(3);
        TestThreads.Forked<Integer> waiter = fork("waiter", b::await);
        waitUntil("one waits", () -> b.getNumberWaiting() == 1);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, b::await);
        assertFalse(Thread.interrupted(), "cleared");
        assertTrue(b.isBroken());
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiter.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof BrokenBarrierException);
    }

    @Test
    void resetBreaksTheWaitersAndLeavesAFreshBarrier() throws Exception {
        Barrier b = new Barrier(2);
        b.reset(); // a fresh barrier: nothing to do
        assertFalse(b.isBroken());
        TestThreads.Forked<Integer> waiter = fork("waiter", b::await);
        waitUntil("one waits", () -> b.getNumberWaiting() == 1);
        b.reset();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiter.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof BrokenBarrierException);
        assertFalse(b.isBroken(), "reset leaves the barrier usable");
        assertEquals(0, b.getNumberWaiting());
        TestThreads.Forked<Integer> again = fork("again", b::await);
        assertEquals(0, b.await(10, TimeUnit.SECONDS) * (int) again.get(5, TimeUnit.SECONDS));
    }
}
