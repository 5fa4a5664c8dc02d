package dev.lockstep.core.queue;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every queue with as many producers and consumers as its kind allows (3 where it allows several),
 * 1,200,000 elements in all through a small ring (so it is full and empty often), half of the threads
 * using the single-element methods and half the batch methods. Checks: every element delivered exactly
 * once (no loss, no duplication), each consumer sees each producer's elements in the order produced,
 * and size() stays within [0, capacity] while it runs.
 */
class ArrayQueueStressTest {
    static final int TOTAL = 1_200_000;
    static final int THREADS_WHEN_MULTI = 3;

    @ParameterizedTest
    @EnumSource(QueueKind.class)
    @Timeout(30)
    void everyElementExactlyOnceInPerProducerOrder(QueueKind kind) throws Exception {
        ConcurrentQueue<Long> q = kind.create(64);
        runStress(q, kind.multiProducer ? THREADS_WHEN_MULTI : 1, kind.multiConsumer ? THREADS_WHEN_MULTI : 1,
                q.capacity());
    }

    /** @param maxSize the bound size() must respect (the capacity, or Integer.MAX_VALUE if unbounded) */
    static void runStress(ConcurrentQueue<Long> q, int producers, int consumers, int maxSize) throws Exception {
        final int perProducer = TOTAL / producers;
        final int total = perProducer * producers;
        final AtomicIntegerArray seen = new AtomicIntegerArray(total);
        final AtomicLong consumed = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final int capacity = maxSize;
        List<Thread> threads = new ArrayList<>();
        for (int id = 0; id < producers; id++) {
            final int producer = id;
            final boolean batch = id % 2 == 1;
            threads.add(new Thread(() -> {
                long next = 0;
                while (next < perProducer) {
                    if (batch) {
                        final long[] cursor = {next};
                        int n = q.fill(() -> ((long) producer << 32) | cursor[0]++,
                                (int) Math.min(7, perProducer - next));
                        next += n;
                        if (n == 0) {
                            Thread.yield();
                        }
                    } else if (q.offer(((long) producer << 32) | next)) {
                        next++;
                    } else {
                        Thread.yield();
                    }
                }
            }, "producer-" + id));
        }
        for (int id = 0; id < consumers; id++) {
            final boolean batch = id % 2 == 1;
            threads.add(new Thread(() -> {
                final long[] last = new long[producers];
                java.util.Arrays.fill(last, -1);
                java.util.function.Consumer<Long> check = v -> {
                    int producer = (int) (v >>> 32);
                    long seq = v & 0xFFFF_FFFFL;
                    if (seq <= last[producer]) {
                        throw new AssertionError("producer " + producer + " out of order: " + seq
                                + " after " + last[producer]);
                    }
                    last[producer] = seq;
                    if (seen.getAndIncrement(producer * perProducer + (int) seq) != 0) {
                        throw new AssertionError("duplicate element " + producer + ":" + seq);
                    }
                    consumed.incrementAndGet();
                };
                while (consumed.get() < total && failure.get() == null) {
                    int n;
                    if (batch) {
                        n = q.drain(check, 5);
                    } else {
                        Long v = q.poll();
                        n = v == null ? 0 : 1;
                        if (v != null) {
                            check.accept(v);
                        }
                    }
                    if (n == 0) {
                        Thread.yield();
                    }
                }
            }, "consumer-" + id));
        }
        Thread observer = new Thread(() -> {
            while (consumed.get() < total && failure.get() == null) {
                int size = q.size();
                if (size < 0 || size > capacity) {
                    failure.compareAndSet(null, new AssertionError("size() out of [0, " + capacity + "]: " + size));
                }
                Thread.yield();
            }
        }, "size-observer");
        threads.add(observer);
        for (Thread t : threads) {
            t.setUncaughtExceptionHandler((th, ex) -> failure.compareAndSet(null, ex));
            t.setDaemon(true);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError("failed in a worker thread", failure.get());
        }
        assertEquals(total, consumed.get());
        for (int i = 0; i < total; i++) {
            if (seen.get(i) != 1) {
                throw new AssertionError("element " + i + " seen " + seen.get(i) + " times");
            }
        }
        assertNull(q.poll(), "queue must be empty at the end");
        assertEquals(0, q.size());
        assertTrue(q.isEmpty());
    }
}
