package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

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
class BarrierTest {

    private static Throwable causeOf(TestThreads.Forked<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void rejectsNonPositivePartiesNamingTheValue() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> new Barrier(0));
        assertTrue(zero.getMessage().contains("0"), zero.getMessage());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> new Barrier(-3, () -> { }));
        assertTrue(neg.getMessage().contains("-3"), neg.getMessage());
    }

    @Test
    void rejectsNullUnit() {
        Barrier b = new Barrier(1);
        assertThrows(NullPointerException.class, () -> b.await(1, null));
        assertFalse(b.isBroken());
    }

    @Test
    void singlePartyTripsAtOnceAndRunsTheActionEachTime() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Barrier b = new Barrier(1, runs::incrementAndGet);
        for (int i = 0; i < 5; i++) {
            assertEquals(0, b.await());
        }
        assertEquals(0, b.await(0, TimeUnit.NANOSECONDS)); // last arriver trips even with no time left
        assertEquals(6, runs.get());
        assertEquals(1, b.getParties());
    }

    @Test
    void arrivalIndicesActionAndNoEarlyDepartureOverManyRounds() throws Exception {
        int parties = 3;
        int rounds = 300;
        AtomicIntegerArray arrivedIn = new AtomicIntegerArray(rounds);
        AtomicInteger actionRuns = new AtomicInteger();
        AtomicReference<Thread> actionThread = new AtomicReference<>();
        Barrier b = new Barrier(parties, () -> {
            actionRuns.incrementAndGet();
            actionThread.set(Thread.currentThread());
        });
        AtomicIntegerArray indexCount = new AtomicIntegerArray(parties);
        List<TestThreads.Forked<Void>> workers = new ArrayList<>();
        for (int t = 0; t < parties; t++) {
            workers.add(fork("party-" + t, () -> {
                for (int r = 0; r < rounds; r++) {
                    arrivedIn.incrementAndGet(r);
                    int index = b.await();
                    indexCount.incrementAndGet(index);
                    // nobody leaves round r before all parties arrived in it, and after the action ran
                    assertEquals(parties, arrivedIn.get(r), "left round " + r + " early");
                    assertTrue(actionRuns.get() >= r + 1, "released before the action of round " + r);
                    if (index == 0) {
                        assertSame(Thread.currentThread(), actionThread.get(), "action not run by last arriver");
                    }
                }
                return null;
            }));
        }
        for (TestThreads.Forked<Void> w : workers) {
            w.get(15, TimeUnit.SECONDS);
        }
        assertEquals(rounds, actionRuns.get());
        for (int i = 0; i < parties; i++) {
            assertEquals(rounds, indexCount.get(i), "arrival index " + i + " once per round");
        }
        assertFalse(b.isBroken());
        assertEquals(0, b.getNumberWaiting());
    }

    @Test
    void moreThreadsThanPartiesFormWholeRounds() throws Exception {
        Barrier b = new Barrier(2);
        AtomicIntegerArray indexCount = new AtomicIntegerArray(2);
        // 600 arrivals shared out by ticket: a thread blocked in await takes no ticket, so the last
        // tickets always go to different threads and every round can fill.
        AtomicInteger tickets = new AtomicInteger(600);
        List<TestThreads.Forked<Void>> workers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            workers.add(fork("t" + t, () -> {
                while (tickets.getAndDecrement() > 0) {
                    indexCount.incrementAndGet(b.await());
                }
                return null;
            }));
        }
        for (TestThreads.Forked<Void> w : workers) {
            w.get(15, TimeUnit.SECONDS);
        }
        assertEquals(300, indexCount.get(0));
        assertEquals(300, indexCount.get(1));
    }

    @Test
    void firstArrivalGetsPartiesMinusOneAndNumberWaitingCounts() throws Exception {
        Barrier b = new Barrier(3);
        TestThreads.Forked<Integer> first = fork("first", b::await);
        waitUntil("one waiting", () -> b.getNumberWaiting() == 1);
        TestThreads.Forked<Integer> second = fork("second", b::await);
        waitUntil("two waiting", () -> b.getNumberWaiting() == 2);
        waitUntilParked(first.thread);
        assertEquals(0, b.await());
        assertEquals(2, first.get(5, TimeUnit.SECONDS));
        assertEquals(1, second.get(5, TimeUnit.SECONDS));
        assertEquals(0, b.getNumberWaiting());
    }

    @Test
    void timeoutThrowsTimeoutExceptionBreaksTheBarrierAndOthersGetBroken() throws Exception {
        Barrier b = new Barrier(3);
        TestThreads.Forked<Integer> waiter = fork("waiter", b::await);
        waitUntil("waiter arrived", () -> b.getNumberWaiting() == 1);
        waitUntilParked(waiter.thread);
        assertThrows(TimeoutException.class, () -> b.await(30, TimeUnit.MILLISECONDS));
        assertTrue(b.isBroken());
        assertInstanceOf(BrokenBarrierException.class, causeOf(waiter));
        assertThrows(BrokenBarrierException.class, b::await); // later arrivals: broken at once
        assertThrows(BrokenBarrierException.class, () -> b.await(1, TimeUnit.SECONDS));
        assertEquals(0, b.getNumberWaiting());
    }

    @Test
    void zeroTimeoutBreaksUnlessLast() {
        Barrier b = new Barrier(2);
        assertThrows(TimeoutException.class, () -> b.await(0, TimeUnit.SECONDS));
        assertTrue(b.isBroken());
    }

    @Test
    void interruptWhileWaitingThrowsInterruptedAndBreaksForOthers() throws Exception {
        Barrier b = new Barrier(3);
        TestThreads.Forked<Integer> a = fork("a", b::await);
        waitUntil("a arrived", () -> b.getNumberWaiting() == 1);
        TestThreads.Forked<Integer> c = fork("c", b::await);
        waitUntil("c arrived", () -> b.getNumberWaiting() == 2);
        waitUntilParked(a.thread);
        a.thread.interrupt();
        assertInstanceOf(InterruptedException.class, causeOf(a));
        assertInstanceOf(BrokenBarrierException.class, causeOf(c));
        assertTrue(b.isBroken());
    }

    @Test
    void interruptWhileSpinningIsHonouredToo() throws Exception {
        Barrier b = new Barrier(2);
        TestThreads.Forked<Integer> a = fork("a", b::await);
        waitUntil("a arrived", () -> b.getNumberWaiting() == 1);
        a.thread.interrupt(); // at whatever stage of its wait
        assertInstanceOf(InterruptedException.class, causeOf(a));
        assertTrue(b.isBroken());
    }

    @Test
    void alreadyInterruptedArrivalBreaksTheBarrier() {
        Barrier b = new Barrier(2);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, b::await);
        assertFalse(Thread.interrupted(), "status cleared by the exception");
        assertTrue(b.isBroken());
    }

    @Test
    void resetBreaksWaitersAndLeavesAUsableBarrier() throws Exception {
        Barrier b = new Barrier(2);
        TestThreads.Forked<Integer> a = fork("a", b::await);
        waitUntil("a arrived", () -> b.getNumberWaiting() == 1);
        waitUntilParked(a.thread);
        b.reset();
        assertInstanceOf(BrokenBarrierException.class, causeOf(a));
        assertFalse(b.isBroken(), "reset leaves the barrier in its initial state");
        assertEquals(0, b.getNumberWaiting());
        TestThreads.Forked<Integer> c = fork("c", b::await);
        assertEquals(0, b.await(5, TimeUnit.SECONDS) + c.get(5, TimeUnit.SECONDS) - 1);
    }

    @Test
    void resetRepairsABrokenBarrier() throws Exception {
        Barrier b = new Barrier(2);
        assertThrows(TimeoutException.class, () -> b.await(0, TimeUnit.SECONDS));
        assertTrue(b.isBroken());
        b.reset();
        assertFalse(b.isBroken());
        TestThreads.Forked<Integer> other = fork("other", b::await);
        int mine = b.await();
        assertEquals(1, mine + other.get(5, TimeUnit.SECONDS));
        b.reset(); // on a barrier at rest: no effect
        assertFalse(b.isBroken());
    }

    @Test
    void failingActionPropagatesToLastArriverAndBreaksForOthers() throws Exception {
        RuntimeException boom = new IllegalStateException("boom");
        Barrier b = new Barrier(2, () -> {
            throw boom;
        });
        TestThreads.Forked<Integer> a = fork("a", b::await);
        waitUntil("a arrived", () -> b.getNumberWaiting() == 1);
        RuntimeException thrown = assertThrows(RuntimeException.class, b::await);
        assertSame(boom, thrown);
        assertInstanceOf(BrokenBarrierException.class, causeOf(a));
        assertTrue(b.isBroken());
    }

    @Test
    void partyInterruptedDuringTheActionIsReleasedNormallyWithStatusSet() throws Exception {
        AtomicReference<Thread> first = new AtomicReference<>();
        Barrier b = new Barrier(2, () -> {
            first.get().interrupt();
            try {
                Thread.sleep(50); // give the interrupted waiter time to notice
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        TestThreads.Forked<Boolean> a = fork("a", () -> b.await() == 1 && Thread.currentThread().isInterrupted());
        first.set(a.thread);
        waitUntil("a arrived", () -> b.getNumberWaiting() == 1);
        assertEquals(0, b.await());
        assertTrue(a.get(5, TimeUnit.SECONDS), "index 1 and interrupt status kept");
        assertFalse(b.isBroken());
    }

    @Test
    void timedAwaitSucceedsWhenAllArriveInTime() throws Exception {
        Barrier b = new Barrier(2);
        TestThreads.Forked<Integer> a = fork("a", () -> b.await(5, TimeUnit.SECONDS));
        waitUntil("a arrived", () -> b.getNumberWaiting() == 1);
        waitUntilParked(a.thread);
        assertEquals(0, b.await(5, TimeUnit.SECONDS));
        assertEquals(1, a.get(5, TimeUnit.SECONDS));
    }

    @Test
    void roundsKeepWorkingAfterBreakResetCycles() throws Exception {
        Barrier b = new Barrier(2);
        for (int i = 0; i < 20; i++) {
            TestThreads.Forked<Integer> a = fork("a" + i, b::await);
            if (i % 2 == 0) {
                assertEquals(0, b.await() + a.get(5, TimeUnit.SECONDS) - 1);
            } else {
                waitUntil("a arrived", () -> b.getNumberWaiting() == 1);
                b.reset();
                assertInstanceOf(BrokenBarrierException.class, causeOf(a));
            }
        }
        assertFalse(b.isBroken());
    }

    /**
     * A round's one spinner spins, then yields, before it parks: at 2 parties the tripping partner has
     * often just been woken itself, and a spinner that parks before it runs makes every later round a
     * park and an unpark (BarrierBench.roundTrip2 fell from 6.1 to 0.14 rounds/us without the yields).
     */
    @Test
    void aRoundsSpinnerYieldsBeforeItParks() {
        Barrier.Round r = new Barrier.Round();
        assertEquals(SpinPolicy.SPINS, r.waiters.spinBudget());
        assertEquals(SpinPolicy.YIELDS, r.waiters.yieldBudget());
    }
}
