package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.MpscUnboundedQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * size() of {@link MpscUnboundedQueue} (2-slot chunks) under concurrent offers and polls, one element queued at the
 * start: unbounded, 2-slot chunks (a chunk switch every element): actor1 produces and reads size() around its offer; actor2, the consumer, alternately polls and offers. 5 elements are offered in all, so 5 is the bound. Every read must lie within [0, 5]: size() reads the consumer index, the producer
 * index and the consumer index again, retries until the two consumer reads agree, and clamps.
 */
@JCStressTest
@Outcome(id = {"0, 0", "0, 1", "0, 2", "0, 3", "0, 4", "0, 5", "1, 0", "1, 1", "1, 2", "1, 3", "1, 4", "1, 5", "2, 0", "2, 1", "2, 2", "2, 3", "2, 4", "2, 5", "3, 0", "3, 1", "3, 2", "3, 3", "3, 4", "3, 5", "4, 0", "4, 1", "4, 2", "4, 3", "4, 4", "4, 5", "5, 0", "5, 1", "5, 2", "5, 3", "5, 4", "5, 5"}, expect = ACCEPTABLE, desc = "within [0, 5]")
@Outcome(expect = FORBIDDEN, desc = "size() negative or above the bound")
@State
public class MpscUnboundedQueueSizeBoundsTest {
    private final MpscUnboundedQueue<Integer> q = new MpscUnboundedQueue<>(2);

    {
        q.offer(1);
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = q.size();
        q.offer(2);
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
