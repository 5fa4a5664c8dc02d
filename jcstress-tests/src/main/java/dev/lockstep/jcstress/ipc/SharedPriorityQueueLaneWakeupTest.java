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
 * No lost wake-up between a {@link SharedPriorityQueue} send waiting for a lane (none is FREE) and the
 * receive that drains a retired lane (layout revision 2 of {@code SharedPriorityQueue}). The queue's one
 * lane is retired holding one message (a closed handle's). The sender, whose thread has no lane, announces
 * itself on the not-full word and makes one re-check of a waiting send (is a lane FREE?), then would
 * {@code FUTEX_WAIT} on the value it announced; the receiver takes the message with the real
 * {@code tryReceive}, which drains the lane: the lane must then be freed and the not-full word signalled,
 * or the sender sleeps to its sleep bound (the defect this test was written for: the drained lane was
 * freed only by a later scan or bind, and nothing signalled).
 * <ul>
 *   <li>r1: the re-check's verdict: 0 READY (it saw a FREE lane), 1 SLEEP;</li>
 *   <li>r2: 1 if the not-full word moved past the value the sender announced;</li>
 *   <li>r3: the receive's result (0: the message's priority).</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = {"0, 0, 0", "0, 1, 0"}, expect = ACCEPTABLE, desc = "the re-check saw the lane freed by the receive")
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "the sender would sleep, and the receive that freed the lane woke it")
@Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "lost wake-up: the sender would sleep, the lane was drained and no one signalled")
@Outcome(expect = FORBIDDEN, desc = "the retired lane's message not received")
@State
public class SharedPriorityQueueLaneWakeupTest {
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 1);
    private final PriorityQueueProbe probe = new PriorityQueueProbe(queue);
    private final ByteBuffer in = ByteBuffer.allocate(8);
    private int announced;
    private int verdict = -1;
    private int received;

    public SharedPriorityQueueLaneWakeupTest() {
        SharedPriorityQueue other = probe.sibling();
        other.trySend(0, ByteBuffer.allocate(8)); // binds the one lane
        other.close(); // retires it, its message still to be received
    }

    @Actor
    public void sender() {
        announced = probe.announceSender();
        verdict = probe.recheckSend(3, 8); // no lane for priority 3 on this thread: is one FREE?
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
