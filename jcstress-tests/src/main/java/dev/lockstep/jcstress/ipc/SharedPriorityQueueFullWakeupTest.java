package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.queue.PriorityQueueDescriptor;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * No lost wake-up between a {@link SharedPriorityQueue} sender about to sleep on the full queue (one
 * slot, holding a message) and a receive: the sender announces itself on the queue's not-full word and
 * re-checks the queue with {@link SharedPriorityQueue#isFull()} (the re-check its blocking send makes,
 * same reads), then would {@code FUTEX_WAIT} on the value it announced; the receiver runs the real
 * {@code tryReceive} (frees the slot, then the waker's step on the not-full word). A lost wake-up is a
 * sender that would sleep on a value the receive never advanced: the arbiter finds the word unchanged.
 * r1 = 1 if the sender would sleep (0: its re-check saw the free slot), r2 = 1 if the word still holds
 * the value it would sleep on after both actors finished.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the sender's re-check saw the free slot: no sleep")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the sender sleeps; the receive saw its announce and advanced the word")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "lost wake-up: the sender sleeps on a word the receive never advanced")
@State
public class SharedPriorityQueueFullWakeupTest {
    private static final int MAX_SIZE = 8;
    private static final int REGION = 512;
    private static final int REGIONS = 1 << 14;
    private static final ByteBuffer MEMORY = ByteBuffer.allocateDirect(REGION * (REGIONS + 1))
            .alignedSlice(REGION).order(ByteOrder.nativeOrder());
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final Participants PARTICIPANTS;

    static {
        try {
            Path dir = Files.createTempDirectory("lockstep-jcstress-pq-full");
            dir.toFile().deleteOnExit(); // deleted after the registry file (reverse order of registration)
            dir.resolve(Participants.FILE_NAME).toFile().deleteOnExit();
            PARTICIPANTS = Participants.ofFolder(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final SharedPriorityQueue receiverSide;
    private final SharedPriorityQueue senderSide;
    private final int word;
    private final ByteBuffer dst = ByteBuffer.allocate(MAX_SIZE);
    private int seen;

    public SharedPriorityQueueFullWakeupTest() {
        if (PriorityQueueDescriptor.structureLength(1, MAX_SIZE) > REGION) {
            throw new IllegalStateException("region too small");
        }
        int offset = REGION * (NEXT.getAndIncrement() & (REGIONS - 1));
        for (int i = 0; i < REGION; i += 8) {
            MEMORY.putLong(offset + i, 0L); // state construction happens-before the actors run
        }
        word = offset + PriorityQueueDescriptor.NOT_FULL_WAIT_WORD_OFFSET;
        receiverSide = SharedPriorityQueue.wrap(MEMORY, offset, 1, MAX_SIZE, PARTICIPANTS);
        senderSide = SharedPriorityQueue.wrap(MEMORY, offset, 1, MAX_SIZE, PARTICIPANTS);
        if (!senderSide.trySend(1, ByteBuffer.allocate(MAX_SIZE).putInt(0, 7))) { // full: its one slot taken
            throw new IllegalStateException("could not fill the queue");
        }
    }

    @Actor
    public void sender(II_Result r) {
        seen = WaitWord.announce(MEMORY, word);
        r.r1 = senderSide.isFull() ? 1 : 0; // then FUTEX_WAIT(word, seen) if 1
    }

    @Actor
    public void receiver() {
        receiverSide.tryReceive(dst.clear());
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r2 = r.r1 == 1 && WaitWord.value(MEMORY, word) == seen ? 1 : 0;
    }
}
