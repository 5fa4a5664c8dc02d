package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.SpscArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link SpscArrayQueue} of capacity 1: one element queued at the start; actor1 offers 2, reads size(), offers 3;
 * actor2 polls, reads size(), polls. Every read must lie within [0, 1] (the capacity), whatever the
 * interleaving (size() reads consumer index, producer index, consumer index again, retries until the
 * two consumer reads agree, and clamps).
 */
@JCStressTest
@Outcome(id = {"0, 0", "0, 1", "1, 0", "1, 1"}, expect = ACCEPTABLE, desc = "within bounds")
@Outcome(expect = FORBIDDEN, desc = "size() negative or above the bound")
@State
public class SpscArrayQueueSizeBoundsTest {
    private final SpscArrayQueue<Integer> q = new SpscArrayQueue<>(1);

    {
        q.offer(1);
    }

    @Actor
    public void actor1(II_Result r) {
        q.offer(2);
        r.r1 = q.size();
        q.offer(3);
    }

    @Actor
    public void actor2(II_Result r) {
        q.poll();
        r.r2 = q.size();
        q.poll();
    }
}
