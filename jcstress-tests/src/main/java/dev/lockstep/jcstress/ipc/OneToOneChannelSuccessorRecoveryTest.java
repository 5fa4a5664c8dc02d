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

import dev.lockstep.ipc.channel.ChannelDescriptor;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;

/**
 * A successor producer's tail recovery racing the live consumer on {@link OneToOneChannel}. The
 * predecessor published message 1 (24 bytes at position 0) and died before storing the tail (the
 * state forges this: send, close, reset the tail word to 0). Actor 1, the consumer, consumes message 1
 * (zeroes its record, then releases head at the end of its batch); actor 2 registers a successor
 * producer (its recoverTail walks from the stored tail) and sends message 2 (48 bytes). If recovery
 * stops short at the record the consumer consumed but has not yet released, message 2 is written at
 * position 0 and the consumer's head release (0 + 24) lands inside it: misframed.
 * r1 = message 1 delivered whole, r2 = message 2 delivered whole, r3 = records delivered that are
 * neither (a body word framed as a header), or 100 if receive threw.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "both messages, whole, exactly once")
@Outcome(expect = FORBIDDEN, desc = "misframed: a record lost, or a body word read as a header")
@State
public class OneToOneChannelSuccessorRecoveryTest {
    /** Body words of message 2: each reads as a valid header {16, type 99} if misframed. */
    private static final long BODY2 = dev.lockstep.ipc.channel.RecordDescriptor.header(16, 99);
    private static final long BODY1 = 0x0101_0101_0101_0101L;

    private final int[] offset = new int[1];
    private final OneToOneChannel channel = ChannelRegions.oneToOne(offset);
    private final Receiver receiver;
    private final Check check = new Check();
    private final ByteBuffer msg2 = ByteBuffer.allocate(40).order(java.nio.ByteOrder.nativeOrder());

    public OneToOneChannelSuccessorRecoveryTest() {
        try (Sender dead = channel.sender()) {
            ByteBuffer m = ByteBuffer.allocate(16);
            m.putLong(0, BODY1).putLong(8, BODY1);
            dead.trySend(1, m, 0, 16);
        }
        // Forge the predecessor's death between its header store and its tail store.
        ChannelRegions.mapping().putLong(offset[0] + ChannelDescriptor.TAIL_OFFSET, 0L);
        receiver = channel.receiver();
        for (int i = 0; i < 40; i += 8) {
            msg2.putLong(i, BODY2);
        }
    }

    static final class Check implements MessageHandler {
        int one;
        int two;
        int bad;

        @Override
        public void onMessage(int type, ByteBuffer b, int off, int len) {
            long v = type == 1 ? BODY1 : BODY2;
            boolean ok = (type == 1 && len == 16) || (type == 2 && len == 40);
            for (int i = 0; ok && i < len; i += 8) {
                ok = b.getLong(off + i) == v;
            }
            if (!ok) {
                bad++;
            } else if (type == 1) {
                one++;
            } else {
                two++;
            }
        }
    }

    @Actor
    public void consumer() {
        try {
            receiver.receive(check, 10);
        } catch (RuntimeException e) {
            check.bad += 100;
        }
    }

    @Actor
    public void successor() {
        Sender s = channel.sender();
        s.trySend(2, msg2, 0, 40);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        try {
            receiver.receive(check, 10);
            receiver.receive(check, 10);
        } catch (RuntimeException e) {
            check.bad += 100;
        }
        r.r1 = check.one;
        r.r2 = check.two;
        r.r3 = check.bad;
        channel.close();
    }
}
