package dev.lockstep.jcstress.lock;

import dev.lockstep.core.lock.ClhLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.util.concurrent.TimeUnit;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Mutual exclusion of {@link ClhLock} while a waiter gives up: two threads {@code lock()} and a
 * third makes a zero-timeout {@code tryLock} that, when the lock is busy, joins the queue and
 * withdraws at once. Reported: whether the third thread acquired (1/0), and the final counter, which
 * must be 2 plus that (no lost update; a withdrawn waiter must not strand its successor, or the test
 * hangs and jcstress reports it).
 */
@JCStressTest
@Outcome(id = {"0, 2", "1, 3"}, expect = ACCEPTABLE, desc = "every acquisition counted once")
@Outcome(expect = FORBIDDEN, desc = "counter differs from the acquisitions: two threads were inside at once")
@State
public class ClhLockAbandonmentTest {
    private final ClhLock lock = new ClhLock();
    private int counter; // plain: guarded by the lock

    private void increment() {
        lock.lock();
        try {
            counter++;
        } finally {
            lock.unlock();
        }
    }

    @Actor
    public void actor1() {
        increment();
    }

    @Actor
    public void actor2() {
        increment();
    }

    @Actor
    public void quitter(II_Result r) {
        try {
            if (lock.tryLock(0, TimeUnit.NANOSECONDS)) {
                try {
                    counter++;
                } finally {
                    lock.unlock();
                }
                r.r1 = 1;
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = counter; // plain: jcstress runs the arbiter after all actors, ordered after them
    }
}
