package dev.lockstep.jcstress.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lockstep.ipc.queue.PriorityQueueDescriptor;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * FIFO of {@link SharedPriorityQueue} when the candidate's slot was reused after the receive's
 * ready-bits snapshot (issue 11, defect 3's suspected FIFO violation).
 *
 * <p>Setup: 64 slots, one bits word. Slots 0..61 hold FILLER messages (priority 0), slot 62 an OLD
 * message (priority 5), slot 63 is free and was never used (its ready bit is clear). Sends are first fit
 * (the lowest FREE slot, issue 12), so the producer sends M1 (priority 1: it lands in slot 63, the only
 * free one), takes OLD out of slot 62 and sends M2 (priority 1: slot 62, now the lowest free one). The
 * consumer receives once: its snapshot of the bits word may show slot 62's bit (set for OLD) but not
 * slot 63's (M1), and its read of slot 62, after the fillers', may then find M2. It must not take M2
 * while the older M1 waits in slot 63 (a later slot of the same bits word: an earlier version
 * re-checked only the slots before the candidate).
 * <ul>
 *   <li>r1: what the consumer got: 9 = OLD, 1 = M1, 2 = M2, 3 = a FILLER, 0 = nothing;</li>
 *   <li>r2: the M messages the arbiter then receives, as digits in receive order;</li>
 *   <li>r3: what the producer's receive got (9 = OLD, 1 = M1: the consumer had taken OLD).</li>
 * </ul>
 */
@JCStressTest
@Outcome(id = "9, 2, 1", expect = ACCEPTABLE, desc = "consumer took OLD first, the producer M1")
@Outcome(id = "3, 12, 9", expect = ACCEPTABLE, desc = "consumer took a filler while OLD was being taken")
@Outcome(id = "1, 2, 9", expect = ACCEPTABLE, desc = "consumer took M1, the older of the two")
@Outcome(id = "2, 1, 9", expect = FORBIDDEN, desc = "consumer took M2 while the older M1 of the same priority waited")
@Outcome(expect = FORBIDDEN, desc = "a message lost, duplicated or out of order")
@State
public class SharedPriorityQueueReusedSlotFifoTest {
    private static final int SLOTS = 64;
    private static final int MAX_SIZE = 8;
    private static final int REGION = 8192;
    private static final int REGIONS = 1 << 14; // far more than the states jcstress keeps in flight
    private static final int FILLER = 3;
    private static final int OLD = 9;
    private static final ByteBuffer MEMORY;
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final Participants PARTICIPANTS;

    static {
        try {
            Path dir = Files.createTempDirectory("lockstep-jcstress-pqfifo");
            dir.toFile().deleteOnExit();
            dir.resolve(Participants.FILE_NAME).toFile().deleteOnExit();
            PARTICIPANTS = Participants.ofFolder(dir);
            Path file = dir.resolve("regions"); // one mapping for all states (a direct buffer this big may exceed the fork's limit)
            SharedFile f = SharedFile.create(file, StructureKind.PRIORITY_QUEUE, (long) REGION * (REGIONS + 1), b -> { });
            Files.delete(file); // the mapping stays valid
            MEMORY = f.buffer().slice(SharedFile.STRUCTURE_OFFSET, REGION * REGIONS).order(ByteOrder.nativeOrder());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final SharedPriorityQueue producer1;
    private final SharedPriorityQueue producer2;
    private final SharedPriorityQueue consumer;
    private final ByteBuffer p1 = ByteBuffer.allocate(MAX_SIZE);
    private final ByteBuffer p2 = ByteBuffer.allocate(MAX_SIZE);
    private final ByteBuffer c = ByteBuffer.allocate(MAX_SIZE);

    public SharedPriorityQueueReusedSlotFifoTest() {
        if (PriorityQueueDescriptor.structureLength(SLOTS, MAX_SIZE) > REGION) {
            throw new IllegalStateException("region too small");
        }
        int offset = REGION * (NEXT.getAndIncrement() & (REGIONS - 1));
        for (int i = 0; i < REGION; i += 8) {
            MEMORY.putLong(offset + i, 0L); // state construction happens-before the actors run
        }
        producer1 = SharedPriorityQueue.wrap(MEMORY, offset, SLOTS, MAX_SIZE, PARTICIPANTS);
        producer2 = SharedPriorityQueue.wrap(MEMORY, offset, SLOTS, MAX_SIZE, PARTICIPANTS);
        consumer = SharedPriorityQueue.wrap(MEMORY, offset, SLOTS, MAX_SIZE, PARTICIPANTS);
        ByteBuffer b = ByteBuffer.allocate(MAX_SIZE);
        for (int i = 0; i < SLOTS - 2; i++) { // slots 0..61 (first fit)
            producer2.trySend(0, b.clear().putInt(0, FILLER));
        }
        producer1.trySend(5, b.clear().putInt(0, OLD)); // slot 62; slot 63 stays FREE, its bit clear
    }

    @Actor
    public void producer(III_Result r) {
        producer1.trySend(1, p1.clear().putInt(0, 1)); // M1 -> slot 63, the only free one
        int p = producer1.tryReceive(p1.clear()); // OLD (priority 5), or M1 if the consumer took OLD
        r.r3 = p < 0 ? 0 : p1.getInt(0);
        producer2.trySend(1, p2.clear().putInt(0, 2)); // M2 -> slot 62 (the lowest free one)
    }

    @Actor
    public void consumer(III_Result r) {
        r.r1 = consumer.tryReceive(c.clear()) < 0 ? 0 : c.getInt(0);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        int digits = 0;
        ByteBuffer b = ByteBuffer.allocate(MAX_SIZE);
        while (consumer.tryReceive(b.clear()) >= 0) {
            int id = b.getInt(0);
            if (id == 1 || id == 2) {
                digits = digits * 10 + id;
            } else if (id == OLD) {
                digits = digits * 10 + 9;
            }
        }
        r.r2 = digits;
    }
}
