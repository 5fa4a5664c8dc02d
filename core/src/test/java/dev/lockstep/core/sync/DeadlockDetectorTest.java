package dev.lockstep.core.sync;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class DeadlockDetectorTest {

    /**
     * Starts n threads; thread i locks lock i, waits for all, then locks lock (i+1) mod n interruptibly:
     * a cycle of n. Returns the threads; the caller interrupts them to clean up.
     */
    private static List<Thread> cycle(ThreadFactory factory, Mutex... locks) {
        int n = locks.length;
        CountDownLatch all = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Mutex mine = locks[i];
            Mutex next = locks[(i + 1) % n];
            Thread t = factory.newThread(() -> {
                mine.lock();
                try {
                    all.countDown();
                    all.await();
                    next.lockInterruptibly();
                    next.unlock();
                } catch (InterruptedException expected) {
                    // cleanup by the test
                } finally {
                    mine.unlock();
                }
            });
            threads.add(t);
        }
        threads.forEach(Thread::start);
        return threads;
    }

    private static List<DeadlockDetector.Deadlock> awaitDeadlock() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<DeadlockDetector.Deadlock> found;
        while ((found = DeadlockDetector.findDeadlocks()).isEmpty()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("no deadlock found");
            }
            Thread.sleep(1);
        }
        return found;
    }

    private static void check(ThreadFactory factory, int n) throws Exception {
        Mutex[] locks = new Mutex[n];
        for (int i = 0; i < n; i++) {
            locks[i] = new Mutex("L" + i);
        }
        List<Thread> threads = cycle(factory, locks);
        try {
            List<DeadlockDetector.Deadlock> found = awaitDeadlock();
            assertEquals(1, found.size(), String.valueOf(found));
            DeadlockDetector.Deadlock d = found.get(0);
            assertEquals(new HashSet<>(threads), new HashSet<>(d.threads()));
            Set<Mutex> expected = Set.of(locks);
            assertEquals(expected, new HashSet<>(d.waitingFor()));
            for (int i = 0; i < n; i++) {
                Thread t = d.threads().get(i);
                Mutex waited = d.waitingFor().get(i);
                assertEquals(d.threads().get((i + 1) % n), waited.getOwner(), d.toString());
                int k = threads.indexOf(t);
                assertEquals(locks[(k + 1) % n], waited, "thread " + k + " waits for its next lock");
            }
            assertTrue(d.toString().contains("waits for L"), d.toString());
        } finally {
            threads.forEach(Thread::interrupt);
            for (Thread t : threads) {
                t.join();
            }
        }
        for (Mutex m : locks) {
            assertFalse(m.isLocked());
        }
        assertTrue(DeadlockDetector.findDeadlocks().isEmpty());
    }

    private static ThreadFactory platform() {
        return r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        };
    }

    @Test
    void abbaOnPlatformThreads() throws Exception {
        check(platform(), 2);
    }

    @Test
    void threeLockCycleOnPlatformThreads() throws Exception {
        check(platform(), 3);
    }

    @Test
    void abbaOnVirtualThreads() throws Exception {
        Assumptions.assumeTrue(Jdk.feature() >= 21, "virtual threads need JDK 21+");
        check(Jdk.virtualThreadFactory(), 2);
    }

    @Test
    void threeLockCycleOnVirtualThreads() throws Exception {
        Assumptions.assumeTrue(Jdk.feature() >= 21, "virtual threads need JDK 21+");
        check(Jdk.virtualThreadFactory(), 3);
    }

    @Test
    void waitingWithoutCycleIsNoDeadlock() throws Exception {
        Mutex m = new Mutex("solo");
        m.lock();
        Thread t = MutexTest.start("waiter", () -> {
            m.lock();
            m.unlock();
        });
        try {
            MutexTest.awaitParkedOn(t, m);
            assertTrue(DeadlockDetector.findDeadlocks().isEmpty());
        } finally {
            m.unlock();
            t.join();
        }
    }
}
