package dev.lockstep.core.lock;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link java.util.concurrent.locks.Lock} contract, checked for every lock of the family. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockContractTest {

    /** A thread holding a lock until {@link #release()}. */
    private static final class Holder {
        private final CountDownLatch release = new CountDownLatch(1);
        private Thread thread;

        /**
         * Lets the holder unlock and waits until its thread has ended, so that a slot-based lock's slot
         * is free again for the next thread (a live holder thread keeps its slot).
         */
        void release() throws InterruptedException {
            release.countDown();
            thread.join(10_000);
            assertFalse(thread.isAlive(), "holder did not finish");
        }
    }

    /** Holds {@code lock} in another thread until the returned holder is released. */
    private static Holder holdInAnotherThread(SpinLockBase lock) throws InterruptedException {
        Holder holder = new Holder();
        CountDownLatch held = new CountDownLatch(1);
        holder.thread = Locks.start("holder", () -> {
            lock.lock();
            held.countDown();
            try {
                holder.release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        });
        assertTrue(held.await(10, TimeUnit.SECONDS), "holder did not get the lock");
        return holder;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void lockAndUnlockTrackTheHolder(Locks.Kind kind) {
        SpinLockBase lock = kind.create();
        assertFalse(lock.isLocked());
        lock.lock();
        assertTrue(lock.isLocked());
        assertTrue(lock.isHeldByCurrentThread());
        lock.unlock();
        assertFalse(lock.isLocked());
        assertFalse(lock.isHeldByCurrentThread());
        assertTrue(lock.tryLock());
        lock.unlock();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void tryLockFailsWithoutWaitingWhenHeld(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        Holder holder = holdInAnotherThread(lock);
        assertFalse(lock.tryLock());
        holder.release();
        Locks.assertUsableFromAnotherThread(lock);
        assertTrue(lock.tryLock());
        lock.unlock();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void timedTryLockNeverGivesUpEarly(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        Holder holder = holdInAnotherThread(lock);
        long start = System.nanoTime();
        assertFalse(lock.tryLock(50, TimeUnit.MILLISECONDS));
        long waited = System.nanoTime() - start;
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(50), "gave up after " + waited + " ns");
        assertFalse(lock.tryLock(0, TimeUnit.SECONDS));
        assertFalse(lock.tryLock(-5, TimeUnit.SECONDS));
        holder.release();
        // The timed-out attempts withdrew cleanly: the lock still works for everyone.
        Locks.assertUsableFromAnotherThread(lock);
        assertTrue(lock.tryLock(1, TimeUnit.SECONDS));
        lock.unlock();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void timedTryLockSucceedsWhenReleasedDuringTheWait(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        Holder holder = holdInAnotherThread(lock);
        Locks.start("releaser", () -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException ignored) {
                // released below anyway
            }
            holder.release.countDown();
        });
        assertTrue(lock.tryLock(20, TimeUnit.SECONDS));
        assertTrue(lock.isHeldByCurrentThread());
        lock.unlock();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void lockInterruptiblyThrowsWhenInterruptedWhileWaiting(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        Holder holder = holdInAnotherThread(lock);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = Locks.start("waiter", () -> {
            try {
                lock.lockInterruptibly();
                lock.unlock();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        Locks.awaitParked(waiter);
        waiter.interrupt();
        waiter.join(10_000);
        assertFalse(waiter.isAlive());
        assertTrue(thrown.get() instanceof InterruptedException, "thrown: " + thrown.get());
        holder.release();
        Locks.assertUsableFromAnotherThread(lock);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void timedTryLockThrowsWhenInterruptedWhileWaiting(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        Holder holder = holdInAnotherThread(lock);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread waiter = Locks.start("waiter", () -> {
            try {
                lock.tryLock(1, TimeUnit.HOURS);
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        Locks.awaitParked(waiter);
        waiter.interrupt();
        waiter.join(10_000);
        assertTrue(thrown.get() instanceof InterruptedException, "thrown: " + thrown.get());
        holder.release();
        Locks.assertUsableFromAnotherThread(lock);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void pendingInterruptMakesInterruptibleAcquisitionsThrowAtOnce(Locks.Kind kind) {
        SpinLockBase lock = kind.create();
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, lock::lockInterruptibly);
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> lock.tryLock(1, TimeUnit.SECONDS));
        assertFalse(Thread.interrupted());
        assertFalse(lock.isLocked());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void plainLockIgnoresInterruptsAndKeepsTheStatus(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        Holder holder = holdInAnotherThread(lock);
        AtomicReference<Boolean> statusKept = new AtomicReference<>();
        Thread waiter = Locks.start("waiter", () -> {
            lock.lock();
            statusKept.set(Thread.currentThread().isInterrupted());
            lock.unlock();
        });
        Locks.awaitParked(waiter);
        waiter.interrupt();
        Thread.sleep(20);
        assertTrue(waiter.isAlive(), "lock() must keep waiting when interrupted");
        holder.release();
        waiter.join(10_000);
        assertEquals(Boolean.TRUE, statusKept.get());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void unlockByANonHolderOrOfAFreeLockIsRejected(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        IllegalMonitorStateException free = assertThrows(IllegalMonitorStateException.class, lock::unlock);
        assertTrue(free.getMessage().contains("not locked"), free.getMessage());
        Holder holder = holdInAnotherThread(lock);
        IllegalMonitorStateException other = assertThrows(IllegalMonitorStateException.class, lock::unlock);
        assertTrue(other.getMessage().contains("another thread"), other.getMessage());
        assertTrue(lock.isLocked(), "a rejected unlock must not release the holder's lock");
        holder.release();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void reentrantAcquisitionIsRejectedInsteadOfDeadlocking(Locks.Kind kind) {
        SpinLockBase lock = kind.create();
        lock.lock();
        assertThrows(IllegalMonitorStateException.class, lock::lock);
        assertThrows(IllegalMonitorStateException.class, lock::tryLock);
        lock.unlock();
        assertFalse(lock.isLocked());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void conditionsAreUnsupportedAndPointToTheMutex(Locks.Kind kind) {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> kind.create().newCondition());
        assertTrue(e.getMessage().contains("Mutex"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void nullTimeUnitIsRejected(Locks.Kind kind) {
        assertThrows(NullPointerException.class, () -> kind.create().tryLock(1, null));
    }

    /**
     * Mutual exclusion with more threads than cores (4 on this 2-core machine where the lock allows it),
     * mixing lock(), tryLock() and short timed attempts that give up: no update may be lost and every
     * thread must finish promptly.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#all")
    void oversubscribedMixedAcquisitionsLoseNoUpdate(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        int threads = Math.min(4, kind.maxThreads);
        int perThread = 20_000;
        long[] counter = {0};
        long[] acquired = new long[threads];
        List<Thread> workers = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(Locks.start("worker-" + t, () -> {
                try {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int i = 0; i < perThread; i++) {
                        int how = random.nextInt(8);
                        boolean got;
                        if (how == 0) {
                            got = lock.tryLock();
                        } else if (how == 1) {
                            got = lock.tryLock(random.nextInt(20), TimeUnit.MICROSECONDS);
                        } else {
                            lock.lock();
                            got = true;
                        }
                        if (got) {
                            try {
                                counter[0]++;
                                acquired[id]++;
                            } finally {
                                lock.unlock();
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        for (Thread w : workers) {
            w.join(50_000);
            assertFalse(w.isAlive(), w.getName() + " did not finish");
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        long expected = 0;
        for (long a : acquired) {
            expected += a;
        }
        lock.lock(); // acquire: makes the workers' last plain writes visible
        try {
            assertEquals(expected, counter[0], "lost updates");
        } finally {
            lock.unlock();
        }
        assertTrue(expected >= (long) threads * perThread * 3 / 4, "too few acquisitions: " + expected);
    }
}
