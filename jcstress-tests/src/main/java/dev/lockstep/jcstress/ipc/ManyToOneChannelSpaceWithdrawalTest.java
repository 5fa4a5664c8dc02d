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
 * The consumer's withdrawal of the producers' space request on a {@link ManyToOneChannel} against a
 * producer about to sleep on it. Before the actors run, producer A raised the request, the receiver
 * acknowledged it, and then made one fewer quiet fenced releases than it takes to withdraw (nobody
 * announced); the ring is full. The consumer actor's receive is the withdrawing release (volatile head
 * store, the wait-word check, the withdrawal, the second check); producer B refills what that receive
 * frees (so its last claim may read the consumer's new head) and runs the real sleep-phase step. The
 * arbiter then receives once more: after the withdrawal that release is a plain release store with no
 * wake-up check, so a B that decided to sleep on the still-raised request must have been woken by the
 * withdrawing release. r1 = 1 if B would sleep, r2 = 1 if the word still holds the value it would sleep
 * on after the arbiter's receive.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "no sleep: head moved, or the request was withdrawn (it polls)")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the producer sleeps; a check of the word saw its announce and advanced it")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the producer sleeps on a word nobody advanced")
@Outcome(expect = FORBIDDEN, desc = "anything else")
@State
public class ManyToOneChannelSpaceWithdrawalTest {
    private final ManyToOneChannel channel = ChannelRegions.manyToOne(2);
    private final Receiver receiver = channel.receiver();
    private final Sender a = channel.sender();
    private final Sender b = channel.sender();
    private final SpaceProbe probe = new SpaceProbe(b);
    private long seen;

    public ManyToOneChannelSpaceWithdrawalTest() {
        SpaceSteps.raise(a); // raises the request
        receiver.receive(SpaceSteps.IGNORE, 1); // acknowledges; wakes A's announce (the quiet count starts at 0)
        for (int i = 1; i < SpaceProbe.quietReleasesBeforeWithdrawal(); i++) {
            if (receiver.receive(SpaceSteps.IGNORE, 1) != 1) { // a fenced release that finds nobody announced
                throw new IllegalStateException("ring ran empty");
            }
            SpaceSteps.fill(a);
        }
        SpaceSteps.fill(b);
        if ((probe.spaceRequest() & 1) == 0) {
            throw new IllegalStateException("request withdrawn too early");
        }
    }

    @Actor
    public void producer(II_Result r) {
        SpaceSteps.fill(b); // may claim what the consumer frees: its last claim then read the withdrawing release's head
        seen = probe.step();
        r.r1 = SpaceSteps.sleeps(seen);
    }

    @Actor
    public void consumer() {
        receiver.receive(SpaceSteps.IGNORE, 1); // the withdrawing release
    }

    @Arbiter
    public void arbiter(II_Result r) {
        receiver.receive(SpaceSteps.IGNORE, 1); // a later release: after the withdrawal, no wake-up check
        r.r2 = SpaceSteps.lost(probe, r.r1, seen);
        channel.close();
    }
}
