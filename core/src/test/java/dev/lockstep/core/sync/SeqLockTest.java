package dev.lockstep.core.sync;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class SeqLockTest {
    private final SeqLock seq = new SeqLock();
    private long x;
    private long y;

    @Test
    void sequenceProtocol() {
        assertEquals(0, seq.sequence());
        long s = seq.readBegin();
        assertTrue(seq.readValidate(s));
        seq.writeLock();
        assertTrue(seq.isWriteLocked());
        assertFalse(seq.tryWriteLock(), "writers exclude each other");
        assertFalse(seq.readValidate(s), "a writer inside invalidates reads");
        seq.writeUnlock();
        assertEquals(2, seq.sequence());
        assertFalse(seq.readValidate(s), "a completed write invalidates earlier reads");
        assertTrue(seq.readValidate(seq.readBegin()));
        assertThrows(IllegalMonitorStateException.class, seq::writeUnlock);
    }

    @Test
    void readersNeverSeeATornPair() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong torn = new AtomicLong();
        AtomicLong reads = new AtomicLong();
        Thread[] writers = new Thread[2];
        for (int i = 0; i < writers.length; i++) {
            writers[i] = MutexTest.start("w" + i, () -> {
                while (!stop.get()) {
                    seq.writeLock();
                    x++;
                    y = -x;
                    seq.writeUnlock();
                }
            });
        }
        Thread reader = MutexTest.start("r", () -> {
            for (int k = 0; k < 200_000; k++) {
                long s;
                long rx;
                long ry;
                do {
                    s = seq.readBegin();
                    rx = x;
                    ry = y;
                } while (!seq.readValidate(s));
                if (rx != -ry) {
                    torn.incrementAndGet();
                }
                reads.incrementAndGet();
            }
        });
        reader.join();
        stop.set(true);
        for (Thread w : writers) {
            w.join();
        }
        assertEquals(0, torn.get());
        assertEquals(200_000, reads.get());
        assertEquals(2 * x, seq.sequence(), "each write adds 2 to the sequence");
    }

    /** Waits until every thread is parked on this SeqLock (the waiting layer records it as blocker). */
    private void awaitParked(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (Thread t : threads) {
            while (LockSupport.getBlocker(t) != seq) {
                assertTrue(System.nanoTime() - deadline < 0, t + " never parked on the SeqLock: " + t.getState());
                Thread.sleep(1);
            }
        }
    }

    private void readersAndAWriterWaitingForAWriterParkAndAllWake(ThreadFactory factory) throws Exception {
        seq.writeLock();
        AtomicInteger done = new AtomicInteger();
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(factory.newThread(() -> {
                long s = seq.readBegin();
                assertEquals(0, s & 1L, "readBegin returns an even sequence");
                done.incrementAndGet();
            }));
        }
        waiters.add(factory.newThread(() -> {
            seq.writeLock();
            seq.writeUnlock();
            done.incrementAndGet();
        }));
        waiters.forEach(Thread::start);
        awaitParked(waiters); // they park on the SeqLock (they used to spin, yield and nap)
        assertEquals(0, done.get(), "nobody passes a writer that is inside");
        seq.writeUnlock();
        for (Thread t : waiters) {
            t.join(10_000);
            assertFalse(t.isAlive(), "lost wake-up: " + t + " still waits after the writer's unlock");
        }
        assertEquals(4, done.get());
        assertEquals(4, seq.sequence(), "two writes");
    }

    @Test
    void readersAndAWriterWaitingForAWriterParkAndAllWake() throws Exception {
        readersAndAWriterWaitingForAWriterParkAndAllWake(Thread::new);
    }

    @Test
    void virtualThreadsWaitingForAWriterParkAndAllWake() throws Exception {
        Assumptions.assumeTrue(Jdk.feature() >= 21, "virtual threads need JDK 21+ (running on " + Jdk.feature() + ")");
        readersAndAWriterWaitingForAWriterParkAndAllWake(Jdk.virtualThreadFactory());
    }

    @Test
    void aWaitingReaderIsNotInterruptedOutAndKeepsItsInterruptStatus() throws Exception {
        seq.writeLock();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        AtomicLong returned = new AtomicLong(-1);
        Thread reader = new Thread(() -> {
            returned.set(seq.readBegin());
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        reader.start();
        awaitParked(List.of(reader));
        reader.interrupt();
        reader.join(200);
        assertTrue(reader.isAlive(), "readBegin returned while the writer was inside: " + returned.get());
        seq.writeUnlock();
        reader.join(10_000);
        assertFalse(reader.isAlive(), "lost wake-up after an interrupt");
        assertEquals(2, returned.get());
        assertTrue(interruptedAfter.get(), "the interrupt status is kept for the caller");
    }
}
