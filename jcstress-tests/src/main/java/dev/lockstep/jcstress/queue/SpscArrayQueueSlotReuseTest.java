package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.SpscArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link SpscArrayQueue} of one slot, full (holds 1): the consumer's poll races the producer's offer of 2 into
 * the same slot. This is the hand-back of a slot from the consumer to the producer (poll's release fence before
 * it empties the slot; the producer's acquire read of the slot): the consumer must have read the old element
 * before the producer can see the slot empty and overwrite it. r1 = what the poll returned (0 = null), r2 = 1 if
 * the offer succeeded, r3 = what the arbiter's poll finds afterwards.
 */
@JCStressTest
@Outcome(id = "1, 1, 2", expect = ACCEPTABLE, desc = "poll took 1, then the offer reused the slot for 2")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "the offer saw the queue full; poll took 1")
@Outcome(id = "2, 1, .*", expect = FORBIDDEN, desc = "poll returned the producer's new element: its read of the slot"
        + " came after the producer saw the slot empty (1 lost, 2 overwritten or delivered twice)")
@Outcome(id = "1, 1, 0", expect = FORBIDDEN, desc = "2 lost: the consumer emptied the slot after the producer refilled it")
@Outcome(expect = FORBIDDEN, desc = "anything else (an element lost or duplicated, a value nobody offered)")
@State
public class SpscArrayQueueSlotReuseTest {
    private final SpscArrayQueue<Integer> q = new SpscArrayQueue<>(1);

    public SpscArrayQueueSlotReuseTest() {
        q.offer(1);
    }

    @Actor
    public void consumer(III_Result r) {
        Integer e = q.poll();
        r.r1 = e == null ? 0 : e;
    }

    @Actor
    public void producer(III_Result r) {
        r.r2 = q.offer(2) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        Integer e = q.poll();
        r.r3 = e == null ? 0 : e;
    }
}
