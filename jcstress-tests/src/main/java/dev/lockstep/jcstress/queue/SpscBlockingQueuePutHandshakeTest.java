package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.HandshakeProbe;
import dev.lockstep.core.queue.SpscBlockingQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The mirror image of {@link SpscBlockingQueueTakeHandshakeTest}: a producer about to park in
 * {@link SpscBlockingQueue#put} on a full queue (capacity 1, holding 1). actor1 is the producer's link
 * in the not-full wait set (raising the sleep request), full fence, request and acknowledgement reads,
 * and re-check ({@code offer(2)}), without the park; actor2 is the consumer's {@code poll}: the ring's
 * release stores (slot emptied), the acquire load of the not-full request, and only if it sees it, the
 * fence, the acknowledgement and the grant. r1 = 1 if the re-check inserted; r2 = 1 if the consumer
 * granted the node; r3 = 1 if the producer saw its request acknowledged. "0, 0, 1" is a lost wake-up:
 * the producer would park beside a free slot, untimed, and nobody would signal it; "0, 0, 0" is the
 * allowed race (bounded park and re-check).
 */
@JCStressTest
@Outcome(id = {"1, 0, 0", "1, 0, 1", "1, 1, 0", "1, 1, 1", "0, 1, 0", "0, 1, 1"}, expect = ACCEPTABLE, desc = "the waiter found it, or is woken")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE_INTERESTING, desc = "the publication missed the request and the re-check missed it: not acknowledged, so the waiter parks for a bounded time and re-checks")
@Outcome(id = "0, 0, 1", expect = FORBIDDEN, desc = "lost wake-up: acknowledged (the waiter would park until a grant), nothing found, nobody granted")
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
    public void arbiter(III_Result r) {
        r.r1 = inserted;
        r.r2 = probe.stillAnnounced(false) ? 0 : 1;
        r.r3 = probe.acknowledged() ? 1 : 0;
    }
}
