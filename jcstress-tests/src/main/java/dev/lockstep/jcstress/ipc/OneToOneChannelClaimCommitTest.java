package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;

/**
 * Zero-copy claim / write / commit of two messages racing the consumer's polls on
 * {@link OneToOneChannel}: a message is seen whole or not at all, and in order. r1 = messages the
 * consumer saw whole during the race, r2 = torn or out-of-order ones, r3 = messages delivered in total
 * (race + arbiter drain).
 */
@JCStressTest
@Outcome(id = {"0, 0, 2", "1, 0, 2", "2, 0, 2"}, expect = ACCEPTABLE, desc = "whole messages, in order, exactly once")
@Outcome(id = ".*, [1-9], .*", expect = FORBIDDEN, desc = "a torn (half-written) or reordered message was delivered")
@Outcome(expect = FORBIDDEN, desc = "lost or duplicated message")
@State
public class OneToOneChannelClaimCommitTest {
    private final OneToOneChannel channel = ChannelRegions.oneToOne();
    private final Sender sender = channel.sender();
    private final Receiver receiver = channel.receiver();
    private final Check check = new Check();

    static final class Check implements MessageHandler {
        int whole;
        int bad;
        int expected = 1;

        @Override
        public void onMessage(int type, ByteBuffer b, int off, int len) {
            long v = expected * 0x0101_0101_0101_0101L;
            boolean ok = type == expected && len == 24;
            for (int i = 0; ok && i < len; i += 8) {
                ok = b.getLong(off + i) == v;
            }
            if (ok) {
                whole++;
            } else {
                bad++;
            }
            expected++;
        }
    }

    @Actor
    public void producer() {
        for (int m = 1; m <= 2; m++) {
            int at = sender.tryClaim(m, 24);
            ByteBuffer b = sender.buffer();
            long v = m * 0x0101_0101_0101_0101L;
            b.putLong(at, v);
            b.putLong(at + 8, v);
            b.putLong(at + 16, v);
            sender.commit(at);
        }
    }

    @Actor
    public void consumer(III_Result r) {
        receiver.receive(check, 2);
        receiver.receive(check, 2);
        r.r1 = check.whole;
        r.r2 = check.bad;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        receiver.receive(check, 10);
        r.r2 += check.bad - r.r2;
        r.r3 = check.whole + check.bad;
        channel.close();
    }
}
