package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.PriorityMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in {@link PriorityMessageQueue}: the actor blocks in {@code take()} on an empty queue, the
 * signal offers one element. A consumer that parks after the producer checked for waiters, without
 * seeing the element, never wakes (STALE).
 */
@JCStressTest(Mode.Termination)
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "take() returned the offered element")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: take() stayed parked with an element in the queue")
@State
public class PriorityMessageQueueTakeWakeupTest {
    private final PriorityMessageQueue<Integer> queue = new PriorityMessageQueue<>(1, e -> 0);

    @Actor
    public void consumer() throws InterruptedException {
        if (queue.take() != 1) {
            throw new AssertionError("wrong element");
        }
    }

    @Signal
    public void producer() {
        if (!queue.offer(1)) {
            throw new AssertionError("offer failed on an empty queue");
        }
    }
}
