package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.MpscArrayQueue;
import dev.lockstep.core.queue.MpscUnboundedQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import java.util.Queue;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Both MPSC queues ({@link MpscArrayQueue}, {@link MpscUnboundedQueue}; the unbounded one with chunks of
 * 4, so the 1 lands in a plain slot, not behind a chunk switch's JUMP): the poll right after an element (the one that waits on the empty slot before it
 * reads the producer index, issue 12's forty-fifth round) races an offer. Each queue holds 7; the consumer
 * takes it and polls again while a producer offers 1; the arbiter then drains the queue. r1, r2: the
 * bounded queue's second poll and arbiter; r3, r4: the unbounded queue's. The 1 comes out of each queue
 * exactly once (two actors: the suite's tests fit 2 cores).
 */
@JCStressTest
@Outcome(id = "1, 0, 1, 0", expect = ACCEPTABLE, desc = "both second polls took the element")
@Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE, desc = "bounded: taken; unbounded: found empty, the arbiter took it")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE, desc = "bounded: found empty, the arbiter took it; unbounded: taken")
@Outcome(id = "0, 1, 0, 1", expect = ACCEPTABLE, desc = "both found empty; the arbiter took both")
@Outcome(expect = FORBIDDEN, desc = "an element lost (0, 0), delivered twice (1, 1), the 7 not first, or more than offered")
@State
public class MpscQueuesPollAfterElementTest {
    private final Queue<Integer> bounded = new MpscArrayQueue<>(16);
    private final Queue<Integer> unbounded = new MpscUnboundedQueue<>(4);

    public MpscQueuesPollAfterElementTest() {
        bounded.offer(7);
        unbounded.offer(7);
    }

    @Actor
    public void producer() {
        bounded.offer(1);
        unbounded.offer(1);
    }

    @Actor
    public void consumer(IIII_Result r) {
        r.r1 = secondPoll(bounded);
        r.r3 = secondPoll(unbounded);
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        r.r2 = rest(bounded);
        r.r4 = rest(unbounded);
    }

    /** Takes the queued 7, then polls again: the element, 0 for none, -1 if the 7 was not first. */
    static int secondPoll(Queue<Integer> q) {
        Integer first = q.poll();
        Integer e = q.poll();
        return first == null || first != 7 ? -1 : e == null ? 0 : e;
    }

    /** What is left: the element, 0 for none, -2 for more than one. */
    static int rest(Queue<Integer> q) {
        Integer e = q.poll();
        return q.poll() != null ? -2 : e == null ? 0 : e;
    }
}
