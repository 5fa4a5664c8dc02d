package dev.lockstep.core.queue;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@link java.util.concurrent.BlockingQueue} contract of every blocking queue of the package (the
 * shared {@link BlockingQueueAdapter}), each used within its thread discipline.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BlockingQueueAdaptersTest {
    /** A blocking queue kind: its factory and how many producer and consumer threads it allows. */
    record Kind(String name, IntFunction<BlockingQueue<Long>> factory, int producers, int consumers) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Kind> kinds() {
        return Stream.of(
                new Kind("SpscBlockingQueue", SpscBlockingQueue::new, 1, 1),
                new Kind("MpscBlockingQueue", MpscBlockingQueue::new, 2, 1),
                new Kind("SpmcBlockingQueue", SpmcBlockingQueue::new, 1, 2),
                new Kind("MpmcBlockingQueue", MpmcBlockingQueue::new, 2, 2),
                new Kind("PriorityMessageQueue", c -> new PriorityMessageQueue<Long>(c, e -> 0), 2, 2));
    }

    /** 1 million elements through a small queue, so both sides block often; sum and xor must match. */
    @ParameterizedTest
    @MethodSource("kinds")
    void putTakeMillionChecksums(Kind kind) throws Exception {
        BlockingQueue<Long> q = kind.factory.apply(1024);
        int total = 1_000_000;
        int perProducer = total / kind.producers;
        int perConsumer = perProducer * kind.producers / kind.consumers;
        Long[][] elements = new Long[kind.producers][perProducer];
        long wantSum = 0, wantXor = 0;
        for (int p = 0; p < kind.producers; p++) {
            for (int i = 0; i < perProducer; i++) {
                long v = ((long) p << 32) | i;
                elements[p][i] = v; // boxed up front: the loop measures the queue, not the allocator
                wantSum += v;
                wantXor ^= v * 0x9E3779B97F4A7C15L;
            }
        }
        long[] sums = new long[kind.consumers];
        long[] xors = new long[kind.consumers];
        boolean[] fifo = new boolean[kind.consumers];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < kind.producers; p++) {
            Long[] mine = elements[p];
            threads.add(new Thread(() -> {
                try {
                    for (Long e : mine) {
                        q.put(e);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (int c = 0; c < kind.consumers; c++) {
            int cc = c;
            threads.add(new Thread(() -> {
                try {
                    long[] last = new long[kind.producers];
                    java.util.Arrays.fill(last, -1);
                    boolean ok = true;
                    long sum = 0, xor = 0;
                    for (int i = 0; i < perConsumer; i++) {
                        long v = q.take();
                        sum += v;
                        xor ^= v * 0x9E3779B97F4A7C15L;
                        int producer = (int) (v >>> 32);
                        long seq = v & 0xFFFFFFFFL;
                        ok &= seq > last[producer]; // per-producer FIFO, as each consumer sees it
                        last[producer] = seq;
                    }
                    sums[cc] = sum;
                    xors[cc] = xor;
                    fifo[cc] = ok;
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failure.get());
        long sum = 0, xor = 0;
        for (int c = 0; c < kind.consumers; c++) {
            sum += sums[c];
            xor ^= xors[c];
            assertTrue(fifo[c], "consumer " + c + " saw a producer's elements out of order");
        }
        assertEquals(wantSum, sum);
        assertEquals(wantXor, xor);
        assertTrue(q.isEmpty());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void timedPollNeverReturnsEarly(Kind kind) throws Exception {
        BlockingQueue<Long> q = kind.factory.apply(4);
        for (long timeoutMs : new long[]{0, 1, 30}) {
            long start = System.nanoTime();
            assertNull(q.poll(timeoutMs, TimeUnit.MILLISECONDS));
            long elapsed = System.nanoTime() - start;
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(timeoutMs), "returned after " + elapsed + " ns");
        }
        assertNull(q.poll(-1, TimeUnit.SECONDS));
        q.offer(5L);
        assertEquals(5L, q.poll(1, TimeUnit.HOURS));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void timedOfferNeverReturnsEarly(Kind kind) throws Exception {
        BlockingQueue<Long> q = kind.factory.apply(2);
        while (q.offer(1L)) {
            // fill
        }
        int size = q.size();
        for (long timeoutMs : new long[]{0, 1, 30}) {
            long start = System.nanoTime();
            assertFalse(q.offer(2L, timeoutMs, TimeUnit.MILLISECONDS));
            long elapsed = System.nanoTime() - start;
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(timeoutMs), "returned after " + elapsed + " ns");
        }
        assertEquals(size, q.size());
        assertEquals(0, q.remainingCapacity());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void takeWokenByOfferAndPutWokenByPoll(Kind kind) throws Exception {
        BlockingQueue<Long> q = kind.factory.apply(1);
        AtomicReference<Long> got = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                got.set(q.take());
            } catch (InterruptedException e) {
                got.set(-1L);
            }
        });
        consumer.start();
        awaitParked(consumer);
        assertTrue(q.offer(42L));
        consumer.join();
        assertEquals(42L, got.get());

        while (q.offer(1L)) {
            // fill
        }
        Thread producer = new Thread(() -> {
            try {
                q.put(43L);
            } catch (InterruptedException e) {
                got.set(-1L);
            }
        });
        producer.start();
        awaitParked(producer);
        assertEquals(1L, q.poll()); // frees the one slot: the parked put must wake and fill it
        producer.join();
        List<Long> rest = new ArrayList<>();
        q.drainTo(rest);
        assertEquals(43L, rest.get(rest.size() - 1), "the woken put inserted last");
    }

    /** fill, drain, relaxedOffer and relaxedPoll wake the other side too (they go through the adapter). */
    @ParameterizedTest
    @MethodSource("kinds")
    void batchAndRelaxedOperationsWakeWaiters(Kind kind) throws Exception {
        ConcurrentQueue<Long> q = (ConcurrentQueue<Long>) kind.factory.apply(2);
        BlockingQueue<Long> bq = (BlockingQueue<Long>) q;
        for (int round = 0; round < 2; round++) {
            boolean relaxed = round == 1;
            AtomicReference<Long> got = new AtomicReference<>();
            Thread consumer = new Thread(() -> {
                try {
                    got.set(bq.take());
                } catch (InterruptedException e) {
                    got.set(-1L);
                }
            });
            consumer.start();
            awaitParked(consumer);
            if (relaxed) {
                while (!q.relaxedOffer(7L)) {
                    Thread.onSpinWait(); // relaxed: may fail spuriously
                }
            } else {
                assertEquals(1, q.fill(() -> 7L, 1));
            }
            consumer.join();
            assertEquals(7L, got.get());

            while (q.offer(1L)) {
                // fill to capacity
            }
            Thread producer = new Thread(() -> {
                try {
                    bq.put(8L);
                } catch (InterruptedException e) {
                    got.set(-1L);
                }
            });
            producer.start();
            awaitParked(producer);
            if (relaxed) {
                while (q.relaxedPoll() == null) {
                    Thread.onSpinWait();
                }
            } else {
                assertEquals(1, q.drain(e -> { }, 1));
            }
            producer.join();
            List<Long> rest = new ArrayList<>();
            bq.drainTo(rest);
            assertEquals(8L, rest.get(rest.size() - 1));
        }
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void interruptWhileBlockedThrowsAndClearsStatus(Kind kind) throws Exception {
        BlockingQueue<Long> q = kind.factory.apply(1);
        assertInterrupted(() -> q.take());
        assertInterrupted(() -> q.poll(1, TimeUnit.HOURS));
        while (q.offer(1L)) {
            // fill
        }
        assertInterrupted(() -> q.put(2L));
        assertInterrupted(() -> q.offer(2L, 1, TimeUnit.HOURS));
        List<Long> rest = new ArrayList<>();
        q.drainTo(rest);
        assertFalse(rest.contains(2L), "an interrupted put inserts nothing");
        // interrupted before the call: throws even though it could proceed (as ArrayBlockingQueue)
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, q::take);
        assertFalse(Thread.interrupted());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void drainToRules(Kind kind) {
        BlockingQueue<Long> q = kind.factory.apply(8);
        for (long i = 0; i < 5; i++) {
            assertTrue(q.offer(i));
        }
        assertThrows(NullPointerException.class, () -> q.drainTo(null));
        assertThrows(NullPointerException.class, () -> q.drainTo(null, 2));
        assertThrows(IllegalArgumentException.class, () -> q.drainTo(q));
        assertThrows(IllegalArgumentException.class, () -> q.drainTo(q, 2));
        assertEquals(5, q.size(), "a rejected drainTo removes nothing");
        List<Long> out = new ArrayList<>();
        assertEquals(0, q.drainTo(out, 0));
        assertEquals(0, q.drainTo(out, -3));
        assertEquals(2, q.drainTo(out, 2));
        assertEquals(List.of(0L, 1L), out);
        assertEquals(3, q.drainTo(out));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), out);
        assertEquals(0, q.drainTo(out));
        assertEquals(8, q.remainingCapacity());
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void badInput(Kind kind) {
        assertThrows(IllegalArgumentException.class, () -> kind.factory.apply(0));
        assertThrows(IllegalArgumentException.class, () -> kind.factory.apply(-1));
        BlockingQueue<Long> q = kind.factory.apply(4);
        assertThrows(NullPointerException.class, () -> q.offer(null));
        assertThrows(NullPointerException.class, () -> q.put(null));
        assertThrows(NullPointerException.class, () -> q.offer(null, 1, TimeUnit.SECONDS));
        assertThrows(NullPointerException.class, () -> q.offer(1L, 1, null));
        assertThrows(NullPointerException.class, () -> q.poll(1, null));
        assertThrows(NullPointerException.class, () -> q.add(null));
        assertTrue(q.isEmpty());
        assertInstanceOf(ConcurrentQueue.class, q);
    }

    interface Blocking {
        void run() throws InterruptedException;
    }

    /** Runs {@code op} in a thread that blocks, interrupts it, and checks the exception and the status. */
    private static void assertInterrupted(Blocking op) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        boolean[] statusAfter = {true};
        Thread t = new Thread(() -> {
            try {
                op.run();
            } catch (Throwable e) {
                thrown.set(e);
                statusAfter[0] = Thread.currentThread().isInterrupted();
            }
        });
        t.start();
        awaitParked(t);
        t.interrupt();
        t.join();
        assertInstanceOf(InterruptedException.class, thrown.get());
        assertFalse(statusAfter[0], "interrupt status cleared");
    }

    /** Waits until {@code t} is parked (past the spin phase), or gone. */
    static void awaitParked(Thread t) throws InterruptedException {
        CountDownLatch never = new CountDownLatch(1);
        while (t.isAlive() && t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            never.await(1, TimeUnit.MILLISECONDS);
        }
        // parked in our queue, not in SpinPolicy's short timed naps: the blocker says so
        while (t.isAlive() && !(java.util.concurrent.locks.LockSupport.getBlocker(t) instanceof BlockingQueue)) {
            never.await(1, TimeUnit.MILLISECONDS);
        }
    }
}
