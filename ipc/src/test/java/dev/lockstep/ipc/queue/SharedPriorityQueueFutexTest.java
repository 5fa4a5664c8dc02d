package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * Kernel sleeping of {@link SharedPriorityQueue}'s blocking {@code receive} (empty queue) and
 * {@code send} (its lane full) across real processes: a child blocks until it has announced a kernel
 * sleep on the queue's not-empty / not-full futex word; while it sleeps its waiting thread must be
 * (almost) never scheduled; this process then sends / receives, and the child must pass well within the
 * sleep bound (a missing wake-up would let it pass only at the bound). Kill -9 of a sleeper, and of a
 * process that dies owning the lane and the run the sleepers wait for (so that it never wakes them),
 * leave the queue usable. The in-process sleeps, and recovery of a dead sleeper's slot by
 * {@code recover()}, are {@code SharedPriorityQueueSleepTest}'s. Skips with the reason where this JVM
 * polls (JDK 17-21, {@code -Dlockstep.ipc.wait=poll}).
 */
@Timeout(120)
class SharedPriorityQueueFutexTest {
    private static final long LIMIT_MS = WaitMode.MAX_SLEEP_MILLIS * 2 / 5;
    private static final int NOT_EMPTY = SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.NOT_EMPTY_WAIT_WORD_OFFSET;
    private static final int NOT_FULL = SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.NOT_FULL_WAIT_WORD_OFFSET;
    /**
     * Most context switches the sleeping thread may make in a second: a kernel sleeper wakes once per
     * sleep bound (10 a second); a polling waiter (backoff, 1 ms parks) about a thousand times.
     */
    private static final long MAX_SWITCHES_PER_SECOND = 60;

    @TempDir
    Path dir;

