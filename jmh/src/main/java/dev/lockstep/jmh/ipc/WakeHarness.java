package dev.lockstep.jmh.ipc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.sync.IpcEvent;
import dev.lockstep.jmh.report.QuickReport;
import dev.lockstep.jmh.report.WaitModesReport;

/**
 * Wake-up latency and idle CPU of a waiting process, one row per waiting mode: Lockstep's
 * {@link IpcEvent} in each of its modes (futex, and polling with the busy-spin, backoff and sleeping
 * idle strategies of {@link dev.lockstep.ipc.shm.Idle}) against the kernel's own IPC measured the same
 * way (an anonymous pipe, a FIFO and a Unix-domain socket, each a blocking one-byte {@code read}).
 * A measurement harness, not a JMH benchmark and not a test: two real processes, this one signalling
 * and a child JVM ({@link WakeWaiter}) waiting.
 *
 * <pre>
 * JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -q -pl jmh -am package -DskipTests -Djcstress.skip=true
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --enable-native-access=ALL-UNNAMED \
 *     -cp jmh/target/benchmarks.jar dev.lockstep.jmh.ipc.WakeHarness --docs docs/benchmarks/ipc
 * </pre>
 *
 * <h2>What it measures, per mode</h2>
 * A fresh child JVM waits; after {@value #WARMUP_DEFAULT} warm-up wake-ups ({@code lockstep.wake.warmup},
 * 20 ms apart, not recorded) and 1 s to settle:
 * <ol>
 *   <li><b>Idle CPU</b>: utime + stime of the child from {@code /proc/<pid>/stat} (10 ms clock ticks)
 *       over {@code lockstep.wake.cpuSeconds} (default 10) while it is blocked, as % of one core. The
 *       whole JVM is counted (its JIT, GC and housekeeping threads too): the {@code idle JVM} row, a
 *       child that only sleeps, is that floor.</li>
 *   <li><b>Wake-up latency</b>, {@code lockstep.wake.trials} times (default 100): this process sleeps
 *       {@code lockstep.wake.idleMillis} (default 1000: the waiter has been idle at least that long),
 *       reads {@link System#nanoTime()}, signals ({@code IpcEvent.set()}, or writes one byte), and the
 *       child reads {@code System.nanoTime()} as soon as its wait returns. Both readings are of one
 *       clock: on Linux HotSpot's {@code nanoTime} is {@code clock_gettime(CLOCK_MONOTONIC)}, which is
 *       system-wide, so the difference is the one-way latency from the signal to the waiter's return
 *       (not a halved round trip). p50 / p99 / max by nearest rank.</li>
 * </ol>
 * The futex row needs a JVM 22+ with the futex (the multi-release classes of the ipc jar, native
 * access not refused) in both processes; otherwise it is skipped and the reason printed and recorded.
 * Rows: {@link Mode}. Properties: {@code -Dlockstep.wake.trials=10 -Dlockstep.wake.cpuSeconds=2} for a
 * quick run (about 2 minutes instead of about 14), {@code -Dlockstep.wake.modes=FUTEX,BACKOFF} to run
 * some rows only.
 *
 * <h2>Output</h2>
 * {@code --out DIR} (default {@code wake-report}): {@value WaitModesReport#JSON} (the results),
 * {@value WaitModesReport#CHART} (CPU vs wake-up latency, one point per mode) and
 * {@value WaitModesReport#MARKDOWN} (table and chart). {@code --docs DIR} also copies the JSON into DIR
 * and, if DIR holds the IPC report's JMH results ({@code results.json}), re-renders that report with
 * a "waiting modes" section ({@link QuickReport}, which picks up a {@value WaitModesReport#JSON} next
 * to its {@code --from-json} file).
 *
 * <p>Implementation notes: JMH's machine-wide lock ({@code java.io.tmpdir/jmh.lock}, a
 * {@link FileChannel#tryLock()} as JMH takes it) is held for the whole run, so no JMH run disturbs it
 * and it disturbs none; it waits up to {@code lockstep.wake.lockWaitMinutes} (default 10) for it. The
 * modes run one after the other, never two children at once. A child ends when its count is reached,
 * or, if this process dies, at the end of its standard input (no orphan keeps spinning).
 */
public final class WakeHarness {
    /** The event file of the Lockstep modes, in the run's folder. */
    static final String EVENT = "event";
    /** The FIFO of {@link Mode#FIFO}. */
    static final String FIFO_NAME = "wake.fifo";
    /** The socket of {@link Mode#UDS}. */
    static final String SOCKET_NAME = "wake.sock";
    static final int WARMUP_DEFAULT = 5;
    private static final long WARMUP_GAP_MS = 20;
    private static final long SETTLE_MS = 1_000;
    private static final long LINE_TIMEOUT_MS = 60_000;

