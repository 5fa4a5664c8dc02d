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
 * A producer's first sleep-phase step on a full {@link ManyToOneChannel} (it raises the producers'
 * space request and reads the acknowledgement in the same step) racing with a real {@code receive}
 * that may or may not see the request: a receive that did not see it released head with a release
 * store before any acknowledgement, so a producer that reads the acknowledgement sees that head; one
 * that saw it acknowledges after a volatile head store and then checks the wait word. Either way no
 * wake-up is lost. r1 = 1 if the producer would sleep, r2 = 1 if the word still holds the value it
 * would sleep on after both actors finished.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "no sleep: head moved, or no acknowledgement yet (it polls)")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the producer sleeps; the consumer saw its announce and advanced the word")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the producer sleeps on a word the consumer never advanced")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class ManyToOneChannelSpaceRequestRaceTest {
    private final ManyToOneChannel channel = ChannelRegions.manyToOne(2);
    private final Receiver receiver = channel.receiver();
    private final Sender sender = channel.sender();
    private final SpaceProbe probe = new SpaceProbe(sender);
    private long seen;

    public ManyToOneChannelSpaceRequestRaceTest() {
        SpaceSteps.fill(sender); // the last claim failed at the current head
    }

    @Actor
    public void producer(II_Result r) {
        seen = probe.step();
        r.r1 = SpaceSteps.sleeps(seen);
    }

    @Actor
    public void consumer() {
        receiver.receive(SpaceSteps.IGNORE, 1);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = SpaceSteps.lost(probe, r.r1, seen);
        channel.close();
    }
}
