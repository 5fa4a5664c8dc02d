package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.Monitor;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Mutual exclusion of {@link Monitor}: two threads increment a plain field while occupying the
 * monitor (one with {@code enter}, one with {@code enterWhen} on a true guard) and report the value
 * they wrote. Overlapping occupancy loses an update, and both report 1.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "actor1 entered first")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "actor2 entered first")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both were inside at once: lost update")
@Outcome(expect = FORBIDDEN, desc = "any other value: a stale or torn value got through")
@State
public class MonitorMutualExclusionTest {
    private final Monitor monitor = new Monitor();
    private final Monitor.Guard always = monitor.newGuard(() -> true);
    private int counter; // plain: guarded by the monitor

    @Actor
    public void actor1(II_Result r) {
        monitor.enter();
        try {
            r.r1 = ++counter;
        } finally {
            monitor.leave();
        }
    }

    @Actor
    public void actor2(II_Result r) {
        monitor.enterWhenUninterruptibly(always);
        try {
            r.r2 = ++counter;
        } finally {
            monitor.leave();
        }
    }
}
