package dev.lockstep.core.queue;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every operation of the blocking adapters that runs user code ({@code drainTo}'s target collection,
 * {@code drain}'s consumer, {@code fill}'s supplier, {@code removeIf}'s predicate, {@code forEach}'s
 * action) called with code that throws, blocks, or re-enters the same queue. Each test asserts: the
 * exception propagates, no element is lost or duplicated, the thread parked on the other side wakes,
 * and the queue stays usable. Each kind is used within its thread discipline (the test thread plays the
 * side that the parked thread does not).
 */
// SEPARATE_THREAD: a test that hangs in a spin (not interruptible) still fails instead of stalling the run.
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlockingQueueCallbackTest {
    /** How long a woken thread may take to finish (generous: the machine is shared). */
    private static final long WAKE_MS = 10_000;

    record Kind(String name, IntFunction<BlockingQueueAdapter<Integer>> factory, boolean keepsFailedElement) {
        @Override
        public String toString() {
            return name;
        }
    }

    /**
     * The kinds, capacity 2 each (the rings' rounding keeps 2). {@code keepsFailedElement}: whether the
     * element handed to a throwing drain consumer stays in the queue (PriorityMessageQueue puts it back,
     * as {@code ArrayBlockingQueue.drainTo} does); the rings count it as delivered.
     */
    static Stream<Kind> kinds() {
        return Stream.of(
                new Kind("SpscBlockingQueue", SpscBlockingQueue::new, false),
                new Kind("MpscBlockingQueue", MpscBlockingQueue::new, false),
                new Kind("SpmcBlockingQueue", SpmcBlockingQueue::new, false),
                new Kind("MpmcBlockingQueue", MpmcBlockingQueue::new, false),
                new Kind("PriorityMessageQueue", c -> new PriorityMessageQueue<>(c, e -> 0), true));
    }

    /** A thread blocked in a queue operation; records the result or the failure. */
    static final class Blocked extends Thread {
        interface Op {
            Object run() throws Exception;
        }

        final AtomicReference<Object> result = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Blocked(Op op) {
            super(() -> {
            });
            this.op = op;
            setDaemon(true);
        }

        private final Op op;

        @Override
        public void run() {
            try {
                result.set(op.run());
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        static Blocked startParked(Op op) throws InterruptedException {
            Blocked b = new Blocked(op);
            b.start();
            BlockingQueueAdaptersTest.awaitParked(b);
            assertTrue(b.isAlive(), "the operation should block");
            return b;
        }

        /** Starts {@code op} and waits until it parks or finishes (either is allowed). */
        static Blocked startParkedOrDone(Op op) throws InterruptedException {
            Blocked b = new Blocked(op);
            b.start();
            BlockingQueueAdaptersTest.awaitParked(b);
            return b;
        }

        /** Asserts the thread finishes (was woken) without failure and returns its result. */
        Object awaitDone(String what) throws InterruptedException {
            join(WAKE_MS);
            if (isAlive()) {
                interrupt(); // do not leak a parked thread into later tests
                fail(what + ": the parked thread was never woken");
            }
            if (failure.get() != null) {
                throw new AssertionError(what + ": the woken thread failed", failure.get());
            }
            return result.get();
        }
    }

    /** Fills {@code q} to capacity with 1, 2, ... and returns them. */
    private static List<Integer> fillUp(BlockingQueueAdapter<Integer> q) {
        List<Integer> in = new ArrayList<>();
        for (int i = 1; q.remainingCapacity() > 0; i++) {
            assertTrue(q.offer(i));
            in.add(i);
        }
        return in;
    }

    /** Polls everything left. */
    private static List<Integer> pollAll(BlockingQueueAdapter<Integer> q) {
        List<Integer> out = new ArrayList<>();
        for (Integer e; (e = q.poll()) != null; ) {
            out.add(e);
        }
        return out;
    }

    /**
     * Each element of {@code all} was seen exactly once in {@code seen}, except that {@code maybe} (the
     * element handed to a throwing consumer) may be missing if the kind counts it as delivered.
     */
    private static void assertExactlyOnce(List<Integer> all, List<Integer> seen, Integer maybe, Kind kind) {
        assertExactlyOnce(all, seen, maybe, kind.keepsFailedElement);
    }

    /** The same, with whether the failed element must stay given explicitly (drainTo keeps it in every kind). */
    private static void assertExactlyOnce(List<Integer> all, List<Integer> seen, Integer maybe, boolean keeps) {
        Set<Integer> distinct = new HashSet<>(seen);
        assertEquals(distinct.size(), seen.size(), "an element was duplicated: " + seen);
        Set<Integer> want = new HashSet<>(all);
        if (!keeps && maybe != null && !distinct.contains(maybe)) {
            want.remove(maybe);
        }
        assertEquals(want, distinct, "an element was lost or invented");
    }

    /** Issue 10, defect 1: the reproduction of the issue, on every kind. */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainToIntoThrowingCollectionWakesParkedProducer(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> all = fillUp(q);
        Blocked producer = Blocked.startParked(() -> {
            q.put(100);
            return null;
        });
        all.add(100);
        AtomicReference<Integer> failedOn = new AtomicReference<>();
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                if (size() == 1) {
                    failedOn.set(e);
                    throw new IllegalStateException("target full");
                }
                return super.add(e);
            }
        };
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals("target full", thrown.getMessage());
        producer.awaitDone("drainTo's target threw");
        List<Integer> seen = new ArrayList<>(target);
        seen.addAll(pollAll(q));
        assertExactlyOnce(all, seen, failedOn.get(), true); // drainTo keeps the failed element in every kind
        assertQueueUsable(q);
    }

    /**
     * Issue 10, defect 5: a drainTo target whose add throws loses nothing, as ArrayBlockingQueue.drainTo.
     * Single thread, full queue [1, 2, 3, 4], the target takes one element then throws on 2: every kind
     * puts 2 back at the head (peek and the next poll return it, size counts it), FIFO of the rest kept.
     * Failed before the put-back stack on SPMC (2 lost, named in a suppressed exception) and MPMC (2
     * re-offered at the tail: [3, 4, 2]).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainToThrowingTargetLosesNothing(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        List<Integer> all = fillUp(q);
        assertEquals(List.of(1, 2, 3, 4), all);
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                if (e == 2) {
                    throw new IllegalStateException("target full");
                }
                return super.add(e);
            }
        };
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> q.drainTo(target, 3));
        assertEquals("target full", thrown.getMessage());
        assertEquals(0, thrown.getSuppressed().length);
        assertEquals(List.of(1), target);
        assertEquals(3, q.size());
        assertEquals(1, q.remainingCapacity());
        assertEquals(2, q.peek(), "the failed element is the head again");
        assertEquals("[2, 3, 4]", q.toString());
        assertTrue(q.contains(2));
        assertEquals(List.of(2, 3, 4), pollAll(q));
        assertQueueUsable(q);
    }

    /**
     * The put-back element is the head for every consuming method, not only poll: take, timed poll,
     * drain, drainTo, toArray, iterator, clear (each after its own failed drainTo). Fails if any of them
     * skips the put-back stack (checked by breaking drain's and take's look at it).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void putBackElementIsTheHeadForEveryConsumingMethod(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        List<Integer> target = throwingTarget();
        fillUp(q);
        assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals(1, q.take());
        assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals(2, q.poll(1, TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals(List.of(3, 4), new ArrayList<>(q), "iterator");
        assertEquals(List.of(3, 4), List.of(q.toArray()));
        assertEquals(List.of(3, 4), List.of(q.toArray(new Integer[0])));
        List<Integer> drained = new ArrayList<>();
        assertEquals(1, q.drain(drained::add, 1));
        assertEquals(List.of(3), drained);
        assertTrue(q.offer(5));
        assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        List<Integer> moved = new ArrayList<>();
        assertEquals(2, q.drainTo(moved));
        assertEquals(List.of(4, 5), moved);
        assertTrue(q.offer(6));
        assertTrue(q.offer(7));
        assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals(2, q.size());
        q.clear();
        assertQueueUsable(q);
    }

    /**
     * Removal of a put-back element follows the kind's rule: remove(Object) and iterator().remove()
     * remove it where the kind removes from the middle (MPMC, PriorityMessageQueue) and throw
     * UnsupportedOperationException elsewhere, leaving it at the head. Fails if removeReturned ignores
     * the kind (checked by making it always remove) or the iterator's remove misses the put-back node.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void putBackElementRemovalFollowsTheKind(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        fillUp(q);
        assertThrows(IllegalStateException.class, () -> q.drainTo(throwingTarget()));
        boolean removable = kind.name.startsWith("Mpmc") || kind.name.startsWith("Priority");
        if (!removable) {
            assertThrows(UnsupportedOperationException.class, () -> q.remove(1));
            java.util.Iterator<Integer> it = q.iterator();
            assertEquals(1, it.next());
            assertThrows(UnsupportedOperationException.class, it::remove);
            assertEquals(List.of(1, 2, 3, 4), pollAll(q));
            assertQueueUsable(q);
            return;
        }
        assertTrue(q.remove(1));
        assertFalse(q.contains(1));
        assertEquals(3, q.size());
        assertThrows(IllegalStateException.class, () -> q.drainTo(throwingTarget()));
        java.util.Iterator<Integer> it = q.iterator();
        assertEquals(2, it.next());
        it.remove();
        assertThrows(IllegalStateException.class, it::remove, "remove twice");
        assertEquals(3, it.next());
        assertEquals(List.of(3, 4), pollAll(q));
        assertQueueUsable(q);
    }

    /** A drainTo target whose add always throws. */
    private static List<Integer> throwingTarget() {
        return new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                throw new IllegalStateException("target refuses " + e);
            }
        };
    }

    /**
     * Defect 5 with a full queue at the time of the throw: the target's add first refills the queue by
     * re-entrant offers (the test thread is both producer and consumer, allowed in every kind), then
     * throws. The element is put back at the head although its slot was refilled: the queue holds
     * capacity + 1 until a consumer takes one, and nothing waits. Failed before the put-back stack on
     * SPMC and MPMC (element named in a suppressed exception, lost).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainToTargetThatRefillsThenThrowsNeverHangsNorLoses(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> all = fillUp(q);
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                for (int next = 100; q.offer(next); next++) {
                    all.add(next);
                }
                throw new IllegalStateException("target full");
            }
        };
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals(0, thrown.getSuppressed().length);
        assertEquals(List.of(1, 2, 100), all);
        assertEquals(3, q.size(), "capacity + 1 until a consumer takes one");
        assertEquals(0, q.remainingCapacity());
        assertEquals(all, pollAll(q));
        assertQueueUsable(q);
    }

    /**
     * A drainTo target that itself polls this queue (from the consumer thread) gets the next element,
     * never the one it is being handed. Failed before on SPSC/MPSC (peek-first drainTo: the nested poll
     * was handed that same head, a duplicate delivery).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainToTargetThatPollsTheSameQueueGetsTheNextElement(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        fillUp(q);
        List<Integer> nested = new ArrayList<>();
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                if (isEmpty()) {
                    nested.add(q.poll());
                }
                return super.add(e);
            }
        };
        assertEquals(3, q.drainTo(target));
        assertEquals(List.of(1, 3, 4), target);
        assertEquals(List.of(2), nested, "the nested poll takes the element after the one being added");
        assertNull(q.poll());
        assertQueueUsable(q);
    }

    /**
     * The same target polling this queue, then throwing: the nested poll keeps what it got, the failed
     * element is the head again, and the multiset of elements is conserved. Failed before on SPSC/MPSC
     * (1 delivered by the nested poll and kept at the head: a duplicate) and SPMC (1 lost).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainToTargetThatPollsThenThrowsConservesElements(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        List<Integer> all = fillUp(q);
        List<Integer> nested = new ArrayList<>();
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                nested.add(q.poll());
                throw new IllegalStateException("after a nested poll");
            }
        };
        assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals(List.of(2), nested);
        List<Integer> rest = pollAll(q);
        assertEquals(List.of(1, 3, 4), rest, "the failed element is the head again");
        List<Integer> seen = new ArrayList<>(nested);
        seen.addAll(rest);
        assertExactlyOnce(all, seen, null, true);
        assertQueueUsable(q);
    }

    /**
     * Nested failures keep FIFO: the target's add calls drainTo on the same queue with a target that
     * throws (putting 2 back), then throws itself (putting 1 back on top). Fails if put-back elements
     * are kept in FIFO-of-put-back order (2 before 1) or at the tail.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void nestedFailingDrainToKeepsOrder(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        fillUp(q);
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                try {
                    q.drainTo(throwingTarget());
                } catch (IllegalStateException expected) {
                    // the inner element is back at the head
                }
                throw new IllegalStateException("outer");
            }
        };
        assertEquals("outer", assertThrows(IllegalStateException.class, () -> q.drainTo(target)).getMessage());
        assertEquals(4, q.size());
        assertEquals(List.of(1, 2, 3, 4), pollAll(q));
        assertQueueUsable(q);
    }

    /**
     * A consumer parked in take on an empty queue wakes when a failing drainTo puts its element back:
     * the test thread drains the only element, and inside add (the queue now empty) waits until the
     * other consumer parks, then throws. Fails if putBack does not signal (the consumer stays parked).
     * For the single-consumer kinds the two consumers never run queue code at the same time: the test
     * thread is inside add while the other polls, and joins it before consuming again.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void putBackWakesParkedConsumer(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        assertTrue(q.offer(1));
        AtomicReference<Blocked> consumer = new AtomicReference<>();
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                try {
                    consumer.set(Blocked.startParked(q::take));
                } catch (InterruptedException ex) {
                    throw new AssertionError(ex);
                }
                throw new IllegalStateException("after the consumer parked");
            }
        };
        assertThrows(IllegalStateException.class, () -> q.drainTo(target));
        assertEquals(1, consumer.get().awaitDone("a put-back element"));
        assertQueueUsable(q);
    }

    /** Elements per run of {@link #drainToWithRandomlyThrowingTargetsUnderContention}; more with -D. */
    private static final int CONTENDED_ELEMENTS = Integer.getInteger("lockstep.test.drainToElements", 10_000);

    /**
     * Producers (2 where the kind allows several, else 1) put 1..N while consumers (3 where the kind
     * allows several, else 1) mix drainTo into targets that throw on a random quarter of their adds,
     * polls and timed polls, until all N are delivered. Every element is delivered exactly once (count
     * and multiset); with one consumer, each producer's elements also arrive in order (the put-back
     * element is the head again). With several consumers no order is asserted: another consumer may
     * take later elements while one is in a failing add. Failed before the put-back stack on SPMC
     * (elements lost) and MPMC (order broken, and lost when the queue filled). Capacity 4 so that
     * producers often refill the slot of an element in flight (put-back into a full ring).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainToWithRandomlyThrowingTargetsUnderContention(Kind kind) throws Exception {
        boolean multiProducer = !kind.name.startsWith("Sp");
        boolean multiConsumer = !kind.name.startsWith("Spsc") && !kind.name.startsWith("Mpsc");
        int producers = multiProducer ? 2 : 1;
        int consumers = multiConsumer ? 3 : 1;
        int n = CONTENDED_ELEMENTS - CONTENDED_ELEMENTS % producers;
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        AtomicInteger delivered = new AtomicInteger();
        // A lost element would keep the consumers looking for ever: they give up at this deadline, and
        // the count below names what is missing.
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int p = 0; p < producers; p++) {
            int first = 1 + p * (n / producers);
            int last = first + n / producers - 1;
            threads.add(new Thread(() -> {
                try {
                    for (int e = first; e <= last; e++) {
                        q.put(e);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        List<List<Integer>> got = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            List<Integer> mine = new ArrayList<>();
            got.add(mine);
            long seed = 42 + c;
            threads.add(new Thread(() -> {
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
                List<Integer> target = new ArrayList<>() {
                    @Override
                    public boolean add(Integer e) {
                        if (rnd.nextInt(4) == 0) {
                            throw new IllegalStateException("refused");
                        }
                        mine.add(e);
                        delivered.incrementAndGet();
                        return true;
                    }
                };
                try {
                    while (delivered.get() < n && System.nanoTime() - giveUp < 0) {
                        int op = rnd.nextInt(8);
                        if (op < 6) {
                            try {
                                q.drainTo(target, 1 + rnd.nextInt(4));
                            } catch (IllegalStateException refused) {
                                // the element is back at the head
                            }
                        } else {
                            Integer e = op == 6 ? q.poll() : q.poll(1, TimeUnit.MILLISECONDS);
                            if (e != null) {
                                mine.add(e);
                                delivered.incrementAndGet();
                            }
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(WAKE_MS + 15_000);
            assertFalse(t.isAlive(), "a thread did not finish: " + delivered.get() + " of " + n + " delivered");
        }
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        int[] count = new int[n + 1];
        for (List<Integer> mine : got) {
            for (int e : mine) {
                count[e]++;
            }
        }
        for (int e = 1; e <= n; e++) {
            assertEquals(1, count[e], "element " + e + " delivered " + count[e] + " times");
        }
        assertEquals(n, delivered.get());
        if (!multiConsumer) {
            int[] last = new int[producers];
            for (int e : got.get(0)) {
                int p = (e - 1) / (n / producers);
                assertTrue(e > last[p], "producer " + p + ": " + e + " after " + last[p]);
                last[p] = e;
            }
        }
        assertQueueUsable(q);
    }

    /** Defect 1 through the ConcurrentQueue batch operation: the drain consumer throws. */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainWithThrowingConsumerWakesParkedProducer(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> all = fillUp(q);
        Blocked producer = Blocked.startParked(() -> q.offer(100, 1, TimeUnit.DAYS));
        all.add(100);
        List<Integer> got = new ArrayList<>();
        AtomicReference<Integer> failedOn = new AtomicReference<>();
        assertThrows(ArithmeticException.class, () -> q.drain(e -> {
            if (!got.isEmpty()) {
                failedOn.set(e);
                throw new ArithmeticException("consumer failed");
            }
            got.add(e);
        }, 10));
        assertEquals(Boolean.TRUE, producer.awaitDone("drain's consumer threw"));
        got.addAll(pollAll(q));
        assertExactlyOnce(all, got, failedOn.get(), kind);
        assertQueueUsable(q);
    }

    /** Defect 1, fill side: the supplier throws after one element; the parked consumer gets it. */
    @ParameterizedTest
    @MethodSource("kinds")
    void fillWithThrowingSupplierWakesParkedConsumer(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        Blocked consumer = Blocked.startParked(q::take);
        AtomicInteger calls = new AtomicInteger();
        assertThrows(IllegalStateException.class, () -> q.fill(() -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("supplier failed");
            }
            return 7;
        }, 2));
        assertEquals(7, consumer.awaitDone("fill's supplier threw"));
        assertNull(q.poll(), "only the supplied element was inserted");
        assertQueueUsable(q);
    }

    /** The same with a supplier that breaks the contract by returning null (NullPointerException). */
    @ParameterizedTest
    @MethodSource("kinds")
    void fillWithNullSupplyingSupplierWakesParkedConsumer(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        Blocked consumer = Blocked.startParked(() -> q.poll(1, TimeUnit.DAYS));
        AtomicInteger calls = new AtomicInteger();
        assertThrows(NullPointerException.class, () -> q.fill(() -> calls.incrementAndGet() == 1 ? 8 : null, 2));
        assertEquals(8, consumer.awaitDone("fill's supplier returned null"));
        assertNull(q.poll());
        assertQueueUsable(q);
    }

    /** The drainTo target re-enters the queue (non-blocking offers of new elements): no hang, no loss. */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainToTargetReenteringWithOffers(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> all = fillUp(q);
        List<Integer> target = new ArrayList<>() {
            @Override
            public boolean add(Integer e) {
                if (e < 100 && q.offer(e + 100)) { // may fail: the queue may still count the batch as full
                    all.add(e + 100);
                }
                return super.add(e);
            }
        };
        int n = q.drainTo(target, 2);
        assertEquals(2, n);
        List<Integer> seen = new ArrayList<>(target);
        seen.addAll(pollAll(q));
        assertExactlyOnce(all, seen, null, kind);
        assertQueueUsable(q);
    }

    /** The fill supplier re-enters the queue with a non-blocking poll and peek: no hang, no loss. */
    @ParameterizedTest
    @MethodSource("kinds")
    void fillSupplierReenteringWithPolls(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> polled = new ArrayList<>();
        AtomicInteger next = new AtomicInteger(1);
        int n = q.fill(() -> {
            q.relaxedPeek(); // relaxed: the strict peek/poll of the MPSC ring waits for this very claimed slot
            Integer e = q.relaxedPoll();
            if (e != null) {
                polled.add(e);
            }
            return next.getAndIncrement();
        }, 2);
        List<Integer> seen = new ArrayList<>(polled);
        seen.addAll(pollAll(q));
        assertEquals(n, next.get() - 1, "supplier called only for inserted elements");
        List<Integer> all = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            all.add(i);
        }
        assertExactlyOnce(all, seen, null, kind);
        assertQueueUsable(q);
    }

    /** A drain consumer that blocks: a producer parked meanwhile still completes once the drain returns. */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainConsumerThatBlocksThenReturns(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> all = fillUp(q);
        CountDownLatch inConsumer = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> got = new ArrayList<>();
        Blocked drainer = new Blocked(() -> q.drain(e -> {
            got.add(e);
            inConsumer.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        }, 1));
        drainer.start();
        assertTrue(inConsumer.await(WAKE_MS, TimeUnit.MILLISECONDS));
        // The test thread is now a producer (single producer for the SP kinds: the drainer consumes).
        Blocked producer = Blocked.startParkedOrDone(() -> {
            q.put(100);
            return null;
        });
        all.add(100);
        release.countDown();
        assertEquals(1, drainer.awaitDone("blocking drain consumer"));
        producer.awaitDone("producer after the blocking consumer returned");
        got.addAll(pollAll(q));
        assertExactlyOnce(all, got, null, kind);
        assertQueueUsable(q);
    }

    /**
     * A fill whose supplier throws at once leaves its claimed slots to be skipped (multi-producer rings):
     * a producer parked behind them and a consumer that skips them must still meet (they parked waiting
     * for each other before: the consumer's skipping polls returned null and signalled nobody).
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void failedFillThenParkedProducerAndConsumerMeet(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        assertThrows(IllegalStateException.class, () -> q.fill(() -> {
            throw new IllegalStateException("supplier failed");
        }, 2));
        // Producer: the test thread's role for the single-producer kinds is given to this thread.
        Blocked producer = Blocked.startParkedOrDone(() -> {
            q.put(4); // priority 0 in PriorityMessageQueue: FIFO
            q.put(8);
            q.put(12);
            return null;
        });
        Blocked consumer = new Blocked(() -> List.of(q.take(), q.take(), q.take()));
        consumer.start();
        assertEquals(List.of(4, 8, 12), consumer.awaitDone("consumer after a failed fill"));
        producer.awaitDone("producer after a failed fill");
        assertQueueUsable(q);
    }

    /**
     * A fill supplier that blocks after supplying one element: a consumer parked before the fill gets
     * that element while the supplier is still blocked; a second timed poll does not overshoot its
     * deadline by waiting for the supplier; an interrupted take answers the interrupt.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void fillSupplierThatBlocks(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        Blocked consumer = Blocked.startParked(q::take);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        Blocked filler = new Blocked(() -> q.fill(() -> {
            if (calls.incrementAndGet() == 2) {
                blocked.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
            return calls.get();
        }, 2));
        filler.start();
        assertTrue(blocked.await(WAKE_MS, TimeUnit.MILLISECONDS));
        try {
            assertEquals(1, consumer.awaitDone("consumer beside a published element, supplier blocked"));
            // The consumer thread is done: this thread may now consume (single-consumer kinds too).
            long t0 = System.nanoTime();
            assertNull(q.poll(50, TimeUnit.MILLISECONDS), "the blocked supplier's element is not there yet");
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(tookMs >= 50 && tookMs < 50 + WAKE_MS / 2, "timed poll took " + tookMs + " ms");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, q::take);
            assertFalse(Thread.interrupted());
            Blocked taker = Blocked.startParked(q::take);
            taker.interrupt();
            taker.join(WAKE_MS);
            assertFalse(taker.isAlive(), "take answered the interrupt");
            assertTrue(taker.failure.get() instanceof InterruptedException, "take threw " + taker.failure.get());
        } finally {
            release.countDown();
        }
        assertEquals(2, filler.awaitDone("fill"));
        assertEquals(2, q.take());
        assertQueueUsable(q);
    }

    /** A drain consumer that blocks: a producer parked beside the slot the drain already freed completes. */
    @ParameterizedTest
    @MethodSource("kinds")
    void drainConsumerThatBlocksDoesNotHoldFreedSlots(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> all = fillUp(q);
        Blocked producer = Blocked.startParked(() -> {
            q.put(100);
            return null;
        });
        all.add(100);
        CountDownLatch inConsumer = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<Integer> got = new ArrayList<>();
        Blocked drainer = new Blocked(() -> q.drain(e -> {
            got.add(e);
            inConsumer.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                throw new IllegalStateException(ex);
            }
        }, 1));
        drainer.start();
        assertTrue(inConsumer.await(WAKE_MS, TimeUnit.MILLISECONDS));
        try {
            // Every kind frees the slot before handing the element over (PriorityMessageQueue too: its
            // drain holds no reservation, and puts the message back only if the consumer throws), so
            // the producer never waits for the consumer (user code).
            producer.awaitDone("producer beside a slot freed by a drain whose consumer blocks");
        } finally {
            release.countDown();
        }
        assertEquals(1, drainer.awaitDone("drain"));
        producer.awaitDone("producer");
        got.addAll(pollAll(q));
        assertExactlyOnce(all, got, null, kind);
        assertQueueUsable(q);
    }

    /** Whether the kind removes from the middle (MPMC ring, PriorityMessageQueue). */
    private static boolean removal(Kind kind) {
        return kind.name.startsWith("Mpmc") || kind.keepsFailedElement;
    }

    /**
     * removeIf whose predicate matches 1, then throws at 3: the exception propagates, 1 is removed, the
     * producer parked on the full queue takes its slot, nothing else changes. Kinds without removal
     * throw UnsupportedOperationException at the first match and lose nothing.
     */
    @ParameterizedTest
    @MethodSource("kinds")
    void removeIfPredicateThrows(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        List<Integer> all = fillUp(q);
        if (!removal(kind)) {
            assertThrows(UnsupportedOperationException.class, () -> q.removeIf(e -> e == 1));
            assertEquals(all, pollAll(q), "nothing lost");
            assertQueueUsable(q);
            return;
        }
        Blocked producer = Blocked.startParked(() -> {
            q.put(100);
            return null;
        });
        assertThrows(IllegalStateException.class, () -> q.removeIf(e -> {
            if (e == 3) {
                throw new IllegalStateException("predicate failed");
            }
            return e == 1;
        }));
        producer.awaitDone("removeIf removed 1 before its predicate threw");
        List<Integer> rest = pollAll(q);
        assertEquals(Set.of(2, 3, 4, 100), new HashSet<>(rest));
        assertEquals(4, rest.size());
        assertQueueUsable(q);
    }

    /** A removeIf predicate that re-enters the queue (size, peek, contains, offer, poll): no deadlock. */
    @ParameterizedTest
    @MethodSource("kinds")
    void removeIfPredicateReenters(Kind kind) throws Exception {
        if (!removal(kind)) {
            return; // no removal: removeIf throws at its first match (removeIfPredicateThrows)
        }
        BlockingQueueAdapter<Integer> q = kind.factory.apply(8);
        List<Integer> all = new ArrayList<>(List.of(4, 8, 12));
        all.forEach(q::add);
        List<Integer> polled = new ArrayList<>();
        boolean changed = q.removeIf(e -> {
            q.size();
            q.peek();
            q.contains(e);
            if (e == 4) {
                assertTrue(q.offer(16)); // may or may not be seen by this traversal
                all.add(16);
                polled.add(q.poll()); // takes 4 itself: the traversal must not return it twice or fail
            }
            return e == 8;
        });
        assertTrue(changed);
        List<Integer> seen = new ArrayList<>(polled);
        seen.addAll(pollAll(q));
        all.remove(Integer.valueOf(8));
        assertExactlyOnce(all, seen, null, kind);
        assertQueueUsable(q);
    }

    /** forEach whose action throws: the exception propagates, the queue is unchanged. */
    @ParameterizedTest
    @MethodSource("kinds")
    void forEachActionThrows(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        List<Integer> all = fillUp(q);
        List<Integer> seen = new ArrayList<>();
        assertThrows(ArithmeticException.class, () -> q.forEach(e -> {
            seen.add(e);
            if (seen.size() == 2) {
                throw new ArithmeticException("action failed");
            }
        }));
        assertEquals(all.subList(0, 2), seen);
        assertEquals(all, pollAll(q), "nothing removed");
        assertQueueUsable(q);
    }

    /** forEach whose action re-enters with poll and offer: no exception, no element twice, none lost. */
    @ParameterizedTest
    @MethodSource("kinds")
    void forEachActionReenters(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(4);
        List<Integer> all = new ArrayList<>(List.of(4, 8));
        all.forEach(q::add);
        List<Integer> polled = new ArrayList<>();
        List<Integer> visited = new ArrayList<>();
        q.forEach(e -> {
            visited.add(e);
            if (e == 4) {
                polled.add(q.poll());
                if (q.offer(12)) {
                    all.add(12);
                }
            }
        });
        assertEquals(visited.size(), new HashSet<>(visited).size(), "an element visited twice: " + visited);
        assertTrue(all.containsAll(visited), "visited an element never inserted: " + visited);
        List<Integer> seen = new ArrayList<>(polled);
        seen.addAll(pollAll(q));
        assertExactlyOnce(all, seen, null, kind);
        assertQueueUsable(q);
    }

    /** forEach whose action blocks holds nothing: another thread meanwhile polls and offers freely. */
    @ParameterizedTest
    @MethodSource("kinds")
    void forEachActionThatBlocksHoldsNothing(Kind kind) throws Exception {
        BlockingQueueAdapter<Integer> q = kind.factory.apply(2);
        List<Integer> all = fillUp(q);
        CountDownLatch inAction = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Blocked iterating = new Blocked(() -> {
            q.forEach(e -> {
                inAction.countDown();
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            return null;
        });
        iterating.start();
        assertTrue(inAction.await(WAKE_MS, TimeUnit.MILLISECONDS));
        try {
            // This thread is the only producer and consumer meanwhile.
            Integer head = q.poll(WAKE_MS, TimeUnit.MILLISECONDS);
            assertEquals(all.get(0), head);
            assertTrue(q.offer(100, WAKE_MS, TimeUnit.MILLISECONDS));
        } finally {
            release.countDown();
        }
        iterating.awaitDone("forEach");
        List<Integer> rest = pollAll(q);
        assertEquals(List.of(all.get(1), 100), rest);
        assertQueueUsable(q);
    }

    /** After any of the above: offer, poll, put, take and the counts still agree. */
    private static void assertQueueUsable(BlockingQueueAdapter<Integer> q) throws InterruptedException {
        assertTrue(q.isEmpty(), "drained");
        assertEquals(0, q.size());
        assertEquals(q.capacity(), q.remainingCapacity());
        for (int round = 0; round < 3; round++) {
            q.put(1000 + round);
            assertTrue(q.offer(2000 + round));
            assertEquals(2, q.size());
            assertEquals(1000 + round, q.take());
            assertEquals(2000 + round, q.poll(0, TimeUnit.SECONDS));
        }
        assertNull(q.poll());
        assertSame(null, q.peek());
    }
}
