package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.SeqLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up of a {@link SeqLock} reader that waits for a writer: the state is created, and the
 * write side entered, by the thread that later delivers the signal; the actor calls {@code readBegin()},
 * finds the sequence odd and waits (spins, then sets the WAITERS bit in the odd sequence and parks);
 * the signal ends the write. The unlock's compare-and-set must see the bit and wake the reader, or the
 * reader's compare-and-set must fail and the reader see the even sequence. A reader that stays parked
 * after the write ended never terminates (STALE). Run it also with
 * {@code -jvmArgsPrepend -Dlockstep.spins=0} (park without spinning), which moves the announcement
 * closer to the unlock.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the reader started its read after the write ended")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the reader stayed parked after the writer's unlock")
@State
public class SeqLockReaderNoLostWakeupTest {
    private final SeqLock seq = new SeqLock();

    public SeqLockReaderNoLostWakeupTest() {
        seq.writeLock(); // by the thread that runs the signal (jcstress creates the state in that thread)
    }

    @Actor
    public void reader() {
        long s = seq.readBegin();
        if ((s & 1L) != 0) {
            throw new IllegalStateException("readBegin returned an odd sequence " + s);
        }
    }

    @Signal
    public void writer() {
        seq.writeUnlock();
    }
}
