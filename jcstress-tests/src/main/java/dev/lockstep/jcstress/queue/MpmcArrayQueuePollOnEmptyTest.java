package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.MpmcArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link MpmcArrayQueue}: a poll of an empty queue races one offer. The poll either misses the element (null,
 * reported 0) and the arbiter finds it, or takes it and the arbiter finds nothing.
 */
@JCStressTest
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "poll ran first and saw an empty queue")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "poll took the element")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "element lost")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "element delivered twice")
@Outcome(expect = FORBIDDEN, desc = "anything else: a value nobody offered")
@State
public class MpmcArrayQueuePollOnEmptyTest {
    private final MpmcArrayQueue<Integer> q = new MpmcArrayQueue<>(16);

    @Actor
    public void producer() {
        q.offer(1);
    }

    @Actor
    public void consumer(II_Result r) {
        Integer e = q.poll();
        r.r1 = e == null ? 0 : e;
    }

    @Arbiter
    public void arbiter(II_Result r) {
        Integer e = q.poll();
        r.r2 = e == null ? 0 : e;
    }
}
