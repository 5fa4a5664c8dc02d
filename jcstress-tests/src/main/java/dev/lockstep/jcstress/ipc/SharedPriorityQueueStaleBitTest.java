package dev.lockstep.jcstress.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.lockstep.ipc.queue.PriorityQueueDescriptor;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.shm.Participants;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A {@link SharedPriorityQueue} receive clearing a stale ready bit while a sender publishes into that
 * slot (issue 12: ready bits stay set after a receive, a send sets its slot's bit only if it finds it
 * clear, sends are first fit, and a scan clears, as the slot's owner, a stale bit with 8 or more unheld
 * slots below it).
 *
 * <p>Setup: 64 slots; slots 0..7 claimed (WRITING by a live owner, bits clear: sends in progress),
 * slots 8..63 FREE with their ready bits set (stale, as after each had carried a message; set by hand).
 * Two handles over the same memory, as two processes would have:
 * <ul>
 *   <li>actor 1 sends M (to slot 8, the lowest free one, or a later one if a clear holds slot 8 for
 *       the moment);</li>
 *   <li>actor 2 receives once: its scan sees no held slot with a set bit, so slots 0..7 count as unheld
 *       and it clears every stale bit from slot 8 on, racing with M's claim and publish.</li>
 * </ul>
 * r1: whether the send succeeded; r2: 1 if actor 2 received M, 0 if it found nothing; r3: how many times
 * the arbiter then receives M. A clear that does not own the slot (reads FREE, then clears) can erase
 * the bit of M published in between (the sender found it set and did not set it again): M is then READY
 * with its bit clear, never received ("1, 0, 0"). So can a sender that never sets a bit it finds clear.
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "actor 2 received M")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "actor 2 scanned before M was published; the arbiter received it")
@Outcome(id = "1, 0, 0", expect = FORBIDDEN, desc = "M lost: READY but its ready bit cleared")
@Outcome(expect = FORBIDDEN, desc = "send failed, or M lost or duplicated")
@State
public class SharedPriorityQueueStaleBitTest {
    private static final int SLOTS = 64;
    private static final int MAX_SIZE = 8;
    private static final int REGION = 10240;
    private static final Participants PARTICIPANTS;

    static {
        try {
            Path dir = Files.createTempDirectory("lockstep-jcstress-pq-stale");
            dir.toFile().deleteOnExit(); // deleted after the registry file (reverse order of registration)
            dir.resolve(Participants.FILE_NAME).toFile().deleteOnExit();
            PARTICIPANTS = Participants.ofFolder(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final SharedPriorityQueue sender;
    private final SharedPriorityQueue receiver;
    private final ByteBuffer src = ByteBuffer.allocate(MAX_SIZE);
    private final ByteBuffer dst = ByteBuffer.allocate(MAX_SIZE);

    public SharedPriorityQueueStaleBitTest() {
        if (PriorityQueueDescriptor.structureLength(SLOTS, MAX_SIZE) > REGION) {
            throw new IllegalStateException("region too small");
        }
        // a region per state (jcstress keeps many states at once), zeroed by allocateDirect; state
        // construction happens-before the actors run
        ByteBuffer memory = ByteBuffer.allocateDirect(REGION + 128).alignedSlice(128).order(ByteOrder.nativeOrder());
        int offset = 0;
        sender = SharedPriorityQueue.wrap(memory, offset, SLOTS, MAX_SIZE, PARTICIPANTS);
        receiver = SharedPriorityQueue.wrap(memory, offset, SLOTS, MAX_SIZE, PARTICIPANTS);
        // slots 0..7 held by sends in progress of a live owner (this process: recovery leaves them alone)
        int states = offset + PriorityQueueDescriptor.statesOffset(SLOTS);
        long taken = PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.WRITING, PARTICIPANTS.token());
        for (int i = 0; i < 8; i++) {
            memory.putLong(states + 8 * i, taken);
        }
        memory.putLong(offset + PriorityQueueDescriptor.readyBitsOffset(0), -1L << 8); // slots 8..63: stale
    }

    @Actor
    public void send(III_Result r) {
        r.r1 = sender.trySend(3, src.clear().putInt(0, 42)) ? 1 : 0;
    }

    @Actor
    public void receive(III_Result r) {
        int p = receiver.tryReceive(dst.clear());
        r.r2 = p < 0 ? 0 : dst.getInt(0) == 42 ? 1 : 100;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        ByteBuffer in = ByteBuffer.allocate(MAX_SIZE);
        int received = 0;
        while (sender.tryReceive(in.clear()) >= 0) {
            received += in.getInt(0) == 42 ? 1 : 100;
        }
        r.r3 = received;
    }
}
