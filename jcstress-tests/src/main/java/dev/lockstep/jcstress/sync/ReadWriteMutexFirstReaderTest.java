package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.ReadWriteMutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The first-reader role of {@link ReadWriteMutex} passed between two readers: the thread whose read hold
 * takes the reader count from 0 counts its holds in two plain fields of the lock and clears them before
 * its releasing get-and-add, so the next first reader's store (after a compare-and-set that read that
 * release) is the one that stays. Each actor takes a read hold, reads its own hold count and releases;
 * r1 / r2 = the count it read, or -1 if its release threw (the lock no longer credited it with its
 * hold). A release that cleared the field after its get-and-add could overwrite the other reader's
 * claim in between: that reader then reads 0 holds and its release throws.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "each reader saw its own one hold and released it")
@Outcome(expect = FORBIDDEN, desc = "a reader lost its hold: the other reader's release overwrote the "
        + "first-reader field after this reader had claimed it")
@State
public class ReadWriteMutexFirstReaderTest {
    private final ReadWriteMutex rw = new ReadWriteMutex();

    private int readOnce() {
        rw.readLock().lock();
        int holds = rw.getReadHoldCount();
        try {
            rw.readLock().unlock();
        } catch (IllegalMonitorStateException lost) {
            return -1;
        }
        return holds;
    }

    @Actor
    public void reader1(II_Result r) {
        r.r1 = readOnce();
    }

    @Actor
    public void reader2(II_Result r) {
        r.r2 = readOnce();
    }
}
