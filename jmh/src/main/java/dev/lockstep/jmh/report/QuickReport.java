package dev.lockstep.jmh.report;

import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.concurrent.TimeUnit;

/**
 * Runs a quick benchmark set through the JMH {@link Runner} API and renders the report, or renders
 * the report of an existing JMH JSON result file.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.lockstep.jmh.report.QuickReport                    # quick run + report
 * java -cp jmh/target/benchmarks.jar dev.lockstep.jmh.report.QuickReport --include 'LockBench.uncontended1'
 * java -cp jmh/target/benchmarks.jar dev.lockstep.jmh.report.QuickReport --from-json full.json --docs docs/benchmarks
 * </pre>
 *
 * With {@code --from-json}, a {@value WaitModesReport#JSON} next to the file (written by
 * {@code dev.lockstep.jmh.ipc.WakeHarness}) adds the IPC waiting-modes section ({@code --wait-modes FILE}
 * names another).
 *
 * The quick set is every benchmark class, the two-process IPC ones included ({@code IpcRoundTripBench},
 * {@code IpcThroughputBench}: their report section compares all mechanisms in one chart, see
 * {@link IpcReport}).
 *
 * Exit status: 0 on success, 1 when JMH or the rendering fails, 2 on a usage error.
 */
public final class QuickReport {
    /** Default selection: every benchmark class of the project. */
    static final String DEFAULT_INCLUDE = "dev\\.lockstep\\.jmh\\.";
    /** Rough cost of one fork besides its iterations: JVM start, JIT, JMH setup, GC profiler. */
    static final double FORK_OVERHEAD_S = 1.5;
    /** Extra cost of a two-process (IPC) benchmark run: starting and stopping the peer JVM. */
    static final double PEER_OVERHEAD_S = 1.0;
    /** Package of the two-process benchmarks, whose runs each start a peer JVM. */
    static final String IPC_PACKAGE = "dev.lockstep.jmh.ipc.";
    /**
     * JVM arguments every fork keeps: JMH replaces the annotations' {@code @Fork(jvmArgsAppend)} by
     * {@code --jvm-args-append}, and the IPC benchmarks' Agrona buffers need this export.
     */
    static final String[] REQUIRED_JVM_ARGS = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"};

    static final String USAGE = String.join("\n",
            "Usage: java -cp benchmarks.jar dev.lockstep.jmh.report.QuickReport [options]",
            "  (no --from-json)          run the quick benchmark set with JMH, then render the report",
            "  --from-json FILE          render the report of an existing JMH JSON file (-rf json); run nothing",
            "  --out DIR                 output folder (default: report); gets results.json, report.md, report.html, *.svg",
            "  --docs DIR                also copy report.md, report.html and the charts into DIR",
            "  --wait-modes FILE         add the IPC waiting-modes section from this WakeHarness result",
            "                            (default with --from-json: " + WaitModesReport.JSON + " next to that file, if present)",
            "  --include REGEX           benchmarks to run (repeatable; default: " + DEFAULT_INCLUDE + ")",
            "  --exclude REGEX           benchmarks to leave out (repeatable)",
            "  --param NAME=V1,V2        override a @Param (repeatable), e.g. --param impl=ReentrantLock,TicketLock",
            "  --forks N                 forks per benchmark (default 1)",
            "  --warmup-iterations N     (default 1)",
            "  --warmup-time T           e.g. 500ms, 1s (default 500ms)",
            "  --iterations N            measurement iterations (default 2)",
            "  --measurement-time T      (default 700ms)",
            "  --jvm-args-append ARGS    extra arguments for the forked JVMs (space separated)",
            "  --no-gc                   do not add the GC profiler (no gc.alloc.rate.norm column)",
            "  --lock-wait T             while another JMH run holds /tmp/jmh.lock, retry for up to T (default 10m; 0 = fail at once)",
            "  --baseline FAMILY=IMPL    override the baseline (repeatable; also FAMILY.method=IMPL)",
            "  --dry-run                 list what would run and the time estimate, run nothing",
            "  --help");

