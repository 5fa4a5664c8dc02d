package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.MpmcArrayQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link MpmcArrayQueue}: {@code remove(Object)} of the head races a {@code poll}. Exactly one of them
 * gets the element: the remover's lock of the slot (CAS of its sequence, then a volatile read of the
 * consumer index) and the consumer's claim (CAS of the consumer index, then a volatile read of the
 * sequence) form a Dekker pair. r1: what poll returned (0 = null), r2: remove's answer (1 = true), r3:
 * size after both, then what the arbiter polls (element 2 stays behind, so size is exact), r4: how many
 * of 4 relaxed offers the emptied queue then accepts (all 4: every slot was handed to its next lap).
 * r4 = 2 (the offers stop at the wedged slot) is a remover that backed off and took the slot back from
 * the next lap: it locked the slot after the consumer had checked it, saw the consumer's claim, and
 * restored the sequence with a blind store after the consumer had released the slot, leaving it "full"
 * for an index already consumed (every later producer of that slot then waited forever: found by
 * RingIteratorContractTest timing out in CI, 2026-12-01).
 */
@JCStressTest
@Outcome(id = "1, 0, 2, 4", expect = ACCEPTABLE, desc = "poll took it; remove found it claimed or gone")
@Outcome(id = "2, 1, 0, 4", expect = ACCEPTABLE, desc = "remove took it; poll skipped its slot and took the next")
@Outcome(id = "1, 1, 2, 4", expect = FORBIDDEN, desc = "both removed and delivered")
@Outcome(id = "2, 0, 0, 4", expect = FORBIDDEN, desc = "element lost")
@Outcome(id = "1, 0, 2, 2", expect = FORBIDDEN, desc = "slot taken back from the next lap: the queue wedges")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class MpmcArrayQueueRemovePollTest {
    private final MpmcArrayQueue<Integer> q = new MpmcArrayQueue<>(4);

    public MpmcArrayQueueRemovePollTest() {
        q.offer(1);
        q.offer(2);
    }

    @Actor
    public void consumer(IIII_Result r) {
        Integer e = q.poll();
        r.r1 = e == null ? 0 : e;
    }

    @Actor
    public void remover(IIII_Result r) {
        r.r2 = q.remove(1) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(IIII_Result r) {
        int size = q.size();
        Integer e = q.poll();
        // size must match what is left: 2 if element 2 is still queued, else 0
        r.r3 = size == (e == null ? 0 : 1) ? (e == null ? 0 : e) : -size - 10;
        int accepted = 0;
        for (int i = 0; i < 4; i++) { // relaxed: answers false at once where a strict offer would wait forever
            if (q.relaxedOffer(10 + i)) {
                accepted++;
            }
        }
        r.r4 = accepted;
    }
}
