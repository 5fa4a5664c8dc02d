package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * {@link WaitWord} when the sleepers bit is taken by another wake-up: while a waiter announces
 * itself, a waker first signals for an earlier state change (not the waiter's condition: it claims the
 * bit and advances the word), then sets the waiter's state and signals again, finding the bit clear.
 * The waiter must then not sleep on a value nobody advances: it must sleep on the value it announced,
 * not on one read after its announce. (One actor plays both wake-ups: jcstress runs at most two actors
 * on this 2-CPU machine.) r1 = 1 if the waiter would sleep, r2 = 1 if the word still holds the value
 * it would sleep on at the end.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the waiter's re-check saw the state: no sleep")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the waiter sleeps on a value a waker advanced: woken, or FUTEX_WAIT returns at once")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the waiter sleeps on a word no waker advanced after its announce")
@State
public class WaitWordStolenWakeTest {
    private final ByteBuffer b = WaitWordRegions.buffer();
    private final int state = WaitWordRegions.next() + WaitWordRegions.STATE;
    private final int word = state - WaitWordRegions.STATE + WaitWordRegions.WORD;
    private int seen;

    @Actor
    public void waiter(II_Result r) {
        seen = WaitWord.announce(b, word);
        r.r1 = (long) MappedAccess.LONG.getOpaque(b, state) != 0L ? 0 : 1; // as IpcEvent's re-check
    }

    @Actor
    public void wakers() {
        WaitWord.signal(b, word); // an earlier wake-up, for some other state change: takes the bit
        // Then the waiter's condition, as IpcEvent.set(): a volatile store (step (a)), then the signal.
        MappedAccess.LONG.setVolatile(b, state, 1L);
        WaitWord.signal(b, word);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && WaitWord.value(b, word) == seen ? 1 : 0;
    }
}