    /** The rows: each a way for a process to wait for another. */
    public enum Mode {
        /** {@code IpcEvent.await()} with {@code -Dlockstep.ipc.wait=futex}: short spin, then FUTEX_WAIT. */
        FUTEX("futex", "IpcEvent.await, -Dlockstep.ipc.wait=futex: spin, then FUTEX_WAIT (≤ 100 ms per sleep)", "lockstep", "futex"),
        /** {@code IpcEvent.await()} polling with {@code Idle.busySpin()}. */
        BUSY_SPIN("busy spin", "IpcEvent.await, Idle.busySpin(): polls without pause", "lockstep", "poll"),
        /** {@code IpcEvent.await()} polling with the default {@code Idle.backoff()} (JDK 17-21's mode). */
        BACKOFF("backoff", "IpcEvent.await, -Dlockstep.ipc.wait=poll, Idle.backoff() (the polling default): spin, yield, park 1 µs doubling to 1 ms", "lockstep", "poll"),
        /** {@code IpcEvent.await()} polling with {@code Idle.sleeping()}. */
        SLEEPING("sleeping", "IpcEvent.await, Idle.sleeping(): park 50 µs between polls", "lockstep", "poll"),
        /** A blocking one-byte read of an anonymous pipe (the child's standard input). */
        PIPE("pipe", "anonymous pipe (the child's stdin), blocking read(2)", "kernel", null),
        /** A blocking one-byte read of a FIFO made with {@code mkfifo}. */
        FIFO("FIFO", "named pipe (mkfifo), blocking read(2)", "kernel", null),
        /** A blocking one-byte read of a Unix-domain stream socket ({@code SocketChannel}, JDK 16+). */
        UDS("Unix socket", "Unix-domain SocketChannel, blocking read", "kernel", null),
        /** A child JVM that only sleeps: the idle-CPU floor of any JVM, no wake-up measured. */
        IDLE_JVM("idle JVM", "Thread.sleep only: the CPU floor of an idle JVM (no wake-up)", "baseline", null);

        final String label;
        final String mechanism;
        final String kind;
        /** The child's {@value WaitMode#PROPERTY}, or null. */
        final String waitProperty;

        Mode(String label, String mechanism, String kind, String waitProperty) {
            this.label = label;
            this.mechanism = mechanism;
            this.kind = kind;
            this.waitProperty = waitProperty;
        }

        boolean lockstep() {
            return "lockstep".equals(kind);
        }
    }

