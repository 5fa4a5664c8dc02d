package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Event;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in an auto-reset {@link Event}: {@code set} racing with {@code await} must release
 * the one waiter, which consumes the signal (waiting, pushing its node or parked when the set came).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter was released")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the waiter never returned")
@State
public class EventAutoResetLostWakeupTest {
    private final Event event = new Event(Event.Mode.AUTO_RESET);

    @Actor
    public void actor() {
        try {
            event.await();
        } catch (InterruptedException e) {
            // interrupted by the harness: terminate
        }
    }

    @Signal
    public void signal() {
        event.set();
    }
}
