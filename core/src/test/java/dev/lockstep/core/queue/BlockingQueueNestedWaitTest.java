package dev.lockstep.core.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * User code that waits while its thread already waits: {@link PriorityMessageQueue}'s priority
 * function runs on every insertion attempt, also the one a blocked {@code put} makes after its node was
 * linked in the not-full wait set (the waiting layer's re-check). A priority function that itself waits
 * on another blocking queue (a timed {@code poll}) nests a second wait while the thread's node is
 * linked: it must not corrupt either wait set. The put completes once a consumer frees a slot, both
 * queues keep working, and nothing is lost or duplicated.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlockingQueueNestedWaitTest {

    @Test
    void priorityFunctionThatWaitsInsideABlockedPut() throws Exception {
        BlockingQueue<Integer> other = new MpmcBlockingQueue<>(4);
        AtomicInteger nestedWaits = new AtomicInteger();
        PriorityMessageQueue<Integer> q = new PriorityMessageQueue<>(1, e -> {
            if (e == 2) {
                try {
                    assertNull(other.poll(1, TimeUnit.MILLISECONDS)); // a wait, nested in the put of 2
                } catch (InterruptedException ex) {
                    throw new AssertionError(ex);
                }
                nestedWaits.incrementAndGet();
            }
            return 0;
        });
        q.put(1); // full now
        CountDownLatch started = new CountDownLatch(1);
        FutureTask<Void> producer = new FutureTask<>(() -> {
            started.countDown();
            q.put(2); // blocks: its attempts (spin, linked re-check) each run the waiting priority function
            return null;
        });
        Thread t = new Thread(producer, "producer");
        t.start();
        started.await();
        // The producer goes through its spin and its linked re-check (nested waits: TIMED_WAITING), then
        // parks in put (WAITING, untimed) until a slot is freed. A nested wait that reused the linked
        // node would leave it unlinked-but-listed and IDLE: put would then loop without ever parking.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(nestedWaits.get() >= 2 && t.getState() == Thread.State.WAITING)) {
            assertTrue(System.nanoTime() - deadline < 0, "the blocked put never parked: " + t.getState()
                    + ", nested waits " + nestedWaits.get());
            Thread.sleep(1);
        }
        int n = nestedWaits.get();
        Thread.sleep(100);
        assertEquals(n, nestedWaits.get(), "a parked put makes no attempts (no priority function calls)");
        assertEquals(Thread.State.WAITING, t.getState());
        assertEquals(1, q.take());
        try {
            producer.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("put(2) failed", e.getCause());
        }
        assertEquals(2, q.take());
        assertTrue(q.isEmpty());
        // Both wait sets still work: a blocked take on each queue is woken by a put.
        for (BlockingQueue<Integer> b : java.util.List.<BlockingQueue<Integer>>of(q, other)) {
            FutureTask<Integer> consumer = new FutureTask<>(b::take);
            Thread c = new Thread(consumer, "consumer");
            c.start();
            Thread.sleep(20);
            b.put(3);
            assertEquals(3, consumer.get(10, TimeUnit.SECONDS));
            assertTrue(b.isEmpty());
        }
        t.join();
    }
}
