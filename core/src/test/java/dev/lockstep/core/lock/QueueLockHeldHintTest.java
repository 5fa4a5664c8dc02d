package dev.lockstep.core.lock;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.Lock;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