    /** The run's settings, from system properties. */
    record Settings(int trials, long idleMillis, int cpuSeconds, int warmup, List<Mode> modes, long lockWaitMinutes) {
        static Settings fromProperties() {
            int trials = Integer.getInteger("lockstep.wake.trials", 100);
            long idle = Long.getLong("lockstep.wake.idleMillis", 1_000);
            int cpu = Integer.getInteger("lockstep.wake.cpuSeconds", 10);
            int warmup = Integer.getInteger("lockstep.wake.warmup", WARMUP_DEFAULT);
            long lockWait = Long.getLong("lockstep.wake.lockWaitMinutes", 10);
            if (trials < 1 || idle < 1 || cpu < 1 || warmup < 0 || lockWait < 0) {
                throw new IllegalArgumentException("lockstep.wake.trials, .idleMillis and .cpuSeconds must be >= 1, "
                        + ".warmup and .lockWaitMinutes >= 0: " + trials + ", " + idle + ", " + cpu + ", " + warmup
                        + ", " + lockWait);
            }
            String names = System.getProperty("lockstep.wake.modes", "").trim();
            List<Mode> modes = new ArrayList<>();
            if (names.isEmpty()) {
                modes.addAll(List.of(Mode.values()));
            } else {
                for (String n : names.split(",")) {
                    try {
                        modes.add(Mode.valueOf(n.trim().toUpperCase(Locale.ROOT)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("lockstep.wake.modes: no mode " + n.trim() + " (modes: "
                                + Arrays.toString(Mode.values()) + ")");
                    }
                }
            }
            return new Settings(trials, idle, cpu, warmup, modes, lockWait);
        }

        /** Rough seconds per mode: JVM start, warm-up, settle, CPU window, trials. */
        double estimateSeconds() {
            double perMode = 1.5 + warmup * (WARMUP_GAP_MS / 1000.0) + SETTLE_MS / 1000.0 + cpuSeconds
                    + trials * (idleMillis / 1000.0 + 0.01);
            double idleJvm = 1.5 + SETTLE_MS / 1000.0 + cpuSeconds;
            double total = 0;
            for (Mode m : modes) {
                total += m == Mode.IDLE_JVM ? idleJvm : perMode;
            }
            return total;
        }
    }

    private WakeHarness() {
    }

    public static void main(String[] argv) throws Exception {
        // Ask for the futex explicitly (unless told otherwise): Waiting then says on stderr why it cannot
        // have it. Must run before any ipc class chooses the mode.
        if (System.getProperty(WaitMode.PROPERTY) == null) {
            System.setProperty(WaitMode.PROPERTY, "futex");
        }
        Path out = Path.of("wake-report");
        Path docs = null;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--out" -> out = Path.of(value(argv, ++i, "--out"));
                case "--docs" -> docs = Path.of(value(argv, ++i, "--docs"));
                case "--help", "-h" -> {
                    System.out.println("Usage: java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar "
                            + WakeHarness.class.getName() + " [--out DIR] [--docs DIR]\n"
                            + "  -Dlockstep.wake.trials=100 -Dlockstep.wake.idleMillis=1000 -Dlockstep.wake.cpuSeconds=10\n"
                            + "  -Dlockstep.wake.warmup=5 -Dlockstep.wake.modes=" + String.join(",",
                            Stream.of(Mode.values()).map(Enum::name).toList()) + " -Dlockstep.wake.lockWaitMinutes=10");
                    return;
                }
                default -> {
                    System.err.println("WakeHarness: unknown argument " + argv[i] + " (--help)");
                    System.exit(2);
                }
            }
        }
        Settings s;
        try {
            s = Settings.fromProperties();
        } catch (IllegalArgumentException e) {
            System.err.println("WakeHarness: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(s, out, docs, System.out));
    }

    private static String value(String[] argv, int i, String opt) {
        if (i >= argv.length) {
            System.err.println("WakeHarness: missing value for " + opt);
            System.exit(2);
        }
        return argv[i];
    }

    static int run(Settings s, Path out, Path docs, PrintStream log) throws Exception {
        log.printf(Locale.ROOT, "WakeHarness: modes %s, %d trials each after %d ms idle, idle CPU over %d s; "
                        + "estimated %.1f min%n", s.modes(), s.trials(), s.idleMillis(), s.cpuSeconds(),
                s.estimateSeconds() / 60);
        if (s.idleMillis() < 1_000) {
            log.println("WakeHarness: note: idle " + s.idleMillis() + " ms < 1 s: not the idle-waiter case the report describes");
        }
        WaitMode here = WaitMode.current(); // chooses this process's mode (futex requested in main)
        String noFutex = here == WaitMode.FUTEX ? null : Runtime.version().feature() < 22
                ? "needs a JVM 22+ (this one is " + Runtime.version().feature() + "): run the harness on JDK 25"
                : "this JVM has no futex (see the 'lockstep:' line on standard error: multi-release classes "
                        + "missing, or native access refused)";
        if (noFutex != null) {
            log.println("WakeHarness: futex rows skipped: " + noFutex);
        }
        String loadBefore = loadAverage();
        List<WaitModesReport.Entry> entries = new ArrayList<>();
        Path base = Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        Instant started = Instant.now();
        try (JmhLock lock = JmhLock.acquire(s.lockWaitMinutes(), log)) {
            for (Mode m : s.modes()) {
                if (m == Mode.FUTEX && noFutex != null) {
                    entries.add(WaitModesReport.Entry.skipped(m.name(), m.label, m.mechanism, m.kind, noFutex));
                    continue;
                }
                Path dir = Files.createTempDirectory(base, "lockstep-wake-");
                try {
                    WaitModesReport.Entry e = measure(m, s, dir, log);
                    entries.add(e);
                    log.println("WakeHarness: " + WaitModesReport.summary(e));
                } finally {
                    deleteTree(dir);
                }
            }
        }
        String loadAfter = loadAverage();
        WaitModesReport.Results r = new WaitModesReport.Results(
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC).format(started),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version")
                        + " (JDK " + Runtime.version().feature() + "), this process's wait mode " + here,
                Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                        + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                "load average before " + loadBefore + ", after " + loadAfter,
                s.trials(), s.idleMillis(), s.cpuSeconds(), s.warmup(), entries);
        Files.createDirectories(out);
        WaitModesReport.writeAll(r, out);
        log.println("WakeHarness: wrote " + out.resolve(WaitModesReport.MARKDOWN).toAbsolutePath().normalize());
        if (docs != null) {
            Files.createDirectories(docs);
            Files.copy(out.resolve(WaitModesReport.JSON), docs.resolve(WaitModesReport.JSON), StandardCopyOption.REPLACE_EXISTING);
            Path jmhResults = docs.resolve("results.json");
            if (Files.isRegularFile(jmhResults)) {
                int rc = QuickReport.render(jmhResults, docs, log, System.err);
                if (rc != 0) {
                    return rc;
                }
            } else {
                WaitModesReport.writeAll(r, docs);
                log.println("WakeHarness: no " + jmhResults + ": wrote the waiting-modes report alone");
            }
        }
        return 0;
    }

