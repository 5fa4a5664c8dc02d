package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;
import java.time.Duration;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;

/**
 * The revocation handshake of {@link ManyToOneChannel}: a producer whose claim the consumer revokes
 * (claim timeout 1 ns, so the consumer revokes on its second look) resumes and writes its body and
 * commits, racing with the consumer, which revokes, drains, and lets a second producer send through
 * the whole ring (so that the revoked claim's space would be reused if the consumer freed it).
 * The arbiter drains what is left. r1 = the resumed producer's commit result (1 = true);
 * r2 = verdict: 0 = every message whose send returned true delivered once, whole, in order, and the
 * stalled message delivered iff its commit returned true; 1 = a torn message; 2 = a message lost;
 * 3 = a duplicate or a message nobody sent (misframed); 4 = the receiver threw. The claim's header is
 * written before the stall (tryClaim in the state's constructor), so since issue 12 its commit (a
 * release store) always succeeds: if the consumer fenced the claim first, the commit replaces the
 * fence and the message is delivered late (the checker allows it after later messages).
 */
@JCStressTest
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "committed before the revocation, or after it (then delivered late); delivered once")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "the commit of a claim whose header was written failed (issue 12: it is delivered late)")
@Outcome(id = ".*, 1", expect = FORBIDDEN, desc = "a late body store landed in another message")
@Outcome(id = ".*, 2", expect = FORBIDDEN, desc = "a message whose send returned true was lost")
@Outcome(id = ".*, 3", expect = FORBIDDEN, desc = "duplicated or misframed")
@Outcome(id = ".*, 4", expect = FORBIDDEN, desc = "the receiver threw (misframed ring)")
@State
public class ManyToOneChannelRevocationTest {
    private static final int BODY = 120; // 128-byte records: 8 fill the 1 KiB ring
    private static final int STALLED_SEQ = 1000;
    private final ManyToOneChannel channel = ChannelRegions.manyToOne(2);
    private final Sender stalled = channel.sender();
    private final Sender other = channel.sender();
    private final Receiver receiver = channel.receiver(Duration.ofNanos(1));
    private final int claimed = stalled.tryClaim(1, BODY); // the claim made before the stall
    private final boolean[] sent = new boolean[16];
    private final Checker checker = new Checker();
    private boolean committed;

    static void fill(ByteBuffer b, int at, int seq) {
        b.putInt(at, seq);
        for (int i = 4; i < BODY; i += 4) {
            b.putInt(at + i, seq * 7919 + i);
        }
    }

    static final class Checker implements MessageHandler {
        final int[] seen = new int[STALLED_SEQ + 1];
        int last = -1;
        int verdict;

        @Override
        public void onMessage(int type, ByteBuffer b, int off, int len) {
            int seq = b.getInt(off);
            if (len != BODY || seq < 0 || seq > STALLED_SEQ) {
                verdict = Math.max(verdict, 3);
                return;
            }
            for (int i = 4; i < BODY; i += 4) {
                if (b.getInt(off + i) != seq * 7919 + i) {
                    verdict = Math.max(verdict, 1);
                    return;
                }
            }
            if (++seen[seq] > 1 || (seq != STALLED_SEQ && seq < last)) {
                verdict = Math.max(verdict, 3);
            }
            if (seq != STALLED_SEQ) {
                last = seq;
            }
        }
    }

    @Actor
    public void resumedProducer() {
        fill(stalled.buffer(), claimed, STALLED_SEQ);
        committed = stalled.commit(claimed);
    }

    @Actor
    public void consumerAndOtherProducer() {
        try {
            for (int i = 0; i < 4; i++) {
                receiver.receive(checker, 64); // sees the claim, then revokes it (unless committed)
            }
            byte[] msg = new byte[BODY];
            ByteBuffer b = ByteBuffer.wrap(msg).order(java.nio.ByteOrder.nativeOrder());
            for (int seq = 0; seq < sent.length; seq++) {
                fill(b, 0, seq);
                sent[seq] = other.trySend(2, msg, 0, BODY);
                receiver.receive(checker, 64);
            }
        } catch (RuntimeException e) {
            checker.verdict = 4;
        }
    }

    @Arbiter
    public void arbiter(II_Result r) {
        try {
            for (int i = 0; i < 8; i++) {
                receiver.receive(checker, 64);
            }
        } catch (RuntimeException e) {
            checker.verdict = 4;
        }
        int verdict = checker.verdict;
        for (int seq = 0; seq < sent.length && verdict == 0; seq++) {
            if (sent[seq] && checker.seen[seq] == 0) {
                verdict = 2;
            } else if (!sent[seq] && checker.seen[seq] != 0) {
                verdict = 3;
            }
        }
        if (verdict == 0 && committed != (checker.seen[STALLED_SEQ] == 1)) {
            verdict = committed ? 2 : 3;
        }
        r.r1 = committed ? 1 : 0;
        r.r2 = verdict;
        channel.close();
    }
}
