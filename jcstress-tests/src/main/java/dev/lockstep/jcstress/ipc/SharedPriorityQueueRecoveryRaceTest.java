package dev.lockstep.jcstress.ipc;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

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
 * Two recoverers of one {@link SharedPriorityQueue} slot racing with a sender (issue 11, defect 3).
 *
 * <p>Setup: a one-slot queue whose slot is WRITING by a dead sender (a real process: a child JVM that
 * registered in the folder's {@link Participants} registry and exited, so the liveness check reads its
 * {@code /proc} entry as for a SIGKILLed sender, and takes as long), with its ready bit set (the sender
 * died after setting it, before publishing).
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
    private static final Participants PARTICIPANTS;
    /** The owner word of a sender that died inside its send. */
    private static final long DEAD_WRITER;

    static {
        try {
            Path dir = Files.createTempDirectory("lockstep-jcstress-pq");
            dir.toFile().deleteOnExit(); // deleted after the registry file (reverse order of registration)
            dir.resolve(Participants.FILE_NAME).toFile().deleteOnExit();
            PARTICIPANTS = Participants.ofFolder(dir);
            String jar = new File(SharedPriorityQueueRecoveryRaceTest.class.getProtectionDomain().getCodeSource()
                    .getLocation().getPath()).getPath();
            Process child = new ProcessBuilder(System.getProperty("java.home") + File.separator + "bin" + File.separator
                    + "java", "-cp", jar, DeadSender.class.getName(), dir.toString()).redirectErrorStream(true).start();
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (child.waitFor() != 0 || !PARTICIPANTS.isDead(Long.parseLong(out))) {
                throw new IllegalStateException("the registering child failed or lives: " + out);
            }
            DEAD_WRITER = PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.WRITING, Long.parseLong(out));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A process that registers in the folder {@code args[0]}, prints its token and exits. */
    public static final class DeadSender {
        public static void main(String[] args) throws IOException {
            System.out.println(Participants.ofFolder(Path.of(args[0])).token());
        }
    }

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
        first = SharedPriorityQueue.wrap(MEMORY, offset, 1, MAX_SIZE, PARTICIPANTS);
        second = SharedPriorityQueue.wrap(MEMORY, offset, 1, MAX_SIZE, PARTICIPANTS);
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
