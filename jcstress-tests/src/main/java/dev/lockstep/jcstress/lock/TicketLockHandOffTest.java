package dev.lockstep.jcstress.lock;

import dev.lockstep.core.lock.TicketLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost hand-over in {@link TicketLock}: the state is created, and the lock taken, by the thread that
 * later delivers the signal; the actor calls {@code lock()} and waits (jcstress delivers the signal
 * some time after starting the actor, so the actor has usually spun and parked by then: the waiter took the next ticket, spun briefly on the "now serving" counter, recorded itself in its waiting-array slot and parked; unlock must read that slot and unpark it); the
 * signal unlocks. An actor that stays parked after the release never terminates (STALE).
 * Run it also with {@code -jvmArgsPrepend -Dlockstep.spins=0} (park without spinning), which moves the
 * announcement closer to the release.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter got the lock after the release")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost hand-over: the waiter stayed parked after its predecessor released")
@State
public class TicketLockHandOffTest {
    private final TicketLock lock = new TicketLock();

    public TicketLockHandOffTest() {
        lock.lock(); // by the thread that runs the signal (jcstress creates the state in that thread)
    }

    @Actor
    public void waiter() {
        lock.lock();
        lock.unlock();
    }

    @Signal
    public void holder() {
        lock.unlock();
    }
}
