package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.channel.SleepProbe;

/**
 * The consumer's futex wait of a {@link OneToOneChannel} once its sleep request is acknowledged,
 * against a real {@code trySend}. Before the actors run, the receiver asked to sleep (a first
 * sleep-phase step), the sender acknowledged with a send, and the receiver drained it. Then the
 * consumer runs the real sleep-phase step ({@code SleepProbe}: KernelIdle's announce, then
 * {@code OneToOneReceiver.hasWork}: it reads the acknowledgement and re-reads the tail) while the
 * producer sends one more message with the real code (it sees the request: volatile tail store, then
 * its read of the wait word). A lost wake-up is a consumer that would sleep on a value no producer
 * advanced while the message is published. r1 = 1 if the consumer would sleep, r2 = 1 if the word
 * still holds the value it would sleep on after both actors finished.
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
    private final OneToOneChannel channel = ChannelRegions.oneToOne();
    private final Sender sender = channel.sender();
    private final Receiver receiver = channel.receiver();
    private final SleepProbe probe = new SleepProbe(receiver);
    private long seen;

    public OneToOneChannelConsumerNoLostWakeupTest() {
        if (probe.step() != SleepProbe.NO_SLEEP) { // places the request: no sleep before the acknowledgement
            throw new IllegalStateException("slept before the sender acknowledged");
        }
        sender.trySend(1, MESSAGE, 0, MESSAGE.length); // sees the request: acknowledges
        receiver.receive(IGNORE, 10);
    }

    @Actor
    public void consumer(II_Result r) {
        seen = probe.step();
        r.r1 = seen == SleepProbe.NO_SLEEP ? 0 : 1;
    }

    @Actor
    public void producer() {
        sender.trySend(1, MESSAGE, 0, MESSAGE.length); // the real publish: request seen, volatile tail, wakeConsumer
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && probe.word() == seen ? 1 : 0;
        channel.close();
    }
}
