package dev.lockstep.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.lockstep.core.internal.WaitNode;
import org.junit.jupiter.api.Test;

/**
 * The park-convoy breaker of the blocking adapters (issue 12; {@code BlockingQueueAdapter}'s notes, "Park
 * convoy"): a waiter about to park yields, boundedly, while the waiter it woke on the other side is
 * granted but has not run yet, instead of parking before that thread runs (which made the two sides
 * of an SPSC pair take turns sleeping for ever). The yields end at the deadline and at an interrupt,
 * and cost nothing when the other side is idle.
 */
class BlockingQueueConvoyTest {
    private static final long BOUND_MILLIS = 5_000;

    /**
     * A started daemon thread that only waits, for ever: its node is granted by the tests and never runs
     * the grant (an unpark from a grant wakes it spuriously: it waits again).
     */
    private static final Thread BYSTANDER = startBystander();

    private static Thread startBystander() {
        CountDownLatch never = new CountDownLatch(1);
        Thread t = new Thread(() -> {
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A full SPSC queue of capacity 2 whose producer's node (of a thread that never runs the grant) was
     * granted by the consumer's poll, and which the consumer then emptied: a consumer that waits now
     * meets the convoy's state, "the waiter I woke has not run yet".
     */
    private static SpscBlockingQueue<Integer> wokenProducerPending(Thread producer) {
        return wokenProducerPending(new SpscBlockingQueue<>(2), producer);
    }

    private static <Q extends BlockingQueueAdapter<Integer>> Q wokenProducerPending(Q q, Thread producer) {
        assertTrue(q.offer(1));
        assertTrue(q.offer(2));
        WaitNode node = WaitNode.unregistered(producer);
        assertFalse(q.announceThenOffer(node, 3, new boolean[1]), "the probe's offer finds the queue full");
        assertEquals(1, q.poll()); // sees the producer's sleep request: grants its node
        assertTrue(BlockingQueueAdapter.isGranted(node), "the consumer's poll granted the producer's node");
        assertEquals(2, q.poll());
        return q;
    }

    @Test
    void waiterYieldsWhileTheThreadItWokeHasNotRunThenHonoursItsDeadline() throws Exception {
        SpscBlockingQueue<Integer> q = wokenProducerPending(BYSTANDER);
        long millis = 300;
        long start = System.nanoTime();
        assertNull(q.poll(millis, TimeUnit.MILLISECONDS));
        long took = System.nanoTime() - start;
        assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(millis), "early: " + took + " ns");
        assertTrue(took < TimeUnit.MILLISECONDS.toNanos(millis + BOUND_MILLIS), "late: " + took + " ns");
        long yields = q.convoyYields(true);
        long parks = q.convoyParks(true);
        System.out.println("pending woken producer: consumer yielded " + yields + " times, convoy parks "
                + parks + ", waited " + TimeUnit.NANOSECONDS.toMillis(took) + " ms");
        assertTrue(yields > 0, "the consumer parked at once although the producer it woke had not run");
        assertTrue(yields <= BlockingQueueAdapter.CONVOY_YIELDS, "unbounded yields: " + yields);
        // Parked after spending its yields, or stopped yielding at the deadline (a loaded machine).
        assertTrue(parks == 1 && yields == BlockingQueueAdapter.CONVOY_YIELDS
                || parks == 0 && yields < BlockingQueueAdapter.CONVOY_YIELDS, yields + " / " + parks);
        assertFalse(q.sleepRequested(true), "the request is withdrawn once nobody waits");
    }

    @Test
    void multiThreadedKindsParkWithoutYielding() throws Exception {
        // The breaker is SPSC's only (one thread per side): an MPMC consumer in the same state parks as
        // before, without yields.
        MpmcBlockingQueue<Integer> q = wokenProducerPending(new MpmcBlockingQueue<>(2), BYSTANDER);
        assertNull(q.poll(50, TimeUnit.MILLISECONDS));
        assertEquals(0, q.convoyYields(true), "an MPMC consumer yielded for a pending producer");
        assertEquals(0, q.convoyParks(true));
    }

    @Test
    void interruptEndsTheWaitWhileTheWokenThreadHasNotRun() throws Exception {
        SpscBlockingQueue<Integer> q = wokenProducerPending(BYSTANDER);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            try {
                outcome.set(new AssertionError("took " + q.take()));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        // The consumer thread must be the queue's one consumer: the probe's polls ran on this thread,
        // but they are over (happens-before through start()).
        consumer.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        while (q.convoyYields(true) == 0 && consumer.isAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // until it yields (or has parked after its yields)
        }
        consumer.interrupt();
        consumer.join(BOUND_MILLIS);
        assertFalse(consumer.isAlive(), "take() ignored the interrupt");
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
        assertTrue(q.convoyYields(true) > 0, "the consumer never yielded for the pending producer");
        assertFalse(q.sleepRequested(true), "the request is withdrawn once nobody waits");
    }

    @Test
    void noYieldsAndLittleCpuWhenTheOtherSideIsIdle() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadCpuTimeSupported(), "no thread CPU time on this JVM");
        if (!mx.isThreadCpuTimeEnabled()) {
            mx.setThreadCpuTimeEnabled(true);
        }
        // A real wake-up first: the producer blocks on the full queue, the consumer's take grants it, the
        // producer runs (its node back to IDLE) and ends. Then the consumer waits on an empty queue whose
        // producer is gone: the node it woke has run, so nothing to yield for.
        SpscBlockingQueue<Integer> q = new SpscBlockingQueue<>(1);
        Thread producer = new Thread(() -> {
            try {
                q.put(1);
                q.put(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        producer.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
        while (!q.sleepRequested(false) && producer.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        AtomicReference<Throwable> failed = new AtomicReference<>();
        CountDownLatch drained = new CountDownLatch(1);
        Thread consumer = new Thread(() -> {
            try {
                assertEquals(1, q.take());
                assertEquals(2, q.take());
                drained.countDown();
                q.take(); // nobody produces any more: the idle wait measured below
            } catch (InterruptedException e) {
                // the end of the measurement
            } catch (Throwable e) {
                failed.set(e);
                drained.countDown();
            }
        });
        consumer.start();
        assertTrue(drained.await(BOUND_MILLIS, TimeUnit.MILLISECONDS));
        producer.join(BOUND_MILLIS);
        assertFalse(producer.isAlive());
        Thread.sleep(200); // settled into the idle wait
        long yields = q.convoyYields(true);
        long cpu0 = mx.getThreadCpuTime(consumer.getId());
        long t0 = System.nanoTime();
        Thread.sleep(500);
        long cpu = mx.getThreadCpuTime(consumer.getId()) - cpu0;
        long wall = System.nanoTime() - t0;
        consumer.interrupt();
        consumer.join(BOUND_MILLIS);
        assertFalse(consumer.isAlive());
        assertNull(failed.get());
        System.out.println("idle consumer: " + cpu / 1000 + " us CPU in " + wall / 1_000_000 + " ms, yields "
                + q.convoyYields(true));
        assertEquals(yields, q.convoyYields(true), "the idle consumer yielded although the producer it woke had run");
        // 10 re-checks a second (the sleep handshake's bounded phase) cost well under 1% of a core.
        assertTrue(cpu < wall / 20, "idle wait burned " + cpu + " ns of CPU in " + wall + " ns");
    }

    @Test
    void consumerDoesNotParkBeforeTheProducerItWokeRuns() throws Exception {
        // The convoy's step with real threads: the producer parks on a full queue; the consumer drains it
        // (its first poll grants the producer) and calls take() long before a futex wake-up lets the
        // producer run. Without the breaker the consumer parks right then, with the producer still
        // pending (counted in convoyParks), every round; with it, it yields until the producer runs.
        int capacity = 8;
        int rounds = Integer.getInteger("lockstep.test.convoyRounds", 60);
        SpscBlockingQueue<Integer> q = new SpscBlockingQueue<>(capacity);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < rounds * (capacity + 1) + capacity; i++) {
                    q.put(i);
                }
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        producer.setDaemon(true);
        producer.start();
        int expected = 0;
        for (int r = 0; r < rounds; r++) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MILLIS);
            while (!(q.size() == capacity && q.sleepRequested(false) && parked(producer))) {
                assertTrue(System.nanoTime() < deadline, "the producer never parked on the full queue");
                Thread.sleep(1);
            }
            for (int i = 0; i < capacity; i++) {
                assertEquals(expected++, q.poll());
            }
            assertEquals(expected++, q.poll(BOUND_MILLIS, TimeUnit.MILLISECONDS));
        }
        producer.join(BOUND_MILLIS);
        assertNull(failed.get());
        long parks = q.convoyParks(true);
        System.out.println("convoy parks " + parks + " in " + rounds + " rounds, yields " + q.convoyYields(true));
        assertTrue(parks <= rounds / 4, "the consumer parked before the producer it woke ran, in "
                + parks + " of " + rounds + " rounds");
    }

    private static boolean parked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }
}
