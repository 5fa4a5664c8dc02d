package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.PriorityMessageQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Priority order of {@link PriorityMessageQueue} with two threads (runs on 2 CPUs, unlike the
 * three-actor {@link PriorityMessageQueueOrderTest}): one producer offers HIGH (priority 5, id 2) and then
 * raises a volatile flag; the other offers LOW (priority 1, id 1), reads the flag, and polls once; the
 * arbiter polls what is left, in order.
 * <ul>
 *   <li>r1: the flag seen before polling (1: HIGH was certainly in the queue),</li>
 *   <li>r2: the polled element (1 LOW, 2 HIGH; never empty: LOW is in),</li>
 *   <li>r3: the arbiter's elements as digits in poll order.</li>
 * </ul>
 * Forbidden: LOW delivered while HIGH was known to be present; an empty poll; any element lost or
 * duplicated.
 */
@JCStressTest
@Outcome(id = "0, 1, 2", expect = ACCEPTABLE, desc = "polled before HIGH arrived: LOW, then HIGH left")
@Outcome(id = {"0, 2, 1", "1, 2, 1"}, expect = ACCEPTABLE, desc = "HIGH was in: HIGH first")
@Outcome(id = "1, 1, 2", expect = FORBIDDEN, desc = "LOW delivered first although HIGH was present")
@Outcome(expect = FORBIDDEN, desc = "an element lost, duplicated, or an empty poll after an offer")
@State
public class PriorityMessageQueueProducerConsumerOrderTest {
    record Msg(int priority, int id) {
    }

    private static final Msg LOW = new Msg(1, 1);
    private static final Msg HIGH = new Msg(5, 2);

    private final PriorityMessageQueue<Msg> queue = new PriorityMessageQueue<>(4, Msg::priority);
    private volatile boolean highIn;

    @Actor
    public void producerHigh() {
        queue.offer(HIGH);
        highIn = true; // volatile: after the offer completed
    }

    @Actor
    public void producerLowAndConsumer(III_Result r) {
        queue.offer(LOW);
        r.r1 = highIn ? 1 : 0; // volatile read before the poll
        Msg m = queue.poll();
        r.r2 = m == null ? 0 : m.id();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int digits = 0;
        Msg m;
        while ((m = queue.poll()) != null) {
            digits = digits * 10 + m.id();
        }
        r.r3 = digits;
    }
}
