package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;

/**
 * Two producers claiming concurrently on {@link ManyToOneChannel} (tail compare-and-set, claimed
 * headers, commits); the arbiter consumes. r1 = verdict: 1 = all four messages delivered once, whole,
 * each producer's in order; 2 = a message lost; 3 = duplicated; 4 = torn or reordered. r2 = the tail
 * (4 records of 24 bytes: exactly 96, or a claim was lost or doubled).
 */
@JCStressTest
@Outcome(id = "1, 96", expect = ACCEPTABLE, desc = "every claim distinct, every message delivered once, in order")
@Outcome(id = "2, .*", expect = FORBIDDEN, desc = "a message was lost (two producers got the same space?)")
@Outcome(id = "3, .*", expect = FORBIDDEN, desc = "a message was delivered twice")
@Outcome(id = "4, .*", expect = FORBIDDEN, desc = "a torn or reordered message")
@Outcome(expect = FORBIDDEN, desc = "anything else (wrong tail)")
@State
public class ManyToOneChannelTwoProducersTest {
    private final ManyToOneChannel channel = ChannelRegions.manyToOne(2);
    private final Sender first = channel.sender();
    private final Sender second = channel.sender();
    private final Receiver receiver = channel.receiver();

    private static void send(Sender s, int producer) {
        for (int seq = 1; seq <= 2; seq++) {
            int at;
            while ((at = s.tryClaim(producer, 16)) < 0) {
                Thread.onSpinWait();
            }
            ByteBuffer b = s.buffer();
            b.putLong(at, producer * 10L + seq);
            b.putLong(at + 8, producer * 10L + seq);
            s.commit(at);
        }
    }

    @Actor
    public void producer1() {
        send(first, 1);
    }

    @Actor
    public void producer2() {
        send(second, 2);
    }

    @Arbiter
    public void arbiter(JJ_Result r) {
        int[] next = {0, 1, 1};
        int[] verdict = {1, 0};
        MessageHandler h = (type, b, off, len) -> {
            verdict[1]++;
            long v = b.getLong(off);
            if (type < 1 || type > 2 || len != 16 || b.getLong(off + 8) != v || v / 10 != type) {
                verdict[0] = Math.max(verdict[0], 4);
                return;
            }
            int seq = (int) (v % 10);
            if (seq < next[type]) {
                verdict[0] = Math.max(verdict[0], 3);
            } else if (seq > next[type]) {
                verdict[0] = Math.max(verdict[0], 4);
            }
            next[type] = seq + 1;
        };
        receiver.receive(h, 100);
        if (verdict[0] == 1 && verdict[1] < 4) {
            verdict[0] = 2;
        } else if (verdict[0] == 1 && verdict[1] > 4) {
            verdict[0] = 3;
        }
        r.r1 = verdict[0];
        r.r2 = channel.stats().tail();
        channel.close();
    }
}