    /** Parsed command line. */
    static final class Args {
        Path fromJson;
        Path out = Paths.get("report");
        Path docs;
        Path waitModes;
        final List<String> includes = new ArrayList<>();
        final List<String> excludes = new ArrayList<>();
        final Map<String, String[]> params = new LinkedHashMap<>();
        final Map<String, String> baselines = new LinkedHashMap<>();
        int forks = 1;
        int warmupIterations = 1;
        TimeValue warmupTime = TimeValue.milliseconds(500);
        int iterations = 2;
        TimeValue measurementTime = TimeValue.milliseconds(700);
        String jvmArgsAppend;
        boolean gc = true;
        TimeValue lockWait = TimeValue.minutes(10);
        boolean dryRun;
        boolean help;

        List<String> includes() {
            return includes.isEmpty() ? List.of(DEFAULT_INCLUDE) : includes;
        }
    }

    private QuickReport() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** The whole program; returns the exit status. */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("QuickReport: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (a.help) {
            out.println(USAGE);
            return 0;
        }
        try {
            Path json;
            List<String> extra = new ArrayList<>();
            String source;
            if (a.fromJson != null) {
                json = a.fromJson;
                if (!Files.isRegularFile(json)) {
                    err.println("QuickReport: no such file: " + json.toAbsolutePath());
                    return 2;
                }
                source = json.getFileName() + " (modified " + stamp(Files.getLastModifiedTime(json).toInstant()) + ")";
            } else {
                if (!estimate(a, out)) {
                    err.println("QuickReport: no benchmark matches " + a.includes()
                            + (a.excludes.isEmpty() ? "" : " minus " + a.excludes));
                    return 2;
                }
                if (a.dryRun) {
                    return 0;
                }
                Files.createDirectories(a.out);
                json = a.out.resolve("results.json");
                runJmhWhenFree(a, json, out);
                source = "results.json (QuickReport run)";
                extra.add("Selection: include " + a.includes() + (a.excludes.isEmpty() ? "" : ", exclude " + a.excludes)
                        + (a.params.isEmpty() ? "" : ", params " + paramsText(a.params)));
                extra.add("Profilers: " + (a.gc ? "gc" : "none"));
            }
            List<BenchResult> results = BenchResult.parseJmhJson(Files.readString(json, StandardCharsets.UTF_8));
            if (results.isEmpty()) {
                err.println("QuickReport: " + json + " holds no results");
                return 1;
            }
            Map<String, String> baselines = ReportModel.loadBaselines();
            baselines.putAll(a.baselines);
            ReportModel model = ReportModel.build(results, baselines);
            String machine = Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name")
                    + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
                    + (a.fromJson != null ? " (the machine that rendered this report: the JSON does not record it)" : "");
            ReportWriter.Meta meta = new ReportWriter.Meta(source, stamp(Instant.now()), machine, extra);
            Path waitsFile = a.waitModes;
            if (waitsFile == null && a.fromJson != null) {
                Path sibling = a.fromJson.toAbsolutePath().resolveSibling(WaitModesReport.JSON);
                waitsFile = Files.isRegularFile(sibling) ? sibling : null;
            }
            WaitModesReport.Results waits = null;
            if (waitsFile != null) {
                if (!Files.isRegularFile(waitsFile)) {
                    err.println("QuickReport: no such file: " + waitsFile.toAbsolutePath());
                    return 2;
                }
                waits = WaitModesReport.read(waitsFile);
                out.println("QuickReport: waiting modes from " + waitsFile);
            }
            Path md = ReportWriter.write(model, results, meta, a.out, waits);
            if (a.docs != null) {
                copyReport(a.out, a.docs);
                out.println("Copied to: " + a.docs.toAbsolutePath().normalize());
            }
            out.println("Report: " + md.toAbsolutePath().normalize());
            return 0;
        } catch (RunnerException e) {
            err.println("QuickReport: JMH failed: " + e.getMessage());
            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                err.println("  caused by: " + t);
            }
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("QuickReport: " + e);
            return 1;
        }
    }

    /**
     * Renders the report of an existing JMH result file into {@code outDir} (as {@code --from-json FILE
     * --out DIR}; a {@value WaitModesReport#JSON} next to the file adds the waiting-modes section).
     *
     * @return the exit status {@link #main} would have
     */
    public static int render(Path jmhJson, Path outDir, PrintStream out, PrintStream err) {
        return run(new String[] {"--from-json", jmhJson.toString(), "--out", outDir.toString()}, out, err);
    }

    static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String opt = argv[i];
            if (opt.equals("--help") || opt.equals("-h")) {
                a.help = true;
                continue;
            }
            if (opt.equals("--no-gc")) {
                a.gc = false;
                continue;
            }
            if (opt.equals("--dry-run")) {
                a.dryRun = true;
                continue;
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(opt.startsWith("--") ? "missing value for " + opt : "unknown argument: " + opt);
            }
            String v = argv[++i];
            switch (opt) {
                case "--from-json": a.fromJson = Paths.get(v); break;
                case "--out": a.out = Paths.get(v); break;
                case "--docs": a.docs = Paths.get(v); break;
                case "--wait-modes": a.waitModes = Paths.get(v); break;
                case "--include": a.includes.add(v); break;
                case "--exclude": a.excludes.add(v); break;
                case "--param": {
                    int eq = v.indexOf('=');
                    if (eq <= 0 || eq == v.length() - 1) {
                        throw new IllegalArgumentException("--param wants NAME=V1,V2: " + v);
                    }
                    a.params.put(v.substring(0, eq), v.substring(eq + 1).split(","));
                    break;
                }
                case "--baseline": {
                    int eq = v.indexOf('=');
                    if (eq <= 0 || eq == v.length() - 1) {
                        throw new IllegalArgumentException("--baseline wants FAMILY=IMPL: " + v);
                    }
                    a.baselines.put(v.substring(0, eq), v.substring(eq + 1));
                    break;
                }
                case "--forks": a.forks = positive(opt, v, 1); break;
                case "--warmup-iterations": a.warmupIterations = positive(opt, v, 0); break;
                case "--iterations": a.iterations = positive(opt, v, 1); break;
                case "--warmup-time": a.warmupTime = time(opt, v); break;
                case "--measurement-time": a.measurementTime = time(opt, v); break;
                case "--jvm-args-append": a.jvmArgsAppend = v; break;
                case "--lock-wait": a.lockWait = "0".equals(v.trim()) ? TimeValue.NONE : time(opt, v); break;
                default: throw new IllegalArgumentException("unknown option: " + opt);
            }
        }
        return a;
    }

    private static int positive(String opt, String v, int min) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(opt + " must be an integer >= " + min + ": " + v);
    }

    private static TimeValue time(String opt, String v) {
        TimeValue t;
        try {
            t = TimeValue.fromString(v.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(opt + " must be a duration like 500ms or 1s: " + v);
        }
        if (t.convertTo(TimeUnit.MILLISECONDS) <= 0) {
            throw new IllegalArgumentException(opt + " must be at least 1ms: " + v);
        }
        return t;
    }

    /** Prints what will run and how long it should take; false if nothing matches. */
    static boolean estimate(Args a, PrintStream out) {
        SortedSet<BenchmarkListEntry> entries = BenchmarkList.defaultList().find(
                OutputFormatFactory.createFormatInstance(out, VerboseMode.SILENT), a.includes(), a.excludes);
        if (entries.isEmpty()) {
            return false;
        }
        long runs = 0;
        long peerRuns = 0;
        Map<String, Long> perClass = new LinkedHashMap<>();
        for (BenchmarkListEntry e : entries) {
            long n = e.getMode() == Mode.All ? Mode.values().length - 1 : 1;
            Map<String, String[]> declared = e.getParams().orElse(Map.of());
            for (Map.Entry<String, String[]> p : declared.entrySet()) {
                String[] override = a.params.get(p.getKey());
                n *= override != null ? override.length : Math.max(1, p.getValue().length);
            }
            runs += n;
            if (e.getUserClassQName().startsWith(IPC_PACKAGE)) {
                peerRuns += n;
            }
            perClass.merge(e.getUserClassQName(), n, Long::sum);
        }
        double iterS = a.warmupIterations * seconds(a.warmupTime) + a.iterations * seconds(a.measurementTime);
        double totalS = runs * a.forks * (iterS + FORK_OVERHEAD_S) + peerRuns * a.forks * PEER_OVERHEAD_S;
        out.printf(Locale.ROOT, "QuickReport: %d benchmark runs (%d methods) in %s%n", runs, entries.size(), perClass);
        out.printf(Locale.ROOT, "QuickReport: forks %d, warmup %d × %s, measurement %d × %s, profilers %s%n",
                a.forks, a.warmupIterations, a.warmupTime, a.iterations, a.measurementTime, a.gc ? "gc" : "none");
        out.printf(Locale.ROOT, "QuickReport: estimated time ≈ %.1f min (%d runs × %d fork(s) × (%.1f s + ~%.1f s JVM start))%n",
                totalS / 60, runs, a.forks, iterS, FORK_OVERHEAD_S);
        return true;
    }

    private static double seconds(TimeValue t) {
        return t.convertTo(TimeUnit.MILLISECONDS) / 1000.0;
    }

    /**
     * Runs JMH; while another JMH run on this machine holds its lock (JMH then fails at once), waits
     * and retries until {@code --lock-wait} is spent.
     */
    private static void runJmhWhenFree(Args a, Path json, PrintStream out) throws RunnerException {
        long waitMs = a.lockWait == TimeValue.NONE ? 0 : a.lockWait.convertTo(TimeUnit.MILLISECONDS);
        whenJmhFree(() -> runJmh(a, json), waitMs, out, "QuickReport");
    }

    /** One JMH run ({@link Runner#run()} and what it needs). */
    interface JmhRun {
        void run() throws RunnerException;
    }

    /**
     * Runs {@code run}; while another JMH run on this machine holds its lock (JMH then fails at once),
     * waits 15 s and retries, until {@code waitMs} is spent.
     */
    static void whenJmhFree(JmhRun run, long waitMs, PrintStream out, String who) throws RunnerException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (true) {
            try {
                run.run();
                return;
            } catch (RunnerException e) {
                boolean locked = String.valueOf(e.getMessage()).contains("JMH lock");
                if (!locked || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                out.println(who + ": another JMH run holds the JMH lock; retrying in 15 s");
                try {
                    Thread.sleep(15_000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void runJmh(Args a, Path json) throws RunnerException {
        ChainedOptionsBuilder ob = new OptionsBuilder()
                .forks(a.forks)
                .warmupIterations(a.warmupIterations)
                .warmupTime(a.warmupTime)
                .measurementIterations(a.iterations)
                .measurementTime(a.measurementTime)
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toAbsolutePath().toString());
        for (String inc : a.includes()) {
            ob.include(inc);
        }
        for (String exc : a.excludes) {
            ob.exclude(exc);
        }
        for (Map.Entry<String, String[]> p : a.params.entrySet()) {
            ob.param(p.getKey(), p.getValue());
        }
        if (a.gc) {
            ob.addProfiler(GCProfiler.class);
        }
        if (a.jvmArgsAppend != null && !a.jvmArgsAppend.isBlank()) {
            List<String> args = new ArrayList<>(List.of(a.jvmArgsAppend.trim().split("\\s+")));
            args.addAll(List.of(REQUIRED_JVM_ARGS));
            ob.jvmArgsAppend(args.toArray(new String[0]));
        }
        new Runner(ob.build()).run();
    }

    private static void copyReport(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(from, "*.{md,html,svg}")) {
            for (Path p : ds) {
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static String paramsText(Map<String, String[]> params) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String[]> p : params.entrySet()) {
            b.append(b.length() == 0 ? "" : " ").append(p.getKey()).append('=').append(String.join(",", p.getValue()));
        }
        return b.toString();
    }

    private static String stamp(Instant t) {
        return ZonedDateTime.ofInstant(t, ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    }
}
