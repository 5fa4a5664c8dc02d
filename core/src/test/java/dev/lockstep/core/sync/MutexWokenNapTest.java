package dev.lockstep.core.sync;

import dev.lockstep.core.internal.WaitQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The unfair {@link Mutex}'s woken loser naps only while no other waiter is queued (the waiting layer's
 * "Nap" step; issue 12, thirty-eighth round): alone behind the holder it naps, keeping the wake-up
 * token (the twentieth round's end of the two-thread wake-up cycle); with another waiter queued it is
 * queued first again at once. Staged on real threads as {@link SemaphoreWokenNapTest}: the test thread
 * holds the lock, lets the waiters queue, then unlocks and at once locks again, ahead of the woken
 * waiter, and watches the layer's napper slot ({@link WaitQueue#hasNapper()}) for 2 ms (eight naps of
 * 100 us in a row would show in it). A waiter that wins a round is replaced by a new one, and that
 * round is not counted.
 */
@Timeout(60)
class MutexWokenNapTest {

    private static final int ROUNDS = 100;

    @Test
    void aWokenLoserAloneBehindTheHolderNaps() throws Exception {
        int seen = napsSeen(1);
        System.out.println("MutexWokenNapTest: one waiter napped in " + seen + " of " + ROUNDS + " rounds");
        assertTrue(seen > 0, "the woken waiter never napped in " + ROUNDS + " rounds");
    }

    @Test
    void aWokenLoserWithAnotherWaiterQueuedDoesNotNap() throws Exception {
        assertEquals(0, napsSeen(2), "rounds in which a woken loser napped with another waiter queued");
    }

    static WaitQueue queueOf(Mutex m) throws ReflectiveOperationException {
        Field f = Mutex.class.getDeclaredField("queue");
        f.setAccessible(true);
        return (WaitQueue) f.get(m);
    }

    /** Runs the rounds with {@code waiters} threads queued behind the test thread; returns the rounds with a napper seen. */
    private static int napsSeen(int waiters) throws Exception {
        Mutex m = new Mutex();
        WaitQueue queue = queueOf(m);
        m.lock();
        List<Thread> threads = new ArrayList<>();
        AtomicInteger won = new AtomicInteger(); // rounds a waiter won: the queue changed, not counted
        int seen = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // Until the waiters are parked in the queue (none napping, none running), replacing those
            // that won a round (they locked, unlocked and ended).
            long limit = System.nanoTime() + 10_000_000_000L;
            for (; ; ) {
                threads.removeIf(t -> t.getState() == Thread.State.TERMINATED);
                while (threads.size() < waiters) {
                    Thread w = new Thread(() -> {
                        m.lock();
                        won.incrementAndGet();
                        m.unlock();
                    });
                    w.setDaemon(true);
                    w.start();
                    threads.add(w);
                }
                if (m.getQueueLength() == waiters && !queue.hasNapper()
                        && threads.stream().allMatch(t -> t.getState() == Thread.State.WAITING)) {
                    break;
                }
                assertTrue(System.nanoTime() < limit, "the waiters did not queue: " + m.getQueueLength());
                Thread.onSpinWait();
            }
            int before = won.get();
            m.unlock(); // wakes the first waiter (the token is set)
            m.lock();   // barges ahead of it (or waits for it, if it was faster)
            boolean napped = false;
            for (long end = System.nanoTime() + 2_000_000L; System.nanoTime() < end && !napped; ) {
                napped = queue.hasNapper();
            }
            // A round a waiter won does not count: the next waiter was woken by the winner's unlock while
            // the test thread, not queued yet, barged; with nobody queued that waiter rightly naps.
            if (napped && won.get() == before) {
                seen++;
            }
        }
        m.unlock();
        for (Thread t : threads) {
            t.join(10_000L);
            assertFalse(t.isAlive(), "a waiter never got the lock");
        }
        assertFalse(m.isLocked(), "the lock, free at the end");
        return seen;
    }
}
