package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.channel.SpaceProbe;

/**
 * A producer's futex wait on a full {@link ManyToOneChannel} once the producers' space request is
 * acknowledged, against a real {@code receive}. Before the actors run, the ring was filled, producer A
 * raised the request (a first sleep-phase step: no acknowledgement yet, so it polls), the receiver
 * acknowledged it with a receive, and producer B filled the ring again (its last claim failed at the
 * new head). Then B runs the real sleep-phase step ({@code SpaceProbe}: KernelIdle's announce, then
 * {@code ManyToOneSender.sleepCheck}: it joins the raised epoch, reads the acknowledgement and
 * re-reads head) while the consumer receives one message with the real code (it sees the request:
 * volatile head store, then its read of the producers' wait word). A lost wake-up is a producer that
 * would sleep on a value no consumer advanced while space was freed. r1 = 1 if B would sleep, r2 = 1 if
 * the word still holds the value it would sleep on after both actors finished.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the producer's re-check saw the freed space: no sleep")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the producer sleeps; the consumer saw its announce and advanced the word")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the producer sleeps on a word the consumer never advanced")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class ManyToOneChannelProducerNoLostWakeupTest {
    private final ManyToOneChannel channel = ChannelRegions.manyToOne(2);
    private final Receiver receiver = channel.receiver();
    private final Sender a = channel.sender();
    private final Sender b = channel.sender();
    private final SpaceProbe probe = new SpaceProbe(b);
    private long seen;

    public ManyToOneChannelProducerNoLostWakeupTest() {
        SpaceSteps.raise(a); // a first sleep-phase step: raises the request, no sleep before the acknowledgement
        receiver.receive(SpaceSteps.IGNORE, 1); // sees the request: acknowledges (and wakes A's announce)
        SpaceSteps.fill(b);
        if ((probe.spaceRequest() & 1) == 0) {
            throw new IllegalStateException("request not raised");
        }
    }

    @Actor
    public void producer(II_Result r) {
        seen = probe.step();
        r.r1 = SpaceSteps.sleeps(seen);
    }

    @Actor
    public void consumer() {
        receiver.receive(SpaceSteps.IGNORE, 1); // the real receive: request seen, volatile head store, the signal
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = SpaceSteps.lost(probe, r.r1, seen);
        channel.close();
    }
}
