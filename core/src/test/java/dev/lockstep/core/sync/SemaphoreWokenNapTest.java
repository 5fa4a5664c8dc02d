package dev.lockstep.core.sync;

import dev.lockstep.core.internal.WaitQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The non-fair {@link Semaphore}'s woken loser naps for a single permit (the waiting layer's "Nap" step,
 * as unfair {@link Mutex}'s; issue 12, thirty-sixth round): a waiter woken by a release that then loses
 * the permit to a barging thread keeps the wake-up token and naps instead of queueing again at once,
 * which ends the two-thread wake-up cycle. A waiter for two permits does not nap (a release too small
 * for it would not wake a queued waiter it suffices for). Staged on real threads: the test thread holds the permits, lets the waiter queue, then
 * releases and at once takes them again, ahead of the woken waiter, which has not run yet in nearly
 * every round; then it watches the layer's napper slot ({@link WaitQueue#hasNapper()}) for a while.
 * Each case repeats such rounds, so a waiter that happened to win one round (and took the permits) only
 * costs a new waiter.
 */
@Timeout(60)
class SemaphoreWokenNapTest {

    /** Rounds of "wake the waiter, barge ahead of it"; a napping waiter shows in the first few. */
    private static final int ROUNDS = 100;

    @Test
    void aWokenSinglePermitWaiterThatLosesNaps() throws Exception {
        int seen = napsSeen(new Semaphore(1), 1);
        System.out.println("SemaphoreWokenNapTest: the woken single-permit waiter napped in " + seen + " of " + ROUNDS + " rounds");
        assertTrue(seen > 0, "the woken waiter never napped in " + ROUNDS + " rounds");
    }

    @Test
    void aWaiterForTwoPermitsDoesNotNap() throws Exception {
        assertEquals(0, napsSeen(new Semaphore(2), 2), "rounds in which a waiter for 2 permits napped");
    }

    /**
     * Runs the rounds on {@code s}, created with {@code n} permits, each waiter asking for {@code n};
     * returns in how many rounds the layer's napper slot was seen taken.
     */
    private static int napsSeen(Semaphore s, int n) throws Exception {
        WaitQueue queue = SemaphoreWakeTokenTest.queueOf(s);
        AtomicInteger acquired = new AtomicInteger();
        s.acquireUninterruptibly(n);
        Thread waiter = null;
        int seen = 0;
        for (int round = 0; round < ROUNDS; round++) {
            if (waiter == null || acquired.get() != 0) {
                // The first round, or the waiter won the last one (it took the permits and gave them
                // back).
                if (waiter != null) {
                    waiter.join();
                    acquired.set(0);
                }
                Thread w = new Thread(() -> {
                    s.acquireUninterruptibly(n);
                    acquired.incrementAndGet();
                    s.release(n);
                });
                w.setDaemon(true);
                w.start();
                waiter = w;
            }
            // Until the waiter is parked in the queue (not napping, not running).
            long limit = System.nanoTime() + 10_000_000_000L;
            while (!(s.hasQueuedThreads() && !queue.hasNapper() && waiter.getState() == Thread.State.WAITING)) {
                assertTrue(System.nanoTime() < limit, "the waiter did not queue");
                Thread.onSpinWait();
            }
            s.release(n);              // wakes the waiter (the token is set)
            s.acquireUninterruptibly(n); // barges ahead of it (or waits for it, if it was faster)
            boolean napped = false;
            for (long end = System.nanoTime() + 2_000_000L; System.nanoTime() < end && !napped; ) {
                napped = queue.hasNapper(); // 8 naps of 100 us in a row: a napper shows within 2 ms
            }
            if (napped) {
                seen++;
            }
        }
        s.release(n);
        waiter.join(10_000L);
        assertFalse(waiter.isAlive(), "the last waiter got the permits");
        assertEquals(n, s.availablePermits(), "the permits, all back");
        return seen;
    }
}
