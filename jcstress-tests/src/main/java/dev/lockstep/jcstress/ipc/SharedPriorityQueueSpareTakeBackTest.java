package dev.lockstep.jcstress.ipc;

import java.nio.ByteBuffer;

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
 * A {@link SharedPriorityQueue} sender taking its spare lane back (CAS, then a record) against the receive
 * that drains the lane and retires it (CAS, then a free): one of the two CASes wins, and the record is
 * never written into a lane that was retired and freed under it. The queue has five lanes; the sender
 * sends A at priority 9 (lane 0, its oldest), then at 0, 1, 2 and 3 (lane 0 becomes spare), then B at 9
 * (it takes lane 0 back, or, if the receive retired it, binds anew); the receiver makes one real
 * {@code tryReceive}, which takes A if it is there (the highest). The arbiter drains the rest.
 * <ul>
 *   <li>r1: what the receiver got: 0 nothing, 1 A, 2 B;</li>
 *   <li>r2: how many of A and B were received in all (receiver and drain), in that order;</li>
 *   <li>r3: 1 if at most {@value SharedPriorityQueue#LANES_PER_THREAD} lanes are in use after the drain.</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = {"0, 2, 1", "1, 2, 1"}, expect = ACCEPTABLE, desc = "A then B, both delivered; the sender keeps its budget")
@Outcome(id = "2, 2, 1", expect = FORBIDDEN, desc = "B received before A (FIFO within a priority broken)")
@Outcome(expect = FORBIDDEN, desc = "A or B lost or duplicated (B written into a lane freed under it), or lanes kept beyond the budget")
@State
public class SharedPriorityQueueSpareTakeBackTest {
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 5);
    private final ByteBuffer out = ByteBuffer.allocate(8);
    private final ByteBuffer in = ByteBuffer.allocate(8);
    private boolean sent = true;
    private int got;

    @Actor
    public void sender() {
        sent &= queue.trySend(9, out.clear().putInt(0, 1));
        for (int p = 0; p <= 3; p++) {
            sent &= queue.trySend(p, out.clear().putInt(0, 0));
        }
        sent &= queue.trySend(9, out.clear().putInt(0, 2));
    }

    @Actor
    public void receiver() {
        got = queue.tryReceive(in.clear()) == 9 ? in.getInt(0) : 0;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int inOrder = got == 1 ? 1 : got == 2 ? -100 : 0; // A = 1, B = 2 in send order
        int p;
        while ((p = queue.tryReceive(in.clear())) >= 0) {
            if (p == 9) {
                int id = in.getInt(0);
                inOrder = id == inOrder + 1 ? inOrder + 1 : -100;
            }
        }
        r.r1 = sent ? got : 99;
        r.r2 = Math.max(inOrder, -1);
        r.r3 = queue.lanesInUse() <= SharedPriorityQueue.LANES_PER_THREAD ? 1 : 0;
    }
}
