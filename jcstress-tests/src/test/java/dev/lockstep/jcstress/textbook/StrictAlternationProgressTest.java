package dev.lockstep.jcstress.textbook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Strict alternation violates progress: a thread that wants to enter is kept out by a thread that
 * stays in its remainder section. Deterministic: the waits are bounded (tryEnter with a timeout,
 * joins with timeouts, and a class-level timeout), so a wrong outcome fails instead of hanging.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StrictAlternationProgressTest {

    @Test
    void aThreadCannotEnterTwiceWhileTheOtherStaysInItsRemainderSection() throws Exception {
        StrictAlternation turns = new StrictAlternation();
        CountDownLatch thread1MayProceed = new CountDownLatch(1);
        AtomicBoolean thread1Entered = new AtomicBoolean();
        Thread thread1 = new Thread(() -> {
            try {
                // remainder section: thread 1 does not want to enter until told to
                if (thread1MayProceed.await(5, TimeUnit.SECONDS)) {
                    turns.enter(1);
                    thread1Entered.set(true);
                    turns.exit(1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "thread-1");
        thread1.start();

        // thread 0 (this thread) takes its turn and leaves
        assertTrue(turns.tryEnter(0, 1, TimeUnit.SECONDS), "thread 0 holds the first turn");
        turns.exit(0);

        // ...and wants in again, the critical section is free, yet it cannot: the turn is thread 1's
        assertFalse(turns.tryEnter(0, 200, TimeUnit.MILLISECONDS),
                "progress violated: thread 0 is kept out of a free critical section by thread 1, which is not competing");
        assertFalse(thread1Entered.get());

        // only when thread 1 takes and passes its turn can thread 0 enter again
        thread1MayProceed.countDown();
        thread1.join(5_000);
        assertFalse(thread1.isAlive(), "thread 1 finished its turn");
        assertTrue(thread1Entered.get());
        assertTrue(turns.tryEnter(0, 1, TimeUnit.SECONDS), "thread 0's turn came back after thread 1's");
        turns.exit(0);
    }

    @Test
    void aThreadWaitingForItsTurnStaysBlockedWhileTheOtherNeverComes() throws Exception {
        StrictAlternation turns = new StrictAlternation();
        AtomicBoolean entered = new AtomicBoolean();
        Thread thread1 = new Thread(() -> {
            turns.enter(1); // blocks: thread 0 has not taken its turn
            entered.set(true);
            turns.exit(1);
        }, "thread-1");
        thread1.setDaemon(true); // if the assertion below holds, it is still waiting when the test ends
        thread1.start();
        thread1.join(300);
        assertTrue(thread1.isAlive(), "thread 1 must still be waiting for thread 0's turn");
        assertFalse(entered.get());

        // thread 0 passes through: thread 1 is let in
        turns.enter(0);
        turns.exit(0);
        thread1.join(5_000);
        assertFalse(thread1.isAlive());
        assertTrue(entered.get());
    }

    @Test
    void mutualExclusionHoldsWhenBothKeepAlternating() throws Exception {
        StrictAlternation turns = new StrictAlternation();
        int rounds = 1_000;
        int[] counter = new int[1]; // plain: guarded by the turn
        Thread[] threads = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int me = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < rounds; i++) {
                    turns.enter(me);
                    counter[0]++;
                    turns.exit(me);
                }
            }, "thread-" + t);
            threads[t].setDaemon(true);
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join(8_000);
            assertFalse(t.isAlive(), t.getName() + " finished");
        }
        assertEquals(2 * rounds, counter[0]);
    }

    @Test
    void rejectsIdentitiesOtherThanZeroAndOne() {
        StrictAlternation turns = new StrictAlternation();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> turns.enter(2));
        assertEquals("thread identity must be 0 or 1: 2", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> turns.exit(-1));
        assertThrows(IllegalArgumentException.class, () -> turns.tryEnter(5, 1, TimeUnit.MILLISECONDS));
    }
}