    /** One mode: a fresh child, warm-up, idle CPU window, then the timed wake-ups. */
    static WaitModesReport.Entry measure(Mode m, Settings s, Path dir, PrintStream log) throws Exception {
        log.println("WakeHarness: " + m.label + " ...");
        List<AutoCloseable> closeables = new ArrayList<>();
        IpcEvent event = null;
        ServerSocketChannel server = null;
        if (m.lockstep()) {
            event = IpcEvent.create(dir.resolve(EVENT), true); // auto-reset: one set() releases one await()
            closeables.add(event);
        } else if (m == Mode.FIFO) {
            mkfifo(dir.resolve(FIFO_NAME));
        } else if (m == Mode.UDS) {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            closeables.add(server);
            server.bind(UnixDomainSocketAddress.of(dir.resolve(SOCKET_NAME)));
        }
        int count = m == Mode.IDLE_JVM ? 0 : s.warmup() + s.trials();
        Process child = startChild(m, dir, count);
        try {
            BlockingQueue<String> lines = pump(child);
            String how = awaitLine(lines, "READY ", child, dir, m);
            Signal signal = signaller(m, child, event, server, dir, closeables);
            for (int i = 0; i < (m == Mode.IDLE_JVM ? 0 : s.warmup()); i++) {
                Thread.sleep(WARMUP_GAP_MS);
                signal.fire();
                awaitLine(lines, "WAKE " + i + " ", child, dir, m);
            }
            Thread.sleep(SETTLE_MS);
            long ticks0 = cpuTicks(child.pid());
            long n0 = System.nanoTime();
            Thread.sleep(s.cpuSeconds() * 1_000L);
            long ticks1 = cpuTicks(child.pid());
            long windowNanos = System.nanoTime() - n0;
            int ticks = (int) (ticks1 - ticks0);
            double cpuPercent = 100.0 * ticks * 10e6 / windowNanos; // USER_HZ = 100: a tick is 10 ms
            if (m == Mode.IDLE_JVM) {
                return WaitModesReport.Entry.measured(m.name(), m.label, m.mechanism, m.kind, how, cpuPercent, ticks,
                        windowNanos / 1_000_000, new long[0]);
            }
            long[] nanos = new long[s.trials()];
            for (int i = 0; i < s.trials(); i++) {
                Thread.sleep(s.idleMillis());
                long t0 = System.nanoTime();
                signal.fire();
                String line = awaitLine(lines, "WAKE " + (s.warmup() + i) + " ", child, dir, m);
                nanos[i] = Long.parseLong(line.trim()) - t0;
            }
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                throw new IOException(m + ": the waiter did not exit after its last wake-up; its log: " + log(dir, m));
            }
            return WaitModesReport.Entry.measured(m.name(), m.label, m.mechanism, m.kind, how, cpuPercent, ticks,
                    windowNanos / 1_000_000, nanos);
        } finally {
            try {
                child.getOutputStream().close(); // end of its stdin: a waiter still blocked halts
            } catch (IOException ignored) {
                // gone already
            }
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
            for (int i = closeables.size() - 1; i >= 0; i--) {
                try {
                    closeables.get(i).close();
                } catch (Exception ignored) {
                    // cleanup only
                }
            }
        }
    }

    /** How this process wakes the waiter. */
    private interface Signal {
        void fire() throws IOException;
    }

