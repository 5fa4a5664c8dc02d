package dev.lockstep.core.lock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Thread-slot assignment and give-back for Peterson, filter and Bakery locks; constructor bounds. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SlotLockTest {

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

    /** Runs {@code action} in a new thread and returns what it threw, or null. */
    private static Throwable inThread(Runnable action) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = Locks.start("slot-user", () -> {
            try {
                action.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.join(10_000);
        assertFalse(t.isAlive());
        return thrown.get();
    }

    @Test
    void aThirdLiveThreadIsRefusedWithAClearMessageAndTheLockIsUntouched() throws Exception {
        PetersonLock lock = new PetersonLock();
        lock.lock();
        lock.unlock();
        CountDownLatch keepAlive = new CountDownLatch(1);
        CountDownLatch registered = new CountDownLatch(1);
        Thread second = Locks.start("second", () -> {
            lock.lock();
            lock.unlock();
            registered.countDown();
            try {
                keepAlive.await();
            } catch (InterruptedException ignored) {
                // exit
            }
        });
        assertTrue(registered.await(10, TimeUnit.SECONDS));
        Throwable third = inThread(lock::lock);
        assertTrue(third instanceof IllegalStateException, "thrown: " + third);
        assertTrue(third.getMessage().contains("at most 2 threads"), third.getMessage());
        assertFalse(lock.isLocked());
        keepAlive.countDown();
        second.join(10_000);
        // The second thread has terminated: its slot is reclaimed by the next newcomer.
        assertEquals(null, inThread(() -> {
            lock.lock();
            lock.unlock();
        }));
    }

    @Test
    void releasedSlotsAreReusedAndCannotBeReleasedWhileHolding() throws Exception {
        FilterLock lock = new FilterLock(2);
        lock.lock();
        assertThrows(IllegalStateException.class, lock::releaseThreadSlot);
        lock.unlock();
        assertTrue(lock.releaseThreadSlot());
        assertFalse(lock.releaseThreadSlot());
        CountDownLatch done = new CountDownLatch(2);
        CountDownLatch stay = new CountDownLatch(1);
        for (int i = 0; i < 2; i++) {
            Locks.start("user-" + i, () -> {
                lock.lock();
                lock.unlock();
                done.countDown();
                try {
                    stay.await();
                } catch (InterruptedException ignored) {
                    // exit
                }
            });
        }
        assertTrue(done.await(10, TimeUnit.SECONDS), "both slots should have been free for two live threads");
        assertThrows(IllegalStateException.class, lock::lock);
        stay.countDown();
    }
}
