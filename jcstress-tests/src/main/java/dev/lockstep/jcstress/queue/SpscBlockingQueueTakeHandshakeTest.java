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
 * The sleep handshake of a consumer about to park in {@link SpscBlockingQueue#take} (issue 10, defect 8;
 * issue 12: no fence on the producer's fast path), run on the adapter's own code: actor1 is the
 * consumer's link of its node in the not-empty wait set (the waiting layer's own enqueue step, which
 * also raises the sleep request), full fence, the reads of the request and the acknowledgement, and the
 * re-check (poll), without the park ({@code recheckLinked}); actor2 is the producer's {@code offer}: the
 * ring's release stores and the acquire load of the request, and only if it sees the request, the fence,
 * the acknowledgement and the grant of the linked node. r1 = 1 if the re-check found the element; r2 =
 * 1 if the producer granted the node (it would have unparked the consumer); r3 = 1 if the consumer saw
 * its request acknowledged (it would park until a grant, with no timed re-check). "0, 0, 1" is a lost
 * wake-up. "0, 0, 0" is the race the handshake allows (store buffering between the producer's release
 * store and its load of the request): the consumer, not acknowledged, parks only for a bounded time and
 * re-checks, and the element is in the ring by then.
 */
@JCStressTest
@Outcome(id = {"1, 0, 0", "1, 0, 1", "1, 1, 0", "1, 1, 1", "0, 1, 0", "0, 1, 1"}, expect = ACCEPTABLE, desc = "the waiter found it, or is woken")
@Outcome(id = "0, 0, 0", expect = ACCEPTABLE_INTERESTING, desc = "the publication missed the request and the re-check missed it: not acknowledged, so the waiter parks for a bounded time and re-checks")
@Outcome(id = "0, 0, 1", expect = FORBIDDEN, desc = "lost wake-up: acknowledged (the waiter would park until a grant), nothing found, nobody granted")
@State
public class SpscBlockingQueueTakeHandshakeTest {
    private final SpscBlockingQueue<Integer> q = new SpscBlockingQueue<>(1);
    private final HandshakeProbe<Integer> probe = new HandshakeProbe<>(q);
    private int found;

    @Actor
    public void consumer() {
        found = probe.announceThenPoll() != null ? 1 : 0;
    }

    @Actor
    public void producer() {
        q.offer(1);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = found;
        r.r2 = probe.stillAnnounced(true) ? 0 : 1;
        r.r3 = probe.acknowledged() ? 1 : 0;
    }
}
