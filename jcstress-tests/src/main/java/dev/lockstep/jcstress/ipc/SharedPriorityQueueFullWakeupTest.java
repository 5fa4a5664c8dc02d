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
 * No lost wake-up between a {@link SharedPriorityQueue} sender about to sleep on its full lane and a
 * receive that frees room in it (layout revision 2 of {@code SharedPriorityQueue}: the lane's space
 * request). The sender fills its lane (a 1 KiB ring of 128 words holds three 248-byte messages, 32-word
 * records, not four; one receive makes room for the fourth, which then fits without padding), announces
 * itself on the not-full word and makes one re-check of a waiting send (raises its lane's space request,
 * re-reads the head and hold: {@code PriorityQueueProbe.recheckSend}), then would {@code FUTEX_WAIT} on the
 * value it announced; the receiver polls with the real {@code tryReceive} until it takes one message (head
 * CAS, then the read of the space request and the signal). The Dekker pair: the sender's request store
 * and head load against the receiver's head CAS and request load.
 * <ul>
 *   <li>r1: the re-check's verdict: 0 READY (it saw the room), 1 SLEEP;</li>
 *   <li>r2: 1 if the not-full word moved past the value the sender announced (a receiver signalled it);</li>
 *   <li>r3: 1 if the receiver took a message (0: its polls all ran before the sends).</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = {"0, 0, 1", "0, 1, 1"}, expect = ACCEPTABLE, desc = "the re-check saw the room the receive freed")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "the sender would sleep, and the receive woke it")
@Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "nothing received (the receiver gave up before the sends): the sender sleeps")
@Outcome(id = "1, 0, 1", expect = FORBIDDEN, desc = "lost wake-up: the sender would sleep, the receive freed room and no one signalled")
@Outcome(expect = FORBIDDEN, desc = "room seen though nothing was received, or a send failed on an empty lane")
@State
public class SharedPriorityQueueFullWakeupTest {
    /** A record of 256 bytes: 32 words; a lane of 128 words takes three (96 + the zeroed next header), not four. */
    private static final int SIZE = 248;
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, SIZE, 1);
    private final PriorityQueueProbe probe = new PriorityQueueProbe(queue);
    private final ByteBuffer out = ByteBuffer.allocate(SIZE);
    private final ByteBuffer in = ByteBuffer.allocateDirect(SIZE);
    private int announced;
    private int verdict = -1;
    private int received;

    @Actor
    public void sender() {
        // the lane is full after three sends, unless the receiver took one already
        if (queue.trySend(0, out.clear()) && queue.trySend(0, out.clear()) && queue.trySend(0, out.clear())) {
            announced = probe.announceSender();
            verdict = probe.recheckSend(0, SIZE); // then FUTEX_WAIT(notFull, announced) if SLEEP
        }
    }

    @Actor
    public void receiver() {
        for (int i = 0; i < 256; i++) {
            if (queue.tryReceive(in.clear()) >= 0) {
                received = 1;
                return;
            }
        }
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = verdict;
        r.r2 = probe.notFullWord() != announced ? 1 : 0;
        r.r3 = received;
        queue.close();
    }
}
