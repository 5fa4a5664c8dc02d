package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.test.Faults;

/**
 * Producers and consumers of a {@link SharedPriorityQueue} killed with SIGKILL at random moments.
 * Rounds: system property {@code lockstep.crash.kills} (default 3, for CI; raise it locally).
 *
 * <p>Each round starts two producer processes and two consumer processes (large messages, so a kill
 * often lands inside a copy), kills all four at once at a random moment, then the test
 * process, using only the ordinary timed calls (whose waits run the automatic recovery), drains the
 * queue checking every message, and fills the queue to its full capacity.
 */
@Timeout(180)
class SharedPriorityQueueCrashTest {
    private static final int KILLS = Integer.getInteger("lockstep.crash.kills", 3);
    private static final int CAPACITY = 16;
    private static final int MAX_SIZE = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void killedProducersAndConsumersLeaveNoTornMessageAndNoLostCapacity() throws Exception {
        Path file = dir.resolve("crash");
        Faults faults = Faults.seeded("priority queue crash rounds");
        Random rnd = faults.random();
        int stuckSeen = 0;
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, CAPACITY, MAX_SIZE);
             SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
            ByteBuffer dst = ByteBuffer.allocate(MAX_SIZE);
            ByteBuffer src = ByteBuffer.allocate(MAX_SIZE);
            byte[] filler = new byte[MAX_SIZE + 4096];
            rnd.nextBytes(filler);
            for (int round = 0; round < KILLS; round++) {
                List<ChildJvm> children = new ArrayList<>();
                try {
                    for (int p = 0; p < 2; p++) {
                        children.add(ChildJvm.start(dir, SharedPriorityQueueChildren.CrashProducer.class, file.toString(),
                                Integer.toString(round * 2 + p)));
                        children.add(ChildJvm.start(dir, SharedPriorityQueueChildren.CrashConsumer.class, file.toString()));
                    }
                    for (ChildJvm c : children) {
                        c.awaitLine("READY", Duration.ofSeconds(30));
                    }
                    Thread.sleep(50 + rnd.nextInt(150));
                    Collections.shuffle(children, rnd);
                    for (ChildJvm c : children) {
                        assertTrue(c.process().isAlive(), "child ended before being killed:\n" + c.output());
                    }
                    Faults.killAll(children); // SIGKILL, all four within microseconds: none can clean up after another
                    for (ChildJvm c : children) {
                        assertFalse(c.output().contains("TORN"), c.output());
                    }
                } finally {
                    children.forEach(ChildJvm::close);
                }
                int stuck = claimedSlots(raw, q);
                stuckSeen += stuck;

                // Drain with the ordinary timed receive: its waits reclaim dead receivers' claims.
                int drained = 0;
                while (q.tryReceive(dst.clear(), 100, TimeUnit.MILLISECONDS) >= 0) {
                    assertNull(SharedPriorityQueueChildren.checkCrash(dst, dst.position()),
                            "round " + round + ": a delivered message is whole");
                    drained++;
                }
                // Fill to capacity with the ordinary timed send: its waits reclaim dead senders' claims.
                for (int i = 0; i < CAPACITY; i++) {
                    SharedPriorityQueueChildren.encodeCrash(src, filler, 1000, i, 16 + rnd.nextInt(MAX_SIZE - 16), rnd.nextInt(4096));
                    assertTrue(q.trySend(i % 32, src, 5, TimeUnit.SECONDS),
                            "round " + round + ": slot " + i + " usable (" + stuck + " slots were claimed by the dead)");
                }
                assertEquals(CAPACITY, q.size(), "full capacity usable");
                assertEquals(0, claimedSlots(raw, q), "no claim left");
                for (int i = 0; i < CAPACITY; i++) {
                    int p = q.tryReceive(dst.clear());
                    assertTrue(p >= 0);
                    assertNull(SharedPriorityQueueChildren.checkCrash(dst, dst.position()));
                    assertEquals(1000, dst.getInt(0));
                }
                assertEquals(-1, q.tryReceive(dst.clear()));
                System.out.println("crash round " + round + ": " + stuck + " slots claimed by killed processes, "
                        + drained + " messages drained");
            }
        }
        System.out.println("crash test: " + KILLS + " rounds, " + stuckSeen + " stuck slots reclaimed");
    }

    /**
     * A real process holding a receive claim and a send claim: nothing is reclaimed while it lives (a
     * live owner is never robbed), everything once it is killed (found dead by pid and start time, as a
     * zombie or after being reaped), through the ordinary timed calls.
     */
    @Test
    void aLiveOwnerKeepsItsClaimsAndADeadOnesAreReclaimed() throws Exception {
        Path file = dir.resolve("claims");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 2, 64)) {
            ByteBuffer src = ByteBuffer.allocate(64);
            ByteBuffer dst = ByteBuffer.allocate(64);
            SharedPriorityQueueChildren.encode(src, 7, 0, 9, 64);
            assertTrue(q.trySend(9, src)); // slot 0
            try (ChildJvm claimer = ChildJvm.start(dir, SharedPriorityQueueChildren.Claimer.class, file.toString())) {
                claimer.awaitLine("CLAIMED", Duration.ofSeconds(30));
                assertEquals(0, q.recover(), "the owner is alive");
                assertEquals(-1, q.tryReceive(dst, 20, TimeUnit.MILLISECONDS), "its claimed message stays claimed");
                SharedPriorityQueueChildren.encode(src, 8, 0, 1, 64);
                assertFalse(q.trySend(1, src, 20, TimeUnit.MILLISECONDS), "its claimed slot stays claimed");
                claimer.kill();
            }
            assertEquals(9, q.tryReceive(dst.clear(), 5, TimeUnit.SECONDS), "the dead receiver's message comes back");
            assertNull(SharedPriorityQueueChildren.check(dst, dst.position(), 9));
            assertEquals(7, dst.getInt(0));
            for (int i = 0; i < 2; i++) {
                SharedPriorityQueueChildren.encode(src, 8, i, 1, 64);
                assertTrue(q.trySend(1, src, 5, TimeUnit.SECONDS), "slot " + i + " usable again");
            }
            assertEquals(2, q.size());
        }
    }

    /**
     * Issue 11, defect 2, for the queue: a process in another PID namespace (pid 1 of its own, through
     * {@code unshare --pid --fork --mount-proc}: a sidecar container sharing the memory volume) holding
     * a receive claim and a send claim is never robbed, not while it runs, not while it is stopped
     * (SIGSTOP) past the heartbeat bound; once killed, both claims are reclaimed by the ordinary calls.
     * Skipped, with the reason printed, where PID namespaces cannot be created.
     */
    @Test
    void aLiveOwnerInAnotherPidNamespaceKeepsItsClaims() throws Exception {
        dev.lockstep.ipc.test.Namespaces.assumeAvailable();
        Path file = dir.resolve("ns");
        long stale = dev.lockstep.ipc.shm.Participants.SUSPECT_AFTER_MILLIS + 3 * dev.lockstep.ipc.shm.Heartbeats.PERIOD_MILLIS + 300;
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 2, 64)) {
            ByteBuffer src = ByteBuffer.allocate(64);
            ByteBuffer dst = ByteBuffer.allocate(64);
            SharedPriorityQueueChildren.encode(src, 7, 0, 9, 64);
            assertTrue(q.trySend(9, src)); // slot 0
            try (dev.lockstep.ipc.test.Namespaces.Child claimer = dev.lockstep.ipc.test.Namespaces.start(dir,
                    List.of("-XX:TieredStopAtLevel=1"), SharedPriorityQueueChildren.Claimer.class, file.toString())) {
                claimer.awaitLine("CLAIMED", Duration.ofSeconds(60));
                assertEquals(0, q.recover(), "a live owner of another PID namespace was robbed");
                assertEquals(-1, q.tryReceive(dst, 300, TimeUnit.MILLISECONDS), "its claimed message stays claimed");
                SharedPriorityQueueChildren.encode(src, 8, 0, 1, 64);
                assertFalse(q.trySend(1, src, 300, TimeUnit.MILLISECONDS), "its claimed slot stays claimed");
                claimer.stall(); // stopped past the heartbeat bound: late, not dead
                Thread.sleep(stale);
                assertEquals(0, q.recover(), "a stopped owner of another PID namespace was robbed");
                assertEquals(-1, q.tryReceive(dst.clear(), 300, TimeUnit.MILLISECONDS));
                claimer.resume();
                claimer.kill();
            }
            assertEquals(9, q.tryReceive(dst.clear(), 30, TimeUnit.SECONDS), "the dead receiver's message comes back");
            assertEquals(7, dst.getInt(0));
            for (int i = 0; i < 2; i++) {
                SharedPriorityQueueChildren.encode(src, 8, i, 1, 64);
                assertTrue(q.trySend(1, src, 30, TimeUnit.SECONDS), "slot " + i + " usable again");
            }
            assertEquals(2, q.size());
        }
    }

    private static int claimedSlots(SharedFile raw, SharedPriorityQueue q) {
        ByteBuffer b = raw.buffer();
        int claimed = 0;
        for (int i = 0; i < q.maxMessages(); i++) {
            long w = (long) MappedAccess.LONG.getVolatile(b, SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.stateOffset(q.maxMessages(), i));
            long s = w & PriorityQueueDescriptor.STATE_MASK;
            if (s == PriorityQueueDescriptor.WRITING || s == PriorityQueueDescriptor.READING) {
                claimed++;
            }
        }
        return claimed;
    }
}
