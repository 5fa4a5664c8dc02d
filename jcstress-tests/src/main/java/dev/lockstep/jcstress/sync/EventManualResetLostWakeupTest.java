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
 * No lost wake-up in a manual-reset {@link Event}: {@code set} racing with {@code await} (spinning,
 * pushing its node, or parked) must release the waiter.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the waiter was released")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the waiter never returned")
@State
public class EventManualResetLostWakeupTest {
    private final Event event = new Event(Event.Mode.MANUAL_RESET);

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
