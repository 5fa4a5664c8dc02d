package dev.lockstep.core.queue;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The blocking adapters' entry into a wait (issue 12): a consumer that finds the ring empty (a producer
 * that finds it full) first retries the real poll (offer) {@link SpinPolicy#SPINS} times, then, unless
 * its side backs off after hot spins that timed out, keeps retrying for {@code HOT_SPIN_NANOS} (the hot spin), then sets up
 * the wait and enters the waiting layer, which does not spin that spin again; a timeout of zero or less
 * makes one attempt and no spin; a pending interrupt throws before any attempt in put and take, and
 * right after the one attempt, before any spin, in the timed offer and poll. Counted on an SPSC
 * adapter over a ring that counts its polls and offers (and notes how many came before the consumers'
 * sleep request was raised, i.e. before the waiter linked its node).
 */
@Timeout(30)
class BlockingQueueWaitEntryTest {

    /** An SPSC ring that counts the calls of poll and offer. */
    static final class CountingRing<E> extends AbstractQueue<E> implements ConcurrentQueue<E> {
        final SpscArrayQueue<E> ring;
        final AtomicInteger polls = new AtomicInteger();
        final AtomicInteger offers = new AtomicInteger();
        /**
         * The polls made before the consumers' sleep request was first raised (the waiter linked). Counted
         * by the request's epoch, not by whether it is out: a producer that sees it out may serve the
         * waiter, withdrawing it, before the waiter's re-check poll, which must not count as "before".
         */
        final AtomicInteger pollsBeforeRequest = new AtomicInteger();
        /** The offers made before the producers' sleep request was first raised (counted as above). */
        final AtomicInteger offersBeforeRequest = new AtomicInteger();
        volatile boolean pollRequestSeen;
        volatile boolean offerRequestSeen;
        /** The consumers' and producers' request epochs when the count began ({@link #resetBeforeRequest}). */
        volatile long pollEpoch;
        volatile long offerEpoch;
        /** {@link System#nanoTime()} at the first poll after the consumers' sleep request was raised. */
        volatile long pollRequestSeenAt;
        /** {@link System#nanoTime()} at the first offer after the producers' sleep request was raised. */
        volatile long offerRequestSeenAt;
        /** When {@link #polls} reaches this, the poll first offers {@link #arriving} (a producer's element arriving mid-spin). */
        volatile int fillAtPoll = -1;
        /** When {@link #offers} reaches this, the offer first polls one element (a consumer freeing a slot mid-spin). */
        volatile int freeAtOffer = -1;
        volatile E arriving;
        volatile Adapter<E> adapter;

        /** Starts counting the polls and offers before the next sleep request afresh. */
        void resetBeforeRequest() {
            pollsBeforeRequest.set(0);
            offersBeforeRequest.set(0);
            pollRequestSeen = false;
            offerRequestSeen = false;
            Adapter<E> a = adapter;
            pollEpoch = a == null ? 0L : a.sleepRequests(true);
            offerEpoch = a == null ? 0L : a.sleepRequests(false);
        }

        CountingRing(int capacity) {
            ring = new SpscArrayQueue<>(capacity);
        }

        @Override
        public E poll() {
            if (polls.incrementAndGet() == fillAtPoll) {
                ring.offer(arriving);
            }
            Adapter<E> a = adapter;
            if (a != null && !pollRequestSeen) {
                if (a.sleepRequests(true) != pollEpoch) {
                    pollRequestSeenAt = System.nanoTime();
                    pollRequestSeen = true;
                } else {
                    pollsBeforeRequest.incrementAndGet();
                }
            }
            return ring.poll();
        }

        @Override
        public boolean offer(E e) {
            if (offers.incrementAndGet() == freeAtOffer) {
                ring.poll();
            }
            Adapter<E> a = adapter;
            if (a != null && !offerRequestSeen) {
                if (a.sleepRequests(false) != offerEpoch) {
                    offerRequestSeenAt = System.nanoTime();
                    offerRequestSeen = true;
                } else {
                    offersBeforeRequest.incrementAndGet();
                }
            }
            return ring.offer(e);
        }

        @Override
        public E peek() {
            return ring.peek();
        }

        @Override
        public Iterator<E> iterator() {
            return ring.iterator();
        }

        @Override
        public int size() {
            return ring.size();
        }

        @Override
        public int capacity() {
            return ring.capacity();
        }

        @Override
        public boolean relaxedOffer(E e) {
            return ring.relaxedOffer(e); // not counted: the waits use the strict offer and poll
        }

        @Override
        public E relaxedPoll() {
            return ring.relaxedPoll();
        }

        @Override
        public E relaxedPeek() {
            return ring.relaxedPeek();
        }

        @Override
        public int drain(Consumer<? super E> consumer, int limit) {
            return ring.drain(consumer, limit);
        }

        @Override
        public int fill(Supplier<? extends E> supplier, int limit) {
            return ring.fill(supplier, limit);
        }
    }

    /** The SPSC adapter (release-store publication on both sides, as SpscBlockingQueue) over a counting ring. */
    static final class Adapter<E> extends BlockingQueueAdapter<E> {
        final CountingRing<E> counting;

        Adapter(CountingRing<E> ring) {
            super(ring);
            this.counting = ring;
            ring.adapter = this;
        }

        @Override
        boolean isSeqCst(boolean offerSide) {
            return false;
        }
    }

    private static Adapter<Integer> adapter(int capacity) {
        return new Adapter<>(new CountingRing<>(capacity));
    }

    /** A queue of capacity 1 on which {@code consumer}'s side (else the producer's) will wait: full for a producer. */
    private static Adapter<Integer> waitingSide(boolean consumer) {
        Adapter<Integer> q = adapter(1);
        if (!consumer) {
            assertTrue(q.offer(0));
        }
        return q;
    }

    /**
     * One timed wait of {@code consumer}'s side (else the producer's) that nobody serves, counted afresh;
     * returns when its node was linked (its sleep request first raised), relative to its start, or
     * {@link Long#MAX_VALUE} if it never linked (its time was gone first).
     */
    private static long unservedWait(Adapter<Integer> q, boolean consumer, long timeout, TimeUnit unit)
            throws InterruptedException {
        q.counting.resetBeforeRequest();
        long start = System.nanoTime();
        if (consumer) {
            assertNull(q.poll(timeout, unit), "consumer");
        } else {
            assertFalse(q.offer(0, timeout, unit), "producer");
        }
        boolean linked = consumer ? q.counting.pollRequestSeen : q.counting.offerRequestSeen;
        return linked ? (consumer ? q.counting.pollRequestSeenAt : q.counting.offerRequestSeenAt) - start : Long.MAX_VALUE;
    }

    @Test
    void aZeroOrNegativeTimeoutMakesOneAttemptAndNoSpin() throws InterruptedException {
        Adapter<Integer> q = adapter(1);
        assertNull(q.poll(0, TimeUnit.NANOSECONDS));
        assertEquals(1, q.counting.polls.get(), "poll(0) polls the ring once");
        assertNull(q.poll(-5, TimeUnit.SECONDS));
        assertEquals(2, q.counting.polls.get(), "poll(-5 s) polls the ring once");
        assertTrue(q.offer(1));
        int offers = q.counting.offers.get();
        assertFalse(q.offer(2, 0, TimeUnit.MILLISECONDS));
        assertEquals(offers + 1, q.counting.offers.get(), "offer(e, 0) on a full queue offers once");
        assertFalse(q.offer(2, Long.MIN_VALUE, TimeUnit.DAYS));
        assertEquals(offers + 2, q.counting.offers.get(), "offer(e, negative) offers once");
        assertFalse(q.sleepRequested(true));
        assertFalse(q.sleepRequested(false));
    }

    /** put and take: a pending interrupt throws before any attempt (as ArrayBlockingQueue's lockInterruptibly). */
    @Test
    void aPendingInterruptThrowsFromPutAndTakeBeforeAnyAttempt() {
        Adapter<Integer> q = adapter(1);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, q::take);
        assertEquals(0, q.counting.polls.get(), "no poll before the interrupt check");
        assertTrue(q.offer(1));
        int offers = q.counting.offers.get();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> q.put(2));
        assertEquals(offers, q.counting.offers.get(), "no offer before the interrupt check");
        assertFalse(Thread.interrupted(), "status cleared by the throw");
    }

    /**
     * The timed offer and poll: a pending interrupt throws once the one fast attempt failed, before any
     * retry of the spin, whatever the timeout (zero too), as LinkedTransferQueue's and
     * SynchronousQueue's timed offer and poll do; a call whose attempt succeeds returns, the status set.
     */
    @Test
    void aPendingInterruptThrowsFromTimedCallsAfterTheirOneAttempt() throws InterruptedException {
        Adapter<Integer> q = adapter(1);
        for (long timeout : new long[]{1_000_000_000L, 0L}) {
            int polls = q.counting.polls.get();
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> q.poll(timeout, TimeUnit.NANOSECONDS));
            assertEquals(polls + 1, q.counting.polls.get(), "poll(" + timeout + " ns): one attempt, no spin");
            assertFalse(Thread.interrupted(), "status cleared by the throw");
        }
        assertTrue(q.offer(1));
        for (long timeout : new long[]{1_000_000_000L, 0L}) {
            int offers = q.counting.offers.get();
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> q.offer(2, timeout, TimeUnit.NANOSECONDS));
            assertEquals(offers + 1, q.counting.offers.get(), "offer(e, " + timeout + " ns): one attempt, no spin");
            assertFalse(Thread.interrupted(), "status cleared by the throw");
        }
        // The attempt succeeds: the call returns and the interrupt stays pending.
        Thread.currentThread().interrupt();
        assertEquals(1, q.poll(1, TimeUnit.SECONDS), "an element there: returned");
        assertTrue(q.offer(3, 1, TimeUnit.SECONDS), "space there: inserted");
        assertTrue(Thread.interrupted(), "status kept");
        assertFalse(q.sleepRequested(true));
        assertFalse(q.sleepRequested(false));
    }

    /**
     * A consumer on an empty queue polls the ring 1 (the fast path) + SPINS (the spin before the set-up)
     * times, then, on its side's first wait, keeps polling for {@code HOT_SPIN_NANOS} (the hot spin)
     * before its node is linked (its sleep request out); a wait whose side backs off (put there by the
     * test: a second time-out in a row, dated 10 s ahead) links after exactly 1 + SPINS polls. The
     * layer's first round spins no more (counted up to the first poll that sees the request: the
     * re-check after linking). A timed poll nobody fills, twice, then a take that a producer releases,
     * twice.
     */
    @Test
    void theLayerDoesNotRepeatTheSpinBeforeTheSetUp() throws InterruptedException {
        Adapter<Integer> q = adapter(4);
        long start = System.nanoTime();
        assertNull(q.poll(20, TimeUnit.MILLISECONDS));
        int first = q.counting.pollsBeforeRequest.get();
        assertTrue(first > 1 + SpinPolicy.SPINS, "polls before the first wait linked: the spin, then the hot spin: " + first);
        // Linked (unless a descheduled thread found its 20 ms gone first): only after the hot spin's time.
        assertTrue(!q.counting.pollRequestSeen || q.counting.pollRequestSeenAt - start >= BlockingQueueAdapter.HOT_SPIN_NANOS,
                "linked only after the hot spin's " + BlockingQueueAdapter.HOT_SPIN_NANOS + " ns: "
                        + (q.counting.pollRequestSeenAt - start));
        q.counting.resetBeforeRequest();
        q.hotSpinTimedOutAt(true, System.nanoTime() + 10_000_000_000L); // the second time-out in a row: backing off
        assertNull(q.poll(20, TimeUnit.MILLISECONDS));
        assertEquals(1 + SpinPolicy.SPINS, q.counting.pollsBeforeRequest.get(),
                "backing off: the wait links after the fast path and the spin, once");
        Adapter<Integer> u = adapter(4);
        for (int round = 0; round < 2; round++) {
            u.counting.resetBeforeRequest();
            if (round == 1) {
                u.hotSpinTimedOutAt(true, System.nanoTime() + 10_000_000_000L); // as above (round 0 timed out once)
            }
            Thread consumer = new Thread(() -> {
                try {
                    assertEquals(7, u.take());
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            consumer.start();
            while (!u.sleepRequested(true)) {
                Thread.onSpinWait();
            }
            assertTrue(u.offer(7));
            consumer.join();
            assertSpun(round == 0, u.counting.pollsBeforeRequest.get(), "take()");
        }
    }

    /**
     * The attempts before the waiter linked: the fast one and the spin's, then, if {@code hot}, the hot
     * spin's (at least one more); else exactly the first two (the hot spin off).
     */
    private static void assertSpun(boolean hot, int attempts, String call) {
        if (hot) {
            assertTrue(attempts > 1 + SpinPolicy.SPINS, call + ": the spin, then the hot spin: " + attempts);
        } else {
            assertEquals(1 + SpinPolicy.SPINS, attempts, call + " backing off: the spin, once");
        }
    }

    /** A producer on a full queue: the mirror image, with a timed offer and a put, twice each. */
    @Test
    void aFullQueueSpinsOnceBeforeTheSetUpToo() throws InterruptedException {
        Adapter<Integer> q = adapter(1);
        assertTrue(q.offer(1));
        q.counting.resetBeforeRequest();
        long start = System.nanoTime();
        assertFalse(q.offer(2, 20, TimeUnit.MILLISECONDS));
        int first = q.counting.offersBeforeRequest.get();
        assertTrue(first > 1 + SpinPolicy.SPINS, "offer(e, 20 ms): the spin, then the hot spin: " + first);
        assertTrue(!q.counting.offerRequestSeen || q.counting.offerRequestSeenAt - start >= BlockingQueueAdapter.HOT_SPIN_NANOS,
                "linked only after the hot spin: " + (q.counting.offerRequestSeenAt - start)); // as above
        q.counting.resetBeforeRequest();
        q.hotSpinTimedOutAt(false, System.nanoTime() + 10_000_000_000L); // as in the consumer's test
        assertFalse(q.offer(2, 20, TimeUnit.MILLISECONDS));
        assertEquals(1 + SpinPolicy.SPINS, q.counting.offersBeforeRequest.get(), "offer(e, 20 ms), backing off");
        Adapter<Integer> u = adapter(1);
        assertTrue(u.offer(1));
        for (int round = 0; round < 2; round++) {
            u.counting.resetBeforeRequest();
            if (round == 1) {
                u.hotSpinTimedOutAt(false, System.nanoTime() + 10_000_000_000L); // as above
            }
            Thread producer = new Thread(() -> {
                try {
                    u.put(2);
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            producer.start();
            while (!u.sleepRequested(false)) {
                Thread.onSpinWait();
            }
            assertEquals(round == 0 ? 1 : 2, u.poll());
            producer.join();
            assertSpun(round == 0, u.counting.offersBeforeRequest.get(), "put(e)");
        }
        assertEquals(2, u.poll());
    }

    /**
     * The hot spin's back-off, driven by a fake clock on each side: one time-out changes nothing (a
     * preemption of the other side says nothing about the next wait); from the second in a row the waits
     * skip the hot spin for 1 ms after it, then 2, 4 ... up to 64 ms per further time-out in a row (by
     * time, not by a count of waits: a pair whose every wait parks is not kept from spinning for more
     * than that); a hot spin that succeeds ends the back-off (the next time-out is a first one again).
     */
    @Test
    void theHotSpinBacksOffByTimeAfterTwoTimeOutsInARowAndASuccessEndsIt() {
        long ms = 1_000_000L;
        for (boolean consumer : new boolean[]{true, false}) {
            String side = consumer ? "consumer" : "producer";
            Adapter<Integer> q = adapter(4);
            long t = 1_000 * ms;
            assertTrue(q.hotSpinDueAt(consumer, t), side + ": due at first");
            q.hotSpinTimedOutAt(consumer, t);
            assertTrue(q.hotSpinDueAt(consumer, t + 1), side + ": one time-out: still due");
            q.hotSpinTimedOutAt(consumer, t + 1);
            assertFalse(q.hotSpinDueAt(consumer, t + 2), side + ": two in a row: skipped");
            assertFalse(q.hotSpinDueAt(consumer, t + 1 + ms - 1), side + ": skipped for 1 ms");
            assertFalse(q.hotSpinDueAt(consumer, t + 1 + ms - 1), side + ": whatever the number of waits");
            assertTrue(q.hotSpinDueAt(consumer, t + 1 + ms), side + ": due again after 1 ms");
            long u = t + 1 + ms;
            for (long off = 2 * ms; off <= 128 * ms; off *= 2) {
                q.hotSpinTimedOutAt(consumer, u);
                long expected = Math.min(off, 64 * ms);
                assertFalse(q.hotSpinDueAt(consumer, u + expected - 1), side + ": skipped for " + expected + " ns");
                assertTrue(q.hotSpinDueAt(consumer, u + expected), side + ": due after " + expected + " ns");
                u += expected;
            }
            q.hotSpinSucceededForTest(consumer);
            q.hotSpinTimedOutAt(consumer, u);
            assertTrue(q.hotSpinDueAt(consumer, u + 1), side + ": after a success one time-out is a first one again");
            q.hotSpinTimedOutAt(consumer, u + 1);
            assertFalse(q.hotSpinDueAt(consumer, u + 2), side + ": two in a row again");
            assertTrue(q.hotSpinDueAt(consumer, u + 1 + ms), side + ": for 1 ms again, not 64");
        }
    }

    /**
     * The same wired through the real calls (on one thread, nobody serving): the first two waits hot
     * spin, the third, begun at once, skips it; a wait served mid-hot-spin ends the back-off. Each
     * timed wait lasts about 100 µs (hot spin 50 µs, then the layer), so the third decides well within
     * 1 ms of the second's time-out, unless the thread was descheduled that long: the check is made only
     * when the third ended less than 1 ms after the second began (the second's time-out came after its
     * begin, the third's decision before its end, so then it came within the back-off period; a begin
     * close to the previous one is not enough: a thread descheduled inside the third wait, before its
     * decision, decides later, which a local loop saw once in 120 runs).
     */
    @Test
    void theRealWaitsFollowTheBackOff() throws InterruptedException {
        for (boolean consumer : new boolean[]{true, false}) {
            String side = consumer ? "consumer" : "producer";
            Adapter<Integer> q = waitingSide(consumer);
            for (int round = 0; round < 2; round++) {
                long previous = 0L;
                for (int k = 0; k < 3; k++) {
                    String what = side + " round " + round + " wait " + k;
                    long begin = System.nanoTime();
                    unservedWait(q, consumer, 100, TimeUnit.MICROSECONDS);
                    long sincePrevious = System.nanoTime() - previous; // this wait's end, from the previous one's begin
                    previous = begin;
                    int attempts = consumer ? q.counting.pollsBeforeRequest.get() : q.counting.offersBeforeRequest.get();
                    if (k < 2) {
                        assertSpun(true, attempts, what);
                    } else if (sincePrevious < BlockingQueueAdapter.HOT_SPIN_OFF_MIN_NANOS) {
                        assertSpun(false, attempts, what);
                    } else {
                        System.out.println(what + ": not checked, the thread was descheduled (" + sincePrevious + " ns)");
                    }
                }
                // Served at the hot spin's fifth retry (the fast attempt, the spin's, then five): ends the back-off.
                q.counting.resetBeforeRequest();
                if (consumer) {
                    q.counting.arriving = 5;
                    q.counting.fillAtPoll = q.counting.polls.get() + 1 + SpinPolicy.SPINS + 5;
                }
                Thread.sleep(70); // past any back-off period (64 ms at most)
                if (consumer) {
                    assertEquals(5, q.poll(1, TimeUnit.MILLISECONDS), side + " served");
                } else {
                    q.counting.freeAtOffer = q.counting.offers.get() + 1 + SpinPolicy.SPINS + 5;
                    assertTrue(q.offer(0, 1, TimeUnit.MILLISECONDS), side + " served");
                }
            }
        }
    }

    /**
     * While the waiter this side last woke on the other side has not run yet (its node GRANTED), the hot
     * spin goes on past {@code HOT_SPIN_NANOS}, to {@code HOT_SPIN_WAKING_NANOS} (that thread is
     * runnable and will serve us), then the wait parks as usual; the node marked as woken is a fake one of
     * a thread that never runs. Then, once that node is no longer GRANTED, the usual 50 µs.
     */
    @Test
    void theHotSpinWaitsLongerForAWokenOtherSide() throws InterruptedException {
        for (boolean consumer : new boolean[]{true, false}) {
            String side = consumer ? "consumer" : "producer";
            Adapter<Integer> q = waitingSide(consumer);
            WaitNode woken = WaitNode.unregistered(new Thread(() -> { }));
            woken.setPlainStatus(WaitNode.GRANTED);
            // The consumer waits on notEmpty and grants producers in notFull: its hint is notFull's.
            q.setGrantedForTest(!consumer, woken);
            // Linked (unless a descheduled thread found its 5 ms gone first: MAX_VALUE) only after the
            // longer hot spin; ten waits (each a first time-out: no back-off), so that warm code is
            // checked too.
            for (int attempt = 0; attempt < 10; attempt++) {
                q.hotSpinSucceededForTest(consumer);
                long linkedAfter = unservedWait(q, consumer, 5, TimeUnit.MILLISECONDS);
                assertTrue(linkedAfter >= BlockingQueueAdapter.HOT_SPIN_WAKING_NANOS,
                        side + " wait " + attempt + ": linked only after the longer hot spin: " + linkedAfter + " ns");
            }
            // Once that node is no longer GRANTED (its thread ran), the usual hot spin: linked before
            // HOT_SPIN_WAKING_NANOS in at least one of twenty waits (each a first time-out again; the
            // first ones run cold code, and this machine may be loaded).
            woken.setPlainStatus(WaitNode.IDLE);
            long best = Long.MAX_VALUE;
            for (int attempt = 0; attempt < 20 && best >= BlockingQueueAdapter.HOT_SPIN_WAKING_NANOS; attempt++) {
                q.hotSpinSucceededForTest(consumer); // no back-off from the earlier time-outs
                long linkedAfter = unservedWait(q, consumer, 5, TimeUnit.MILLISECONDS);
                assertTrue(linkedAfter >= BlockingQueueAdapter.HOT_SPIN_NANOS, side + ": the hot spin: " + linkedAfter + " ns");
                best = Math.min(best, linkedAfter);
            }
            assertTrue(best < BlockingQueueAdapter.HOT_SPIN_WAKING_NANOS,
                    side + ": not the longer hot spin once the woken thread ran: " + best + " ns");
        }
    }

    /** A short timeout (below the pre-spin threshold) sets its deadline first: the layer's spin, deadline-checked, instead. */
    @Test
    void aShortTimeoutIsNotSpunPast() throws InterruptedException {
        Adapter<Integer> q = adapter(4);
        assertNull(q.poll(1, TimeUnit.NANOSECONDS));
        // The fast path, then the layer: its arrival attempt and at most 16 spin steps (it checks the
        // deadline every 16), never the SPINS of the spin before the set-up.
        assertTrue(q.counting.polls.get() <= 1 + 1 + 16, "polls: " + q.counting.polls.get());
    }
}
