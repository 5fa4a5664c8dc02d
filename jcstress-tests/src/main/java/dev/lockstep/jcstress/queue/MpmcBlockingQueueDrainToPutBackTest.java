package dev.lockstep.jcstress.queue;

import dev.lockstep.core.queue.MpmcBlockingQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.util.AbstractCollection;
import java.util.Iterator;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link MpmcBlockingQueue#drainTo} whose target's {@code add} throws, so the element it claimed goes
 * onto the adapter's put-back stack, racing a concurrent consumer. The queue holds 1 and 2; actor1
 * drains twice into a target that refuses every element (so the second drainTo may take the element
 * the first put back, and put it back again); actor2 polls twice; the arbiter polls the rest (two
 * actors: jcstress skips tests with more actors than this machine's 2 CPUs). r1 and r2 = how many times 1 and 2 were delivered (polled by an actor or left in the
 * queue); r3 = 1 if a drainTo threw (it had claimed an element). Every element exactly once: "1, 1, _".
 * Forbidden: an element lost (the put-back missed, or taken by nobody) or returned twice (the poll and
 * the second drainTo both taking the same put-back node).
 */
@JCStressTest
@Outcome(id = {"1, 1, 0", "1, 1, 1"}, expect = ACCEPTABLE, desc = "every element delivered exactly once")
@Outcome(id = {"0, .*", "1, 0, .*"}, expect = FORBIDDEN, desc = "an element was lost")
@Outcome(id = {"2, .*", "1, 2, .*"}, expect = FORBIDDEN, desc = "an element was delivered twice")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class MpmcBlockingQueueDrainToPutBackTest {
    private final MpmcBlockingQueue<Integer> q = new MpmcBlockingQueue<>(2);
    private final int[] delivered = new int[3];
    private Integer polled1;
    private Integer polled2;
    private int threw;

    /** A target whose add always throws. */
    private static final class Refusing extends AbstractCollection<Integer> {
        @Override
        public boolean add(Integer e) {
            throw new IllegalStateException("refused");
        }

        @Override
        public Iterator<Integer> iterator() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int size() {
            return 0;
        }
    }

    private static final Refusing REFUSING = new Refusing();

    public MpmcBlockingQueueDrainToPutBackTest() {
        q.offer(1);
        q.offer(2);
    }

    @Actor
    public void drainer() {
        for (int i = 0; i < 2; i++) {
            try {
                q.drainTo(REFUSING, 1);
            } catch (IllegalStateException expected) {
                threw = 1;
            }
        }
    }

    @Actor
    public void poller() {
        polled1 = q.poll();
        polled2 = q.poll();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        count(polled1);
        count(polled2);
        for (Integer e; (e = q.poll()) != null; ) {
            count(e);
        }
        r.r1 = delivered[1];
        r.r2 = delivered[2];
        r.r3 = threw;
    }

    private void count(Integer e) {
        if (e != null) {
            delivered[e]++;
        }
    }
}
