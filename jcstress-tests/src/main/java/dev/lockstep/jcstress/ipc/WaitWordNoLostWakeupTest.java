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
 * The futex-word protocol of {@link WaitWord} between an {@code IpcEvent} waiter and {@code set()}:
 * the waiter announces itself, re-checks the event and, if not set, would {@code FUTEX_WAIT} on the
 * value it announced; the kernel sleeps only while the word still holds that value. A lost wake-up is
 * a waiter that would sleep on a value no waker ever advanced: the arbiter finds the word unchanged.
 * r1 = 1 if the waiter would sleep (0: it saw the event set), r2 = 1 if the word still holds the value
 * it would sleep on after both actors finished.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the waiter's re-check saw the set: no sleep")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the waiter sleeps; the setter saw its announce and advanced the word (FUTEX_WAKE, or FUTEX_WAIT returns at once)")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the waiter sleeps on a word the setter never advanced")
@State
public class WaitWordNoLostWakeupTest {
    private final ByteBuffer b = WaitWordRegions.buffer();
    private final int state = WaitWordRegions.next() + WaitWordRegions.STATE;
    private final int word = state - WaitWordRegions.STATE + WaitWordRegions.WORD;
    private int seen;

    @Actor
    public void waiter(II_Result r) {
        seen = WaitWord.announce(b, word);
        // The re-check, as IpcEvent's (opaque: ordered by announce's fence), then FUTEX_WAIT(word, seen).
        r.r1 = (long) MappedAccess.LONG.getOpaque(b, state) != 0L ? 0 : 1;
    }

    @Actor
    public void setter() {
        // IpcEvent.set(): a volatile store (step (a)), then the signal.
        MappedAccess.LONG.setVolatile(b, state, 1L);
        WaitWord.signal(b, word);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && WaitWord.value(b, word) == seen ? 1 : 0;
    }
}
