package dev.lockstep.core.queue;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link ThreadPoolExecutor} over every blocking queue kind (issue 10, defect 4): {@code execute},
 * {@code remove(task)}, {@code purge()}, {@code shutdownNow()} returning the tasks never run, and every
 * task run at most once (exactly once unless removed or returned).
 *
 * <p>A pool's workers are several consumer threads, and {@code shutdownNow}, {@code remove} and
 * {@code purge} take tasks out from the calling thread: another consumer. So:
 * <ul>
 *   <li>MPMC and PriorityMessageQueue: the whole test (any number of workers, removal supported);</li>
 *   <li>SPMC: many workers, but the test thread is the only one calling {@code execute} (single
 *       producer); the ring cannot remove from the middle, so {@code remove(task)} and {@code purge()}
 *       throw {@link UnsupportedOperationException}, as the class javadoc says;</li>
 *   <li>SPSC and MPSC: a single-consumer queue can only serve a pool of one worker that nothing else
 *       consumes from: {@code shutdownNow}, {@code remove} and {@code purge} would be a second consumer
 *       (the class javadoc says so); the test runs tasks through a one-worker pool with
 *       {@code shutdown()}.</li>
 * </ul>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BlockingQueueThreadPoolTest {
    record Kind(String name, IntFunction<BlockingQueue<Runnable>> factory, boolean multiConsumer,
                boolean removal) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Kind> kinds() {
        return Stream.of(
                new Kind("SpscBlockingQueue", SpscBlockingQueue::new, false, false),
                new Kind("MpscBlockingQueue", MpscBlockingQueue::new, false, false),
                new Kind("SpmcBlockingQueue", SpmcBlockingQueue::new, true, false),
                new Kind("MpmcBlockingQueue", MpmcBlockingQueue::new, true, true),
                new Kind("PriorityMessageQueue", c -> new PriorityMessageQueue<>(c, r -> 0), true, true));
    }

    /** Runs counted by task id: each at most once. */
    private final ConcurrentHashMap<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();

    private Runnable task(int id) {
        return new Runnable() {
            @Override
            public void run() {
                runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            }

            @Override
            public String toString() {
                return "task" + id;
            }
        };
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void executeRemovePurgeShutdownNow(Kind kind) throws Exception {
        if (!kind.multiConsumer) {
            oneWorkerPool(kind);
            return;
        }
        BlockingQueue<Runnable> q = kind.factory.apply(64);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 1, TimeUnit.MINUTES, q);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch bothBusy = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            pool.execute(() -> {
                bothBusy.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // shutdownNow interrupts the workers
                }
            });
        }
        assertTrue(bothBusy.await(30, TimeUnit.SECONDS));
        List<Runnable> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Runnable t = task(i);
            pool.execute(t); // both workers busy: queued
            queued.add(t);
        }
        FutureTask<Void> cancelled = new FutureTask<>(task(99), null);
        pool.execute(cancelled);
        assertTrue(cancelled.cancel(false));
        assertEquals(11, q.size());
        assertTrue(q.contains(queued.get(3)));
        if (kind.removal) {
            assertTrue(pool.remove(queued.get(3)), "ThreadPoolExecutor.remove(task)");
            assertFalse(q.contains(queued.get(3)));
            assertFalse(pool.remove(queued.get(3)), "already removed");
            pool.purge(); // removes the cancelled future through the queue's iterator
            assertFalse(q.contains(cancelled), "purge removed the cancelled task");
            queued.remove(3);
        } else {
            assertThrows(UnsupportedOperationException.class, () -> pool.remove(queued.get(3)));
            assertThrows(UnsupportedOperationException.class, pool::purge);
            queued.add(cancelled); // stays queued, and comes back from shutdownNow
        }
        List<Runnable> undrained = pool.shutdownNow();
        release.countDown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(new HashSet<>(queued), new HashSet<>(undrained), "shutdownNow returns exactly the queued tasks");
        assertEquals(queued.size(), undrained.size(), "no task returned twice");
        assertTrue(runs.isEmpty(), "no queued task ran: " + runs);
        assertTrue(q.isEmpty());
    }

    /** Many tasks through the pool, each run exactly once (the queue under real worker contention). */
    @ParameterizedTest
    @MethodSource("kinds")
    void everyTaskRunsExactlyOnce(Kind kind) throws Exception {
        BlockingQueue<Runnable> q = kind.factory.apply(256);
        int workers = kind.multiConsumer ? 3 : 1;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(workers, workers, 1, TimeUnit.MINUTES, q);
        // CI: 2,000 tasks (a second or two); -Dlockstep.tpe.tasks=200000 for a long run.
        int n = Integer.getInteger("lockstep.tpe.tasks", 2_000);
        for (int i = 0; i < n; i++) {
            Runnable t = task(i);
            // put when full (execute rejects when the queue is full and no worker can be added)
            while (true) {
                try {
                    pool.execute(t);
                    break;
                } catch (java.util.concurrent.RejectedExecutionException full) {
                    Thread.yield(); // queue full: let the workers run (2 cores)
                }
            }
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(n, runs.size());
        runs.forEach((id, count) -> assertEquals(1, count.get(), "task " + id));
    }

    private void oneWorkerPool(Kind kind) throws Exception {
        BlockingQueue<Runnable> q = kind.factory.apply(64);
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.MINUTES, q);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        pool.execute(() -> {
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(busy.await(30, TimeUnit.SECONDS));
        List<Runnable> queued = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Runnable t = task(i);
            pool.execute(t);
            queued.add(t);
        }
        assertEquals(10, q.size());
        assertTrue(q.contains(queued.get(3)), "contains (the iterator) works on every kind");
        assertFalse(q.contains(task(3)), "a different task object");
        assertEquals(queued, List.of(q.toArray()), "toArray in queue order");
        pool.shutdown();
        release.countDown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        assertEquals(10, runs.size());
        runs.forEach((id, count) -> assertEquals(1, count.get(), "task " + id));
    }
}
