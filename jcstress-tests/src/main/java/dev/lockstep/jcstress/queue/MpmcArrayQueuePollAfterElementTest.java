package dev.lockstep.jcstress.queue;

import static dev.lockstep.jcstress.queue.MpscQueuesPollAfterElementTest.rest;
import static dev.lockstep.jcstress.queue.MpscQueuesPollAfterElementTest.secondPoll;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import dev.lockstep.core.queue.MpmcArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@link MpmcArrayQueue}'s poll right after an element races an offer, as
 * {@link MpscQueuesPollAfterElementTest} does for the MPSC queues (written for issue 12's forty-sixth
 * round, whose slot wait before the producer-index read was measured and not kept: README "Queue
 * performance, forty-sixth round"; it failed against a variant of that wait returning the element
 * without claiming it). The queue holds 7; the consumer takes it and polls again while a producer
 * offers 1; the arbiter then drains the queue. r1: the second poll, r2: the arbiter's. The 1 comes out
 * exactly once.
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the second poll took the element")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the second poll found the queue empty; the arbiter took the element")
@Outcome(expect = FORBIDDEN, desc = "the element lost (0, 0) or delivered twice (1, 1), the 7 not first, or more than offered")
@State
public class MpmcArrayQueuePollAfterElementTest {
    private final MpmcArrayQueue<Integer> q = new MpmcArrayQueue<>(16);

    public MpmcArrayQueuePollAfterElementTest() {
        q.offer(7);
    }

    @Actor
    public void producer() {
        q.offer(1);
    }

    @Actor
    public void consumer(II_Result r) {
        r.r1 = secondPoll(q);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = rest(q);
    }
}
