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
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link SharedPriorityQueue}'s handler batch (the lane's hold, layout revision 2 of {@code SharedPriorityQueue})
 * against a sender that laps the ring: the handler reads each record in place while the sender writes,
 * so the sender's space must stop at the hold until the run is delivered.
 *
 * <p>A lane of 1 KiB holds 63 records of 8-byte messages; the producer sends up to 150 (message i holds
 * i and ~i), stopping at the first full lane; the consumer makes 40 batch receives of up to 8 messages,
 * its handler checking each body and that it is the next in order. The arbiter drains the rest by
 * copying receives with the same checks.
 * <ul>
 *   <li>r1: 1 if every message was whole and in order, else 0 (torn by an overwrite, or out of order);</li>
 *   <li>r2: 1 if exactly the messages sent were received (none lost or duplicated), else 0.</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "every message whole, in order, once")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "a message torn by the sender's overwrite, or out of order")
@Outcome(expect = FORBIDDEN, desc = "a message lost or duplicated")
@State
public class SharedPriorityQueueHoldTest {
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 2);
    /** Native order, as the mapping the handler reads in place. */
    private final ByteBuffer out = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private int sent;
    private int last;
    private boolean bad;
    private final MessageHandler check = this::check;

    private void check(int priority, ByteBuffer b, int offset, int length) {
        int id = b.getInt(offset);
        if (length != 8 || b.getInt(offset + 4) != ~id || id != last + 1) {
            bad = true;
        }
        last = id;
    }

    @Actor
    public void producer() {
        for (int i = 1; i <= 150; i++) {
            out.clear();
            out.putInt(0, i).putInt(4, ~i);
            if (!queue.trySend(0, out)) {
                break;
            }
            sent = i;
        }
    }

    @Actor
    public void consumer() {
        for (int i = 0; i < 40; i++) {
            queue.receive(check, 8);
        }
    }

    @Arbiter
    public void arbiter(II_Result r) {
        ByteBuffer in = ByteBuffer.allocateDirect(8).order(out.order());
        while (queue.tryReceive(in.clear()) >= 0) {
            check(0, in, 0, in.position());
        }
        r.r1 = bad ? 0 : 1;
        r.r2 = last == sent ? 1 : 0;
    }
}
