package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The barrier action is user code: it may throw, block, or call back into the barrier. In every case
 * the exception reaches the tripping thread, every other party of the round is released (normally, or
 * with {@link BrokenBarrierException} when the round broke), nothing hangs, and the barrier is usable
 * again (after {@link Barrier#reset()} where it broke).
 */
@Timeout(30)
class BarrierCallbackTest {
    private static final int PARTIES = 3;

    /** What the action does this round. */
    private interface Behaviour {
        void run(Barrier self) throws Exception;
    }

    private final AtomicReference<Behaviour> behaviour = new AtomicReference<>(self -> { });
    private final AtomicInteger actions = new AtomicInteger();
    private final AtomicReference<Barrier> barrierRef = new AtomicReference<>();

    private Barrier newBarrier() {
        Barrier b = new Barrier(PARTIES, () -> {
            actions.incrementAndGet();
            try {
                behaviour.get().run(barrierRef.get());
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        barrierRef.set(b);
        return b;
    }

    /** Starts PARTIES - 1 waiting parties and returns once they are all counted. */
    private static TestThreads.Forked<Integer>[] startOthers(Barrier b) {
        @SuppressWarnings("unchecked")
        TestThreads.Forked<Integer>[] others = new TestThreads.Forked[PARTIES - 1];
        for (int i = 0; i < others.length; i++) {
            others[i] = fork("party-" + i, () -> b.await(20, TimeUnit.SECONDS));
        }
        waitUntil("the other parties wait", () -> b.getNumberWaiting() == PARTIES - 1);
        return others;
    }

    private static void assertAllBroken(TestThreads.Forked<Integer>[] others) {
        for (TestThreads.Forked<Integer> f : others) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof BrokenBarrierException, "got " + e.getCause());
        }
    }

    /** A whole round with a harmless action: the barrier works. */
    private void assertUsable(Barrier b) throws Exception {
        behaviour.set(self -> { });
        int before = actions.get();
        TestThreads.Forked<Integer>[] others = startOthers(b);
        assertEquals(0, b.await(10, TimeUnit.SECONDS));
        for (TestThreads.Forked<Integer> f : others) {
            f.get(5, TimeUnit.SECONDS);
        }
        assertEquals(before + 1, actions.get());
        assertFalse(b.isBroken());
    }

    /** Runs the last arrival in its own thread, so that a hang fails the test instead of blocking it. */
    private static TestThreads.Forked<Integer> lastArrival(Barrier b) {
        return fork("last", b::await);
    }

    @Test
    void anActionThatThrowsReachesTheTripperAndBreaksTheRoundForTheOthers() throws Exception {
        Barrier b = newBarrier();
        for (Throwable thrown : new Throwable[]{new IllegalStateException("boom"), new AssertionError("bang")}) {
            behaviour.set(self -> {
                if (thrown instanceof Error) {
                    throw (Error) thrown;
                }
                throw (RuntimeException) thrown;
            });
            TestThreads.Forked<Integer>[] others = startOthers(b);
            ExecutionException e = assertThrows(ExecutionException.class, () -> lastArrival(b).get(5, TimeUnit.SECONDS));
            assertSame(thrown, e.getCause(), "the action's own exception propagates");
            assertAllBroken(others);
            assertTrue(b.isBroken());
            assertThrows(BrokenBarrierException.class, b::await);
            b.reset();
            assertUsable(b);
        }
    }

    @Test
    void anActionThatBlocksHoldsTheRoundUntilItReturnsThenEveryoneIsReleased() throws Exception {
        Barrier b = newBarrier();
        CountDownLatch inAction = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        behaviour.set(self -> {
            inAction.countDown();
            release.await();
        });
        TestThreads.Forked<Integer>[] others = startOthers(b);
        TestThreads.Forked<Integer> last = lastArrival(b);
        assertTrue(inAction.await(5, TimeUnit.SECONDS));
        // Someone arriving for the next round meanwhile waits for it, as in CyclicBarrier.
        TestThreads.Forked<Integer> early = fork("next-round", b::await);
        Thread.sleep(50);
        for (TestThreads.Forked<Integer> f : others) {
            assertFalse(f.isDone(), "released before the action returned");
        }
        assertFalse(early.isDone());
        assertFalse(b.isBroken());
        release.countDown();
        assertEquals(0, (int) last.get(5, TimeUnit.SECONDS));
        for (TestThreads.Forked<Integer> f : others) {
            assertTrue(f.get(5, TimeUnit.SECONDS) > 0);
        }
        waitUntil("the early arrival counts in the next round", () -> b.getNumberWaiting() == 1);
        behaviour.set(self -> { });
        TestThreads.Forked<Integer> second = fork("next-round-2", b::await);
        assertEquals(0, b.await(10, TimeUnit.SECONDS) * early.get(5, TimeUnit.SECONDS) * second.get(5, TimeUnit.SECONDS));
        assertUsable(b);
    }

    @Test
    void anActionSeesTheFullRoundThroughTheQueries() throws Exception {
        Barrier b = newBarrier();
        int[] seen = new int[3];
        behaviour.set(self -> {
            seen[0] = self.getNumberWaiting();
            seen[1] = self.isBroken() ? 1 : 0;
            seen[2] = self.getParties();
        });
        TestThreads.Forked<Integer>[] others = startOthers(b);
        assertEquals(0, (int) lastArrival(b).get(5, TimeUnit.SECONDS));
        for (TestThreads.Forked<Integer> f : others) {
            f.get(5, TimeUnit.SECONDS);
        }
        assertEquals(PARTIES, seen[0], "every party of the round is counted, as in CyclicBarrier");
        assertEquals(0, seen[1]);
        assertEquals(PARTIES, seen[2]);
        assertUsable(b);
    }

    /** Today's code: reset() from the action waits for the action to finish: a hang. */
    @Test
    void resetFromTheActionBreaksTheRoundForTheOthersAndTheTripperReturnsNormally() throws Exception {
        Barrier b = newBarrier();
        behaviour.set(Barrier::reset);
        TestThreads.Forked<Integer>[] others = startOthers(b);
        assertEquals(0, (int) lastArrival(b).get(5, TimeUnit.SECONDS), "the tripper returns normally");
        assertAllBroken(others);
        assertFalse(b.isBroken(), "fresh after the reset, as CyclicBarrier");
        assertEquals(0, b.getNumberWaiting());
        assertUsable(b);

        // reset, then throw: the exception wins and the barrier is broken, as CyclicBarrier.
        IllegalStateException boom = new IllegalStateException("after reset");
        behaviour.set(self -> {
            self.reset();
            throw boom;
        });
        others = startOthers(b);
        ExecutionException e = assertThrows(ExecutionException.class, () -> lastArrival(b).get(5, TimeUnit.SECONDS));
        assertSame(boom, e.getCause());
        assertAllBroken(others);
        assertTrue(b.isBroken());
        b.reset();
        assertUsable(b);
    }

    /** Today's code: await() from the action spins forever, uninterruptibly, and so does the round. */
    @Test
    void awaitFromTheActionThrowsIllegalStateExceptionWhichBreaksTheRound() throws Exception {
        Barrier b = newBarrier();
        behaviour.set(self -> self.await(1, TimeUnit.SECONDS));
        TestThreads.Forked<Integer>[] others = startOthers(b);
        ExecutionException e = assertThrows(ExecutionException.class, () -> lastArrival(b).get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IllegalStateException, "got " + e.getCause());
        assertTrue(e.getCause().getMessage().contains("barrier action"), e.getCause().getMessage());
        assertAllBroken(others);
        assertTrue(b.isBroken());
        b.reset();
        assertUsable(b);
    }

    @Test
    void anActionInterruptingAWaiterDoesNotBreakTheTrippedRound() throws Exception {
        Barrier b = newBarrier();
        TestThreads.Forked<Integer>[] others = startOthers(b);
        behaviour.set(self -> others[0].thread.interrupt());
        assertEquals(0, (int) lastArrival(b).get(5, TimeUnit.SECONDS));
        for (TestThreads.Forked<Integer> f : others) {
            assertTrue(f.get(5, TimeUnit.SECONDS) > 0, "released normally");
        }
        assertFalse(b.isBroken());
        assertUsable(b);
    }
}
