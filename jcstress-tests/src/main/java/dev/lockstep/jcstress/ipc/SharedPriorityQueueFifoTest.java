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
 * FIFO order of one producer's messages of one priority against concurrent receivers, across the
 * wrap of the producer's lane (layout revision 2 of {@code SharedPriorityQueue}: one lane, claimed by
 * head CAS; order across lanes is {@link SharedPriorityQueueLaneOrderTest}'s), and no lost, duplicated or
 * stale message.
 *
 * <p>Setup: the state's thread fills and drains lane 0 (a 1 KiB ring, 128 words) up to word 125 with
 * FILLER messages, then binds four more priorities, so its lane budget retires and frees lane 0 with
 * its head at 125 and the previous lap's records still in the ring (FILLER headers at words 0 and 2).
 * The producer binds lane 0 and sends M1 then M2 (same priority): M1 takes words 125-126, M2 does not
 * fit in word 127, so the send pads to the ring's end (zeroing word 0 first) and writes M2 at word 0
 * (zeroing word 2 after it); then it receives once, concurrently with the consumer, which polls
 * until it has received twice (two actors: jcstress runs only tests that fit the machine's two cores). A receive must take M1
 * before M2 (the head), help past the padding, and never read a previous lap's header as a record (the
 * zeroing rule).
 * <ul>
 *   <li>r1: what the producer's receive got: M1 1, M2 2, FILLER 9, 0 nothing;</li>
 *   <li>r2: what the consumer got, as digits in receive order;</li>
 *   <li>r3: what the arbiter then drains, as digits.</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "1, 0, 2", expect = ACCEPTABLE, desc = "the consumer gave up before the sends; the producer got M1")
@Outcome(id = "2, 1, 0", expect = ACCEPTABLE, desc = "the consumer got M1, the producer M2")
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "the producer got M1, the consumer M2")
@Outcome(id = "0, 12, 0", expect = ACCEPTABLE, desc = "the consumer got both, in order")
@Outcome(id = "0, 21, 0", expect = FORBIDDEN, desc = "the consumer received M2, then the older M1")
@Outcome(id = "2, 0, 1", expect = FORBIDDEN, desc = "M2 taken while the older M1 waited")
@Outcome(id = {"0, 0, 12", "0, 1, 2", "0, 2, 1"}, expect = FORBIDDEN, desc = "the producer's receive found nothing while its messages waited")
@Outcome(expect = FORBIDDEN, desc = "a message lost or duplicated, or a previous lap's FILLER (9) read as a record")
@State
public class SharedPriorityQueueFifoTest {
    private static final int PRIORITY = 5;
    private static final int FILLER = 9;
    /** 8-byte messages: 2-word records in a 128-word ring; five lanes: one for the test, four for the budget. */
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 5);
    private final ByteBuffer producerBuf = ByteBuffer.allocate(8);
    private final ByteBuffer producerIn = ByteBuffer.allocateDirect(8);
    private final ByteBuffer consumerIn = ByteBuffer.allocateDirect(8);
    private int gotByProducer;
    private int gotByConsumer;

    public SharedPriorityQueueFifoTest() {
        ByteBuffer b = ByteBuffer.allocate(8);
        for (int i = 0; i < 62; i++) { // words 0..123 (the headers at even words), each drained at once
            fill(PRIORITY, b.clear().putInt(0, FILLER));
        }
        fill(PRIORITY, b.clear().limit(0)); // an empty message: word 124; the head is at 125 now
        for (int p = 0; p < 4; p++) { // the fifth binding retires this thread's oldest drained lane: lane 0
            fill(p, b.clear().putInt(0, FILLER));
        }
        if (queue.lanesInUse() != 4 || !queue.isEmpty()) {
            throw new IllegalStateException("lane 0 not freed: " + queue.lanesInUse() + " lanes in use");
        }
    }

    private void fill(int priority, ByteBuffer b) {
        ByteBuffer sink = ByteBuffer.allocate(8);
        if (!queue.trySend(priority, b) || queue.tryReceive(sink) != priority) {
            throw new IllegalStateException("setup send or receive failed");
        }
    }

    @Actor
    public void producer() {
        queue.trySend(PRIORITY, producerBuf.clear().putInt(0, 1)); // M1: binds lane 0, words 125-126
        queue.trySend(PRIORITY, producerBuf.clear().putInt(0, 2)); // M2: padding at 127, then word 0
        gotByProducer = queue.tryReceive(producerIn.clear()) < 0 ? 0 : producerIn.getInt(0);
    }

    @Actor
    public void consumer() {
        // polls until it has two messages (at most 64 tries): keeps receives running while the producer
        // sends, so some read the padding and the ring's start while M2 is being written
        int digits = 0;
        for (int i = 0, n = 0; i < 64 && n < 2; i++) {
            if (queue.tryReceive(consumerIn.clear()) >= 0) {
                digits = digits * 10 + consumerIn.getInt(0);
                n++;
            }
        }
        gotByConsumer = digits;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int digits = 0;
        ByteBuffer b = ByteBuffer.allocateDirect(8);
        for (int i = 0; i < 4 && queue.tryReceive(b.clear()) >= 0; i++) {
            digits = digits * 10 + b.getInt(0);
        }
        r.r1 = gotByProducer;
        r.r2 = gotByConsumer;
        r.r3 = digits;
        queue.close();
    }
}
