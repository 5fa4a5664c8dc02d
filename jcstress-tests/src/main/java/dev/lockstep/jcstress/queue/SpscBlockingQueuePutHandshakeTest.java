package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.HandshakeProbe;
import dev.lockstep.core.queue.SpscBlockingQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The mirror image of {@link SpscBlockingQueueTakeHandshakeTest}: a producer about to park in
 * {@link SpscBlockingQueue#put} on a full queue (capacity 1, holding 1). actor1 is the producer's
 * link in the not-full wait set (the waiting layer's enqueue step), full fence and re-check
 * ({@code offer(2)}), without the park; actor2 is the consumer's {@code poll}: the ring's release
 * stores (slot emptied), the fence P2 and the load of the not-full wait set's head, then the grant.
 * r1 = 1 if the re-check inserted; r2 = 1 if the consumer granted the node. "0, 0" is a
 * lost wake-up: the producer would park beside a free slot that nobody will signal.
 */
@JCStressTest
@Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the producer finds the slot, or is woken")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: neither saw the other's write")
@State
public class SpscBlockingQueuePutHandshakeTest {
    private final SpscBlockingQueue<Integer> q = new SpscBlockingQueue<>(1);
    private final HandshakeProbe<Integer> probe = new HandshakeProbe<>(q);
    private int inserted;

    public SpscBlockingQueuePutHandshakeTest() {
        q.offer(1);
    }

    @Actor
    public void producer() {
        inserted = probe.announceThenOffer(2) ? 1 : 0;
    }

    @Actor
    public void consumer() {
        q.poll();
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = inserted;
        r.r2 = probe.stillAnnounced(false) ? 0 : 1;
    }
}
