package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.nio.ByteBuffer;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.channel.ChannelDescriptor;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * A producer's futex wait on a full {@link OneToOneChannel} against a real {@code receive}: the
 * producer, whose claim failed at head {@code h}, announces itself on the producers' wait word,
 * re-reads head (volatile, as {@code Sender.spaceFreed}) and, if it is still {@code h}, would
 * {@code FUTEX_WAIT} on the value it announced. The consumer's {@code receive} releases head with a
 * volatile store and then reads the word ({@code Receiver.releaseHead}). A lost wake-up is a producer
 * that would sleep on a value no consumer advanced. r1 = 1 if the producer would sleep (0: its re-check
 * saw head move), r2 = 1 if the word still holds the value it would sleep on after both actors finished.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the producer's re-check saw the freed space: no sleep")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the producer sleeps; the consumer saw its announce and advanced the word")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the producer sleeps on a word the consumer never advanced")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class OneToOneChannelProducerNoLostWakeupTest {
    private static final byte[] MESSAGE = new byte[8];
    private static final MessageHandler IGNORE = (type, b, off, len) -> { };
    private final int[] base = new int[1];
    private final OneToOneChannel channel = ChannelRegions.oneToOne(base);
    private final ByteBuffer b = ChannelRegions.mapping();
    private final Sender sender = channel.sender();
    private final Receiver receiver = channel.receiver();
    private final int word = base[0] + ChannelDescriptor.PRODUCER_WAIT_OFFSET;
    private final int head = base[0] + ChannelDescriptor.HEAD_OFFSET;
    /** The head the producer's failed claim read (the ring is full: nothing consumed yet). */
    private final long headSeen;
    private int seen;

    public OneToOneChannelProducerNoLostWakeupTest() {
        while (sender.trySend(1, MESSAGE, 0, MESSAGE.length)) {
            // fill the ring
        }
        headSeen = (long) MappedAccess.LONG.getVolatile(b, head);
    }

    @Actor
    public void producer(II_Result r) {
        // KernelIdle's step: announce (CAS + full fence), then the sender's re-check (spaceFreed).
        seen = WaitWord.announce(b, word);
        r.r1 = (long) MappedAccess.LONG.getVolatile(b, head) != headSeen ? 0 : 1;
    }

    @Actor
    public void consumer() {
        receiver.receive(IGNORE, 1); // the real receive: releaseHead (volatile store), then the signal
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && WaitWord.value(b, word) == seen ? 1 : 0;
        channel.close();
    }
}
