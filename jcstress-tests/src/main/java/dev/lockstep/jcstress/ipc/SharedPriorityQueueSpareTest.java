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
 * A {@link SharedPriorityQueue} sender marking its oldest lane SPARE (it binds a lane beyond its budget
 * of {@value SharedPriorityQueue#LANES_PER_THREAD}) against the receive that drains that lane: a drained
 * spare lane must not stay bound, or a sender that stops sending keeps it for good. The queue has five
 * lanes; the sender sends at priority 9 (lane 0, its oldest), then 0, 1, 2 and 3, nothing received in
 * between on its side; the receiver makes one real {@code tryReceive}, which takes the priority-9 message
 * if it is there (the highest). The sender's mark (CAS, then a volatile re-read of the lane's head) and
 * the receive's head CAS then owner read (volatile) are a Dekker pair: one of them retires the lane.
 * <ul>
 *   <li>r1: the receive's result: 9, or -1 if it looked before the first send;</li>
 *   <li>r2: lane 0's owner state after both: 0 FREE, 1 BOUND, 2 BOUND and SPARE, 3 RETIRED;</li>
 *   <li>r3: the lanes in use.</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "-1, 2, 5", expect = ACCEPTABLE, desc = "received nothing: lane 0 spare, its message waiting")
@Outcome(id = "9, 1, 4", expect = ACCEPTABLE, desc = "lane 0 drained before the fifth bind, which moved it to priority 3 in place")
@Outcome(id = "9, 0, 4", expect = ACCEPTABLE, desc = "lane 0 drained around its mark: retired and freed by the receive or the sender")
@Outcome(id = "9, 2, 5", expect = FORBIDDEN, desc = "lane 0 drained and still spare: kept for good by a sender that stops")
@Outcome(expect = FORBIDDEN, desc = "anything else (a lost message, a lane left retired)")
@State
public class SharedPriorityQueueSpareTest {
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 5);
    private final PriorityQueueProbe probe = new PriorityQueueProbe(queue);
    private final ByteBuffer out = ByteBuffer.allocate(8);
    private final ByteBuffer in = ByteBuffer.allocate(8);
    private boolean sent = true;
    private int received;

    @Actor
    public void sender() {
        sent &= queue.trySend(9, out.clear());
        for (int p = 0; p <= 3; p++) {
            sent &= queue.trySend(p, out.clear());
        }
    }

    @Actor
    public void receiver() {
        received = queue.tryReceive(in.clear());
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = sent ? received : 99;
        r.r2 = probe.laneState(0);
        r.r3 = queue.lanesInUse();
    }
}
