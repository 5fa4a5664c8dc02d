package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Monitor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in {@link Monitor}: a thread in {@code enterWhen(guard)} must be woken by the
 * {@code leave()} of the thread that made the guard true, whatever the interleaving.
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the guard waiter entered")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the guard waiter never entered")
@State
public class MonitorGuardLostWakeupTest {
    private final Monitor monitor = new Monitor();
    private boolean ready; // plain: guarded by the monitor
    private final Monitor.Guard isReady = monitor.newGuard(() -> ready);

    @Actor
    public void actor() {
        try {
            monitor.enterWhen(isReady);
            monitor.leave();
        } catch (InterruptedException e) {
            // interrupted by the harness: terminate
        }
    }

    @Signal
    public void signal() {
        monitor.enter();
        try {
            ready = true;
        } finally {
            monitor.leave();
        }
    }
}
