package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.SpscArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * size() of {@link SpscArrayQueue} (2 slots) under concurrent offers and polls, one element queued at the
 * start: actor1 is the producer and reads size() before and after two offers; actor2 is the consumer and polls twice. Every read must lie within [0, 2]: size() reads the consumer index, the producer
 * index and the consumer index again, retries until the two consumer reads agree, and clamps.
 */
@JCStressTest
@Outcome(id = {"0, 0", "0, 1", "0, 2", "1, 0", "1, 1", "1, 2", "2, 0", "2, 1", "2, 2"}, expect = ACCEPTABLE, desc = "within [0, 2]")
@Outcome(expect = FORBIDDEN, desc = "size() negative or above the bound")
@State
public class SpscArrayQueueSizeBoundsTest {
    private final SpscArrayQueue<Integer> q = new SpscArrayQueue<>(2);

    {
        q.offer(1);
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = q.size();
        q.offer(2);
        q.offer(3);
        r.r2 = q.size();
    }

    @Actor
    public void actor2() {
        q.poll();
        q.poll();
    }
}
