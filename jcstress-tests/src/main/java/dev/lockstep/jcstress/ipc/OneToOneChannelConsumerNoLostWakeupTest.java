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
 * The consumer's futex wait of a {@link OneToOneChannel} against a real {@code trySend}: the waiting
 * consumer (an empty ring) announces itself on the consumer's wait word, re-reads the tail (volatile,
 * as {@code OneToOneReceiver.hasWork}) and, if nothing was published past its position, would
 * {@code FUTEX_WAIT} on the value it announced. The producer's commit stores the tail (volatile) and
 * then reads the word ({@code Sender.wakeConsumer}). A lost wake-up is a consumer that would sleep on
 * a value no producer advanced. r1 = 1 if the consumer would sleep (0: its re-check saw the message),
 * r2 = 1 if the word still holds the value it would sleep on after both actors finished.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the consumer's re-check saw the message: no sleep")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the consumer sleeps; the producer saw its announce and advanced the word")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the consumer sleeps on a word the producer never advanced")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class OneToOneChannelConsumerNoLostWakeupTest {
    private static final byte[] MESSAGE = new byte[8];
    private static final MessageHandler IGNORE = (type, b, off, len) -> { };
    private final int[] base = new int[1];
    private final OneToOneChannel channel = ChannelRegions.oneToOne(base);
    private final ByteBuffer b = ChannelRegions.mapping();
    private final Sender sender = channel.sender();
    private final Receiver receiver = channel.receiver();
    private final int word = base[0] + ChannelDescriptor.CONSUMER_WAIT_OFFSET;
    private final int tail = base[0] + ChannelDescriptor.TAIL_OFFSET;
    private int seen;

    @Actor
    public void consumer(II_Result r) {
        // KernelIdle's step: announce (CAS + full fence), then the receiver's re-check (hasWork).
        seen = WaitWord.announce(b, word);
        r.r1 = (long) MappedAccess.LONG.getVolatile(b, tail) - receiver.position() > 0 ? 0 : 1;
    }

    @Actor
    public void producer() {
        sender.trySend(1, MESSAGE, 0, MESSAGE.length); // the real commit: tail (volatile), wakeConsumer
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && WaitWord.value(b, word) == seen ? 1 : 0;
        receiver.receive(IGNORE, 10);
        channel.close();
    }
}
