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
 * No lost wake-up of a {@link SeqLock} writer that waits for another writer: the state is created, and
 * the write side entered, by the thread that later delivers the signal; the actor calls
 * {@code writeLock()}, finds the write side taken and waits (spins, then sets the WAITERS bit in the odd
 * sequence and parks); the signal leaves the write side. A writer that stays parked after the other
 * writer's unlock never terminates (STALE). Run it also with {@code -jvmArgsPrepend -Dlockstep.spins=0}.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiting writer entered after the first one left")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the writer stayed parked after the other writer's unlock")
@State
public class SeqLockWriterNoLostWakeupTest {
    private final SeqLock seq = new SeqLock();

    public SeqLockWriterNoLostWakeupTest() {
        seq.writeLock(); // by the thread that runs the signal (jcstress creates the state in that thread)
    }

    @Actor
    public void writer() {
        seq.writeLock();
        seq.writeUnlock();
    }

    @Signal
    public void holder() {
        seq.writeUnlock();
    }
}
