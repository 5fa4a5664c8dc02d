package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.SpmcArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Concurrent offer/poll on {@link SpmcArrayQueue}: 1, 2 queued before; actor1 is the one producer (3, 4) and also consumes, actor2 consumes; the arbiter takes the rest. r1 is the verdict:
 * 1 = every element delivered exactly once and each consumer saw each producer's elements in order
 * (2 = lost, 3 = duplicated, 4 = reordered); r2 = how many elements the actors took during the race.
 */
@JCStressTest
@Outcome(id = {"1, 0", "1, 1", "1, 2", "1, 3", "1, 4"}, expect = ACCEPTABLE, desc = "exactly once, per-producer FIFO")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "an element was lost")
@Outcome(id = "3, .*", expect = FORBIDDEN, desc = "an element was delivered twice (or was never offered)")
@Outcome(id = "4, .*", expect = FORBIDDEN, desc = "a consumer saw a producer's elements out of order")
@Outcome(id = "5, .*", expect = FORBIDDEN, desc = "the race left the queue unusable (a slot wedged)")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class SpmcArrayQueueOfferPollTest {
    private static final int[] PRODUCER_OF = {0, 0, 0, 0, 0};
    private final SpmcArrayQueue<Integer> q = new SpmcArrayQueue<>(16);
    private final Deliveries deliveries = new Deliveries(2);

    {
        q.offer(1);
        q.offer(2);
    }

    @Actor
    public void actor1() {
        while (!q.offer(3)) {
            Thread.onSpinWait();
        }
        deliveries.record(0, q.poll());
        while (!q.offer(4)) {
            Thread.onSpinWait();
        }
    }

    @Actor
    public void actor2() {
        deliveries.record(1, q.poll());
        deliveries.record(1, q.poll());
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = deliveries.takenDuringRace();
        r.r1 = deliveries.verdict(q, PRODUCER_OF);
    }
}
