package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * Milestone 2 of layout revision 2 ({@link SharedPriorityQueue}): kernel sleeps through the sleep request and the
 * lanes' acknowledgements and space requests, and recovery of a dead sender's lane. A blocked receive or
 * send must sleep in the kernel (its thread scarcely scheduled) and be woken by the send or receive that
 * lets it pass, well within the sleep bound; a receive blocked while another thread's lane is bound but
 * idle naps, and that thread's next send wakes it. The futex checks skip with the reason where this JVM
 * polls (JDK 17-21).
 */
@Timeout(120)
class SharedPriorityQueueSleepTest {
    private static final long LIMIT_MS = WaitMode.MAX_SLEEP_MILLIS * 2 / 5;
    /** As SharedPriorityQueueFutexTest: a kernel sleeper wakes about 10 times a second, a poller ~1,000. */
    private static final long MAX_SWITCHES_PER_SECOND = 60;

    @TempDir
    Path dir;

    private static ByteBuffer dst() {
        return ByteBuffer.allocateDirect(64);
    }

    /**
     * The receiver first waits while this thread's lane is bound and has not acknowledged its sleep request
     * (it naps, ~10 wake-ups a second at most once the naps reach the bound), is woken by this thread's send,
     * then waits again, now with the lane acknowledged, and is woken again.
     */
    @Test
    void blockedReceiverSleepsAndIsWokenBySendsOfAnIdleLane() throws Exception {
        assumeFutex();
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(4, 64, 4);
        assertTrue(q.trySend(1, ByteBuffer.wrap(new byte[] {1}))); // binds this thread's lane
        assertEquals(1, q.tryReceive(dst()));
        AtomicLong tid = new AtomicLong();
        AtomicLong[] passed = {new AtomicLong(), new AtomicLong()};
        Thread receiver = new Thread(() -> {
            try {
                tid.set(tid());
                for (AtomicLong p : passed) {
                    assertEquals(1, q.receive(dst()));
                    p.set(System.nanoTime());
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        receiver.start();
        java.util.Random jitter = new java.util.Random();
        for (AtomicLong p : passed) {
            Thread.sleep(1_500 + jitter.nextInt((int) WaitMode.MAX_SLEEP_MILLIS)); // the naps reach the bound
            assertAsleep(tid.get(), "receiver blocked on an empty queue", "the blocked receiver", "sleeping in the kernel");
            long t0 = System.nanoTime();
            q.send(1, ByteBuffer.wrap(new byte[] {2}));
            while (p.get() == 0L) {
                Thread.sleep(1);
            }
            long ms = (p.get() - t0) / 1_000_000;
            System.out.println("SharedPriorityQueue receiver woken " + (p.get() - t0) / 1_000 + " us after the send");
            assertTrue(ms < LIMIT_MS, "the receiver passed " + ms + " ms after the send: no wake-up");
        }
        receiver.join();
    }

    /**
     * A send blocked on its full lane sleeps in the kernel and is woken by the receive that makes room;
     * four rounds, each receive at a random phase of the sender's sleeps (a wake-up at the sleep bound
     * instead would pass one round's limit 40% of the time, all four 2.6%).
     */
    @Test
    void blockedSenderSleepsAndIsWokenByReceive() throws Exception {
        assumeFutex();
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(2, 1000, 4);
        int rounds = 4;
        java.util.Random jitter = new java.util.Random();
        AtomicLong tid = new AtomicLong();
        AtomicLong[] passed = new AtomicLong[rounds];
        java.util.concurrent.Semaphore fill = new java.util.concurrent.Semaphore(0);
        for (int r = 0; r < rounds; r++) {
            passed[r] = new AtomicLong();
        }
        Thread sender = new Thread(() -> {
            try {
                tid.set(tid());
                for (AtomicLong p : passed) {
                    fill.acquire();
                    while (q.trySend(3, ByteBuffer.allocate(1000))) {
                        // fill the lane
                    }
                    q.send(3, ByteBuffer.allocate(1000));
                    p.set(System.nanoTime());
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        sender.start();
        ByteBuffer d = ByteBuffer.allocateDirect(1000);
        for (AtomicLong p : passed) {
            fill.release();
            Thread.sleep(500 + jitter.nextInt((int) WaitMode.MAX_SLEEP_MILLIS));
            assertAsleep(tid.get(), "sender blocked on a full lane", "the blocked sender", "sleeping in the kernel");
            long t0 = System.nanoTime();
            for (int i = 0; i < 2; i++) { // two receives make room wherever the ring's end falls
                assertEquals(3, q.receive(d.clear()));
            }
            while (p.get() == 0L) {
                Thread.sleep(1);
            }
            long ms = (p.get() - t0) / 1_000_000;
            System.out.println("SharedPriorityQueue sender woken " + (p.get() - t0) / 1_000 + " us after the receives");
            assertTrue(ms < LIMIT_MS, "the sender passed " + ms + " ms after the receive: no wake-up");
        }
        sender.join();
    }

    /**
     * A send waiting for a lane (every lane bound, its own two holding messages) sleeps in the kernel and
     * is woken by the receive that drains one of its own lanes, which it then moves to its priority; four
     * rounds at random phases of its sleeps, as above (the FREE store of a freed lane is the other
     * wake-up, jcstress {@code SharedPriorityQueueLaneWakeupTest}).
     */
    @Test
    void sendWaitingForALaneIsWokenWhenItsOwnLaneDrains() throws Exception {
        assumeFutex();
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(2, 64, 2);
        int rounds = 4;
        java.util.Random jitter = new java.util.Random();
        AtomicLong tid = new AtomicLong();
        AtomicLong[] passed = new AtomicLong[rounds];
        java.util.concurrent.Semaphore go = new java.util.concurrent.Semaphore(0);
        for (int r = 0; r < rounds; r++) {
            passed[r] = new AtomicLong();
        }
        Thread sender = new Thread(() -> {
            try {
                tid.set(tid());
                for (int r = 0; r < rounds; r++) {
                    go.acquire();
                    // both lanes hold a message (the round's first two priorities), the third finds no lane
                    assertTrue(q.trySend(3 * r, ByteBuffer.allocate(8)));
                    assertTrue(q.trySend(3 * r + 1, ByteBuffer.allocate(8)));
                    q.send(3 * r + 2, ByteBuffer.allocate(8));
                    passed[r].set(System.nanoTime());
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        sender.start();
        ByteBuffer d = ByteBuffer.allocateDirect(64);
        for (int r = 0; r < rounds; r++) {
            go.release();
            Thread.sleep(500 + jitter.nextInt((int) WaitMode.MAX_SLEEP_MILLIS));
            assertEquals(0L, passed[r].get(), "the send found no lane and waits");
            assertEquals(2, q.lanesInUse());
            assertAsleep(tid.get(), "send waiting for a lane", "the send waiting for a lane", "sleeping in the kernel");
            long t0 = System.nanoTime();
            assertEquals(3 * r + 1, q.receive(d.clear())); // drains the sender's lane of 3r + 1
            while (passed[r].get() == 0L) {
                Thread.sleep(1);
            }
            long ms = (passed[r].get() - t0) / 1_000_000;
            System.out.println("SharedPriorityQueue send woken " + (passed[r].get() - t0) / 1_000 + " us after its lane drained");
            assertTrue(ms < LIMIT_MS, "the send passed " + ms + " ms after its own lane drained: no wake-up");
            assertEquals(3 * r + 2, q.receive(d.clear()));
            assertEquals(3 * r, q.receive(d.clear()));
        }
        sender.join();
        assertEquals(2, q.lanesInUse(), "the sender moved its drained lanes to new priorities, binding no other");
    }

    /**
     * A sender process killed (SIGKILL) with its lane bound: its published messages are received, the
     * lane is recovered (retired, then freed once drained), and a receiver blocked meanwhile, which could
     * only nap while the dead lane had not acknowledged its sleep request, then sleeps in the kernel.
     */
    @Test
    void aKilledSendersLaneIsRecoveredAndItsMessagesDelivered() throws Exception {
        Path file = dir.resolve("lanes");
        try (ChildJvm c = ChildJvm.start(dir, List.of(), Sender.class, file.toString(), "2")) {
            c.awaitLine("SENT", Duration.ofSeconds(30));
            SharedPriorityQueue q = map(file);
            assertEquals(1, q.lanesInUse());
            assertEquals(0, q.recover(), "recover() does not act on a live process's lane");
            c.kill();
            c.await(Duration.ofSeconds(30));
            assertEquals(1, q.recover(), "the dead sender's lane is retired");
            ByteBuffer d = dst();
            for (int i = 0; i < 2; i++) {
                assertEquals(4, q.tryReceive(d.clear()));
                assertEquals(i, d.get(0));
            }
            assertEquals(-1, q.tryReceive(d.clear()));
            assertEquals(0, q.lanesInUse(), "the drained retired lane is freed");
        }
        try (ChildJvm c = ChildJvm.start(dir, List.of(), Sender.class, file.toString(), "0")) {
            c.awaitLine("SENT", Duration.ofSeconds(30));
            SharedPriorityQueue q = map(file);
            c.kill();
            c.await(Duration.ofSeconds(30));
            if (WaitMode.current() != WaitMode.FUTEX) {
                System.out.println("this JVM polls: the receiver's kernel sleep after recovery is not checked");
                return;
            }
            AtomicLong tid = new AtomicLong();
            Thread receiver = new Thread(() -> {
                try {
                    tid.set(tid());
                    q.tryReceive(dst(), 3, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            receiver.start();
            Thread.sleep(500); // its waits recover the dead lane (checked twice, 1 ms apart, at most)
            assertAsleep(tid.get(), "receiver after a dead sender's lane", "the receiver", "sleeping or napping in the kernel");
            assertEquals(0, q.lanesInUse(), "the waiting receiver's recovery freed the dead sender's lane");
            receiver.join();
        }
    }

    /**
     * A receiver process killed (SIGKILL) while in its sleep phase: its sleeper slot and bit stay behind
     * (every send would fence for good) until recovery finds the slot's process dead and clears both; a
     * live sleeper's slot is left alone.
     */
    @Test
    void aKilledSleepersSlotIsRecovered() throws Exception {
        assumeFutex();
        Path file = dir.resolve("lanes");
        SharedPriorityQueue q = map(file);
        try (ChildJvm c = ChildJvm.start(dir, List.of(), Receiver.class, file.toString())) {
            c.awaitLine("RECEIVING", Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (q.sleepersJoined() == 0) {
                assertTrue(System.nanoTime() - deadline < 0, "the receiver never joined the sleep request:\n" + c.output());
                Thread.sleep(5);
            }
            assertEquals(0, q.recover(), "a live sleeper's slot is left alone");
            assertEquals(1, q.sleepersJoined());
            c.kill();
            c.await(Duration.ofSeconds(30));
        }
        assertEquals(1, q.sleepersJoined(), "the dead receiver's bit stays until recovery");
        assertEquals(1, q.recover());
        assertEquals(0, q.sleepersJoined(), "recovery cleared the dead receiver's bit");
        assertTrue(q.trySend(1, ByteBuffer.wrap(new byte[] {1})));
        assertEquals(1, q.tryReceive(dst()));
    }

    /** Child: {@code FILE}: prints "RECEIVING", then receives (blocking) and prints what it got. */
    public static final class Receiver {
        public static void main(String[] args) throws Exception {
            SharedPriorityQueue q = map(Path.of(args[0]));
            System.out.println("RECEIVING");
            System.out.println("GOT " + q.receive(ByteBuffer.allocateDirect(64)));
        }
    }

    static SharedPriorityQueue map(Path file) throws IOException {
        long length = SharedPriorityQueue.structureLength(4, 64, 4);
        MappedByteBuffer b;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            b = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
        b.order(ByteOrder.nativeOrder());
        return SharedPriorityQueue.wrap(b, 0, 4, 64, 4, Participants.of(file));
    }

    private static long switchesInOneSecond(long tid) throws Exception {
        long s0 = switches(tid);
        Thread.sleep(1_000);
        return switches(tid) - s0;
    }

    /**
     * Thread {@code tid} was scheduled at most {@link #MAX_SWITCHES_PER_SECOND} times in one second (a
     * kernel sleeper about 10, a poller about a thousand); prints the count under {@code what}.
     */
    private static void assertAsleep(long tid, String what, String who, String how) throws Exception {
        long switches = switchesInOneSecond(tid);
        System.out.println("SharedPriorityQueue " + what + ": " + switches + " context switches in 1 s");
        assertTrue(switches <= MAX_SWITCHES_PER_SECOND, who + " was scheduled " + switches
                + " times in 1 s: it polls instead of " + how);
    }

    private static long switches(long tid) throws Exception {
        long n = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/task", Long.toString(tid), "status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return n;
    }

    static long tid() throws Exception {
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    private static void assumeFutex() {
        Assumptions.assumeTrue(WaitMode.current() == WaitMode.FUTEX,
                "this JVM polls (JDK " + Runtime.version().feature() + ", -D" + WaitMode.PROPERTY + "="
                        + System.getProperty(WaitMode.PROPERTY, "auto") + "): SharedPriorityQueue futex checks skipped");
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/thread-self")), "needs /proc/thread-self");
    }

    /** Child: {@code FILE N}: sends N messages of priority 4 (bodies 0..N-1), prints "SENT", then waits. */
    public static final class Sender {
        public static void main(String[] args) throws Exception {
            SharedPriorityQueue q = map(Path.of(args[0]));
            int n = Integer.parseInt(args[1]);
            if (n == 0) {
                q.trySend(4, ByteBuffer.wrap(new byte[] {9})); // binds the lane
                ByteBuffer d = ByteBuffer.allocateDirect(64);
                q.tryReceive(d); // drained, the lane stays bound
            }
            for (int i = 0; i < n; i++) {
                q.send(4, ByteBuffer.wrap(new byte[] {(byte) i}));
            }
            System.out.println("SENT");
            Thread.sleep(600_000);
        }
    }
}
