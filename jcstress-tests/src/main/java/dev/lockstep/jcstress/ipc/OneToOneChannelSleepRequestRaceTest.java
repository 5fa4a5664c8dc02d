package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.channel.SleepProbe;

/**
 * A one-to-one consumer's sleep request racing with sends in flight: the consumer (empty ring, no
 * request yet) runs two real sleep-phase steps ({@code SleepProbe}: KernelIdle's announce, then
 * {@code OneToOneReceiver.hasWork}: the first places the request; a step sleeps only once the producer
 * acknowledged it and the tail shows nothing new), while the producer makes two real sends, each of
 * which may or may not see the request (one that does not publishes with a release store and reads
 * no wait word; the first that does acknowledges after its tail store). A lost wake-up is a consumer
 * that would sleep on a value no producer advanced while a message is published: a send that missed
 * the request must be visible to any re-check that follows the acknowledgement. r1 = 1 if a step
 * would sleep, r2 = 1 if the word still holds the value it would sleep on after both actors finished.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "no sleep: not acknowledged yet (polls), or the re-check saw a message")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the consumer sleeps; a send saw its announce and advanced the word")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the consumer sleeps on a word no send advanced")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class OneToOneChannelSleepRequestRaceTest {
    private static final byte[] MESSAGE = new byte[8];
    private final OneToOneChannel channel = ChannelRegions.oneToOne();
    private final Sender sender = channel.sender();
    private final Receiver receiver = channel.receiver();
    private final SleepProbe probe = new SleepProbe(receiver);
    private long seen = SleepProbe.NO_SLEEP;

    @Actor
    public void consumer(II_Result r) {
        seen = probe.step(); // places the request
        if (seen == SleepProbe.NO_SLEEP) {
            seen = probe.step();
        }
        r.r1 = seen == SleepProbe.NO_SLEEP ? 0 : 1;
    }

    @Actor
    public void producer() {
        sender.trySend(1, MESSAGE, 0, MESSAGE.length);
        sender.trySend(1, MESSAGE, 0, MESSAGE.length);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && probe.word() == seen ? 1 : 0;
        channel.close();
    }
}
