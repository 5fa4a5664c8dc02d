package dev.lockstep.core.internal;

import dev.lockstep.core.internal.WaitQueueWithdrawalTest.Forked;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static dev.lockstep.core.internal.WaitQueueWithdrawalTest.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The woken loser's nap ({@link WaitQueue#wokenNapNanos(int)}), made deterministic. A {@link TokenGate}
 * has unfair Mutex's wake-up rule (one waking token; a release skips its unpark while the token is
 * held). The test wakes the head waiter W as a releaser would and takes the permit back before W runs
 * (what a barging thread does), so that W's retry fails and it naps, holding the token. Then:
 * <ul>
 *   <li>W is listed by the monitoring queries though it is in no list, and it is no waiter a release
 *       looks for;</li>
 *   <li>a permit released meanwhile (whose release unparks nobody) is taken by W at its nap's end: the
 *       timer stands for the skipped unpark;</li>
 *   <li>after {@link SpinPolicy#WOKEN_NAPS} naps W queues again and gives the token back;</li>
 *   <li>an interrupted or timed-out napper passes the token on, so the waiter behind it still wakes;
 *       a timed napper's nap ends at its deadline, not later;</li>
 *   <li>an uninterruptible napper that is interrupted keeps the interrupt for its caller.</li>
 * </ul>
 */
@Timeout(60)
class WaitQueueNapTest {

    /** A counting gate with unfair Mutex's waking token: the smallest primitive that naps. */
    static final class TokenGate extends WaitQueue {
        private static final long serialVersionUID = 1L;
        final transient AtomicInteger permits = new AtomicInteger();
        private final long napNanos;

        TokenGate(long napNanos) {
            super(false, false); // wake-and-retry, no spinning: the test controls every step
            this.napNanos = napNanos;
        }

        @Override
        protected boolean tryAcquire(int n, boolean woken) {
            for (int p; (p = permits.get()) >= n; ) {
                if (permits.compareAndSet(p, p - n)) {
                    if (woken) {
                        setVolatileWaking(0);
                    }
                    return true;
                }
            }
            return false;
        }

        @Override
        protected boolean parkLocked(int n, boolean woken) {
            if (permits.get() >= n) {
                return false;
            }
            if (woken) {
                setVolatileWaking(0);
            }
            return true;
        }

        @Override
        protected WaitNode grantLocked() {
            if (isEmpty() || permits.get() < first().arg || getVolatileWaking() != 0) {
                return null;
            }
            setVolatileWaking(1);
            return grantFirst();
        }

        @Override
        protected WaitNode passOnLocked() {
            setVolatileWaking(0);
            return grantLocked();
        }

        @Override
        protected long wokenNapNanos(int arg) {
            return napNanos;
        }

        /** A release as Mutex's: add the permit, then wake only if a waiter is queued and no token is out. */
        void release() {
            permits.incrementAndGet();
            if (hasWaiters() && getVolatileWaking() == 0) {
                wakeWaiters();
            }
        }

        /**
         * What a release and a barging thread do together: under the queue lock, a permit appears and
         * the head is granted (the token set), then the permit is taken back before the head runs.
         */
        void wakeHeadAndBarge() {
            lock();
            WaitNode granted;
            try {
                permits.incrementAndGet();
                granted = grantLocked();
                permits.decrementAndGet();
            } finally {
                unlock();
            }
            assertTrue(granted != null, "the head was granted");
            unpark(granted);
        }

        int queued() {
            return WaitQueueWithdrawalTest.queuedIn(this);
        }
    }

    /** Starts W's acquisition, waits until it is queued, wakes it and takes the permit: W naps. */
    private static Forked<Boolean> napper(TokenGate gate, int mode, long deadline) throws InterruptedException {
        Forked<Boolean> w = new Forked<>("W", () -> {
            try {
                boolean r = gate.acquire(gate, 1, mode, deadline);
                return r && Thread.currentThread().isInterrupted() ? null : r; // null: acquired, interrupt kept
            } catch (InterruptedException e) {
                return Boolean.FALSE;
            }
        });
        waitUntil("W is queued", () -> gate.hasWaiters());
        gate.wakeHeadAndBarge();
        waitUntil("W naps", gate::hasNapper);
        return w;
    }

    @Test
    void aNapperIsListedAndHoldsTheToken() throws Exception {
        TokenGate gate = new TokenGate(TimeUnit.SECONDS.toNanos(30));
        Forked<Boolean> w = napper(gate, Waits.UNINTERRUPTIBLE, 0L);
        assertFalse(gate.hasWaiters(), "a napper is in no list a release looks at");
        assertEquals(1, gate.getVolatileWaking(), "the napper keeps the wake-up token");
        assertEquals(1, gate.queued(), "size() counts the napper");
        gate.lock();
        try {
            assertTrue(gate.contains(w.thread), "contains() finds the napper");
            assertEquals(List.of(w.thread), gate.threads(), "threads() lists the napper");
        } finally {
            gate.unlock();
        }
        waitUntil("W parks in its nap", () -> w.thread.getState() == Thread.State.TIMED_WAITING);
        assertSame(gate, LockSupport.getBlocker(w.thread), "the nap parks on the primitive");
        gate.permits.incrementAndGet();
        LockSupport.unpark(w.thread); // a spurious return from the nap: W retries and takes the permit
        assertEquals(Boolean.TRUE, w.get(10, TimeUnit.SECONDS));
        assertEquals(0, gate.getVolatileWaking(), "the acquirer gave the token back");
        assertFalse(gate.hasNapper(), "the slot is empty again");
    }

    @Test
    void aPermitReleasedDuringTheNapIsTakenAtItsEnd() throws Exception {
        TokenGate gate = new TokenGate(TimeUnit.MILLISECONDS.toNanos(50));
        Forked<Boolean> w = napper(gate, Waits.UNINTERRUPTIBLE, 0L);
        gate.release(); // unparks nobody: the token is out
        assertEquals(Boolean.TRUE, w.get(10, TimeUnit.SECONDS), "W retried when its nap ended");
        assertEquals(0, gate.permits.get());
        assertEquals(0, gate.getVolatileWaking());
    }

    @Test
    void afterItsNapsTheLoserQueuesAgainAndGivesTheTokenBack() throws Exception {
        TokenGate gate = new TokenGate(TimeUnit.MILLISECONDS.toNanos(5));
        Forked<Boolean> w = napper(gate, Waits.UNINTERRUPTIBLE, 0L);
        waitUntil("W queues again after " + SpinPolicy.WOKEN_NAPS + " naps",
                () -> gate.hasWaiters() && !gate.hasNapper());
        assertEquals(0, gate.getVolatileWaking(), "W gave the token back when it queued");
        gate.release(); // now a release unparks W
        assertEquals(Boolean.TRUE, w.get(10, TimeUnit.SECONDS));
    }

    @Test
    void anInterruptedNapperPassesTheTokenOn() throws Exception {
        TokenGate gate = new TokenGate(TimeUnit.SECONDS.toNanos(30));
        Forked<Boolean> w = napper(gate, Waits.INTERRUPTIBLE, 0L);
        Forked<Boolean> b = new Forked<>("B", () -> gate.acquire(gate, 1, Waits.UNINTERRUPTIBLE, 0L));
        waitUntil("B is queued", () -> gate.hasWaiters());
        w.thread.interrupt();
        assertEquals(Boolean.FALSE, w.get(10, TimeUnit.SECONDS), "W threw InterruptedException");
        assertEquals(0, gate.getVolatileWaking(), "W gave the token back");
        gate.release();
        assertEquals(Boolean.TRUE, b.get(10, TimeUnit.SECONDS), "B was woken by the release W's token no longer blocked");
    }

    @Test
    void aTimedNapEndsAtTheDeadlineAndPassesTheTokenOn() throws Exception {
        TokenGate gate = new TokenGate(TimeUnit.SECONDS.toNanos(30));
        long timeout = TimeUnit.MILLISECONDS.toNanos(300);
        long start = System.nanoTime();
        Forked<Boolean> w = napper(gate, Waits.TIMED, start + timeout);
        Forked<Boolean> b = new Forked<>("B", () -> gate.acquire(gate, 1, Waits.UNINTERRUPTIBLE, 0L));
        assertEquals(Boolean.FALSE, w.get(10, TimeUnit.SECONDS), "W timed out");
        long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= timeout, "returned before the deadline: " + elapsed + " ns");
        assertTrue(elapsed < timeout + TimeUnit.SECONDS.toNanos(2), "the nap outlived the deadline: " + elapsed + " ns");
        waitUntil("B is queued", () -> gate.hasWaiters());
        gate.release();
        assertEquals(Boolean.TRUE, b.get(10, TimeUnit.SECONDS), "B was woken: W passed its token on");
    }

    @Test
    void anUninterruptibleNapperKeepsItsInterrupt() throws Exception {
        TokenGate gate = new TokenGate(TimeUnit.SECONDS.toNanos(30));
        Forked<Boolean> w = napper(gate, Waits.UNINTERRUPTIBLE, 0L);
        w.thread.interrupt(); // ends this nap; the next nap clears the status and must report it
        waitUntil("W naps again with its interrupt status cleared",
                () -> w.thread.getState() == Thread.State.TIMED_WAITING && !w.thread.isInterrupted());
        gate.permits.incrementAndGet();
        LockSupport.unpark(w.thread);
        assertEquals(null, w.get(10, TimeUnit.SECONDS), "W acquired with its interrupt status set again");
    }
}
