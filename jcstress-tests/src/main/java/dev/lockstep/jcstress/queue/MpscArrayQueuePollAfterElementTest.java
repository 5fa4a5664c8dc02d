package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.MpscArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link MpscArrayQueue}: the poll right after an element (the one that waits on the empty slot before
 * it reads the producer index, issue 12's forty-fifth round) races an offer. The queue holds 7; the
 * consumer takes it and polls again while a producer offers 1; the arbiter then drains the queue. The 1
 * comes out exactly once (two actors: the suite's tests fit 2 cores).
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the second poll took the element")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the second poll found the queue empty; the arbiter took it")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "element lost")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "element delivered twice")
@Outcome(expect = FORBIDDEN, desc = "anything else: the 7 not first, or more elements than offered")
@State
public class MpscArrayQueuePollAfterElementTest {
    private final MpscArrayQueue<Integer> q = new MpscArrayQueue<>(16);

    public MpscArrayQueuePollAfterElementTest() {
        q.offer(7);
    }

    @Actor
    public void producer() {
        q.offer(1);
    }

    @Actor
    public void consumer(II_Result r) {
        Integer first = q.poll(); // 7: queued before the actors ran
        Integer e = q.poll();
        r.r1 = first != 7 ? -1 : e == null ? 0 : e;
    }

    @Arbiter
    public void arbiter(II_Result r) {
        Integer e = q.poll();
        r.r2 = e == null ? 0 : e;
        if (q.poll() != null) {
            r.r2 = -2; // more than was offered
        }
    }
}
