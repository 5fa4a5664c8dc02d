package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicBoolean;
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
}
