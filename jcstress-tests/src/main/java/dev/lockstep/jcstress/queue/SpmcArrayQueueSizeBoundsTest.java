package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.SpmcArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * size() of {@link SpmcArrayQueue} (2 slots) under concurrent offers and polls, one element queued at the
 * start: actor2, the producer, alternately polls and offers, so both indices move while actor1 (a consumer) reads size() around its poll. Every read must lie within [0, 2]: size() reads the consumer index, the producer
 * index and the consumer index again, retries until the two consumer reads agree, and clamps.
 */
@JCStressTest
@Outcome(id = {"0, 0", "0, 1", "0, 2", "1, 0", "1, 1", "1, 2", "2, 0", "2, 1", "2, 2"}, expect = ACCEPTABLE, desc = "within [0, 2]")
@Outcome(expect = FORBIDDEN, desc = "size() negative or above the bound")
@State
public class SpmcArrayQueueSizeBoundsTest {
    private final SpmcArrayQueue<Integer> q = new SpmcArrayQueue<>(2);

    {
        q.offer(1);
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = q.size();
        q.poll();
        r.r2 = q.size();
    }

    @Actor
    public void actor2() {
        q.poll();
        q.offer(3);
        q.poll();
        q.offer(4);
        q.poll();
        q.offer(5);
    }
}
