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

import dev.lockstep.ipc.sync.IpcEvent;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * {@link WaitWord} with a second waker: while an {@link IpcEvent} waiter announces itself, another
 * waker (of another condition sharing the word) claims the sleepers bit and advances the word, then
 * the setter sets the event and finds the bit clear. The waiter must then not sleep on a value nobody
 * advances (it must sleep on the value it announced, not on one read later). r1 = 1 if the waiter
 * would sleep, r2 = 1 if the word still holds the value it would sleep on at the end.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the waiter's re-check saw the set: no sleep")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the waiter sleeps on a value that a waker advanced: woken, or FUTEX_WAIT returns at once")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the waiter sleeps on a word no waker advanced after its announce")
@State
public class WaitWordStolenWakeTest {
    private final IpcEvent event;
    private final ByteBuffer view;
    private int seen;

    public WaitWordStolenWakeTest() {
        int i = WaitWordEvents.next();
        event = WaitWordEvents.event(i);
        view = WaitWordEvents.view(i);
        event.reset();
    }

    @Actor
    public void waiter(II_Result r) {
        seen = WaitWord.announce(view, WaitWordEvents.WORD);
        r.r1 = event.isSet() ? 0 : 1;
    }

    @Actor
    public void otherWaker() {
        WaitWord.signal(view, WaitWordEvents.WORD); // its own state change is not the waiter's condition
    }

    @Actor
    public void setter() {
        event.set();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && WaitWord.value(view, WaitWordEvents.WORD) == seen ? 1 : 0;
    }
}
