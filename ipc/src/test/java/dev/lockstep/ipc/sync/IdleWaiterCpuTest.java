package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;

/**
 * CPU used by a process that only waits: a child JVM blocked in {@code IpcMutex.lock},
 * {@code IpcSemaphore.acquire}, {@code IpcBarrier.await} (8 parties, the 7 others registered by this
 * process and never arriving) and {@code IpcEvent.await}, measured from {@code /proc/<pid>/stat}
 * utime + stime over a window after a 1 s warm-up. A measurement, so it runs only on request:
 * <pre>
 * mvn -B -pl core,ipc -am test -Dtest=IdleWaiterCpuTest -Dsurefire.failIfNoSpecifiedTests=false -Djcstress.skip=true -Dlockstep.idleCpu.seconds=10
 * </pre>
 * It prints one line per structure and waiting mode of the child (futex where this JVM has it, see
 * {@link dev.lockstep.ipc.shm.WaitMode}, and poll: the default backoff idle strategy) and fails if a
 * waiter uses more than 7% of a core (a waiter that reads /proc for every party every millisecond
 * uses several times that with 8 parties on a loaded machine).
 */
@Timeout(300)
class IdleWaiterCpuTest {
    private static final int SECONDS = Integer.getInteger("lockstep.idleCpu.seconds", 0);
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The child's waiting modes to measure: futex only where this JVM can have it. */
    private static final List<String> MODES = dev.lockstep.ipc.wait.Waiting.mode() == dev.lockstep.ipc.shm.WaitMode.FUTEX
            ? List.of("futex", "poll") : List.of("poll");

    @TempDir
    Path dir;

    @Test
    void idleWaitersUseLittleCpu() throws Exception {
        Assumptions.assumeTrue(SECONDS > 0, "a measurement: run with -Dlockstep.idleCpu.seconds=10");
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/self/stat")), "needs /proc");
        List<String> report = new ArrayList<>();
        double worst = 0;
        try (IpcMutex m = IpcMutex.create(dir.resolve("m"), 0)) {
            m.lock();
            worst = Math.max(worst, measure("IpcMutex.lock", report, "mutex", dir.resolve("m")));
            m.unlock();
        }
        try (IpcSemaphore s = IpcSemaphore.create(dir.resolve("s"), 1, 4)) {
            s.acquire();
            worst = Math.max(worst, measure("IpcSemaphore.acquire", report, "semaphore", dir.resolve("s")));
            s.release();
        }
        List<IpcBarrier> others = new ArrayList<>();
        try (IpcBarrier b = IpcBarrier.create(dir.resolve("b"), 8)) {
            others.add(b);
            b.register();
            for (int i = 0; i < 6; i++) {
                IpcBarrier o = IpcBarrier.open(dir.resolve("b"));
                o.register();
                others.add(o);
            }
            worst = Math.max(worst, measure("IpcBarrier.await (8 parties)", report, "barrier", dir.resolve("b")));
        } finally {
            for (IpcBarrier o : others) {
                o.close();
            }
        }
        try (IpcEvent e = IpcEvent.create(dir.resolve("e"), false)) {
            worst = Math.max(worst, measure("IpcEvent.await", report, "event", dir.resolve("e")));
        }
        // Baseline: a child JVM that only sleeps (JIT, GC and the JVM's own periodic tasks).
        measure("Thread.sleep (JVM baseline)", report, "sleep", dir.resolve("none"), List.of());
        report.forEach(System.out::println);
        double limit = 7.0;
        assertTrue(worst < limit, "an idle waiter used more than " + limit + "% of a core:\n" + String.join("\n", report));
    }

    private double measure(String what, List<String> report, String kind, Path file) throws Exception {
        double worst = 0;
        for (String mode : MODES) {
            if (kind.equals("barrier")) {
                try (IpcBarrier r = IpcBarrier.open(file)) {
                    r.reset(); // the previous mode's child was killed as a registered party: free its slot
                }
            }
            worst = Math.max(worst, measure(what + " [" + mode + "]", report, kind, file,
                    List.of("-D" + dev.lockstep.ipc.shm.WaitMode.PROPERTY + "=" + mode)));
        }
        return worst;
    }

    private double measure(String what, List<String> report, String kind, Path file, List<String> options) throws Exception {
        try (ChildJvm c = ChildJvm.start(dir, options, Waiter.class, kind, file.toString())) {
            c.awaitLine("WAITING", WAIT);
            Thread.sleep(1_000);
            long t0 = cpuTicks(c.pid());
            long n0 = System.nanoTime();
            Thread.sleep(SECONDS * 1_000L);
            long t1 = cpuTicks(c.pid());
            double wallMs = (System.nanoTime() - n0) / 1e6;
            double cpuMs = (t1 - t0) * 10.0; // USER_HZ is 100 on Linux
            double percent = 100.0 * cpuMs / wallMs;
            report.add(String.format("idle waiter %-38s %6.0f ms CPU in %5.0f ms = %5.2f%% of a core",
                    what, cpuMs, wallMs, percent));
            return percent;
        }
    }

    /** utime + stime of {@code pid}, in clock ticks. */
    static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
    }

    /** Child: {@code KIND FILE}: opens the structure and waits in it until killed. */
    public static final class Waiter {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[1]);
            switch (args[0]) {
                case "mutex" -> {
                    IpcMutex m = IpcMutex.open(file);
                    System.out.println("WAITING");
                    m.lock();
                }
                case "semaphore" -> {
                    IpcSemaphore s = IpcSemaphore.open(file);
                    System.out.println("WAITING");
                    s.acquire();
                }
                case "barrier" -> {
                    IpcBarrier b = IpcBarrier.open(file);
                    b.register();
                    System.out.println("WAITING");
                    b.await();
                }
                case "event" -> {
                    IpcEvent e = IpcEvent.open(file);
                    System.out.println("WAITING");
                    e.await();
                }
                case "sleep" -> {
                    System.out.println("WAITING");
                    Thread.sleep(Long.MAX_VALUE);
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.println("ERROR passed");
        }
    }
}
