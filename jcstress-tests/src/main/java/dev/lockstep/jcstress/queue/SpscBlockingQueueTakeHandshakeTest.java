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
 * The Dekker handshake of a consumer about to park in {@link SpscBlockingQueue#take} (issue 10, defect
 * 8), run on the adapter's own code: actor1 is the consumer's link of its node in the not-empty wait set
 * (the waiting layer's own enqueue step, {@code WaitQueue.enqueue}), full fence and re-check (poll,
 * the adapter's {@code tryAcquireLinked}), without the park; actor2 is the producer's {@code offer}:
 * the ring's release stores, the fence P2 (SPSC's offer is not a volatile read-modify-write) and the
 * volatile load of the wait set's head, then the grant of the linked node. r1 = 1 if the re-check
 * found the element; r2 = 1 if the producer granted the node (it would have unparked the consumer). "0, 0" is a lost wake-up: the
 * consumer would park on an element that nobody will signal. On x86 the producer's release store and its
 * load of the waiter stack are plain moves, which the store buffer reorders without P2.
 */
@JCStressTest
@Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the consumer sees the element, or is woken")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: neither saw the other's write")
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
    public void arbiter(II_Result r) {
        r.r1 = found;
        r.r2 = probe.stillAnnounced(true) ? 0 : 1;
    }
}
