package dev.lockstep.core.lock;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * More threads than cores on the locks for any number of threads (TAS, TTAS, ticket, CLH, MCS): every
 * thread finishes its rounds within a generous deadline (a hand-over lost to a parked waiter leaves it
 * parked forever and the run misses the deadline) and no update is lost (mutual exclusion).
 * Also 1,000 virtual threads taking turns on each lock (JDK 21+): the waiters park, and unmount, instead
 * of spinning on the few carrier threads.
 *
 * <p>Counts are small for CI; {@code -Dlockstep.lock.oversubscribedRounds=N} (default 2,000 per thread)
 * and {@code -Dlockstep.lock.virtualThreads=N} (default 1,000) run more.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LockOversubscriptionTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = Integer.getInteger("lockstep.lock.oversubscribedRounds", 2_000);
    private static final int VIRTUAL_THREADS = Integer.getInteger("lockstep.lock.virtualThreads", 1_000);
    /** Generous: the whole run takes well under a second when the hand-overs work. */
    private static final long DEADLINE_SECONDS = 60;

    static Stream<Arguments> anyThreads() {
        return Locks.ALL.stream().filter(k -> k.maxThreads == Integer.MAX_VALUE).map(Arguments::of);
    }

    /** Guarded by the lock under test: plain on purpose, so that overlapping critical sections lose updates. */
    private long counter;

    /** One critical section: a read-modify-write of a plain field, checked for overlap. */
    private void critical(AtomicInteger inside, AtomicReference<String> overlap) {
        if (inside.incrementAndGet() != 1) {
            overlap.compareAndSet(null, "two threads inside the critical section at once");
        }
        long c = counter;
        Thread.onSpinWait();
        counter = c + 1;
        inside.decrementAndGet();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("anyThreads")
    void eightThreadsOnTwoCoresFinishAndLoseNoUpdate(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        AtomicInteger inside = new AtomicInteger();
        AtomicReference<String> overlap = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            threads.add(Locks.start("worker-" + t, () -> {
                try {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        lock.lock();
                        try {
                            critical(inside, overlap);
                        } finally {
                            lock.unlock();
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }));
        }
        start.countDown();
        boolean finished = done.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            fail(kind + ": " + done.getCount() + " of " + THREADS + " threads still waiting after "
                    + DEADLINE_SECONDS + " s (a lost hand-over?); states: " + states(threads));
        }
        assertEquals(null, overlap.get());
        assertEquals((long) THREADS * ROUNDS, counter, kind + " lost updates");
        assertTrue(!lock.isLocked(), kind + " still locked");
    }

    /**
     * Eight threads mixing {@code lock()} with timed attempts that often give up (a zero or a few-
     * microsecond timeout), so that waiters withdraw from the queue while their neighbours are parked:
     * a withdrawing waiter must pass the wake-up on (CLH: to its successor; MCS: the releaser skips it).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("anyThreads")
    void parkedWaitersSurviveNeighboursThatGiveUp(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        AtomicInteger inside = new AtomicInteger();
        AtomicReference<String> overlap = new AtomicReference<>();
        AtomicInteger acquired = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            boolean quitter = t % 2 == 1;
            threads.add(Locks.start("worker-" + t, () -> {
                try {
                    start.await();
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < ROUNDS / 2; i++) {
                        boolean got;
                        if (quitter) {
                            got = lock.tryLock(random.nextInt(20_000), TimeUnit.NANOSECONDS);
                        } else {
                            lock.lock();
                            got = true;
                        }
                        if (got) {
                            try {
                                critical(inside, overlap);
                                acquired.incrementAndGet();
                            } finally {
                                lock.unlock();
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }));
        }
        start.countDown();
        if (!done.await(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
            fail(kind + ": " + done.getCount() + " of " + THREADS + " threads still waiting after "
                    + DEADLINE_SECONDS + " s (a lost hand-over?); states: " + states(threads));
        }
        assertEquals(null, overlap.get());
        assertEquals(acquired.get(), counter, kind + " lost updates");
        assertTrue(acquired.get() >= THREADS / 2 * (ROUNDS / 2), "every lock() call acquired");
        Locks.assertUsableFromAnotherThread(lock);
    }

    /**
     * 1,000 virtual threads, each taking the lock a few times and yielding while it holds it, so that
     * the others queue up and park (JDK 21+).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("anyThreads")
    void thousandVirtualThreadsTakeTurns(Locks.Kind kind) throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need JDK 21+; running on JDK " + Runtime.version().feature());
        SpinLockBase lock = kind.create();
        AtomicInteger inside = new AtomicInteger();
        AtomicReference<String> overlap = new AtomicReference<>();
        int rounds = 5;
        ExecutorService pool = virtualThreadPerTask();
        try {
            List<Future<?>> futures = new ArrayList<>(VIRTUAL_THREADS);
            for (int i = 0; i < VIRTUAL_THREADS; i++) {
                futures.add(pool.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        lock.lock();
                        try {
                            critical(inside, overlap);
                            // The holder unmounts (virtual threads are not time-sliced): the other
                            // virtual threads then queue up behind it and must park, not spin, so that
                            // it gets a carrier back.
                            Thread.yield();
                        } finally {
                            lock.unlock();
                        }
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DEADLINE_SECONDS);
            int finished = 0;
            for (Future<?> f : futures) {
                try {
                    f.get(Math.max(1L, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    finished++;
                } catch (TimeoutException e) {
                    fail(kind + ": only " + finished + " of " + VIRTUAL_THREADS + " virtual threads finished within "
                            + DEADLINE_SECONDS + " s");
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(null, overlap.get());
        assertEquals((long) VIRTUAL_THREADS * rounds, counter, kind + " lost updates");
    }

    private static String states(List<Thread> threads) {
        StringBuilder b = new StringBuilder();
        for (Thread t : threads) {
            b.append(t.getName()).append('=').append(t.getState()).append(' ');
        }
        return b.toString();
    }

    private static ExecutorService virtualThreadPerTask() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
