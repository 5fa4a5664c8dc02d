package dev.lockstep.core.queue;

import dev.lockstep.core.internal.SpinPolicy;
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
        /** The polls made before the consumers' sleep request was first seen out (the waiter linked). */
        final AtomicInteger pollsBeforeRequest = new AtomicInteger();
        /** The offers made before the producers' sleep request was first seen out. */
        final AtomicInteger offersBeforeRequest = new AtomicInteger();
        volatile boolean pollRequestSeen;
        volatile boolean offerRequestSeen;
        /** {@link System#nanoTime()} at the first poll that saw the consumers' sleep request out. */
        volatile long pollRequestSeenAt;
        /** {@link System#nanoTime()} at the first offer that saw the producers' sleep request out. */
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
                if (a.sleepRequested(true)) {
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
                if (a.sleepRequested(false)) {
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
     * before its node is linked (its sleep request out); that hot spin found nothing, so the next wait
     * links after exactly 1 + SPINS polls (backing off). The layer's first round spins no more
     * (counted up to the first poll that sees the request: the re-check after linking). A timed poll
     * nobody fills, twice, then a take that a producer releases, twice.
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
        assertNull(q.poll(20, TimeUnit.MILLISECONDS));
        assertEquals(1 + SpinPolicy.SPINS, q.counting.pollsBeforeRequest.get(),
                "the hot spin timed out: the next wait links after the fast path and the spin, once");
        Adapter<Integer> u = adapter(4);
        for (int round = 0; round < 2; round++) {
            u.counting.resetBeforeRequest();
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
            assertEquals(1 + SpinPolicy.SPINS, attempts, call + " after a hot spin that timed out: the spin, once");
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
        assertFalse(q.offer(2, 20, TimeUnit.MILLISECONDS));
        assertEquals(1 + SpinPolicy.SPINS, q.counting.offersBeforeRequest.get(), "offer(e, 20 ms), backing off");
        Adapter<Integer> u = adapter(1);
        assertTrue(u.offer(1));
        for (int round = 0; round < 2; round++) {
            u.counting.resetBeforeRequest();
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
     * The hot spin's back-off: after a hot spin that found nothing the next wait skips it, after the next
     * time-out the next two, then four...; a hot spin that succeeds ends the back-off (the next time-out
     * skips one wait again, not twice as many as before). One thread, timed waits of 1 ms that nobody
     * serves, and waits whose element (slot) arrives at the fifth retry of the hot spin, as a producer
     * (consumer) would make it; the consumer's side, then the producer's.
     */
    @Test
    void theHotSpinBacksOffAndASuccessEndsTheBackOff() throws InterruptedException {
        // true: a hot spin ran before the wait linked; "served": its element (slot) came mid-hot-spin.
        String pattern = "hot skip hot skip skip hot skip skip skip skip served hot skip hot";
        for (boolean consumer : new boolean[]{true, false}) {
            Adapter<Integer> q = adapter(1);
            if (!consumer) {
                assertTrue(q.offer(0));
            }
            int k = 0;
            for (String step : pattern.split(" ")) {
                String what = (consumer ? "consumer" : "producer") + " wait " + k++ + " (" + step + ")";
                q.counting.resetBeforeRequest();
                if (step.equals("served")) {
                    // The fast attempt, the spin's retries, then the hot spin's fifth.
                    if (consumer) {
                        q.counting.arriving = 5;
                        q.counting.fillAtPoll = q.counting.polls.get() + 1 + SpinPolicy.SPINS + 5;
                        assertEquals(5, q.poll(1, TimeUnit.MILLISECONDS), what);
                    } else {
                        q.counting.freeAtOffer = q.counting.offers.get() + 1 + SpinPolicy.SPINS + 5;
                        assertTrue(q.offer(0, 1, TimeUnit.MILLISECONDS), what);
                    }
                    continue;
                }
                if (consumer) {
                    assertNull(q.poll(1, TimeUnit.MILLISECONDS), what);
                } else {
                    assertFalse(q.offer(0, 1, TimeUnit.MILLISECONDS), what);
                }
                assertSpun(step.equals("hot"), consumer ? q.counting.pollsBeforeRequest.get()
                        : q.counting.offersBeforeRequest.get(), what);
            }
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
