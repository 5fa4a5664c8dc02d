package dev.lockstep.core.lock;

import dev.lockstep.core.internal.Waits;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ClhLock}'s take-free path when the tail it saw released has been recycled and re-enqueued
 * before its compare-and-set (ABA): thread A reads the tail, node X, RELEASED; thread B takes the lock
 * through X (X becomes B's spare), releases it, and takes it again with X as its own node, so the tail
 * is X again, now held. A's CAS from X then succeeds although the lock is held: A's node is queued
 * behind B's. The interleaving is made deterministic by running A's second step
 * ({@link ClhLock#swapInAfter}) with X after B's two acquisitions; in a tight two-thread loop it happens
 * about once per 300 acquisitions (JMH), too seldom for an allocation bound per round to see it.
 *
 * <p>A blocking acquisition must keep its node and wait behind B ({@code QUEUED}): until 1 Dec 2026 it
 * abandoned the node, as {@code tryLock} must, and allocated a new one at its next acquisition (the
 * 0.09-0.11 B/op of every headline run's CLH cells). {@code tryLock} must still give up at once.
 */
class ClhLockRecycledTailTest {

    /** B: lock, unlock, lock (re-enqueuing the node X it acquired through), then hold until told. */
    private static final class Recycler extends Thread {
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean released = new AtomicBoolean();
        private final ClhLock lock;

        Recycler(ClhLock lock) {
            super("recycler");
            this.lock = lock;
            setDaemon(true);
        }

        @Override
        public void run() {
            lock.lock();
            lock.unlock();
            lock.lock(); // takes the free lock with its spare node, X: the tail is X again
            try {
                holding.countDown();
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                released.set(true); // before the unlock: whoever acquires after it must see true
                lock.unlock();
            }
        }
    }

    /** A lock whose tail is A's released node X, and A warmed up (its spare node exists). */
    private static ClhLock lockWithTailOfThisThread() {
        ClhLock lock = new ClhLock();
        for (int i = 0; i < 1_000; i++) {
            lock.lock();
            lock.unlock();
        }
        return lock;
    }

    @Test
    @Timeout(60)
    void aBlockingAcquisitionBehindARecycledTailKeepsItsNodeAndWaits() throws Exception {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "per-thread allocation counting is off");
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 3; i++) {
            threads.getThreadAllocatedBytes(id); // the counter's own first-use costs, not measured
        }
        long[] bytes = new long[20];
        for (int round = 0; round < bytes.length; round++) {
            ClhLock lock = lockWithTailOfThisThread();
            ClhLock.Node seen = lock.tailForTest(); // X, RELEASED: what A's first step checked
            Recycler b = new Recycler(lock);
            b.start();
            assertTrue(b.holding.await(30, TimeUnit.SECONDS), "B did not take the lock twice");
            assertTrue(seen == lock.tailForTest(), "B's second acquisition should re-enqueue X");

            long before = threads.getThreadAllocatedBytes(id);
            // Measured from here: only constant assertion messages (a concatenated one allocates).
            int r = lock.swapInAfter(seen, true); // A's CAS from X wins: the lock is B's
            assertEquals(ClhLock.QUEUED, r, "a blocking acquisition behind a recycled tail must queue"
                    + " (0 = LOST: it gave its node up, 1 = TAKEN: it took a held lock)");
            assertFalse(b.released.get());
            b.release.countDown();
            assertTrue(lock.awaitQueued(Waits.UNINTERRUPTIBLE, 0L));
            try {
                assertTrue(b.released.get(), "A acquired while B held the lock");
            } finally {
                lock.release(); // the step under unlock(): A took the lock through the package-private path
            }
            lock.lock(); // the next acquisition reuses a node: nothing was abandoned
            lock.unlock();
            bytes[round] = threads.getThreadAllocatedBytes(id) - before;
            b.join(30_000);
            assertFalse(b.isAlive());
        }
        // The fewest of the rounds: an abandoned node costs a new one in every round, while first-use
        // costs (class loading and linking of the wait's path, ~200 KB in round 0) come only once.
        long fewest = java.util.Arrays.stream(bytes).min().getAsLong();
        assertTrue(fewest < 32, "queueing behind a recycled tail and the next acquisition allocated "
                + java.util.Arrays.toString(bytes) + " bytes per round (a node is 24-32)");
    }

    @Test
    @Timeout(60)
    void tryLockBehindARecycledTailGivesUpAndTheQueueStillWorks() throws Exception {
        ClhLock lock = lockWithTailOfThisThread();
        ClhLock.Node seen = lock.tailForTest();
        Recycler b = new Recycler(lock);
        b.start();
        assertTrue(b.holding.await(30, TimeUnit.SECONDS), "B did not take the lock twice");
        assertEquals(ClhLock.LOST, lock.swapInAfter(seen, false), "tryLock must fail while B holds the lock");
        assertFalse(lock.tryLock(), "the lock is B's");
        b.release.countDown();
        b.join(30_000);
        assertFalse(b.isAlive());
        // A's abandoned node is the tail now: the next acquisitions skip it.
        assertTrue(lock.tryLock(), "the lock is free after B's unlock");
        lock.unlock();
        lock.lock();
        lock.unlock();
    }
}
