package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.SpscBlockingQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link SpscBlockingQueue#drainTo} (poll the head, then add it to the target; the put-back stack
 * is checked first, one acquire load) racing the producer on a ring of capacity 2, so the producer
 * refills the very slots that drainTo empties. actor1 offers 1, 2, then 3 and 4 while they fit (never waiting); actor2 drains
 * twice into its list; the arbiter takes the rest. r1 is the verdict over what was inserted:
 * 1 = exactly once and in order (2 = lost, 3 = duplicated or invented, 4 = reordered); r2 = how many
 * elements drainTo moved during the race.
 */
@JCStressTest
@Outcome(id = {"1, 0", "1, 1", "1, 2", "1, 3", "1, 4"}, expect = ACCEPTABLE, desc = "exactly once, FIFO")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "an element was lost")
@Outcome(id = "3, .*", expect = FORBIDDEN, desc = "an element was delivered twice (or was never offered)")
@Outcome(id = "4, .*", expect = FORBIDDEN, desc = "drainTo saw the elements out of order")
@Outcome(id = "5, .*", expect = FORBIDDEN, desc = "the race left the queue unusable (a slot wedged)")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class SpscBlockingQueueDrainToTest {
    private final SpscBlockingQueue<Integer> q = new SpscBlockingQueue<>(2);
    private final Deliveries deliveries = new Deliveries(1);
    /** How many elements actor1 inserted (1..inserted). */
    private int inserted;

    @Actor
    public void actor1() {
        int n = 0;
        while (n < 4 && q.offer(n + 1)) {
            n++;
        }
        inserted = n;
    }

    @Actor
    public void actor2() {
        q.drainTo(deliveries.taken.get(0), 4); // bounded: a broken remove cannot loop forever
        q.drainTo(deliveries.taken.get(0), 4); // bounded: a broken remove cannot loop forever
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = deliveries.takenDuringRace();
        r.r1 = deliveries.verdict(q, new int[inserted + 1]); // one producer: producerOf all 0
    }
}
