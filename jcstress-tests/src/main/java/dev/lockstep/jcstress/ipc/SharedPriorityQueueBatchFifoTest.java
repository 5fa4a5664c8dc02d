package dev.lockstep.jcstress.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lockstep.ipc.channel.MessageHandler;
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
 * {@link SharedPriorityQueueReusedSlotFifoTest}'s race against the batch receive
 * ({@code receive(handler, limit)}): one scan selects several candidates and one re-check of every
 * slot must catch the older M1 published in slot 63 before the newer M2 the scan found in slot 62.
 *
 * <p>Setup as there: 64 slots, slots 0..61 FILLER (priority 0), slot 62 OLD (priority 5), slot 63
 * free and never used. The producer sends M1 (priority 1, slot 63 unless the batch freed a lower slot
 * first: sends are first fit), takes OLD (or, if the batch holds it, M1 or a filler) out, then sends M2
 * (priority 1, the lowest free slot: 62 if it took OLD). The consumer batch-receives up to 64 messages
 * at once.
 * <ul>
 *   <li>r1: the M messages the consumer's batch delivered, as digits in delivery order (0: none);</li>
 *   <li>r2: the M messages the arbiter then receives, as digits in receive order;</li>
 *   <li>r3: what the producer's receive got (9 = OLD, 3 = a FILLER, 1 = M1, 0 = nothing: the batch
 *       had taken every message).</li>
 * </ul>
 * The batch must never deliver M2 before M1, nor deliver M2 and leave M1 behind (M1's send completed
 * before M2's began, so M1 was published before any M2 the consumer's scan could see).
 */
@JCStressTest
@Outcome(id = {"0, 12, 3", "0, 12, 9"}, expect = ACCEPTABLE, desc = "the batch ran before M1 was seen")
@Outcome(id = {"0, 2, 1", "2, 0, 1"}, expect = ACCEPTABLE, desc = "the producer took M1 itself (the batch held OLD and the fillers)")
@Outcome(id = {"1, 2, 0", "1, 2, 3", "1, 2, 9"}, expect = ACCEPTABLE, desc = "the batch took M1, M2 came later (r3 0: the batch had taken everything)")
@Outcome(id = {"12, 0, 0", "12, 0, 3", "12, 0, 9"}, expect = ACCEPTABLE, desc = "the batch took M1 then M2")
@Outcome(id = {"2, 1, 0", "2, 1, 3", "2, 1, 9"}, expect = FORBIDDEN, desc = "the batch took M2 while the older M1 of the same priority waited")
@Outcome(id = {"21, 0, 0", "21, 0, 3", "21, 0, 9"}, expect = FORBIDDEN, desc = "the batch delivered M2 before the older M1")
@Outcome(expect = FORBIDDEN, desc = "a message lost, duplicated or out of order")
@State
public class SharedPriorityQueueBatchFifoTest {
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
            Path dir = Files.createTempDirectory("lockstep-jcstress-pqbatch");
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
    private final ByteBuffer p1 = ByteBuffer.allocate(MAX_SIZE).order(ByteOrder.nativeOrder());
    private final ByteBuffer p2 = ByteBuffer.allocate(MAX_SIZE).order(ByteOrder.nativeOrder());
    private int digits;
    private final MessageHandler handler = this::onMessage;

    public SharedPriorityQueueBatchFifoTest() {
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
        ByteBuffer b = ByteBuffer.allocate(MAX_SIZE).order(ByteOrder.nativeOrder());
        for (int i = 0; i < SLOTS - 2; i++) { // slots 0..61 (first fit)
            producer2.trySend(0, b.clear().putInt(0, FILLER));
        }
        producer1.trySend(5, b.clear().putInt(0, OLD)); // slot 62; slot 63 stays FREE, its bit clear
    }

    private void onMessage(int priority, ByteBuffer buffer, int offset, int length) {
        int id = buffer.getInt(offset); // the mapping is in native order, as the messages were written
        if (id == 1 || id == 2) {
            digits = digits * 10 + id;
        }
    }

    @Actor
    public void producer(III_Result r) {
        producer1.trySend(1, p1.clear().putInt(0, 1)); // M1 -> slot 63 (the lowest free one)
        int p = producer1.tryReceive(p1.clear()); // OLD (priority 5), unless the batch holds it
        r.r3 = p < 0 ? 0 : p1.getInt(0);
        producer2.trySend(1, p2.clear().putInt(0, 2)); // M2 -> the lowest free slot (62 if we took OLD)
    }

    @Actor
    public void consumer(III_Result r) {
        consumer.receive(handler, SLOTS);
        r.r1 = digits;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        digits = 0;
        while (consumer.receive(handler, SLOTS) > 0) {
            // digits accumulates
        }
        r.r2 = digits;
    }
}
