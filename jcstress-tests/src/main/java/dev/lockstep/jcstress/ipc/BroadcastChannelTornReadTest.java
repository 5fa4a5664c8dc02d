package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastReceiver;
import dev.lockstep.ipc.broadcast.BroadcastSender;
import dev.lockstep.ipc.channel.MessageHandler;

/**
 * Copy-then-validate receive of {@link BroadcastChannel} while the producer laps the consumer: the
 * producer sends messages m = 1..12 (type m, body three longs m, m, m; 40-byte records in a 256-byte
 * ring: about two laps) while the consumer receives one message at a time, twelve times. Every message
 * the consumer is handed must be whole (type and the three words agree) and newer than the previous
 * one. r1 = torn messages handed out (0/1), r2 = duplicated or reordered ones (0/1), r3 = whether the
 * consumer was lapped (0/1: both fine).
 */
@JCStressTest
@Outcome(id = {"0, 0, 0"}, expect = ACCEPTABLE, desc = "whole messages in order, never lapped")
@Outcome(id = {"0, 0, 1"}, expect = ACCEPTABLE_INTERESTING, desc = "lapped, detected; whole messages in order")
@Outcome(id = {"1, .*, .*"}, expect = FORBIDDEN, desc = "a message overwritten while it was copied was handed out")
@Outcome(expect = FORBIDDEN, desc = "a duplicated or reordered message was handed out")
@State
public class BroadcastChannelTornReadTest {
    private final BroadcastChannel channel = BroadcastRegions.channel();
    private final BroadcastSender sender = channel.sender();
    private final BroadcastReceiver receiver = channel.receiver();
    private final Check check = new Check();

    /** Checks every message it is handed (a field: no allocation in the actor). */
    static final class Check implements MessageHandler {
        int torn;
        int reordered;
        long last;

        @Override
        public void onMessage(int type, ByteBuffer b, int off, int len) {
            long a = b.getLong(off);
            if (len != 24 || a != type || b.getLong(off + 8) != a || b.getLong(off + 16) != a) {
                torn = 1;
            }
            if (type <= last) {
                reordered = 1;
            }
            last = type;
        }
    }

    @Actor
    public void producer() {
        ByteBuffer body = ByteBuffer.allocate(24).order(java.nio.ByteOrder.nativeOrder());
        for (int m = 1; m <= 12; m++) {
            body.putLong(0, m).putLong(8, m).putLong(16, m);
            sender.send(m, body, 0, 24);
        }
    }

    @Actor
    public void consumer(III_Result r) {
        for (int i = 0; i < 12; i++) {
            receiver.receive(check, 1);
        }
        r.r1 = check.torn;
        r.r2 = check.reordered;
        r.r3 = receiver.lappedCount() > 0 ? 1 : 0;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        channel.close(); // closes the sender and the receiver (after both actors finished)
    }
}
