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
 * Priority order of {@link PriorityMessageQueue} under concurrency: one producer offers LOW (priority
 * 1, id 1), another offers HIGH (priority 5, id 2) and then raises a volatile flag; a consumer reads the
 * flag, then polls once; the arbiter polls what is left, in order.
 * <ul>
 *   <li>r1: the flag the consumer saw before polling (1: HIGH was certainly in the queue),</li>
 *   <li>r2: the consumer's element (0 none, 1 LOW, 2 HIGH),</li>
 *   <li>r3: the arbiter's elements as digits in poll order (21: HIGH then LOW).</li>
 * </ul>
 * Forbidden: LOW delivered while HIGH was known to be present; HIGH present and poll empty; the
 * arbiter seeing LOW before HIGH; any element lost or duplicated.
 */
@JCStressTest
@Outcome(id = {"0, 0, 21"}, expect = ACCEPTABLE, desc = "consumer polled before both arrived; arbiter gets HIGH then LOW")
@Outcome(id = {"0, 1, 2"}, expect = ACCEPTABLE, desc = "consumer polled when only LOW was in")
@Outcome(id = {"0, 2, 1", "1, 2, 1"}, expect = ACCEPTABLE, desc = "consumer got HIGH")
@Outcome(id = "1, 1, 2", expect = FORBIDDEN, desc = "LOW delivered first although HIGH was present")
@Outcome(id = "1, 0, 21", expect = FORBIDDEN, desc = "poll found nothing although HIGH was present")
@Outcome(id = "0, 0, 12", expect = FORBIDDEN, desc = "LOW before HIGH with both present")
@Outcome(expect = FORBIDDEN, desc = "an element lost or duplicated")
@State
public class PriorityMessageQueueOrderTest {
    record Msg(int priority, int id) {
    }

    private static final Msg LOW = new Msg(1, 1);
    private static final Msg HIGH = new Msg(5, 2);

    private final PriorityMessageQueue<Msg> queue = new PriorityMessageQueue<>(4, Msg::priority);
    private volatile boolean highIn;

    @Actor
    public void producerLow() {
        queue.offer(LOW);
    }

    @Actor
    public void producerHigh() {
        queue.offer(HIGH);
        highIn = true; // volatile: after the offer completed
    }

    @Actor
    public void consumer(III_Result r) {
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
