package dev.lockstep.jcstress.ipc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lockstep.ipc.queue.PriorityQueueDescriptor;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two recoverers of one {@link SharedPriorityQueue} slot racing with a sender (issue 11, defect 3).
 *
 * <p>Setup: a one-slot queue whose slot is WRITING by a dead sender (pid 2^24 - 1, above any Linux
 * {@code pid_max}: the liveness check reads {@code /proc}, finds nothing and judges it dead, like a
 * SIGKILLed sender), with its ready bit set (the sender died after setting it, before publishing).
 * Two handles over the same memory, as two processes would have:
 * <ul>
 *   <li>actor 1 recovers, then sends M into the freed slot;</li>
 *   <li>actor 2 recovers (its {@code /proc} read is what delays a real second recoverer).</li>
 * </ul>
 * r1: whether actor 1's send succeeded; r2: messages the arbiter then receives; r3: {@code size()}
 * after that. An earlier protocol let the second recoverer clear the ready bit after the first had
 * freed the slot and M had been published: M stayed READY with its bit clear, never received, its
 * slot never reusable ("1, 0, 1").
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "M delivered once, slot free again")
@Outcome(id = "1, 0, 1", expect = FORBIDDEN, desc = "M lost: READY but its ready bit cleared by a stale recoverer")
@Outcome(expect = FORBIDDEN, desc = "send failed after recovery, or M lost or duplicated")
@State
public class SharedPriorityQueueRecoveryRaceTest {
    private static final int MAX_SIZE = 8;
    private static final int REGION = 512;
    private static final int REGIONS = 1 << 14;
    private static final ByteBuffer MEMORY = ByteBuffer.allocateDirect(REGION * (REGIONS + 1))
            .alignedSlice(REGION).order(ByteOrder.nativeOrder());
    private static final AtomicInteger NEXT = new AtomicInteger();
    /** The owner word of a sender that died inside its send. */
    private static final long DEAD_WRITER = PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.WRITING,
            PriorityQueueDescriptor.PID_MASK, 12345);

    private final SharedPriorityQueue first;
    private final SharedPriorityQueue second;
    private final ByteBuffer src = ByteBuffer.allocate(MAX_SIZE);

    public SharedPriorityQueueRecoveryRaceTest() {
        if (PriorityQueueDescriptor.structureLength(1, MAX_SIZE) > REGION) {
            throw new IllegalStateException("region too small");
        }
        int offset = REGION * (NEXT.getAndIncrement() & (REGIONS - 1));
        for (int i = 0; i < REGION; i += 8) {
            MEMORY.putLong(offset + i, 0L); // state construction happens-before the actors run
        }
        MEMORY.putLong(offset + PriorityQueueDescriptor.readyBitsOffset(0), 1L);
        MEMORY.putLong(offset + PriorityQueueDescriptor.stateOffset(1, 0), DEAD_WRITER);
        first = SharedPriorityQueue.wrap(MEMORY, offset, 1, MAX_SIZE);
        second = SharedPriorityQueue.wrap(MEMORY, offset, 1, MAX_SIZE);
    }

    @Actor
    public void recoverThenSend(III_Result r) {
        first.recover();
        r.r1 = first.trySend(3, src.clear().putInt(0, 42)) ? 1 : 0;
    }

    @Actor
    public void recover() {
        second.recover();
    }

    @Arbiter
    public void arbiter(III_Result r) {
        ByteBuffer dst = ByteBuffer.allocate(MAX_SIZE);
        int received = 0;
        while (first.tryReceive(dst.clear()) >= 0) {
            received += dst.getInt(0) == 42 ? 1 : 100;
        }
        r.r2 = received;
        r.r3 = first.size();
    }
}
