package dev.lockstep.jcstress.ipc;

import java.nio.ByteBuffer;

import dev.lockstep.ipc.queue.PriorityQueueProbe;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up between a {@link SharedPriorityQueue} send waiting for a lane and the receive that
 * drains one of the sender's own lanes (the thirtieth round: such a send moves its drained lane to its
 * priority). The queue has one lane. The sender binds it with a message of priority 0, then, with no lane
 * for priority 3 and none FREE, announces itself on the not-full word and makes one re-check of a waiting
 * send (is a lane FREE, or one of its own drained?), then would {@code FUTEX_WAIT} on the value it
 * announced; the receiver takes the message with the real {@code tryReceive}, which drains the lane. If
 * the receive drained it after the re-check found it holding the message, the receive must have seen
 * the space request the re-check raised first, and signalled.
 * <ul>
 *   <li>r1: the re-check's verdict: 0 READY (it saw its lane drained), 1 SLEEP;</li>
 *   <li>r2: 1 if the not-full word moved past the value the sender announced;</li>
 *   <li>r3: the receive's result: 0 the message, -1 the queue still empty when it looked.</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = {"0, 0, 0", "0, 1, 0"}, expect = ACCEPTABLE, desc = "the re-check saw its lane drained by the receive")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "the sender would sleep, and the receive that drained its lane woke it")
@Outcome(id = {"1, 0, -1", "1, 1, -1"}, expect = ACCEPTABLE, desc = "the receive looked before the send: the message still waits, the sender rightly sleeps")
@Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "lost wake-up: the sender would sleep, its lane was drained and no one signalled")
@Outcome(expect = FORBIDDEN, desc = "a READY re-check while the message waits, or the message lost")
@State
public class SharedPriorityQueueOwnLaneWakeupTest {
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 1);
    private final PriorityQueueProbe probe = new PriorityQueueProbe(queue);
    private final ByteBuffer out = ByteBuffer.allocate(8);
    private final ByteBuffer in = ByteBuffer.allocate(8);
    private int announced;
    private int verdict = -1;
    private int received;

    @Actor
    public void sender() {
        if (!queue.trySend(0, out.clear())) { // binds the one lane, which now holds the message
            verdict = 9;
            return;
        }
        announced = probe.announceSender();
        verdict = probe.recheckSend(3, 8); // no lane for priority 3, none FREE: is one of ours drained?
    }

    @Actor
    public void receiver() {
        received = queue.tryReceive(in.clear());
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = verdict;
        r.r2 = probe.notFullWord() != announced ? 1 : 0;
        r.r3 = received;
    }
}
