package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Mutex;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import java.util.concurrent.locks.Condition;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up between {@link Condition#signal()} of a {@link Mutex} condition and
 * {@link Condition#awaitUninterruptibly()}: the waiter awaits until a flag is set; the signaller sets
 * the flag and signals, both under the Mutex. Whatever the interleaving, the waiter must terminate.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter saw the flag or was signalled")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the waiter sleeps although the flag is set")
@State
public class MutexConditionNoLostWakeupTest {
    private final Mutex mutex = new Mutex();
    private final Condition ready = mutex.newCondition();
    private boolean flag; // guarded by mutex

    @Actor
    public void waiter() {
        mutex.lock();
        try {
            while (!flag) {
                ready.awaitUninterruptibly();
            }
        } finally {
            mutex.unlock();
        }
    }

    @Signal
    public void signal() {
        mutex.lock();
        try {
            flag = true;
            ready.signal();
        } finally {
            mutex.unlock();
        }
    }
}
