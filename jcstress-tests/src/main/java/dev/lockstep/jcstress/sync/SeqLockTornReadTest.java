package dev.lockstep.jcstress.sync;

import dev.lockstep.core.sync.SeqLock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A {@link SeqLock} reader never returns a torn pair: a writer replaces the pair (0, 0) by (1, -1) and
 * then by (2, -2); the reader reads the pair optimistically and retries until validation succeeds.
 */
@JCStressTest
@Outcome(id = {"0, 0", "1, -1", "2, -2"}, expect = ACCEPTABLE, desc = "a pair written by one write (or the initial one)")
@Outcome(expect = FORBIDDEN, desc = "a torn pair: halves from different writes")
@State
public class SeqLockTornReadTest {
    private final SeqLock seq = new SeqLock();
    private long a; // plain: written under seq's write side, read optimistically
    private long b;

    private void write(long k) {
        seq.writeLock();
        try {
            a = k;
            b = -k;
        } finally {
            seq.writeUnlock();
        }
    }

    @Actor
    public void writer() {
        write(1);
        write(2);
    }

    @Actor
    public void reader(JJ_Result r) {
        long s;
        long ra;
        long rb;
        do {
            s = seq.readBegin();
            ra = a;
            rb = b;
        } while (!seq.readValidate(s));
        r.r1 = ra;
        r.r2 = rb;
    }
}
