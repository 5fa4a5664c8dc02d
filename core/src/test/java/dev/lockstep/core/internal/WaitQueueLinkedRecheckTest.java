package dev.lockstep.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The waiting layer's re-check after linking ({@link WaitQueue#tryAcquireLinked}, used by the blocking
 * queues, whose attempt cannot run under the queue lock), made deterministic: the release is staged at
 * the worst moment, inside {@link WaitQueue#parkLocked} (after the waiter's last attempt, before its node
 * is visible), where a releaser's check for waiters finds none. Only the re-check after linking can then
 * see the release; without it the waiter parks until its deadline. And a re-check that succeeds while a
 * grant reached the node meanwhile passes that wake-up on ({@link WaitQueue#passOnLocked}).
 */
@Timeout(30)
class WaitQueueLinkedRecheckTest {

    /** A gate whose grant decision is made outside the queue lock only (as a blocking queue's). */
    static final class Gate extends WaitQueue {
        private static final long serialVersionUID = 1L;
        volatile boolean open;
        /** Open the gate in parkLocked, as a releaser that checked for waiters just before the link. */
        boolean openBeforeLink;
        /** Grant our own node from inside the re-check, as a releaser racing it. */
        boolean grantDuringRecheck;
        int passedOn;
        boolean releaserSawWaiter;

        Gate() {
            super(false, false); // wake-and-retry, no spinning: the test controls every step
        }

        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            return open;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            if (openBeforeLink) {
                open = true;                       // the release...
                releaserSawWaiter = hasWaiters();  // ...and its check for waiters: none yet
            }
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            return null; // no decision under the queue lock
        }

        @Override
        protected WaitNode passOnLocked() {
            passedOn++;
            return null;
        }

        @Override
        protected boolean tryAcquireLinked(int arg) {
            if (grantDuringRecheck) {
                open = true;
                lock();
                WaitNode granted = grantFirst(); // a releaser's grant of our node, before our re-check
                unlock();
                WaitQueue.unpark(granted);
            }
            return open;
        }
    }

    @Test
    void releaseJustBeforeTheLinkIsSeenByTheRecheck() throws Exception {
        Gate g = new Gate();
        g.openBeforeLink = true;
        long start = System.nanoTime();
        assertTrue(g.acquire(this, 0, Waits.TIMED, start + TimeUnit.SECONDS.toNanos(5)),
                "the re-check after linking saw the release");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "it did not park until the deadline");
        assertFalse(g.releaserSawWaiter, "the staged releaser found no waiter (the race this test is about)");
        assertFalse(g.hasWaiters(), "the node was withdrawn");
        assertEquals(WaitNode.IDLE, WaitNode.current().getAcquireStatus());
        assertEquals(0, g.passedOn, "no grant came: nothing to pass on");
    }

    @Test
    void recheckThatWinsAfterAGrantPassesTheWakeUpOn() throws Exception {
        Gate g = new Gate();
        g.grantDuringRecheck = true;
        assertTrue(g.acquire(this, 0, Waits.TIMED, System.nanoTime() + TimeUnit.SECONDS.toNanos(5)));
        assertEquals(1, g.passedOn, "the unused wake-up went to the next waiter");
        assertFalse(g.hasWaiters());
        assertEquals(WaitNode.IDLE, WaitNode.current().getAcquireStatus(), "the node is idle again, reusable");
    }
}
