package dev.lockstep.jcstress.ipc;

import java.nio.ByteBuffer;

import dev.lockstep.ipc.queue.PriorityQueueProbe;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up in {@link SharedPriorityQueue}'s sleep handshake (layout revision 2 of
 * {@code SharedPriorityQueue}): a receiver announces itself on the not-empty word and makes one re-check
 * (joining the sleep request, reading the lanes' owners and acknowledgements, re-scanning), while a sender
 * binds a fresh lane and sends one message (reading the request when it binds and after it publishes).
 * The announce and the re-check run through {@link PriorityQueueProbe} (the queue's package-private hooks).
 * This is also the port of revision 1's {@code SharedPriorityQueueWakeupTest} (announce, re-check, a
 * concurrent send; forbidden: sleeping on a word no one moved): the sender's lane may be bound before or
 * after the receiver joins the sleep request, so both the binder's acknowledgement and a bound lane's
 * send are raced.
 * <ul>
 *   <li>r1: the re-check's verdict: 0 READY (it saw the message), 1 SLEEP, 2 NAP (a BOUND lane has not
 *       acknowledged the request yet);</li>
 *   <li>r2: 1 if the wait word moved past the value the receiver announced (a sender signalled it).</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the re-check saw the message; the sender saw no sleeper")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the re-check saw the message; the sender signalled too")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the receiver would sleep, and the sender woke it")
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "the lane had not acknowledged: the receiver naps")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "the receiver naps, and the sender signalled")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "lost wake-up: the receiver would sleep, no one signalled")
@State
public class SharedPriorityQueueSleepWakeupTest {
    private final SharedPriorityQueue queue = SharedPriorityQueue.inMemory(2, 8, 2);
    private final PriorityQueueProbe probe = new PriorityQueueProbe(queue);
    private final ByteBuffer message = ByteBuffer.allocate(8);
    private int announced;
    private int verdict;

    @Actor
    public void receiver() {
        announced = probe.announceReceiver();
        verdict = probe.recheckReceive(); // 0 READY, 1 SLEEP, 2 NAP
    }

    @Actor
    public void sender() {
        queue.trySend(3, message.clear().putInt(0, 1));
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = verdict;
        r.r2 = probe.notEmptyWord() != announced ? 1 : 0;
    }
}
