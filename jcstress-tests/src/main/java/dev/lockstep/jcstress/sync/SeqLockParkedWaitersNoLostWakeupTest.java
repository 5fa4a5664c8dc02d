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
 * No lost wake-up of {@link SeqLock} waiters that park: the state is created, and the write side
 * entered, by the thread that later delivers the signal. The actor and a second thread it starts both
 * call {@code readBegin()} and a third calls {@code writeLock()}: all find the sequence odd; one of them
 * becomes the watcher (polls), the others announce themselves (PARKED in the odd sequence) and park.
 * The signal ends the write. Every waiter must return: the parked ones are woken by the unlock (it sees
 * PARKED) or, if their announcement raced with the unlock's store, by the watcher when it sees the even
 * sequence. A waiter left parked keeps the actor from terminating (STALE).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "every waiter returned after the write ended")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: a waiter stayed parked after the writer's unlock")
@State
public class SeqLockParkedWaitersNoLostWakeupTest {
    private final SeqLock seq = new SeqLock();

    public SeqLockParkedWaitersNoLostWakeupTest() {
        seq.writeLock(); // by the thread that runs the signal (jcstress creates the state in that thread)
    }

    @Actor
    public void waiters() throws InterruptedException {
        Thread reader = new Thread(this::read);
        Thread writer = new Thread(() -> {
            seq.writeLock();
            seq.writeUnlock();
        });
        reader.start();
        writer.start();
        read();
        reader.join();
        writer.join();
    }

    private void read() {
        long s = seq.readBegin();
        if ((s & 1L) != 0 || s < 0) {
            throw new IllegalStateException("readBegin returned " + s);
        }
    }

    @Signal
    public void unlock() {
        seq.writeUnlock();
    }
}
