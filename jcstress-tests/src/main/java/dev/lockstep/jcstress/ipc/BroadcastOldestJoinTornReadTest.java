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
import dev.lockstep.ipc.broadcast.StartPosition;

/**
 * A consumer joining at {@link StartPosition#OLDEST} while the producer overwrites the oldest messages:
 * the ring (256 bytes, 40-byte records) already holds messages 1..6 (type m, body m, m, m); the
 * producer sends 7..14 while the consumer makes its receiver (reading oldest and the record there
 * races with the overwrite) and receives one message at a time, fourteen times. r1 = torn messages
 * handed out (0/1), r2 = duplicated, reordered, or (unlapped) skipped ones, or an exception (0/1),
 * r3 = whether the consumer was lapped (0/1: both fine). Message 1 is the first one handed out
 * whenever the join read oldest before the producer's first send.
 */
@JCStressTest
@Outcome(id = {"0, 0, 0"}, expect = ACCEPTABLE, desc = "whole messages in order from where it joined")
@Outcome(id = {"0, 0, 1"}, expect = ACCEPTABLE_INTERESTING, desc = "lapped, detected; whole messages in order")
@Outcome(id = {"1, .*, .*"}, expect = FORBIDDEN, desc = "a message overwritten while it was read was handed out")
@Outcome(expect = FORBIDDEN, desc = "a duplicated, reordered or silently skipped message, or an exception")
@State
public class BroadcastOldestJoinTornReadTest {
    private final BroadcastChannel channel = BroadcastRegions.channel();
    private final BroadcastSender sender = channel.sender();
    private final BroadcastChannelTornReadTest.Check check = new BroadcastChannelTornReadTest.Check();
    private final ByteBuffer body = ByteBuffer.allocate(24).order(java.nio.ByteOrder.nativeOrder());

    public BroadcastOldestJoinTornReadTest() {
        for (int m = 1; m <= 6; m++) {
            send(m);
        }
    }

    private void send(int m) {
        body.putLong(0, m).putLong(8, m).putLong(16, m);
        sender.send(m, body, 0, 24);
    }

    @Actor
    public void producer() {
        for (int m = 7; m <= 14; m++) {
            send(m);
        }
    }

    @Actor
    public void consumer(III_Result r) {
        int skipped = 0;
        try {
            BroadcastReceiver receiver = channel.receiver(StartPosition.OLDEST);
            long first = -1;
            int received = 0;
            for (int i = 0; i < 14; i++) {
                if (receiver.receive(check, 1) == 1) {
                    received++;
                    if (first < 0) {
                        first = check.last;
                    }
                }
            }
            if (receiver.lappedCount() == 0 && received > 0 && check.last - first + 1 != received) {
                skipped = 1;
            }
            // Message m has sequence number m - 1: received + lost counts from the message the receiver
            // joined at, which must be a message that existed (1..14) and not after the first received.
            long start = check.last - (received + receiver.lostMessages()) + 1;
            if (received > 0 && (start < 1 || start > first)) {
                skipped = 1;
            }
            r.r3 = receiver.lappedCount() > 0 ? 1 : 0;
        } catch (RuntimeException e) {
            skipped = 1;
        }
        r.r1 = check.torn;
        r.r2 = check.reordered | skipped;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        channel.close(); // closes the sender and the receiver (after both actors finished)
    }
}
