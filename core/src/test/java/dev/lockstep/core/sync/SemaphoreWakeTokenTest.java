package dev.lockstep.core.sync;

import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The non-fair {@link Semaphore}'s pending wake-up token (the waiting layer's {@code waking}, issue 12):
 * a releaser that wakes the first waiter must publish the token before the grant, so that the woken
 * thread, which reads its grant with acquire, always sees the token in its first retry and clears it.
 * Published after the grant, a woken thread that had not parked yet could read the grant, take the
 * permit and skip the clear before the token landed; the token then stays set with nobody pending,
 * every later release skips its wake-up, and the queued threads sleep for ever (a hang seen once in a
 * JMH fork of {@code SemaphoreBench.oversubscribed4}, 2026-12-02, before this check; its cause there
 * is not proven).
 *
 * <p>The waiter's side is the layer's own enqueue step ({@link WaitQueue#enqueue}, public for such
 * probes) run by the test thread without parking, so that it can read the token the moment it sees its
 * node granted, as a woken thread that had not parked yet does.
 */
@Timeout(60)
class SemaphoreWakeTokenTest {

    /** The semaphore's wait queue (a private field), for the probes here and in {@link SemaphoreWokenNapTest}. */
    static WaitQueue queueOf(Semaphore s) throws ReflectiveOperationException {
        Field f = Semaphore.class.getDeclaredField("queue");
        f.setAccessible(true);
        return (WaitQueue) f.get(s);
    }

    @Test
    void wokenWaiterSeesTheTokenWithItsGrant() throws Exception {
        for (int round = 0; round < 2_000; round++) {
            Semaphore s = new Semaphore(0);
            WaitQueue q = queueOf(s);
            WaitNode node = WaitNode.unregistered(Thread.currentThread());
            assertTrue(q.enqueue(node, s, 1, false), "enqueue refused");
            assertEquals(WaitNode.WAITING, node.getAcquireStatus(), "granted with no permit");
            Thread releaser = new Thread(s::release, "releaser");
            releaser.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (node.getAcquireStatus() != WaitNode.GRANTED) {
                if (System.nanoTime() - deadline > 0) {
                    fail("round " + round + ": the release did not grant the queued node");
                }
                Thread.onSpinWait();
            }
            // Acquire read of GRANTED above, then a volatile read of the token: the token must be there.
            assertEquals(1, q.getVolatileWaking(), "round " + round
                    + ": the woken node saw its grant before the pending wake-up token (a woken thread"
                    + " that takes the permit now leaves the token set for ever: later releases wake nobody)");
            releaser.join();
            node.setPlainStatus(WaitNode.IDLE); // granted, so unlinked: the probe's node again
        }
    }

    /** End to end: the token never outlives its woken waiter, so a release after it wakes the next. */
    @Test
    void manyThreadsOnOnePermitAllFinish() throws Exception {
        Semaphore s = new Semaphore(1);
        int threads = 8;
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            ts[i] = new Thread(() -> {
                for (int k = 0; k < 100_000; k++) {
                    s.acquireUninterruptibly();
                    s.release();
                }
            }, "worker-" + i);
            ts[i].start();
        }
        for (Thread t : ts) {
            t.join(30_000);
            assertTrue(!t.isAlive(), t.getName() + " still waits: a wake-up was lost");
        }
        WaitQueue q = queueOf(s);
        assertEquals(0, q.getVolatileWaking(), "a pending wake-up token outlived every waiter");
        assertEquals(1, s.availablePermits());
    }
}
