package dev.lockstep.ipc.test;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fault injection for the multi-process tests, the same for every structure: real processes
 * ({@link ChildJvm}) and real signals.
 *
 * <pre>{@code
 * Faults faults = Faults.seeded("my test");             // prints the seed; -Dlockstep.faults.seed=... replays it
 * Faults.assumeSignalsAndProc();                         // skips, with the reason, where the machine forbids it
 * faults.killAfterRandomDelay(victim, Duration.ofMillis(200));           // SIGKILL at a random point
 * Duration stopped = Faults.stall(sender, Duration.ofSeconds(2));         // SIGSTOP ... SIGCONT
 * List<Integer> r = Faults.race(List.of(q1::recover, q2::recover));       // two recoverers at once
 * double cpu = Faults.cpuFraction(waiter.pid(), Duration.ofSeconds(10));   // CPU of an idle waiter
 * }</pre>
 *
 * <ul>
 *   <li><b>SIGKILL at random points</b>: {@link #killAfterRandomDelay}, {@link #killAll} (all victims
 *       within microseconds, so none can clean up after another), {@link #pick}.</li>
 *   <li><b>Stalls longer than every timeout</b>: {@link #stall} stops a child with SIGSTOP for a given
 *       time (a GC pause, a debugger, a throttled container: stalled, not dead) and continues it with
 *       SIGCONT; {@link #awaitState} waits until the kernel reports the child stopped.</li>
 *   <li><b>Racing recoverers</b>: {@link #race} runs tasks in threads released by one barrier, so that
 *       they overlap as much as the machine allows (across processes: start several children that
 *       recover in a loop, and kill and restart them).</li>
 *   <li><b>CPU of idle waiters</b>: {@link #cpuTime} reads utime + stime of a process from
 *       {@code /proc/<pid>/stat}; {@link #cpuFraction} is the share of one core a process used over a
 *       window.</li>
 *   <li><b>Recovery times</b>: {@link Timings} collects durations and reports count, median and max.</li>
 * </ul>
 * Every random choice comes from one {@link Random} whose seed is printed, so a failing run can be
 * replayed with {@code -Dlockstep.faults.seed=<seed>} (timing still varies: a replay makes the same
 * choices, not the same interleavings).
 */
public final class Faults {
    /** System property: the seed of the random choices (default: the clock). */
    public static final String SEED_PROPERTY = "lockstep.faults.seed";
    /** Clock ticks per second of {@code /proc/<pid>/stat} times (USER_HZ: 100 on every Linux ABI). */
    private static final long CLOCK_TICKS = clockTicks();

    private final long seed;
    private final Random random;

    private Faults(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** A fault injector seeded from {@value #SEED_PROPERTY} or the clock; prints the seed for {@code what}. */
    public static Faults seeded(String what) {
        long seed = Long.getLong(SEED_PROPERTY, Long.getLong("lockstep.crash.seed", System.nanoTime()));
        System.out.println(what + ": faults seed " + seed + " (replay the choices with -D" + SEED_PROPERTY + "=" + seed + ")");
        return new Faults(seed);
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** The random source of every choice. */
    public Random random() {
        return random;
    }

    /**
     * Skips the calling test (JUnit assumption, with the reason printed) unless this machine has a Linux
     * {@code /proc} and a {@code kill} command: real signals and per-process CPU times need both.
     */
    public static void assumeSignalsAndProc() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/stat")),
                "skipped: no Linux /proc here (needed to read process states and CPU times)");
        assumeTrue(Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill")),
                "skipped: no kill command here (needed for SIGSTOP/SIGCONT)");
    }

    // ------------------------------------------------------------------ SIGKILL

    /** One of {@code items}, at random. */
    public <T> T pick(List<T> items) {
        return items.get(random.nextInt(items.size()));
    }

    /** A random duration in [0, max]. */
    public Duration randomDelay(Duration max) {
        return Duration.ofNanos((long) (random.nextDouble() * max.toNanos()));
    }

    /** Sleeps a random time up to {@code max}, then kills {@code victim} (SIGKILL) and waits until it is gone. */
    public void killAfterRandomDelay(ChildJvm victim, Duration max) throws InterruptedException {
        Thread.sleep(randomDelay(max).toMillis());
        victim.kill();
    }

    /** Kills all {@code victims} with SIGKILL within microseconds, then waits until all are gone. */
    public static void killAll(Collection<ChildJvm> victims) {
        for (ChildJvm c : victims) {
            c.process().destroyForcibly();
        }
        for (ChildJvm c : victims) {
            c.kill();
        }
    }

    // ------------------------------------------------------------------ SIGSTOP / SIGCONT

    /**
     * Stops {@code victim} with SIGSTOP, keeps it stopped for {@code duration} (choose it longer than
     * every timeout of the structure under test), then continues it with SIGCONT.
     *
     * @return how long it was really stopped (from the kernel reporting it stopped to SIGCONT)
     */
    public static Duration stall(ChildJvm victim, Duration duration) throws IOException, InterruptedException {
        victim.stall(); // returns once every thread of the victim is stopped
        long stopped = System.nanoTime();
        Thread.sleep(duration.toMillis());
        long resumed = System.nanoTime();
        victim.resume();
        return Duration.ofNanos(resumed - stopped);
    }

    /**
     * Waits until process {@code pid}'s state letter (field 3 of {@code /proc/<pid>/stat}: R, S, D, T,
     * t, Z ...) is {@code state}.
     *
     * @throws AssertionError if it is not within {@code timeout}
     */
    public static void awaitState(long pid, char state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        char seen;
        while ((seen = processState(pid)) != state) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("pid " + pid + " did not reach state " + state + " within " + timeout
                        + " (it is " + seen + ")");
            }
            Thread.sleep(1);
        }
    }

    /**
     * Waits until every thread of process {@code pid} is stopped: state {@code T} or {@code t} in each
     * {@code /proc/<pid>/task/<tid>/stat}. kill(2) with SIGSTOP only makes the stop pending; a thread
     * running on another core stops at its next entry to the kernel, and the process's own state letter
     * (its main thread's) can read {@code T} while other threads still run. A test that acts "while the
     * child is stopped" must wait for this first.
     *
     * @throws AssertionError if that does not happen within {@code timeout}
     */
    public static void awaitStopped(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String running;
        while ((running = runningThread(pid)) != null) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("pid " + pid + " not stopped " + timeout + " after SIGSTOP: " + running);
            }
            Thread.sleep(1);
        }
    }

    /** A thread of {@code pid} not in state T/t, as "tid state", or null if there is none. */
    private static String runningThread(long pid) {
        List<Path> tasks;
        try (Stream<Path> listing = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks = listing.toList();
        } catch (IOException gone) {
            throw new AssertionError("pid " + pid + " is gone: " + gone);
        }
        for (Path task : tasks) {
            String[] f = statFields(task.resolve("stat"));
            if (f != null && f[0].charAt(0) != 'T' && f[0].charAt(0) != 't') {
                return task.getFileName() + " " + f[0];
            }
        }
        return null;
    }

    /** Process {@code pid}'s state letter, or '-' if there is no such process. */
    public static char processState(long pid) {
        String[] f = statFields(pid);
        return f == null ? '-' : f[0].charAt(0);
    }

    // ------------------------------------------------------------------ racing

    /**
     * Runs {@code tasks} in as many threads, released at the same moment by a barrier, and returns
     * their results in order.
     *
     * @throws ExecutionException if a task threw
     */
    public static <T> List<T> race(List<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        CyclicBarrier start = new CyclicBarrier(tasks.size());
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ CPU

    /**
     * The CPU time process {@code pid} has used so far, user plus system ({@code utime + stime},
     * fields 14 and 15 of {@code /proc/<pid>/stat}), at the kernel's resolution of one clock tick
     * (10 ms).
     *
     * @throws IllegalStateException if there is no such process
     */
    public static Duration cpuTime(long pid) {
        String[] f = statFields(pid);
        if (f == null) {
            throw new IllegalStateException("no process " + pid);
        }
        // f[0] is field 3 (state): utime is field 14 = f[11], stime field 15 = f[12]
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return Duration.ofNanos(ticks * (1_000_000_000L / CLOCK_TICKS));
    }

    /**
     * The share of one core process {@code pid} used over the next {@code window} (1.0 = a full core):
     * CPU time used during the window divided by the wall time it lasted.
     */
    public static double cpuFraction(long pid, Duration window) throws InterruptedException {
        Duration before = cpuTime(pid);
        long t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        Duration after = cpuTime(pid);
        long wall = System.nanoTime() - t0;
        return (double) after.minus(before).toNanos() / wall;
    }

    /**
     * The scheduler's account of one thread, {@code /proc/<pid>/task/<tid>/schedstat}: time spent on a
     * CPU in nanoseconds (not ticks) and the number of times it was scheduled in (each wake-up from a
     * sleep or park is one; a load-robust count, unlike CPU time, which grows with cache misses and
     * steal on a loaded machine).
     *
     * @return {@code {cpuNanos, timeslices}}
     * @throws IllegalStateException if there is no such thread, or the kernel keeps no schedstat
     */
    public static long[] threadSchedStat(long pid, long tid) {
        Path file = Path.of("/proc", Long.toString(pid), "task", Long.toString(tid), "schedstat");
        try {
            String[] f = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[2])};
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("no schedstat for thread " + tid + " of " + pid + ": " + e, e);
        }
    }

    /**
     * The fraction of one core that thread {@code tid} of process {@code pid} used over {@code window}
     * ({@link #threadSchedStat}'s CPU time over the wall time): the cost of one waiting thread, without the
     * JVM's own JIT and GC threads that a whole-process figure ({@link #cpuFraction}) includes.
     */
    public static double threadCpuFraction(long pid, long tid, Duration window) throws InterruptedException {
        long before = threadSchedStat(pid, tid)[0];
        long t0 = System.nanoTime();
        Thread.sleep(window.toMillis());
        long after = threadSchedStat(pid, tid)[0];
        return (double) (after - before) / (System.nanoTime() - t0);
    }

    /** The calling thread's kernel thread id (from {@code /proc/thread-self}), or -1 if unknown. */
    public static long currentTid() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1L;
        }
    }

    private static String[] statFields(long pid) {
        return statFields(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /** The fields of a {@code stat} file after "pid (comm) ", or null if it is gone (exited). */
    private static String[] statFields(Path file) {
        String stat;
        try {
            stat = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            return null;
        }
        int close = stat.lastIndexOf(')'); // comm may hold spaces and parentheses
        return stat.substring(close + 2).trim().split(" ");
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return p.waitFor() == 0 ? Long.parseLong(out) : 100L;
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return 100L; // USER_HZ is 100 on every Linux ABI
        }
    }

    // ------------------------------------------------------------------ timings

    /** Durations (recovery times, stall-to-delivery times ...) and their count, median and max. */
    public static final class Timings {
        private final String what;
        private long[] nanos = new long[16];
        private int count;

        public Timings(String what) {
            this.what = what;
        }

        public synchronized void add(Duration d) {
            if (count == nanos.length) {
                nanos = Arrays.copyOf(nanos, count * 2);
            }
            nanos[count++] = d.toNanos();
        }

        public synchronized int count() {
            return count;
        }

        /** The median (the lower one of an even count); zero when empty. */
        public synchronized Duration median() {
            if (count == 0) {
                return Duration.ZERO;
            }
            long[] sorted = Arrays.copyOf(nanos, count);
            Arrays.sort(sorted);
            return Duration.ofNanos(sorted[(count - 1) / 2]);
        }

        /** The largest; zero when empty. */
        public synchronized Duration max() {
            long max = 0;
            for (int i = 0; i < count; i++) {
                max = Math.max(max, nanos[i]);
            }
            return Duration.ofNanos(max);
        }

        /** "what: n, median x ms, max y ms". */
        @Override
        public synchronized String toString() {
            return what + ": " + count + ", median " + millis(median()) + " ms, max " + millis(max()) + " ms";
        }

        private static String millis(Duration d) {
            return String.format(java.util.Locale.ROOT, "%.3f", d.toNanos() / 1e6);
        }
    }
}
