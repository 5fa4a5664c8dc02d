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
import org.openjdk.jcstress.infra.results.IIIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Lane binding races of {@link SharedPriorityQueue} (layout revision 2; design section 10): a lane is
 * never bound twice, and a free never clears the active bit of a lane bound after it (receivers would
 * then never scan that lane, and its messages would be lost). One lane, so every race meets on it. The
 * queue's test hooks are reached through {@link PriorityQueueProbe}.
 */
public class SharedPriorityQueueBindTest {
    private SharedPriorityQueueBindTest() {
    }

    /**
     * Two threads' first sends race for the one FREE lane: one binds it and sends, the other finds no
     * lane ({@code trySend} false).
     * <ul>
     *   <li>r1, r2: 1 if the first / second sender's {@code trySend} succeeded;</li>
     *   <li>r3: the messages the arbiter then receives, times 10, plus 1 if the lane is BOUND and 2 if
     *       its active bit is set. The loser's failed bind retires the lanes of this handle's ended
     *       threads: the winner's, if its thread has ended by then (jcstress may end actor threads),
     *       which the arbiter's receives then drain and free (0: not bound, bit clear).</li>
     * </ul>
     */
    @JCStressTest
    @Outcome(id = "1, 0, 13", expect = ACCEPTABLE, desc = "the first sender bound the lane")
    @Outcome(id = "0, 1, 13", expect = ACCEPTABLE, desc = "the second sender bound the lane")
    @Outcome(id = "1, 0, 10", expect = ACCEPTABLE, desc = "the first sender bound the lane; retired after its thread ended, then freed")
    @Outcome(id = "0, 1, 10", expect = ACCEPTABLE, desc = "the second sender bound the lane; retired after its thread ended, then freed")
    @Outcome(id = ".*, 11", expect = FORBIDDEN, desc = "a bound lane without its active bit: receivers never scan it")
    @Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "one lane bound by two senders")
    @Outcome(expect = FORBIDDEN, desc = "a message lost, a send that found no lane, or the active bit wrong")
    @State
    public static class TwoBinders {
        private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 1);
        private final ByteBuffer first = ByteBuffer.allocate(8);
        private final ByteBuffer second = ByteBuffer.allocate(8);

        @Actor
        public void sender1(III_Result r) {
            r.r1 = queue.trySend(0, first.clear()) ? 1 : 0;
        }

        @Actor
        public void sender2(III_Result r) {
            r.r2 = queue.trySend(0, second.clear()) ? 1 : 0;
        }

        @Arbiter
        public void arbiter(III_Result r) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            int received = 0;
            while (queue.tryReceive(dst.clear()) >= 0) {
                received++;
            }
            boolean bound = new PriorityQueueProbe(queue).laneBound(0);
            r.r3 = 10 * received + (bound ? 1 : 0) + (queue.lanesInUse() == 1 ? 2 : 0);
        }
    }

    /**
     * A free races a bind: the one lane is RETIRED holding M0 (a closed handle's), a receiver takes M0
     * and scans again (its scan frees the drained lane), while a sender's first send (priority 1) binds
     * whatever it finds FREE (freeing the drained lane itself if it gets there first).
     * <ul>
     *   <li>r1: the receiver's first receive (0: M0's priority);</li>
     *   <li>r2: its second receive (-1 nothing, 1 the sender's message M1);</li>
     *   <li>r3: 1 if the sender's {@code trySend} succeeded;</li>
     *   <li>r4: the arbiter's receive afterwards (-1 or 1);</li>
     *   <li>r5: the lanes in use at the end (active bits).</li>
     * </ul>
     */
    @JCStressTest
    @Outcome(id = "0, -1, 1, 1, 1", expect = ACCEPTABLE, desc = "the sender bound the freed lane; M1 received by the arbiter")
    @Outcome(id = "0, 1, 1, -1, 1", expect = ACCEPTABLE, desc = "the sender bound the freed lane; M1 received by the receiver")
    @Outcome(id = "0, -1, 0, -1, 0", expect = ACCEPTABLE, desc = "the sender came before M0 was taken; the receiver freed the lane")
    @Outcome(id = "0, -1, 1, -1, .*", expect = FORBIDDEN, desc = "M1 sent and lost")
    @Outcome(id = "0, .*, 1, .*, 0", expect = FORBIDDEN, desc = "a bound lane's active bit cleared by a free")
    @Outcome(expect = FORBIDDEN, desc = "M0 not received first, a message duplicated, or a drained retired lane left unfreed")
    @State
    public static class FreeRacingBind {
        private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 1);
        private final ByteBuffer m1 = ByteBuffer.allocate(8);
        private final ByteBuffer dst = ByteBuffer.allocate(8);
        private int first;
        private int second;
        private int sent;

        public FreeRacingBind() {
            SharedPriorityQueue other = new PriorityQueueProbe(queue).sibling();
            other.trySend(0, ByteBuffer.allocate(8)); // binds the lane: M0
            other.close(); // retires it, M0 still to be received
        }

        @Actor
        public void receiver() {
            first = queue.tryReceive(dst.clear());
            second = queue.tryReceive(dst.clear());
        }

        @Actor
        public void sender() {
            sent = queue.trySend(1, m1.clear()) ? 1 : 0;
        }

        @Arbiter
        public void arbiter(IIIII_Result r) {
            r.r1 = first;
            r.r2 = second;
            r.r3 = sent;
            r.r4 = queue.tryReceive(ByteBuffer.allocate(8));
            r.r5 = queue.lanesInUse();
        }
    }
}
