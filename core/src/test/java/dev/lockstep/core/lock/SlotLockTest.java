package dev.lockstep.core.lock;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Thread slots of the Peterson, filter and Bakery locks: a slot is held only from acquisition to
 * release, so any number of threads (pools, virtual threads) may use a lock, at most {@code maxThreads}
 * of them contending at once; a thread that dies holding the lock keeps it held. Constructor bounds.
 *
 * <p>{@code -Dlockstep.slotlock.virtualThreads=N} sets the number of virtual threads (default 10,000).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SlotLockTest {
    private static final int VIRTUAL_THREADS = Integer.getInteger("lockstep.slotlock.virtualThreads", 10_000);

    /** The three slot locks, each with two slots (the fewest): the cases where slots run out soonest. */
    private static List<Supplier<SlotLockBase>> twoSlotLocks() {
        return List.of(PetersonLock::new, () -> new FilterLock(2), () -> new BakeryLock(2));
    }

    @Test
    void constructorsRejectSizesOutOfRangeNamingTheValue() {
        for (int bad : new int[]{-1, 0, 1, FilterLock.MAX_THREADS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FilterLock(bad));
            assertTrue(e.getMessage().contains("was " + bad), e.getMessage());
        }
        for (int bad : new int[]{Integer.MIN_VALUE, 0, 1, BakeryLock.MAX_THREADS + 1}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BakeryLock(bad));
            assertTrue(e.getMessage().contains("was " + bad), e.getMessage());
        }
        assertEquals(FilterLock.MAX_THREADS, new FilterLock(FilterLock.MAX_THREADS).maxThreads());
        assertEquals(BakeryLock.DEFAULT_MAX_THREADS, new BakeryLock().maxThreads());
        assertEquals(2, new PetersonLock().maxThreads());
    }

    /** Runs {@code action} in a new thread, waits for it to end, and returns what it threw, or null. */
    private static Throwable inThread(Runnable action) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Locks.start("slot-user", () -> {
            try {
                action.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.join(20_000);
        assertFalse(t.isAlive());
        return thrown.get();
    }

    /**
     * Regression (issue 10, defect 9): threads that used the lock once and are still alive (a pool's
     * idle workers) used to keep their slots, so the third live thread got IllegalStateException with
     * nobody contending.
     */
    @Test
    void moreLiveThreadsThanSlotsUseTheLockOneAfterAnother() throws Exception {
        for (Supplier<SlotLockBase> factory : twoSlotLocks()) {
            SlotLockBase lock = factory.get();
            CountDownLatch stayAlive = new CountDownLatch(1);
            List<Thread> idle = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                CountDownLatch used = new CountDownLatch(1);
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                idle.add(Locks.start("idle-" + i, () -> {
                    try {
                        lock.lock();
                        lock.unlock();
                    } catch (Throwable e) {
                        thrown.set(e);
                    }
                    used.countDown();
                    try {
                        stayAlive.await();
                    } catch (InterruptedException ignored) {
                        // exit
                    }
                }));
                assertTrue(used.await(10, TimeUnit.SECONDS));
                assertNull(thrown.get(), lock.getClass().getSimpleName() + ", live thread " + (i + 1));
            }
            assertFalse(lock.isLocked());
            stayAlive.countDown();
            for (Thread t : idle) {
                t.join(10_000);
            }
        }
    }

    /**
     * Regression (issue 10, defect 9): a thread that died holding the lock used to lose its slot to the
     * next thread that found none free, which then entered the critical section the dead thread still
     * held. The lock must stay held, as any lock does when its holder dies without unlocking.
     */
    @Test
    void aThreadThatDiesHoldingTheLockLeavesItHeld() throws Exception {
        for (Supplier<SlotLockBase> factory : twoSlotLocks()) {
            SlotLockBase lock = factory.get();
            assertNull(inThread(lock::lock)); // the holder terminates without unlocking
            assertTrue(lock.isLocked());
            CountDownLatch stayAlive = new CountDownLatch(1);
            List<Thread> others = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                AtomicReference<Object> got = new AtomicReference<>();
                CountDownLatch tried = new CountDownLatch(1);
                others.add(Locks.start("other-" + i, () -> {
                    try {
                        got.set(lock.tryLock() || lock.tryLock(20, TimeUnit.MILLISECONDS));
                    } catch (Throwable e) {
                        got.set(e);
                    }
                    tried.countDown();
                    try {
                        stayAlive.await(); // stay alive, as pool workers do
                    } catch (InterruptedException ignored) {
                        // exit
                    }
                }));
                assertTrue(tried.await(10, TimeUnit.SECONDS));
                assertEquals(Boolean.FALSE, got.get(), lock.getClass().getSimpleName()
                        + ": thread " + i + " must not get a lock held by a dead thread");
            }
            stayAlive.countDown();
            for (Thread t : others) {
                t.join(10_000);
            }
        }
    }

    /** With every slot taken by a contender, tryLock fails (no exception) and lock() waits for a slot. */
    @Test
    void whenAllSlotsAreTakenTryLockFailsAndLockWaitsForASlot() throws Exception {
        PetersonLock lock = new PetersonLock();
        lock.lock();
        CountDownLatch secondHolds = new CountDownLatch(1);
        CountDownLatch secondMayGo = new CountDownLatch(1);
        Thread second = Locks.start("second", () -> {
            lock.lock(); // takes the second slot and waits
            secondHolds.countDown();
            try {
                secondMayGo.await();
            } catch (InterruptedException ignored) {
                // go on
            }
            lock.unlock();
        });
        Thread.sleep(50); // let the second thread take its slot (not needed for correctness)
        AtomicReference<Object> third = new AtomicReference<>();
        assertNull(inThread(() -> {
            try {
                long t0 = System.nanoTime();
                boolean got = lock.tryLock() || lock.tryLock(30, TimeUnit.MILLISECONDS);
                third.set(got ? "acquired" : System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30)
                        ? "timed out" : "early");
            } catch (InterruptedException e) {
                third.set(e);
            }
        }));
        assertEquals("timed out", third.get());
        Thread waiter = Locks.start("third", () -> {
            lock.lock();
            lock.unlock();
        });
        lock.unlock();
        assertTrue(secondHolds.await(10, TimeUnit.SECONDS));
        secondMayGo.countDown();
        second.join(10_000);
        waiter.join(10_000);
        assertFalse(waiter.isAlive(), "a thread waiting for a slot must get one when a holder leaves");
        assertFalse(lock.isLocked());
    }

    /** Interrupting a thread that waits for a slot makes lockInterruptibly throw, and frees nothing else. */
    @Test
    void waitingForASlotIsInterruptible() throws Exception {
        PetersonLock lock = new PetersonLock();
        lock.lock();
        CountDownLatch release = new CountDownLatch(1);
        Thread second = Locks.start("second", () -> {
            lock.lock();
            try {
                release.await();
            } catch (InterruptedException ignored) {
                // go on
            }
            lock.unlock();
        });
        Thread.sleep(50);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread third = Locks.start("third", () -> {
            try {
                lock.lockInterruptibly();
                lock.unlock();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        Thread.sleep(50);
        third.interrupt();
        third.join(10_000);
        assertTrue(thrown.get() instanceof InterruptedException, "thrown: " + thrown.get());
        lock.unlock();
        release.countDown();
        second.join(10_000);
        assertFalse(second.isAlive());
        assertFalse(lock.isLocked());
    }

    /** A fixed pool of more workers than slots: every task gets the lock, exclusion holds. */
    @Test
    void aPoolOfMoreThreadsThanSlots() throws Exception {
        for (Supplier<SlotLockBase> factory : List.<Supplier<SlotLockBase>>of(
                PetersonLock::new, () -> new FilterLock(3), () -> new BakeryLock(3))) {
            SlotLockBase lock = factory.get();
            ExecutorService pool = Executors.newFixedThreadPool(3 * lock.maxThreads());
            try {
                assertEquals(4000, turns(lock, pool, 4000), lock.getClass().getSimpleName());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * Regression (issue 10, defect 9): {@value #VIRTUAL_THREADS_DOC} virtual threads, each taking the lock
     * once (JDK 21+).
     */
    @Test
    void tenThousandVirtualThreadsTakeTurns() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21,
                "virtual threads need JDK 21+; running on JDK " + Runtime.version().feature());
        for (Supplier<SlotLockBase> factory : twoSlotLocks()) {
            SlotLockBase lock = factory.get();
            ExecutorService pool = virtualThreadPerTask();
            try {
                assertEquals(VIRTUAL_THREADS, turns(lock, pool, VIRTUAL_THREADS), lock.getClass().getSimpleName());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static final String VIRTUAL_THREADS_DOC = "10,000";

    private static int counter; // guarded by the lock under test: plain on purpose

    /** Runs {@code tasks} tasks on {@code pool}, each incrementing a plain counter under the lock. */
    private static int turns(SlotLockBase lock, ExecutorService pool, int tasks) throws Exception {
        counter = 0;
        List<Future<?>> futures = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            futures.add(pool.submit(() -> {
                lock.lock();
                try {
                    int c = counter;
                    Thread.onSpinWait();
                    counter = c + 1;
                } finally {
                    lock.unlock();
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get(50, TimeUnit.SECONDS); // rethrows what a task threw (IllegalStateException before the fix)
        }
        lock.lock();
        try {
            return counter;
        } finally {
            lock.unlock();
        }
    }

    private static ExecutorService virtualThreadPerTask() {
        try {
            return (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

}
