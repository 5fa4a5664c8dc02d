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
 * Order across lanes of {@link SharedPriorityQueue} (layout revision 2 of {@code SharedPriorityQueue}) against
 * a concurrent receiver: the receive's order re-check.
 *
 * <p>The producer sends W (priority 1), X (priority 0), M1 (priority 1), M2 (priority 0): W binds lane 0
 * (priority 1), X lane 1 (priority 0), and M1, M2 follow in those lanes. The consumer receives four
 * times. A receive may scan lane 0 while it is empty (W taken, M1 not yet published) and then find M2
 * in lane 1, although M1 was published before M2 (it polls up to 64 times, so its receives overlap the sends): taking M2 then would pass over M1, a message of a
 * higher priority sent before it. The receive must re-read the other lanes' heads after it acquired
 * M2's header, see M1 and scan again.
 * <ul>
 *   <li>r1: 1 if every message was received after all messages sent before it of at least its
 *       priority (the consumer's receives, then the arbiter's drain), else 0;</li>
 *   <li>r2: messages received in all (must be 4: none lost or duplicated);</li>
 *   <li>r3: how many of them the consumer received (0..4: how far the race went).</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "1, 4, 0", expect = ACCEPTABLE, desc = "consumer ran before the first send")
@Outcome(id = "1, 4, 1", expect = ACCEPTABLE, desc = "consumer received one message")
@Outcome(id = "1, 4, 2", expect = ACCEPTABLE, desc = "consumer received two messages")
@Outcome(id = "1, 4, 3", expect = ACCEPTABLE, desc = "consumer received three messages")
@Outcome(id = "1, 4, 4", expect = ACCEPTABLE, desc = "consumer received every message")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "a message taken while an older one of at least its priority waited")
@Outcome(expect = FORBIDDEN, desc = "a message lost or duplicated")
@State
public class SharedPriorityQueueLaneOrderTest {
    private static final int[] PRIORITY = {0, 1, 0, 1, 0}; // by message id: W = 1, X = 2, M1 = 3, M2 = 4
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(4, 8, 4);
    private final ByteBuffer producerBuf = ByteBuffer.allocate(8);
    private final ByteBuffer consumerBuf = ByteBuffer.allocateDirect(8);
    private final int[] order = new int[8];
    private int consumed;

    @Actor
    public void producer() {
        for (int id = 1; id <= 4; id++) {
            queue.trySend(PRIORITY[id], producerBuf.clear().putInt(0, id));
        }
    }

    @Actor
    public void consumer() {
        // polls until it has all four (at most 64 tries): keeps receives running while the producer sends
        for (int i = 0; i < 64 && consumed < 4; i++) {
            if (queue.tryReceive(consumerBuf.clear()) >= 0) {
                order[consumed++] = consumerBuf.getInt(0);
            }
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int byConsumer = consumed;
        int n = consumed;
        ByteBuffer b = ByteBuffer.allocateDirect(8);
        while (n < order.length && queue.tryReceive(b.clear()) >= 0) {
            order[n++] = b.getInt(0);
        }
        boolean ok = true;
        boolean[] received = new boolean[5];
        for (int i = 0; i < n; i++) {
            int id = order[i];
            if (id < 1 || id > 4 || received[id]) {
                ok = false; // lost or duplicated shows in r2 too
                break;
            }
            for (int before = 1; before < id; before++) {
                if (PRIORITY[before] >= PRIORITY[id] && !received[before]) {
                    ok = false; // sent before, at least the priority, still waiting
                }
            }
            received[id] = true;
        }
        r.r1 = ok ? 1 : 0;
        r.r2 = n;
        r.r3 = byConsumer;
        queue.close();
    }
}
