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
 * Zero-copy receive of {@link BroadcastChannel} while the producer laps the consumer: the
 * producer sends messages m = 1..12 (type m, body three longs m, m, m; 40-byte records in a 256-byte
 * ring: about two laps) while the consumer receives one message at a time in place, twelve times; its
 * handler reads the words from the shared mapping into fields, and the consumer judges them only if
 * the receive returns DELIVERED (the post-handler validation passed). Every DELIVERED message must be
 * whole (type and the three words agree) and newer than the previous one. r1 = torn messages handed out (0/1), r2 = duplicated or reordered ones (0/1), r3 = whether the
 * consumer was lapped (0/1: both fine).
 */
@JCStressTest
@Outcome(id = {"0, 0, 0"}, expect = ACCEPTABLE, desc = "whole messages in order, never lapped")
@Outcome(id = {"0, 0, 1"}, expect = ACCEPTABLE_INTERESTING, desc = "lapped, detected; whole messages in order")
@Outcome(id = {"1, .*, .*"}, expect = FORBIDDEN, desc = "a message overwritten while the handler read it was reported DELIVERED")
@Outcome(expect = FORBIDDEN, desc = "a duplicated or reordered message was handed out")
@State
public class BroadcastChannelZeroCopyTornReadTest {
    private final BroadcastChannel channel = BroadcastRegions.channel();
    private final BroadcastSender sender = channel.sender();
    private final BroadcastReceiver receiver = channel.receiver();
    private final Check check = new Check();

    /** Reads the message in place (a field: no allocation in the actor); judged after validation. */
    static final class Check implements MessageHandler {
        int torn;
        int reordered;
        long last;
        int type;
        int length;
        long a;
        long b;
        long c;

        @Override
        public void onMessage(int type, ByteBuffer buf, int off, int len) {
            this.type = type;
            this.length = len;
            if (len == 24) { // a torn length must not make the handler read outside the ring
                a = buf.getLong(off);
                b = buf.getLong(off + 8);
                c = buf.getLong(off + 16);
            }
        }

        void judge() {
            if (length != 24 || a != type || b != a || c != a) {
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
            if (receiver.receiveZeroCopy(check) == BroadcastReceiver.DELIVERED) {
                check.judge();
            }
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
