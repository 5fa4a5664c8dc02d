package dev.lockstep.jcstress.ipc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.lockstep.ipc.channel.MessageHandler;
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
 * {@link SharedPriorityQueueLaneOrderTest}'s race against the handler batch
 * ({@code receive(handler, limit)}, layout revision 2 of {@code SharedPriorityQueue}): the batch's scan and
 * order re-check choose a lane, and the run it then claims in that lane (several records at once) must
 * not pass over an older waiting message of at least its priority in another lane.
 *
 * <p>The producer sends W (priority 1), X (priority 0), M1 (priority 1), M2 (priority 0): W binds lane 0,
 * X lane 1, and M1, M2 follow in those lanes. The consumer polls with batch receives of up to 8
 * messages until it has all four (at most 64 calls). A batch may read lane 0 empty (W taken, M1 not yet
 * published) and find X, or M2, in lane 1; it must not deliver M2 while M1, published before M2, waits:
 * neither as a scan's candidate (the re-check must see M1) nor as the second record of a run starting at
 * X (a record of the run read after M1 was published). The arbiter drains the rest by batch receives.
 * <ul>
 *   <li>r1: 1 if every message was delivered after all messages sent before it of at least its priority
 *       (the consumer's batches, then the arbiter's), else 0;</li>
 *   <li>r2: messages delivered in all (must be 4: none lost or duplicated);</li>
 *   <li>r3: the ids the consumer's batches delivered, as digits in delivery order (W 1, X 2, M1 3, M2 4;
 *       0: none).</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "1, 4, .*", expect = ACCEPTABLE, desc = "every message delivered in order, once")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "the batch delivered a message while an older one of at least its priority waited")
@Outcome(expect = FORBIDDEN, desc = "a message lost or duplicated")
@State
public class SharedPriorityQueueBatchFifoTest {
    private static final int[] PRIORITY = {0, 1, 0, 1, 0}; // by message id: W = 1, X = 2, M1 = 3, M2 = 4
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(4, 8, 4);
    /** Native order: the handler reads each id in the mapping, in the byte order it was written. */
    private final ByteBuffer producerBuf = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
    private final int[] order = new int[16];
    private int delivered;
    private final MessageHandler handler = this::onMessage;

    private void onMessage(int priority, ByteBuffer b, int offset, int length) {
        if (delivered < order.length) {
            order[delivered] = b.getInt(offset);
        }
        delivered++;
    }

    @Actor
    public void producer() {
        for (int id = 1; id <= 4; id++) {
            queue.trySend(PRIORITY[id], producerBuf.clear().putInt(0, id));
        }
    }

    @Actor
    public void consumer() {
        // polls until it has all four (at most 64 calls): keeps batches running while the producer sends
        for (int i = 0; i < 64 && delivered < 4; i++) {
            queue.receive(handler, 8);
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int byConsumer = delivered;
        int digits = 0;
        for (int i = 0; i < Math.min(byConsumer, 9); i++) {
            digits = digits * 10 + order[i];
        }
        while (delivered < order.length && queue.receive(handler, 8) > 0) {
            // order accumulates
        }
        int n = Math.min(delivered, order.length);
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
        r.r2 = delivered;
        r.r3 = digits;
        queue.close();
    }
}
