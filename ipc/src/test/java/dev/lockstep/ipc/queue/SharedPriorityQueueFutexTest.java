package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * {@code send} (full queue) across real processes: a child blocks until it has announced a kernel sleep
 * on the queue's not-empty / not-full futex word; while it sleeps its waiting thread must be (almost)
 * never scheduled; this process then sends / receives, and the child must pass well within the sleep
 * bound (a missing wake-up would let it pass only at the bound). Kill -9 of a sleeper and of a process
 * that dies holding the slots the sleepers wait for (so that it never wakes them) leave the queue usable.
 * Skips with the reason where this JVM polls (JDK 17-21, {@code -Dlockstep.ipc.wait=poll}).
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

    @Test
    void blockedSenderSleepsAndIsWokenByReceive() throws Exception {
        assumeFutex();
        Path file = dir.resolve("q");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 2, 64);
             SharedFile raw = SharedFile.open(file, dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE)) {
            q.send(1, ByteBuffer.wrap(new byte[] {1}));
            q.send(2, ByteBuffer.wrap(new byte[] {2}));
            try (ChildJvm c = ChildJvm.start(dir, List.of(), Sender.class, file.toString())) {
                long tid = Long.parseLong(c.awaitLine("TID", Duration.ofSeconds(30)));
                awaitSleeper(raw.buffer(), NOT_FULL, c);
                long switches = switchesInOneSecond(c.pid(), tid);
                System.out.println("SPQ sender asleep on a full queue: " + switches + " context switches in 1 s");
                assertTrue(switches <= MAX_SWITCHES_PER_SECOND, "the blocked sender was scheduled " + switches
                        + " times in 1 s: it polls instead of sleeping in the kernel");
                ByteBuffer dst = ByteBuffer.allocate(64);
                long t0 = System.nanoTime();
                assertEquals(2, q.receive(dst));
                long t1 = Long.parseLong(c.awaitLine("PASSED", Duration.ofSeconds(30)).split(" ")[0]);
                long ms = (t1 - t0) / 1_000_000;
                System.out.println("SPQ sender woken " + (t1 - t0) / 1_000 + " µs after the receive");
                assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
                assertTrue(ms < LIMIT_MS, "the sender passed " + ms + " ms after the receive (sleep bound "
                        + WaitMode.MAX_SLEEP_MILLIS + " ms): no wake-up");
                assertEquals(7, q.receive(dst.clear()), "the child's message");
                assertEquals(1, q.receive(dst.clear()));
            }
        }
    }

    /** A receiver killed (SIGKILL) while asleep leaves only its sleepers bit, which the next send clears. */
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
            int before = WaitWord.value(b, NOT_EMPTY);
            assertEquals(1, before & 1, "the killed sleeper's bit");
            q.send(3, ByteBuffer.wrap(new byte[] {3}));
            int after = WaitWord.value(b, NOT_EMPTY);
            assertEquals(0, after & 1, "the send claimed the dead sleeper's bit");
            assertNotEquals(before >>> 1, after >>> 1, "the send advanced the word");
            ByteBuffer dst = ByteBuffer.allocate(64);
            assertEquals(3, q.tryReceive(dst, 1, TimeUnit.SECONDS), "the queue still works");
            // and a new sleeper is woken at once
            try (ChildJvm c = ChildJvm.start(dir, List.of(), Receiver.class, file.toString())) {
                c.awaitLine("TID", Duration.ofSeconds(30));
                awaitSleeper(b, NOT_EMPTY, c);
                long t0 = System.nanoTime();
                q.send(4, ByteBuffer.wrap(new byte[] {4}));
                long ms = (Long.parseLong(c.awaitLine("PASSED", Duration.ofSeconds(30)).split(" ")[0]) - t0) / 1_000_000;
                assertTrue(ms < LIMIT_MS, "the second receiver passed " + ms + " ms after the send");
            }
        }
    }

    /**
     * The waker dies: a process killed (SIGKILL) inside a receive (slot 0 READING) and inside a send
     * (slot 1 WRITING) of a 2-slot queue would have woken the receiver blocked on the empty queue and
     * the sender blocked on the full one; it never does. While those claims are in flight the blocked
     * calls must not sleep in the kernel (a sleeper would only scan for dead claims once per sleep bound):
     * they poll, as before kernel sleeps (many context switches a second, not a sleeper's few), and after
     * the kill their recovery scans reclaim the slots (the message republished, the slot freed) at the
     * polling cadence, and they pass.
     */
    @Test
    void sleepersRecoverTheSlotsOfAKilledWaker() throws Exception {
        assumeFutex();
        Path file = dir.resolve("q");
        String[] received = new String[1];
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 2, 64);
             SharedFile raw = SharedFile.open(file, dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE)) {
            ByteBuffer b = raw.buffer();
            q.send(5, ByteBuffer.wrap(new byte[] {5}));
            try (ChildJvm claimer = ChildJvm.start(dir, SharedPriorityQueueChildren.Claimer.class, file.toString())) {
                claimer.awaitLine("CLAIMED", Duration.ofSeconds(30)); // slot 0 READING, slot 1 WRITING: empty and full
                try (ChildJvm receiver = ChildJvm.start(dir, List.of(), Receiver.class, file.toString());
                     ChildJvm sender = ChildJvm.start(dir, List.of(), Sender.class, file.toString(), "1")) {
                    receiver.awaitLine("TID", Duration.ofSeconds(30));
                    sender.awaitLine("TID", Duration.ofSeconds(30));
                    Thread.sleep(3 * WaitMode.MAX_SLEEP_MILLIS); // both stay blocked while the claimer lives
                    long rsw = switchesInOneSecond(receiver.pid(), Long.parseLong(receiver.awaitLine("TID", Duration.ofSeconds(1))));
                    long ssw = switchesInOneSecond(sender.pid(), Long.parseLong(sender.awaitLine("TID", Duration.ofSeconds(1))));
                    System.out.println("SPQ blocked calls while a claim is in flight: receiver " + rsw + ", sender " + ssw
                            + " context switches in 1 s (a kernel sleeper: a few)");
                    // a kernel sleeper is scheduled at most MAX_SWITCHES_PER_SECOND times a second
                    assertTrue(rsw > 2 * MAX_SWITCHES_PER_SECOND && ssw > 2 * MAX_SWITCHES_PER_SECOND,
                            "a blocked call slept in the kernel while a claim was in flight: " + rsw + " / " + ssw + " switches/s");
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
                            + " ms (sender) after the kill of the process holding their slots");
                    long bound = WaitMode.MAX_SLEEP_MILLIS + 500; // polling recovery: ~2 ms quiet; slack for a loaded machine
                    assertTrue(rms <= bound && sms <= bound, "passed after " + rms + " / " + sms + " ms");
                    assertEquals(0, receiver.await(Duration.ofSeconds(30)), receiver.output());
                    assertEquals(0, sender.await(Duration.ofSeconds(30)), sender.output());
                }
            }
            ByteBuffer dst = ByteBuffer.allocate(64);
            int left = q.tryReceive(dst, 1, TimeUnit.SECONDS);
            // the receiver got one of the dead receiver's message (5, republished) and the sender's (1)
            assertEquals(java.util.Set.of(5, 1), java.util.Set.of(Integer.parseInt(received[0]), left));
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
            q.send(0, ByteBuffer.wrap(new byte[] {0}));
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

    /** Child: {@code FILE [PRIORITY]}: prints "TID t", sends a message of priority 7 (blocking), prints "PASSED nanoTime". */
    public static final class Sender {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                System.out.println("TID " + tid());
                int priority = args.length > 1 ? Integer.parseInt(args[1]) : 7;
                q.send(priority, ByteBuffer.wrap(new byte[] {(byte) priority}));
                System.out.println("PASSED " + System.nanoTime());
            }
        }
    }
}