    private static Signal signaller(Mode m, Process child, IpcEvent event, ServerSocketChannel server, Path dir,
                                    List<AutoCloseable> closeables) throws IOException {
        if (m.lockstep()) {
            return event::set;
        }
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        switch (m) {
            case PIPE: {
                OutputStream stdin = child.getOutputStream();
                return () -> {
                    stdin.write(1);
                    stdin.flush(); // one write(2)
                };
            }
            case FIFO: {
                // The waiter opened it O_RDWR and said READY: this O_WRONLY open finds a reader at once.
                FileChannel w = FileChannel.open(dir.resolve(FIFO_NAME), StandardOpenOption.WRITE);
                closeables.add(w);
                return () -> write(w::write, one);
            }
            case UDS: {
                SocketChannel c = server.accept(); // the waiter connected before it said READY
                closeables.add(c);
                return () -> write(c::write, one);
            }
            case IDLE_JVM:
                return () -> {
                    throw new IllegalStateException("the idle JVM is never signalled");
                };
            default:
                throw new IllegalArgumentException("no signal for " + m);
        }
    }

    private interface Write {
        int write(ByteBuffer b) throws IOException;
    }

    private static void write(Write w, ByteBuffer one) throws IOException {
        one.clear();
        if (w.write(one) != 1) {
            throw new IOException("a one-byte write wrote nothing");
        }
    }

    private static Process startChild(Mode m, Path dir, int count) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (Runtime.version().feature() >= 22) {
            cmd.add("--enable-native-access=ALL-UNNAMED"); // no restricted-method warning in the futex child
        }
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xmx64m");
        cmd.add("-XX:+DisplayVMOutputToStderr"); // stdout carries the protocol lines only
        if (m.waitProperty != null) {
            cmd.add("-D" + WaitMode.PROPERTY + "=" + m.waitProperty);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(WakeWaiter.class.getName());
        cmd.add(m.name());
        cmd.add(dir.toString());
        cmd.add(Integer.toString(count));
        return new ProcessBuilder(cmd).redirectError(dir.resolve(m.name() + ".log").toFile()).start();
    }

    /** The child's stdout lines, read by a daemon thread (this process's reads are not measured). */
    private static BlockingQueue<String> pump(Process child) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    q.add(line);
                }
            } catch (IOException ignored) {
                // the child is gone; awaitLine reports it
            }
        }, "wake-waiter-" + child.pid() + "-stdout");
        t.setDaemon(true);
        t.start();
        return q;
    }

    /** The rest of the next line starting with {@code prefix} (other lines are skipped). */
    private static String awaitLine(BlockingQueue<String> lines, String prefix, Process child, Path dir, Mode m)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINE_TIMEOUT_MS);
        while (true) {
            String line = lines.poll(100, TimeUnit.MILLISECONDS);
            if (line != null) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length());
                }
                continue;
            }
            if (!child.isAlive() && lines.isEmpty()) {
                throw new IOException(m + ": the waiter exited (" + child.exitValue() + ") before '" + prefix.trim()
                        + "'; its log: " + log(dir, m));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException(m + ": no '" + prefix.trim() + "' from the waiter within " + LINE_TIMEOUT_MS
                        + " ms; its log: " + log(dir, m));
            }
        }
    }

    private static String log(Path dir, Mode m) {
        try {
            String s = Files.readString(dir.resolve(m.name() + ".log"), StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? "(empty)" : s;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** utime + stime of {@code pid} in clock ticks (fields 14 and 15 of /proc/pid/stat), as IdleWaiterCpuTest reads them. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static void mkfifo(Path p) throws IOException, InterruptedException {
        Process mk = new ProcessBuilder("mkfifo", "-m", "600", p.toString()).redirectErrorStream(true).start();
        String said = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (mk.waitFor() != 0) {
            throw new IOException("mkfifo " + p + " failed: " + said);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * JMH's machine-wide lock ({@code java.io.tmpdir/jmh.lock}), taken the way JMH's runner takes it, so
     * that this run and a JMH run exclude each other.
     */
    private static final class JmhLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private JmhLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static JmhLock acquire(long waitMinutes, PrintStream log) throws IOException, InterruptedException {
            Path file = Path.of(System.getProperty("java.io.tmpdir"), "jmh.lock");
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(waitMinutes);
            while (true) {
                FileLock l = ch.tryLock();
                if (l != null) {
                    return new JmhLock(ch, l);
                }
                if (System.nanoTime() - deadline >= 0) {
                    ch.close();
                    throw new IOException("another JMH run holds " + file + " (waited " + waitMinutes + " min)");
                }
                log.println("WakeHarness: another JMH run holds " + file + "; retrying in 15 s");
                Thread.sleep(15_000);
            }
        }

        @Override
        public void close() throws IOException {
            lock.release();
            channel.close();
        }
    }
}
