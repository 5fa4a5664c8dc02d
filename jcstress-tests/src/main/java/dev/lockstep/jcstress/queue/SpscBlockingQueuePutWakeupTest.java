package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.SpscBlockingQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in {@link SpscBlockingQueue} on the full side: the queue starts full, the actor blocks in
 * {@code put()}, the signal polls one element. A producer that parks after the consumer checked for
 * waiters, without seeing the free slot, never wakes (STALE).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "put() inserted into the freed slot")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: put() stayed parked with a free slot")
@State
public class SpscBlockingQueuePutWakeupTest {
    private final SpscBlockingQueue<Integer> queue = new SpscBlockingQueue<>(1);

    public SpscBlockingQueuePutWakeupTest() {
        while (queue.offer(0)) {
            // fill to capacity (the constructing thread hands the producer role to the actor: jcstress publishes the state safely)
        }
    }

    @Actor
    public void producer() throws InterruptedException {
        queue.put(1);
    }

    @Signal
    public void consumer() {
        if (queue.poll() == null) {
            throw new AssertionError("poll failed on a full queue");
        }
    }
}
