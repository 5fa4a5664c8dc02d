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
 * Priority and FIFO order of {@link SharedPriorityQueue} against a concurrent scan, and no lost or
 * duplicated message, over the queue's shared-memory layout (an {@code inMemory} queue: the same code
 * and layout as a mapped file, without creating a file per jcstress state).
 *
 * <p>Setup: 128 slots (two words of ready bits); all but slots 63 and 64 hold FILLER messages
 * (priority 0) and the send cursor is at 0. The producer sends M1 then M2 (both priority 5): M1 lands
 * in slot 63 (the last of the first bits word), M2 in slot 64 (the first of the second). The consumer
 * receives once: it reads the first bits word, the fillers' state words, then the second bits word,
 * so it can see M2 published but not M1, although M1 was published first: the receive must then not
 * take M2 (it must re-read the slots before its candidate).
 * <ul>
 *   <li>r1: what the consumer got: 1 = M1, 2 = M2, 3 = a FILLER, 0 = nothing;</li>
 *   <li>r2: the arbiter's M messages as digits in receive order (12 = M1 then M2);</li>
 *   <li>r3: FILLER messages received by both, in all (must be 126).</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "3, 12, 126", expect = ACCEPTABLE, desc = "consumer scanned before M1 and M2 were published")
@Outcome(id = "1, 2, 126", expect = ACCEPTABLE, desc = "consumer got M1, the older of the two")
@Outcome(id = "2, 1, 126", expect = FORBIDDEN, desc = "consumer took M2 while the older M1 of the same priority waited")
@Outcome(id = "0, 12, 126", expect = FORBIDDEN, desc = "receive found nothing in a non-empty queue")
@Outcome(expect = FORBIDDEN, desc = "a message lost, duplicated or out of order")
@State
public class SharedPriorityQueueFifoTest {
    private static final int FILLER = 3;
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(128, 8);
    private final ByteBuffer producerBuf = ByteBuffer.allocate(8);
    private final ByteBuffer consumerBuf = ByteBuffer.allocate(8);

    public SharedPriorityQueueFifoTest() {
        ByteBuffer b = ByteBuffer.allocate(8);
        for (int i = 0; i < 128; i++) { // slot i; the cursor wraps back to 0
            queue.trySend(i == 63 ? 2 : i == 64 ? 1 : 0, b.clear().putInt(0, FILLER));
        }
        queue.tryReceive(b.clear()); // priority 2: frees slot 63
        queue.tryReceive(b.clear()); // priority 1: frees slot 64
    }

    @Actor
    public void producer() {
        queue.trySend(5, producerBuf.clear().putInt(0, 1)); // M1 -> slot 63
        queue.trySend(5, producerBuf.clear().putInt(0, 2)); // M2 -> slot 64
    }

    @Actor
    public void consumer(III_Result r) {
        r.r1 = queue.tryReceive(consumerBuf.clear()) < 0 ? 0 : consumerBuf.getInt(0);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int digits = 0;
        int fillers = r.r1 == FILLER ? 1 : 0;
        ByteBuffer b = ByteBuffer.allocate(8);
        while (queue.tryReceive(b.clear()) >= 0) {
            int id = b.getInt(0);
            if (id == FILLER) {
                fillers++;
            } else {
                digits = digits * 10 + id;
            }
        }
        r.r2 = digits;
        r.r3 = fillers;
        queue.close();
    }
}
