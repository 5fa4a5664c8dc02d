package dev.lockstep.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import java.lang.reflect.Method;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The sleep handshake of the blocking adapters (issue 12; {@code BlockingQueueAdapter}'s notes, "The
 * sleep handshake"): a signaller that publishes by release stores pays no fence unless a waiter asked
 * to sleep, so a publication can miss a request. These tests make that publication by hand (the
 * wrapped ring's own {@code offer}/{@code poll}, which signals nobody: exactly what a waiter sees when
 * the signaller's load of the request missed it) and check that the waiter, whose request nobody
 * acknowledged, finds it by its bounded re-check instead of sleeping for ever; and that the request is
 * withdrawn once nobody waits, so the signaller's fast path is fence-free again.
 */
class BlockingQueueSleepHandshakeTest {
    /** Far above the longest re-check period (100 ms by default), far below "never". */
    private static final long BOUND_MILLIS = 2_000;

    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "the waiter never parked: " + t.getState());
            Thread.sleep(1);
        }
        Thread.sleep(50); // past its first re-checks: the bounded phase's longer periods
    }

    private static void missedPublicationIsFound(BlockingQueueAdapter<Integer> q) throws Exception {
        AtomicReference<Integer> got = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                got.set(q.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        awaitParked(consumer);
        assertTrue(q.sleepRequested(true), "a parked consumer has its sleep request out");
        long start = System.nanoTime();
        assertTrue(q.queue.offer(7)); // the ring only: no acknowledgement, no grant, no unpark
        consumer.join(BOUND_MILLIS);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertFalse(consumer.isAlive(), "lost wake-up: take() still parked " + BOUND_MILLIS
                + " ms after an element it was not signalled for (state " + consumer.getState() + ")");
        assertEquals(7, got.get());
        assertFalse(q.sleepRequested(true), "the request is withdrawn once nobody waits");
        System.out.println(q.getClass().getSimpleName() + ": unsignalled element found after " + waitedMillis + " ms");
    }

    @Test
    void spscTakeFindsAnUnsignalledElementByItsBoundedRecheck() throws Exception {
        missedPublicationIsFound(new SpscBlockingQueue<>(4));
    }

    @Test
    void spmcTakeFindsAnUnsignalledElementByItsBoundedRecheck() throws Exception {
        missedPublicationIsFound(new SpmcBlockingQueue<>(4));
    }

    @Test
    void spscPutFindsAnUnsignalledSlotByItsBoundedRecheck() throws Exception {
        SpscBlockingQueue<Integer> q = new SpscBlockingQueue<>(1);
        assertTrue(q.offer(1));
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                q.put(2);
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        producer.start();
        awaitParked(producer);
        assertTrue(q.sleepRequested(false), "a parked producer has its sleep request out");
        assertEquals(1, q.queue.poll()); // the ring only: the slot is free, nobody is told
        producer.join(BOUND_MILLIS);
        assertFalse(producer.isAlive(), "lost wake-up: put() still parked beside a free slot");
        assertEquals(null, failed.get());
        assertEquals(2, q.poll());
        assertFalse(q.sleepRequested(false), "the request is withdrawn once nobody waits");
    }

    @Test
    void signalledWakeUpAcknowledgesAndWithdraws() throws Exception {
        // The usual path: the producer's offer sees the request, acknowledges and grants.
        SpscBlockingQueue<Integer> q = new SpscBlockingQueue<>(4);
        AtomicReference<Integer> got = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                got.set(q.poll(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        consumer.start();
        awaitParked(consumer);
        assertTrue(q.offer(3));
        consumer.join(BOUND_MILLIS);
        assertFalse(consumer.isAlive());
        assertEquals(3, got.get());
        assertFalse(q.sleepRequested(true));
        assertFalse(q.sleepRequested(false));
    }

    @Test
    void timedPollOfAnIdleQueueTimesOutOnTimeAndWithdraws() throws Exception {
        // The bounded phase honours the caller's deadline: never early, not a re-check period late.
        BlockingQueue<Integer> q = new SpscBlockingQueue<>(4);
        for (long millis : new long[] {1, 7, 30}) {
            long start = System.nanoTime();
            assertEquals(null, q.poll(millis, TimeUnit.MILLISECONDS));
            long took = System.nanoTime() - start;
            assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(millis), "early: " + took + " ns");
        }
        assertFalse(((BlockingQueueAdapter<Integer>) q).sleepRequested(true));
        assertNotNull(q);
    }

    @Test
    void virtualThreadsPingPong() throws Exception {
        // Two virtual threads bounce an element through two SPSC queues: every take parks (its
        // bounded re-check parks too), and each wake-up comes from the other's put (JDK 21+).
        Method ofVirtual;
        try {
            ofVirtual = Thread.class.getMethod("ofVirtual");
        } catch (NoSuchMethodException e) {
            Assumptions.abort("no virtual threads on " + Runtime.version() + " (JDK 21+)");
            return;
        }
        Method start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
        int rounds = Integer.getInteger("lockstep.test.pingPongRounds", 2_000);
        SpscBlockingQueue<Integer> ping = new SpscBlockingQueue<>(1);
        SpscBlockingQueue<Integer> pong = new SpscBlockingQueue<>(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Runnable echo = () -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    pong.put(ping.take());
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        };
        Runnable driver = () -> {
            try {
                for (int i = 0; i < rounds; i++) {
                    ping.put(i);
                    assertEquals(i, pong.poll(BOUND_MILLIS, TimeUnit.MILLISECONDS), "round " + i);
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        };
        Thread a = (Thread) start.invoke(ofVirtual.invoke(null), echo);
        Thread b = (Thread) start.invoke(ofVirtual.invoke(null), driver);
        b.join(60_000);
        a.join(BOUND_MILLIS);
        assertFalse(a.isAlive() || b.isAlive(), "ping-pong stuck");
        assertEquals(null, failed.get());
        for (SpscBlockingQueue<Integer> q : java.util.List.of(ping, pong)) {
            assertFalse(q.sleepRequested(true) || q.sleepRequested(false), "a request left out after the waits");
        }
    }
}
