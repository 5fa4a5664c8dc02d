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
 * {@link SharedPriorityQueue}'s zeroing rule (file layout version 8): a hold zeroes what it delivered and
 * releases the lane's zeroed word after it; the sender skips its next-header store where that word's run
 * says the word was zeroed a lap before; a copying receive zeroes nothing, so the next hold starts a new
 * run. The consumer alternates handler batches and copying receives while the producer laps a 1 KiB
 * ring with messages of 8 to 40 bytes (so headers land on words that held other records' bodies): a
 * sender that skipped a zero the run does not cover leaves a stale header after its record, which a
 * receive reads as a record (a duplicate or garbage); space released before a hold's zeroes has them
 * land on the sender's new record (torn or lost).
 *
 * <p>Message i holds i, its length, and i's low byte in every further byte; the producer sends up to 120,
 * stopping at the first full lane; the consumer makes 48 receives, every third a copying one, the others
 * batches of up to 4; every receive checks each body and that it is the next in order. The arbiter
 * drains the rest by copying receives with the same checks.
 * <ul>
 *   <li>r1: 1 if every message was whole and in order, else 0;</li>
 *   <li>r2: 1 if exactly the messages sent were received (none lost or duplicated), else 0.</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "every message whole, in order, once")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "a stale header read as a record, a zero over a new record, or out of order")
@Outcome(expect = FORBIDDEN, desc = "a message lost or duplicated")
@State
public class SharedPriorityQueueZeroedRunTest {
    private static final int MAX = 40;
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, MAX, 1);
    /** Native order, as the mapping the handler reads in place. */
    private final ByteBuffer out = ByteBuffer.allocateDirect(MAX).order(ByteOrder.nativeOrder());
    private final ByteBuffer in = ByteBuffer.allocateDirect(MAX).order(ByteOrder.nativeOrder());
    private int sent;
    private int last;
    private boolean bad;
    private final MessageHandler check = this::check;

    private static int length(int i) {
        return 8 + (i * 13) % (MAX - 7);
    }

    private void check(int priority, ByteBuffer b, int offset, int length) {
        int id = b.getInt(offset);
        if (length < 8 || length != length(id) || b.getInt(offset + 4) != length || id != last + 1) {
            bad = true;
        } else {
            for (int j = 8; j < length; j++) {
                if (b.get(offset + j) != (byte) id) {
                    bad = true;
                }
            }
        }
        last = id;
    }

    @Actor
    public void producer() {
        for (int i = 1; i <= 120; i++) {
            int n = length(i);
            out.clear().limit(n);
            out.putInt(0, i).putInt(4, n);
            for (int j = 8; j < n; j++) {
                out.put(j, (byte) i);
            }
            if (!queue.trySend(0, out)) {
                break;
            }
            sent = i;
        }
    }

    @Actor
    public void consumer() {
        for (int i = 0; i < 48; i++) {
            if (i % 3 == 2) {
                if (queue.tryReceive(in.clear()) >= 0) {
                    check(0, in, 0, in.position());
                }
            } else {
                queue.receive(check, 4);
            }
        }
    }

    @Arbiter
    public void arbiter(II_Result r) {
        // bounded: a broken build may read stale headers as records without end
        for (int i = 0; i < 240 && queue.tryReceive(in.clear()) >= 0; i++) {
            check(0, in, 0, in.position());
        }
        r.r1 = bad ? 0 : 1;
        r.r2 = last == sent ? 1 : 0;
    }
}
