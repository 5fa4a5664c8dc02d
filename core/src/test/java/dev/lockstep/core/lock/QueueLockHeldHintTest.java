package dev.lockstep.core.lock;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.Lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The "next in line, spin" hint of the queue locks: a thread that takes a free lock publishes its node
 * in the tail already marked held (CLH: {@code held}; MCS: {@code GRANTED}), so a thread that reads the
 * tail while it is held never sees a waiter's node there and never parks at once behind a running
 * holder (at 2 threads on 2 cores that park turned every such hand-over into a wake-up). One thread
 * takes and releases the free lock in a loop while another samples the tail.
 * {@code -Dlockstep.test.hintMillis} sets the sampling time (default 300 ms).
 */
class QueueLockHeldHintTest {
    private static final long MILLIS = Long.getLong("lockstep.test.hintMillis", 300L);

    @Test
    void clhPublishesTheHoldersNodeMarkedHeld() throws InterruptedException {
        ClhLock lock = new ClhLock();
        check(lock, lock::tailLooksLikeAWaiterForTest);
    }

    @Test
    void mcsPublishesTheHoldersNodeGranted() throws InterruptedException {
        McsLock lock = new McsLock();
        check(lock, lock::tailLooksLikeAWaiterForTest);
    }

    /**
     * CLH: a parked waiter that has just been handed the lock (its predecessor RELEASED) but has not run
     * yet is the holder for a thread that arrives now, which must see it as such (and spin as next in
     * line) rather than as a waiter's node (and park at once: at 2 threads that turned every following
     * hand-over into a wake-up, a convoy). The check runs right after the unlock that unparks the
     * waiter, before the waiter can have run; once it has run its node is marked held anyway.
     */
    @Test
    void clhSeesAHandedOverParkedWaiterAsTheHolder() throws InterruptedException {
        for (int rep = 0; rep < 10; rep++) {
            ClhLock lock = new ClhLock();
            lock.lock();
            CountDownLatch acquired = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            Thread waiter = new Thread(() -> {
                lock.lock();
                try {
                    acquired.countDown();
                    done.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    lock.unlock();
                }
            }, "hint-waiter");
            waiter.start();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (waiter.getState() != Thread.State.WAITING) { // parked in lock() after its bounded spins
                assertTrue(System.nanoTime() - end < 0, "the waiter did not park within 10 s");
                Thread.sleep(1);
            }
            lock.unlock(); // hands the lock to the parked waiter and unparks it
            boolean looksLikeAWaiter = lock.tailLooksLikeAWaiterForTest();
            assertTrue(acquired.await(10, TimeUnit.SECONDS), "the waiter acquired");
            done.countDown();
            waiter.join();
            assertFalse(looksLikeAWaiter, "repetition " + rep + ": the handed-over waiter's node looked like a waiter's");
        }
    }

    private static void check(Lock lock, BooleanSupplier looksLikeAWaiter) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        long[] acquisitions = new long[1];
        Thread holder = new Thread(() -> {
            long n = 0;
            while (!stop.get()) {
                for (int i = 0; i < 1000; i++) {
                    lock.lock(); // the only locker: always takes the free lock, never enqueues
                    lock.unlock();
                }
                n += 1000;
            }
            acquisitions[0] = n;
        }, "hint-holder");
        holder.start();
        long samples = 0;
        long seen = 0;
        long end = System.nanoTime() + MILLIS * 1_000_000L;
        while (System.nanoTime() - end < 0) {
            for (int i = 0; i < 1000; i++) {
                if (looksLikeAWaiter.getAsBoolean()) {
                    seen++;
                }
            }
            samples += 1000;
        }
        stop.set(true);
        holder.join();
        assertTrue(acquisitions[0] > 0, "the holder thread ran");
        assertEquals(0, seen, "samples (of " + samples + ", during " + acquisitions[0]
                + " acquisitions) that saw the holder's node in the tail without its held mark");
    }
}
