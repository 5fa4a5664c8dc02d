package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * Kernel sleeping ({@link WaitMode#FUTEX}) of {@link IpcEvent}, in one process and across real
 * processes: the mode this JVM must have, a sleeper woken by another process well within the sleep
 * bound, an interrupt and a waker killed between its store and its wake answered within the bound,
 * a sleeper killed with SIGKILL leaving nothing behind, the idle CPU of a sleeping child, and 1,000
 * virtual threads waiting (they poll) while the carrier pool stays usable. The futex-only checks skip
 * with a reason where this JVM polls (JDK 17-21, -Dlockstep.ipc.wait=poll).
 */
@Timeout(120)
class IpcEventFutexTest {
    private static final long BOUND_MS = WaitMode.MAX_SLEEP_MILLIS;
    private static final int WORD = SharedFile.STRUCTURE_OFFSET + IpcEventDescriptor.WAIT_WORD_OFFSET;
    private static final int STATE = SharedFile.STRUCTURE_OFFSET + IpcEventDescriptor.STATE_OFFSET;

    @TempDir
    Path dir;

    /** Where the build compiled the futex classes (JDK 22+, Linux), this JVM must use them. */
    @Test
    void waitModeIsTheOneThisJvmCanHave() throws Exception {
        boolean futexPossible = Runtime.version().feature() >= 22
                && System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux")
                && !"poll".equals(System.getProperty(WaitMode.PROPERTY));
        try (IpcEvent e = IpcEvent.create(dir.resolve("e"), false)) {
            assertEquals(futexPossible ? WaitMode.FUTEX : WaitMode.POLL, e.waitMode(),
                    "JDK " + Runtime.version().feature() + ", " + System.getProperty("os.name"));
            e.setIdleStrategy(dev.lockstep.ipc.shm.Idle::backoff);
            assertEquals(WaitMode.POLL, e.waitMode(), "an explicit idle strategy polls");
        }
    }

    @Test
    void sleeperInAnotherProcessWakesFastAndTheWakerPaysNothingOtherwise() throws Exception {
        assumeFutex();
        int trials = 9;
        try (IpcEvent e = IpcEvent.create(dir.resolve("e"), true);
             ChildJvm c = ChildJvm.start(dir, List.of(), Sleeper.class, dir.resolve("e").toString(), Integer.toString(trials))) {
            long[] micros = new long[trials];
            for (int i = 0; i < trials; i++) {
                awaitSleeper(e, c);
                Thread.sleep(BOUND_MS / 5); // well inside the kernel now
                long t0 = System.nanoTime();
                e.set();
                long t1 = Long.parseLong(c.awaitLine("PASSED " + i + " ", Duration.ofSeconds(30)));
                micros[i] = (t1 - t0) / 1_000;
            }
            assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
            Arrays.sort(micros);
            System.out.println("IpcEvent cross-process futex wake-up (µs, sorted): " + Arrays.toString(micros));
            // A missing FUTEX_WAKE still wakes at the sleep bound (uniform in [0, bound]): the median
            // of 9 would then be near bound/2; a working wake takes microseconds (ms when noisy).
            assertTrue(micros[trials / 2] < BOUND_MS * 1_000 / 4, "median wake-up " + micros[trials / 2] + " µs");
            assertEquals(0, WaitWord.value(e.buf(), WORD) & 1, "no sleeper announced any more");
        }
    }

    @Test
    void interruptWakesAKernelSleeperWithinTheBound() throws Exception {
        assumeFutex();
        try (IpcEvent e = IpcEvent.create(dir.resolve("e"), false)) {
            AtomicReference<Throwable> got = new AtomicReference<>();
            AtomicLong returned = new AtomicLong();
            Thread t = TestThreads.platform(() -> {
                try {
                    e.await();
                } catch (Throwable x) {
                    got.set(x);
                }
                returned.set(System.nanoTime());
            });
            awaitSleeperBit(e);
            Thread.sleep(BOUND_MS / 5);
            long t0 = System.nanoTime();
            t.interrupt();
            t.join(10_000);
            long ms = (returned.get() - t0) / 1_000_000;
            assertTrue(got.get() instanceof InterruptedException, String.valueOf(got.get()));
            assertTrue(ms <= BOUND_MS + 400, "interrupt answered after " + ms + " ms");
        }
    }

    @Test
    void timedAwaitSleepsUntilItsDeadlineNotEarly() throws Exception {
        assumeFutex();
        try (IpcEvent e = IpcEvent.create(dir.resolve("e"), false)) {
            long t0 = System.nanoTime();
            assertFalse(e.await(250, TimeUnit.MILLISECONDS));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 250 && ms < 250 + 500, "timed out after " + ms + " ms");
        }
    }

    /** A waker killed after its store but before its FUTEX_WAKE strands nobody beyond the sleep bound. */
    @Test
    void wakerKilledBetweenStoreAndWakeStrandsNoSleeper() throws Exception {
        assumeFutex();
        Path file = dir.resolve("e");
        try (IpcEvent e = IpcEvent.create(file, false)) {
            AtomicLong returned = new AtomicLong();
            Thread t = TestThreads.platform(() -> {
                try {
                    e.await();
                } catch (InterruptedException x) {
                    return;
                }
                returned.set(System.nanoTime());
            });
            awaitSleeperBit(e);
            try (ChildJvm c = ChildJvm.start(dir, List.of(), HalfWaker.class, file.toString())) {
                c.awaitLine("STORED", Duration.ofSeconds(30));
                long seen = System.nanoTime();
                c.kill(); // SIGKILL: its wake never comes
                t.join(10_000);
                assertTrue(returned.get() != 0, "the sleeper never passed");
                long ms = (returned.get() - seen) / 1_000_000;
                assertTrue(ms <= BOUND_MS + 400, "passed " + ms + " ms after the store");
            }
        }
    }

    /** SIGKILL of a process asleep in the kernel: the next set() clears its announcement, nothing stays. */
    @Test
    void sleeperKilledLeavesNothingBehind() throws Exception {
        assumeFutex();
        Path file = dir.resolve("e");
        try (IpcEvent e = IpcEvent.create(file, true);
             ChildJvm c = ChildJvm.start(dir, List.of(), Sleeper.class, file.toString(), "1")) {
            awaitSleeper(e, c);
            c.kill();
            int before = WaitWord.value(e.buf(), WORD);
            assertEquals(1, before & 1, "the dead sleeper's announcement");
            e.set();
            int after = WaitWord.value(e.buf(), WORD);
            assertEquals(0, after & 1, "the next waker cleared it: later set() calls make no system call");
            assertEquals(before + 1, after, "one wake-up");
            assertTrue(e.tryAwait(), "the set is still there for the next waiter");
            e.set();
            assertEquals(after, WaitWord.value(e.buf(), WORD), "no sleeper: the word is only read");
        }
    }

    /** CPU of a child that has been asleep in IpcEvent.await for a while: near zero. */
    @Test
    void sleepingChildUsesNoCpu() throws Exception {
        assumeFutex();
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs /proc");
        Path file = dir.resolve("e");
        try (IpcEvent e = IpcEvent.create(file, false);
             ChildJvm c = ChildJvm.start(dir, List.of("-XX:TieredStopAtLevel=1"), Sleeper.class, file.toString(), "1")) {
            awaitSleeper(e, c);
            Thread.sleep(1_000);
            long t0 = IdleWaiterCpuTest.cpuTicks(c.pid());
            long n0 = System.nanoTime();
            Thread.sleep(3_000);
            long t1 = IdleWaiterCpuTest.cpuTicks(c.pid());
            double percent = 100.0 * (t1 - t0) * 10.0 / ((System.nanoTime() - n0) / 1e6);
            System.out.printf("IpcEvent futex sleeper: %d ticks in 3 s = %.2f%% of a core%n", t1 - t0, percent);
            assertTrue(percent < 1.0, percent + "% of a core");
        }
    }

    /**
     * 1,000 virtual threads waiting on one event poll (a kernel sleep would pin their carriers): the
     * carrier pool still runs other virtual threads, and one set() releases them all.
     */
    @Test
    void thousandVirtualThreadsDoNotStarveTheCarriers() throws Exception {
        Assumptions.assumeTrue(TestThreads.hasVirtual(), "no virtual threads before JDK 21");
        int n = Integer.getInteger("lockstep.wait.virtualThreads", 1_000);
        try (IpcEvent e = IpcEvent.create(dir.resolve("e"), false)) {
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger failed = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ts.add(TestThreads.virtual(() -> {
                    try {
                        e.await();
                    } catch (InterruptedException x) {
                        failed.incrementAndGet();
                    }
                    done.countDown();
                }));
            }
            Thread.sleep(500); // all past their spin, waiting
            // A probe virtual thread that needs a carrier 20 times.
            long t0 = System.nanoTime();
            Thread probe = TestThreads.virtual(() -> {
                for (int i = 0; i < 20; i++) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException x) {
                        return;
                    }
                }
            });
            probe.join(30_000);
            long probeMs = (System.nanoTime() - t0) / 1_000_000;
            e.set();
            assertTrue(done.await(30, TimeUnit.SECONDS), done.getCount() + " virtual threads still waiting");
            assertEquals(0, failed.get());
            System.out.println(n + " virtual waiters: a probe's 20 x sleep(1) took " + probeMs + " ms");
            assertFalse(probe.isAlive(), "probe starved");
            assertTrue(probeMs < 1_500, "probe took " + probeMs + " ms: carriers starved");
            assertEquals(0, WaitWord.value(e.buf(), WORD) & 1, "no virtual thread announced a kernel sleep");
        }
    }

    private static void assumeFutex() {
        Assumptions.assumeTrue(dev.lockstep.ipc.wait.Waiting.mode() == WaitMode.FUTEX,
                "this JVM polls (JDK " + Runtime.version().feature() + ", -D" + WaitMode.PROPERTY + "="
                        + System.getProperty(WaitMode.PROPERTY, "auto") + "): futex checks skipped");
    }

    private static void awaitSleeper(IpcEvent e, ChildJvm c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((WaitWord.value(e.buf(), WORD) & 1) == 0) {
            if (System.nanoTime() - deadline > 0 || !c.process().isAlive()) {
                throw new AssertionError("the child never announced a sleep; output:\n" + c.output());
            }
            Thread.sleep(2);
        }
    }

    private static void awaitSleeperBit(IpcEvent e) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((WaitWord.value(e.buf(), WORD) & 1) == 0) {
            assertTrue(System.nanoTime() - deadline < 0, "the waiter never announced a sleep");
            Thread.sleep(2);
        }
    }

    /** Child: {@code FILE N}: N times awaits the (auto-reset) event and prints "PASSED i nanoTime". */
    public static final class Sleeper {
        public static void main(String[] args) throws Exception {
            try (IpcEvent e = IpcEvent.open(Path.of(args[0]))) {
                int n = Integer.parseInt(args[1]);
                System.out.println("WAITING " + e.waitMode());
                for (int i = 0; i < n; i++) {
                    e.await();
                    System.out.println("PASSED " + i + " " + System.nanoTime());
                }
            }
        }
    }

    /** Child: {@code FILE}: stores "set" without the wake-up, says STORED, and waits to be killed. */
    public static final class HalfWaker {
        public static void main(String[] args) throws Exception {
            try (IpcEvent e = IpcEvent.open(Path.of(args[0]))) {
                ByteBuffer b = e.buf();
                MappedAccess.LONG.setVolatile(b, STATE, 1L); // IpcEvent.set() without its WaitWord.signal
                System.out.println("STORED");
                Thread.sleep(60_000);
            }
        }
    }
}