    @Test
    void blockedReceiverSleepsAndIsWokenBySend() throws Exception {
        assumeFutex();
        Path file = dir.resolve("q");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 4, 64);
             SharedFile raw = SharedFile.open(file, dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE);
             ChildJvm c = ChildJvm.start(dir, List.of(), Receiver.class, file.toString())) {
            assertEquals(WaitMode.FUTEX, q.waitMode());
            long tid = Long.parseLong(c.awaitLine("TID", Duration.ofSeconds(30)));
            awaitSleeper(raw.buffer(), NOT_EMPTY, c);
            assertEquals(1, q.sleepersJoined(), "the receiver joined the sleep request");
            long switches = switchesInOneSecond(c.pid(), tid);
            System.out.println("SPQ receiver asleep on an empty queue: " + switches + " context switches in 1 s");
            assertTrue(switches <= MAX_SWITCHES_PER_SECOND, "the blocked receiver was scheduled " + switches
                    + " times in 1 s: it polls instead of sleeping in the kernel");
            long t0 = System.nanoTime();
            q.send(9, ByteBuffer.wrap(new byte[] {42}));
            String[] passed = c.awaitLine("PASSED", Duration.ofSeconds(30)).split(" ");
            long ms = (Long.parseLong(passed[0]) - t0) / 1_000_000;
            System.out.println("SPQ receiver woken " + (Long.parseLong(passed[0]) - t0) / 1_000 + " µs after the send");
            assertEquals("9", passed[1]);
            assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
            assertTrue(ms < LIMIT_MS, "the receiver passed " + ms + " ms after the send (sleep bound "
                    + WaitMode.MAX_SLEEP_MILLIS + " ms): no wake-up");
            assertTrue(q.isEmpty());
        }
    }

    /** A send blocked on its full lane (the child's) sleeps in the kernel and is woken by the receive that makes room. */
    @Test
    void blockedSenderSleepsAndIsWokenByReceive() throws Exception {
        assumeFutex();
        Path file = dir.resolve("q");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 2, 64);
             SharedFile raw = SharedFile.open(file, dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE);
             ChildJvm c = ChildJvm.start(dir, List.of(), Sender.class, file.toString(), "7", "fill")) {
            int filled = Integer.parseInt(c.awaitLine("FILLED", Duration.ofSeconds(30)));
            long tid = Long.parseLong(c.awaitLine("TID", Duration.ofSeconds(30)));
            awaitSleeper(raw.buffer(), NOT_FULL, c);
            long switches = switchesInOneSecond(c.pid(), tid);
            System.out.println("SPQ sender asleep on its full lane (" + filled + " messages): " + switches
                    + " context switches in 1 s");
            assertTrue(switches <= MAX_SWITCHES_PER_SECOND, "the blocked sender was scheduled " + switches
                    + " times in 1 s: it polls instead of sleeping in the kernel");
            assertFalse(c.output().contains("PASSED"), "the sender passed a full lane");
            ByteBuffer dst = ByteBuffer.allocate(64);
            long t0 = System.nanoTime();
            for (int i = 0; i < 2; i++) { // two receives make room wherever the ring's end falls
                assertEquals(7, q.receive(dst.clear()));
            }
            long t1 = Long.parseLong(c.awaitLine("PASSED", Duration.ofSeconds(30)).split(" ")[0]);
            long ms = (t1 - t0) / 1_000_000;
            System.out.println("SPQ sender woken " + (t1 - t0) / 1_000 + " µs after the receives");
            assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
            assertTrue(ms < LIMIT_MS, "the sender passed " + ms + " ms after the receive (sleep bound "
                    + WaitMode.MAX_SLEEP_MILLIS + " ms): no wake-up");
            int left = 0;
            while (q.tryReceive(dst.clear()) >= 0) {
                left++;
            }
            assertEquals(filled + 1 - 2, left, "the child's messages, its blocked one included");
        }
    }

    /**
     * A receiver killed (SIGKILL) while asleep leaves its sleeper slot and bit: the queue stays usable
     * (a send fences and signals for the dead bit, a receive gets its message), the waiting calls'
     * own recovery (no {@code recover()} call) clears the dead receiver's bit, and a new sleeper is
     * woken by the next send within the bound.
     */
    @Test
    void killedSleeperLeavesTheQueueUsable() throws Exception {
        assumeFutex();
        Path file = dir.resolve("q");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 4, 64);
             SharedFile raw = SharedFile.open(file, dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE)) {
            ByteBuffer b = raw.buffer();
            try (ChildJvm c = ChildJvm.start(dir, List.of(), Receiver.class, file.toString())) {
                c.awaitLine("TID", Duration.ofSeconds(30));
                awaitSleeper(b, NOT_EMPTY, c);
                c.kill();
            }
            assertEquals(1, q.sleepersJoined(), "the killed sleeper's bit");
            q.send(3, ByteBuffer.wrap(new byte[] {3}));
            ByteBuffer dst = ByteBuffer.allocate(64);
            assertEquals(3, q.tryReceive(dst, 1, TimeUnit.SECONDS), "the queue still works");
            try (ChildJvm c = ChildJvm.start(dir, List.of(), Receiver.class, file.toString())) {
                c.awaitLine("TID", Duration.ofSeconds(30));
                awaitSleeper(b, NOT_EMPTY, c);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (q.sleepersJoined() != 1) { // the new sleeper's waits (one per sleep bound) recover the dead slot
                    assertTrue(System.nanoTime() - deadline < 0, "the dead sleeper's bit was not cleared by the waiting"
                            + " calls' recovery: " + q.sleepersJoined() + " sleepers joined");
                    Thread.sleep(5);
                }
                assertTrue(c.process().isAlive() && !c.output().contains("PASSED"), c.output());
                Thread.sleep(WaitMode.MAX_SLEEP_MILLIS / 5); // back asleep
                long t0 = System.nanoTime();
                q.send(4, ByteBuffer.wrap(new byte[] {4}));
                long ms = (Long.parseLong(c.awaitLine("PASSED", Duration.ofSeconds(30)).split(" ")[0]) - t0) / 1_000_000;
                assertTrue(ms < LIMIT_MS, "the second receiver passed " + ms + " ms after the send");
                assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
            }
            assertEquals(0, q.sleepersJoined());
        }
    }

    /**
     * The waker dies: a process killed (SIGKILL) while it owns a drained lane (with this thread's, the
     * queue's two lanes: no lane is free) and holds, inside a batch handler, the run of the only message
     * (so the queue looks empty) would have woken the receiver blocked on the empty queue (by handing the
     * run on) and the sender blocked for a lane (by freeing its lane); it never does. The blocked calls'
     * own recovery, once per sleep bound at most, gives the run back and frees the dead process's lane,
     * and both pass: the receiver with the given-back message, the sender into the freed lane.
     */
    @Test
    void sleepersSurviveAKilledWaker() throws Exception {
        assumeFutex();
        Path file = dir.resolve("q");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 2, 64, 2)) {
            ByteBuffer src = ByteBuffer.allocate(64);
            SharedPriorityQueueChildren.encode(src, 7, 0, 6, 64);
            q.send(6, src); // this thread's lane
            ByteBuffer dst = ByteBuffer.allocate(64);
            String[] received = new String[1];
            try (ChildJvm claimer = ChildJvm.start(dir, SharedPriorityQueueChildren.LaneClaimer.class, file.toString(), "5")) {
                assertEquals("7 0 6", claimer.awaitLine("HOLDING", Duration.ofSeconds(30)), "it holds our message");
                assertEquals(5, q.tryReceive(dst, 1, TimeUnit.SECONDS), "the claimer's own message");
                assertEquals(70, dst.getInt(0));
                try (ChildJvm receiver = ChildJvm.start(dir, List.of(), Receiver.class, file.toString());
                     ChildJvm sender = ChildJvm.start(dir, List.of(), Sender.class, file.toString(), "1")) {
                    long rtid = Long.parseLong(receiver.awaitLine("TID", Duration.ofSeconds(30)));
                    long stid = Long.parseLong(sender.awaitLine("TID", Duration.ofSeconds(30)));
                    Thread.sleep(3 * WaitMode.MAX_SLEEP_MILLIS); // both stay blocked while the claimer lives
                    long rsw = switchesInOneSecond(receiver.pid(), rtid);
                    long ssw = switchesInOneSecond(sender.pid(), stid);
                    System.out.println("SPQ blocked calls while their waker lives: receiver " + rsw + ", sender " + ssw
                            + " context switches in 1 s");
                    assertTrue(receiver.process().isAlive() && !receiver.output().contains("PASSED"), receiver.output());
                    assertTrue(sender.process().isAlive() && !sender.output().contains("PASSED"), sender.output());
                    long t0 = System.nanoTime();
                    claimer.kill();
                    String[] got = receiver.awaitLine("PASSED", Duration.ofSeconds(10)).split(" ");
                    received[0] = got[1];
                    long sent = Long.parseLong(sender.awaitLine("PASSED", Duration.ofSeconds(10)).split(" ")[0]);
                    long rms = (Long.parseLong(got[0]) - t0) / 1_000_000;
                    long sms = (sent - t0) / 1_000_000;
                    System.out.println("SPQ sleepers passed " + rms + " ms (receiver) and " + sms
                            + " ms (sender) after the kill of the process owning their lane and run");
                    // two recovery scans (dead on two in a row), each after a sleep of at most the bound; slack for a loaded machine
                    long bound = 2 * WaitMode.MAX_SLEEP_MILLIS + 500;
                    assertTrue(rms <= bound && sms <= bound, "passed after " + rms + " / " + sms + " ms");
                    assertEquals(0, receiver.await(Duration.ofSeconds(30)), receiver.output());
                    assertEquals(0, sender.await(Duration.ofSeconds(30)), sender.output());
                }
            }
            int left = q.tryReceive(dst.clear(), 1, TimeUnit.SECONDS);
            // the receiver got the dead holder's given-back message (6) or the sender's (1), this thread the other
            assertEquals(java.util.Set.of(6, 1), java.util.Set.of(Integer.parseInt(received[0]), left));
            assertEquals(-1, q.tryReceive(dst.clear()));
        }
    }

    /** An interrupt reaches a receiver asleep in the kernel within the sleep bound; nothing is taken. */
    @Test
    void interruptWakesAKernelSleeperWithinTheBound() throws Exception {
        assumeFutex();
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), 2, 16);
             SharedFile raw = SharedFile.open(dir.resolve("q"), dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE)) {
            long[] at = new long[1];
            Throwable[] thrown = new Throwable[1];
            Thread t = new Thread(() -> {
                try {
                    q.receive(ByteBuffer.allocate(16));
                } catch (Throwable e) {
                    thrown[0] = e;
                }
                at[0] = System.nanoTime();
            });
            t.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((WaitWord.value(raw.buffer(), NOT_EMPTY) & 1) == 0) {
                assertTrue(System.nanoTime() - deadline < 0, "the receiver never announced a kernel sleep");
                Thread.sleep(2);
            }
            Thread.sleep(WaitMode.MAX_SLEEP_MILLIS / 5);
            long t0 = System.nanoTime();
            t.interrupt();
            t.join(10_000);
            assertTrue(thrown[0] instanceof InterruptedException, "thrown: " + thrown[0]);
            long ms = (at[0] - t0) / 1_000_000;
            assertTrue(ms <= WaitMode.MAX_SLEEP_MILLIS + 200, "the interrupt was answered after " + ms + " ms");
            q.send(1, ByteBuffer.wrap(new byte[] {1}));
            assertEquals(1, q.size(), "the interrupted receive took nothing");
        }
    }

    /** A timed receive and a timed send that sleep in the kernel return neither early nor far late. */
    @Test
    void timedCallsSleepingInTheKernelKeepTheirTimeouts() throws Exception {
        assumeFutex();
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), 1, 16)) {
            long t0 = System.nanoTime();
            assertEquals(-1, q.tryReceive(ByteBuffer.allocate(16), 250, TimeUnit.MILLISECONDS));
            long rms = (System.nanoTime() - t0) / 1_000_000;
            while (q.trySend(0, ByteBuffer.wrap(new byte[] {0}))) {
                // fill this thread's lane
            }
            t0 = System.nanoTime();
            assertTrue(!q.trySend(0, ByteBuffer.wrap(new byte[] {0}), 250, TimeUnit.MILLISECONDS));
            long sms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("SPQ timed receive / send of 250 ms returned after " + rms + " / " + sms + " ms");
            assertTrue(rms >= 250 && rms < 250 + 45, "timed receive took " + rms + " ms");
            assertTrue(sms >= 250 && sms < 250 + 45, "timed send took " + sms + " ms");
        }
    }

    /**
     * Virtual threads blocked in receive poll (a kernel sleep would pin their carriers): none announces
     * a kernel sleep, the carriers still run another virtual thread, and sends release them all. Count:
     * {@code -Dlockstep.wait.virtualThreads} (default 200 here; the 1,000 on request).
     */
    @Test
    void virtualThreadReceiversPollAndDoNotStarveTheCarriers() throws Exception {
        java.util.concurrent.ThreadFactory virtual = virtualFactory();
        Assumptions.assumeTrue(virtual != null, "no virtual threads before JDK 21");
        int n = Integer.getInteger("lockstep.wait.virtualThreads", 200);
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), n, 16);
             SharedFile raw = SharedFile.open(dir.resolve("q"), dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE)) {
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(n);
            java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
            for (int i = 0; i < n; i++) {
                virtual.newThread(() -> {
                    try {
                        q.receive(ByteBuffer.allocate(16));
                    } catch (InterruptedException | RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    done.countDown();
                }).start();
            }
            Thread.sleep(500); // all past their spin, waiting
            long t0 = System.nanoTime();
            Thread probe = virtual.newThread(() -> {
                for (int i = 0; i < 20; i++) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException x) {
                        return;
                    }
                }
            });
            probe.start();
            probe.join(30_000);
            long probeMs = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, WaitWord.value(raw.buffer(), NOT_EMPTY) & 1, "a virtual thread announced a kernel sleep");
            assertEquals(0, q.sleepersJoined(), "a virtual thread joined the sleep request");
            for (int i = 0; i < n; i++) {
                q.send(1, ByteBuffer.wrap(new byte[] {1}));
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), done.getCount() + " virtual receivers still waiting");
            assertEquals(0, failed.get());
            System.out.println(n + " virtual SPQ receivers: a probe's 20 x sleep(1) took " + probeMs + " ms");
            assertTrue(probeMs < 1_500, "probe took " + probeMs + " ms: carriers starved");
        }
    }

    private static java.util.concurrent.ThreadFactory virtualFactory() {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            return (java.util.concurrent.ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }

    private static void awaitSleeper(ByteBuffer b, int word, ChildJvm c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((WaitWord.value(b, word) & 1) == 0) {
            assertTrue(System.nanoTime() - deadline < 0 && c.process().isAlive(),
                    "the child never announced a kernel sleep; output:\n" + c.output());
            Thread.sleep(2);
        }
        Thread.sleep(WaitMode.MAX_SLEEP_MILLIS / 5); // inside FUTEX_WAIT by now
    }

    /** Voluntary and involuntary context switches of thread {@code tid} of {@code pid} in one second. */
    private static long switchesInOneSecond(long pid, long tid) throws Exception {
        long s0 = switches(pid, tid);
        Thread.sleep(1_000);
        return switches(pid, tid) - s0;
    }

    private static long switches(long pid, long tid) throws Exception {
        long n = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return n;
    }

    private static void assumeFutex() {
        Assumptions.assumeTrue(WaitMode.current() == WaitMode.FUTEX,
                "this JVM polls (JDK " + Runtime.version().feature() + ", -D" + WaitMode.PROPERTY + "="
                        + System.getProperty(WaitMode.PROPERTY, "auto") + "): SPQ futex checks skipped");
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/thread-self")), "needs /proc/thread-self");
    }

    /** The calling thread's kernel id, from /proc/thread-self. */
    static long tid() throws Exception {
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    /** Child: {@code FILE}: prints "TID t", receives (blocking), prints "PASSED nanoTime priority". */
    public static final class Receiver {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                ByteBuffer dst = ByteBuffer.allocate(q.maxMessageSize());
                System.out.println("TID " + tid());
                int p = q.receive(dst);
                System.out.println("PASSED " + System.nanoTime() + " " + p);
            }
        }
    }

    /**
     * Child: {@code FILE [PRIORITY [fill]]}: with "fill", fills its lane for the priority (7 by default)
     * by trySend and prints "FILLED n"; prints "TID t", sends a message of the priority (blocking),
     * prints "PASSED nanoTime".
     */
    public static final class Sender {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                int priority = args.length > 1 ? Integer.parseInt(args[1]) : 7;
                if (args.length > 2 && args[2].equals("fill")) {
                    int n = 0;
                    while (q.trySend(priority, ByteBuffer.wrap(new byte[] {(byte) priority}))) {
                        n++;
                    }
                    System.out.println("FILLED " + n);
                }
                System.out.println("TID " + tid());
                q.send(priority, ByteBuffer.wrap(new byte[] {(byte) priority}));
                System.out.println("PASSED " + System.nanoTime());
            }
        }
    }
}
