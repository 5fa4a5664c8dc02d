package dev.lockstep.jmh.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The performance issue's headline table (issue 12): each cell is one Lockstep implementation against
 * its anchor in <em>the same run</em>, with several forks, reported as the ratio of the fork means and
 * the spread of the per-fork ratios. On a 2-vCPU machine a fork lands in a fast or a slow placement, so
 * one fork per side can move a ratio by 2×; the spread column shows that instead of hiding it.
 *
 * <pre>{@code
 * java -cp jmh/target/benchmarks.jar dev.lockstep.jmh.report.HeadlineReport --forks 3 --docs docs/benchmarks
 * java -cp jmh/target/benchmarks.jar dev.lockstep.jmh.report.HeadlineReport --from-json report-headline/headline.json
 * }</pre>
 *
 * <p>Per-fork figures come from the JMH JSON's {@code rawData} (throughput, average time: the mean of
 * the fork's measurement iterations) or {@code rawDataHistogram} (sample time: the fork's median). The
 * spread is the smallest and largest ratio over all pairs of one fork of ours and one fork of the anchor.
 *
 * <p>Forks are interleaved: each fork is a JMH run of its own ({@code -f 1}), round-robin over the values a
 * JMH run compares ({@link #schedule}: anchor, ours, anchor, ours, ...), and the single-fork results are
 * merged back into one row per value ({@link #mergeForks}). The host moves this 2-vCPU guest between placement
 * modes that last minutes; when JMH ran all forks of one value and then all of the other, a cell's two sides
 * could sample different modes (2026-12-05: two full runs of one build 80 minutes apart disagreed on six
 * rows' verdicts). Interleaved, both sides sample the same stretch of time, fork by fork.
 *
 * <p>Cells marked {@link Cell#comparedByPlacement()} (two threads or two processes handing cache lines across
 * the two vCPUs: MPMC throughput with a spinning and with a parking consumer, SPSC throughput, the MPSC burst round
 * trip, the 32 B many-to-one channel, the two-process round trip against Agrona and against the cache-line floor)
 * moved 0.6-4× between quiet runs with their code unchanged, mostly from iteration to iteration inside a fork,
 * with the host placement of the two vCPUs (two cores sharing a cache, or not). They run in JMH runs of their own with at
 * least {@value #PLACEMENT_FORKS} forks and {@link PlacementProbe}, and the report adds, under the table (whose
 * rows keep their format), each one's ratio per placement mode of the iterations: of the iteration means, or
 * for the sample-time round trip of the medians of the iterations' p50s.
 */
public final class HeadlineReport {

    /** Which way is better for a cell's ratio. */
    enum Better { HIGHER, LOWER }

    /**
     * One cell of the table.
     *
     * @param label     what the table shows
     * @param benchmark full benchmark name (method or group), matched exactly
     * @param params    fixed {@code @Param} values besides the compared one
     * @param param     the compared parameter ({@code impl} or {@code mechanism})
     * @param ours      Lockstep's value of it
     * @param anchor    the anchor's value
     * @param better    direction of the ratio ours / anchor
     * @param goal      the goal for that ratio
     */
    record Cell(String label, String benchmark, Map<String, String> params, String param, String ours, String anchor,
                Better better, double goal, double minFastest, boolean byPlacement) {
        Cell(String label, String benchmark, Map<String, String> params, String param, String ours, String anchor,
             Better better, double goal) {
            this(label, benchmark, params, param, ours, anchor, better, goal, Double.NaN, false);
        }

        /**
         * This cell with a mode filter for sample-time rows: iterations whose fastest sample (p0.00) is
         * below {@code minFastest} (in the row's unit) are dropped on both sides before the per-fork
         * medians are taken, and the verdict says how many.
         */
        Cell dropFasterThan(double minFastest) {
            return new Cell(label, benchmark, params, param, ours, anchor, better, goal, minFastest, byPlacement);
        }

        /**
         * This cell run apart from the cells it would share a JMH run with, with at least
         * {@link #PLACEMENT_FORKS} forks and {@link PlacementProbe}: the report adds its ratio per placement
         * mode of the iterations (two cores sharing a cache, or not) under the table.
         */
        Cell comparedByPlacement() {
            return new Cell(label, benchmark, params, param, ours, anchor, better, goal, minFastest, true);
        }

        String goalText() {
            return String.format(Locale.ROOT, "%s %.2f×", better == Better.HIGHER ? "≥" : "≤", goal);
        }

        boolean met(double ratio) {
            return better == Better.HIGHER ? ratio >= goal : ratio <= goal;
        }

        /**
         * The ratio with two decimals, or with as many more as it takes (up to five) for the printed
         * figure to read on the same side of the goal as the ratio itself: 0.9968 against a goal of 1.00
         * prints {@code 0.997}, not a {@code 1.00} beside "missed".
         */
        String ratioText(double ratio) {
            for (int decimals = 2; decimals < 5; decimals++) {
                String text = String.format(Locale.ROOT, "%." + decimals + "f", ratio);
                if (met(Double.parseDouble(text)) == met(ratio)) {
                    return text;
                }
            }
            return String.format(Locale.ROOT, "%.5f", ratio);
        }
    }

    private static final String J = "dev.lockstep.jmh.";
    /**
     * A sample-time iteration of a two-process round trip whose fastest round trip is below this many
     * ns ran with both processes on two cores that share a cache (the floor then reads ~50 ns,
     * ~150-180 ns across two cores): the floor cell compares two-core iterations only.
     */
    static final double TWO_CORE_MIN_NANOS = 100.0;
    /**
     * Forks per implementation, at least, for the cells compared per placement mode: their ratio moved
     * 0.6-1.5× between quiet 3-fork runs with the code unchanged, following the host placement of the two
     * vCPUs (docs/benchmarks/headline-evidence.md); 6 throughput cells × 2 implementations and the round trip's
     * 3 mechanisms, 2 more forks each, add about 3 minutes to the run.
     */
    static final int PLACEMENT_FORKS = 5;

    /** The cells, in the order (plus the 8-thread columns it asked for). */
    static final List<Cell> CELLS = List.of(
            higher("Mutex / ReentrantLock, 2 threads", J + "sync.MutexBench.contended2", Map.of(), "impl", "Mutex", "ReentrantLock", 1.2),
            higher("Mutex / ReentrantLock, 4 threads on 2 cores", J + "sync.MutexBench.oversubscribed4", Map.of(), "impl", "Mutex", "ReentrantLock", 1.0),
            higher("Mutex / ReentrantLock, 8 threads on 2 cores", J + "sync.MutexBench.oversubscribed8", Map.of(), "impl", "Mutex", "ReentrantLock", 1.0),
            higher("Semaphore (1 permit) / j.u.c Semaphore, 4 threads", J + "sync.SemaphoreBench.oversubscribed4", Map.of("permits", "1"), "impl", "Semaphore", "jucSemaphore", 1.0),
            higher("Semaphore (1 permit) / j.u.c Semaphore, 8 threads", J + "sync.SemaphoreBench.oversubscribed8", Map.of("permits", "1"), "impl", "Semaphore", "jucSemaphore", 1.0),
            higher("ReadWriteMutex / ReentrantReadWriteLock, 4 threads (90% reads)", J + "sync.ReadMostlyBench.oversubscribed4", Map.of(), "impl", "ReadWriteMutex", "ReentrantReadWriteLock", 1.0),
            higher("ReadWriteMutex / ReentrantReadWriteLock, 8 threads (90% reads)", J + "sync.ReadMostlyBench.oversubscribed8", Map.of(), "impl", "ReadWriteMutex", "ReentrantReadWriteLock", 1.0),
            higher("SeqLock / StampedLock (optimistic), 4 threads", J + "sync.ReadMostlyBench.oversubscribed4", Map.of(), "impl", "SeqLock", "StampedLock", 1.0),
            higher("TicketLock / fair ReentrantLock, 2 threads", J + "lock.LockBench.contended2", Map.of(), "impl", "TicketLock", "ReentrantLockFair", 1.0),
            higher("ClhLock / fair ReentrantLock, 2 threads", J + "lock.LockBench.contended2", Map.of(), "impl", "ClhLock", "ReentrantLockFair", 1.0),
            higher("McsLock / fair ReentrantLock, 2 threads", J + "lock.LockBench.contended2", Map.of(), "impl", "McsLock", "ReentrantLockFair", 1.0),
            higher("TicketLock / fair ReentrantLock, 4 threads on 2 cores", J + "lock.LockBench.oversubscribed4", Map.of(), "impl", "TicketLock", "ReentrantLockFair", 1.0),
            higher("ClhLock / fair ReentrantLock, 4 threads on 2 cores", J + "lock.LockBench.oversubscribed4", Map.of(), "impl", "ClhLock", "ReentrantLockFair", 1.0),
            higher("McsLock / fair ReentrantLock, 4 threads on 2 cores", J + "lock.LockBench.oversubscribed4", Map.of(), "impl", "McsLock", "ReentrantLockFair", 1.0),
            higher("TicketLock / fair ReentrantLock, 8 threads on 2 cores", J + "lock.LockBench.oversubscribed8", Map.of(), "impl", "TicketLock", "ReentrantLockFair", 1.0),
            higher("ClhLock / fair ReentrantLock, 8 threads on 2 cores", J + "lock.LockBench.oversubscribed8", Map.of(), "impl", "ClhLock", "ReentrantLockFair", 1.0),
            higher("McsLock / fair ReentrantLock, 8 threads on 2 cores", J + "lock.LockBench.oversubscribed8", Map.of(), "impl", "McsLock", "ReentrantLockFair", 1.0),
            higher("MpmcArrayQueue / JCTools MpmcArrayQueue, throughput, 1 producer + 1 consumer", J + "queue.MpmcQueueBench.tpt1p1c", Map.of(), "impl", "Lockstep", "JCTools", 1.0)
                    .comparedByPlacement(),
            higher("MpmcArrayQueue / JCTools MpmcArrayQueue, throughput, 1 producer + 1 parking consumer", J + "queue.MpmcQueueBench.parked1p1c", Map.of(), "impl", "Lockstep", "JCTools", 1.0)
                    .comparedByPlacement(),
            higher("SpscArrayQueue / JCTools SpscArrayQueue, throughput", J + "queue.SpscQueueBench.tpt", Map.of(), "impl", "Lockstep", "JCTools", 1.0)
                    .comparedByPlacement(),
            higher("MpscUnboundedQueue / JCTools MpscUnboundedArrayQueue, burst round trip", J + "queue.MpscUnboundedQueueBench.burstRoundTrip", Map.of(), "impl", "Lockstep", "JCTools", 1.0)
                    .comparedByPlacement(),
            higher("SpscBlockingQueue / JCTools SPSC in a spin loop (consumer hot)", J + "queue.BlockingQueueBench.spsc", Map.of(), "impl", "Lockstep", "JCTools", 1.0)
                    .comparedByPlacement(),
            higher("ManyToOneChannel / Agrona ManyToOneRingBuffer, 32 B, two processes", J + "ipc.IpcThroughputBench.send", Map.of("size", "32"), "mechanism", "lockstepManyToOne", "agronaManyToOne", 1.0)
                    .comparedByPlacement(),
            higher("ManyToOneChannel / Agrona ManyToOneRingBuffer, 1 KiB, two processes", J + "ipc.IpcThroughputBench.send", Map.of("size", "1024"), "mechanism", "lockstepManyToOne", "agronaManyToOne", 1.0),
            // The two round-trip cells share one probed run (agrona, lockstep, floor): their sample-time iterations
            // are classed by the probe too, each with the median of its iterations' p50s per mode.
            lower("IPC round trip p50 / Agrona one-to-one", J + "ipc.IpcRoundTripBench.roundTrip", Map.of(), "mechanism", "lockstep", "agrona", 1.0)
                    .comparedByPlacement(),
            // The floor is bimodal on this VM: p0.00 ~50 ns when the hypervisor places the two spinning
            // processes on hyperthreads of one core, 150-180 ns on two cores (README, issue 12): compare
            // iterations of the two-core mode only (a lockstep iteration in the one-core mode goes too).
            lower("IPC round trip p50 / cache-line floor", J + "ipc.IpcRoundTripBench.roundTrip", Map.of(), "mechanism", "lockstep", "floor", 1.2)
                    .dropFasterThan(TWO_CORE_MIN_NANOS).comparedByPlacement(),
            // Compared per placement mode since the thirty-second round: both sides' rates follow the host placement
            // (the queue 10-18 or 46-49 msgs/us, the channel 19-20 or 33-70, by window; README, issue 12).
            higher("SharedPriorityQueue / OneToOneChannel throughput, 32 B, two processes", J + "ipc.IpcThroughputBench.send", Map.of("size", "32"), "mechanism", "lockstepPriorityQueue", "lockstep", 0.5)
                    .comparedByPlacement());

    private static Cell higher(String label, String bench, Map<String, String> params, String param, String ours, String anchor, double goal) {
        return new Cell(label, bench, params, param, ours, anchor, Better.HIGHER, goal);
    }

    private static Cell lower(String label, String bench, Map<String, String> params, String param, String ours, String anchor, double goal) {
        return new Cell(label, bench, params, param, ours, anchor, Better.LOWER, goal);
    }

    static final String USAGE = String.join("\n",
            "Usage: java -cp benchmarks.jar dev.lockstep.jmh.report.HeadlineReport [options]",
            "  --forks N            forks per benchmark and implementation (default 3; at least "
                    + PLACEMENT_FORKS + " for the cells compared per placement mode)",
            "  --warmup-time T      one warm-up iteration of T (default 1s)",
            "  --iterations N       measurement iterations (default 3)",
            "  --measurement-time T (default 1s)",
            "  --only REGEX         run only the cells whose label matches (find)",
            "  --out DIR            output folder (default report-headline): headline.json, headline.md",
            "  --docs DIR           also copy headline.md into DIR",
            "  --from-json FILE     render an existing headline.json; run nothing",
            "  --dry-run            list the JMH runs, run nothing");

    private HeadlineReport() {
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        int forks = 3;
        int iterations = 3;
        TimeValue warmup = TimeValue.seconds(1);
        TimeValue measure = TimeValue.seconds(1);
        Pattern only = null;
        Path outDir = Paths.get("report-headline");
        Path docs = null;
        Path fromJson = null;
        boolean dryRun = false;
        try {
            for (int i = 0; i < argv.length; i++) {
                String opt = argv[i];
                if (opt.equals("--dry-run")) {
                    dryRun = true;
                    continue;
                }
                if (opt.equals("--help") || opt.equals("-h")) {
                    out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("missing value for " + opt);
                }
                String v = argv[++i];
                switch (opt) {
                    case "--forks": forks = atLeast(opt, v, 1); break;
                    case "--iterations": iterations = atLeast(opt, v, 1); break;
                    case "--warmup-time": warmup = TimeValue.fromString(v); break;
                    case "--measurement-time": measure = TimeValue.fromString(v); break;
                    case "--only": only = Pattern.compile(v); break;
                    case "--out": outDir = Paths.get(v); break;
                    case "--docs": docs = Paths.get(v); break;
                    case "--from-json": fromJson = Paths.get(v); break;
                    default: throw new IllegalArgumentException("unknown option: " + opt);
                }
            }
        } catch (IllegalArgumentException e) {
            err.println("HeadlineReport: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        List<Cell> cells = new ArrayList<>();
        for (Cell c : CELLS) {
            if (only == null || only.matcher(c.label()).find()) {
                cells.add(c);
            }
        }
        if (cells.isEmpty()) {
            err.println("HeadlineReport: no cell matches " + only);
            return 2;
        }
        ObjectMapper json = new ObjectMapper();
        try {
            JsonNode results;
            String settings;
            if (fromJson != null) {
                if (!Files.isRegularFile(fromJson)) {
                    err.println("HeadlineReport: no such file: " + fromJson.toAbsolutePath());
                    return 2;
                }
                results = json.readTree(fromJson.toFile());
                settings = "rendered from " + fromJson.getFileName();
            } else {
                Map<String, Set<String>> runs = runs(cells);
                int jmhRuns = 0;
                for (Map.Entry<String, Set<String>> r : runs.entrySet()) {
                    jmhRuns += r.getValue().size() * forksOf(r.getKey(), forks);
                }
                out.printf(Locale.ROOT, "HeadlineReport: %d comparisons, %d cells, %d forks each, interleaved: %d single-fork JMH runs%n",
                        runs.size(), cells.size(), forks, jmhRuns);
                runs.forEach((k, v) -> out.println("  " + k + " " + v));
                if (dryRun) {
                    return 0;
                }
                Files.createDirectories(outDir);
                ArrayNode all = json.createArrayNode();
                int n = 0;
                for (Map.Entry<String, Set<String>> r : runs.entrySet()) {
                    List<JsonNode> parts = new ArrayList<>();
                    for (String value : schedule(r.getValue(), forksOf(r.getKey(), forks))) {
                        Path part = outDir.resolve("part-" + (n++) + ".json");
                        runJmhWhenFree(r.getKey(), value, iterations, warmup, measure, part, out);
                        for (JsonNode node : json.readTree(part.toFile())) {
                            parts.add(node);
                        }
                        Files.delete(part);
                    }
                    all.addAll(mergeForks(parts));
                }
                results = all;
                json.writerWithDefaultPrettyPrinter().writeValue(outDir.resolve("headline.json").toFile(), all);
                settings = settings(forks, cells.stream().anyMatch(Cell::byPlacement), warmup, iterations, measure);
            }
            String md = render(cells, results, settings);
            Files.createDirectories(outDir);
            Path mdFile = outDir.resolve("headline.md");
            Files.writeString(mdFile, md, StandardCharsets.UTF_8);
            if (docs != null) {
                Files.createDirectories(docs);
                Files.writeString(docs.resolve("headline.md"), md, StandardCharsets.UTF_8);
            }
            out.println("Headline: " + mdFile.toAbsolutePath().normalize());
            return 0;
        } catch (RunnerException | IOException | RuntimeException e) {
            err.println("HeadlineReport: " + e);
            return 1;
        }
    }

    private static int atLeast(String opt, String v, int min) {
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " must be an integer >= " + min + ": " + v);
        }
        if (n < min) {
            throw new IllegalArgumentException(opt + " must be an integer >= " + min + ": " + v);
        }
        return n;
    }

    /**
     * The JMH runs the cells need: key "benchmark|p1=v1,p2=v2|param", value the compared values. Cells on the
     * same benchmark and fixed parameters share a run (e.g. the three FIFO locks and their one anchor); cells
     * compared per placement mode run apart from the others, key suffix "|placement" (the two round-trip cells
     * share theirs).
     */
    static Map<String, Set<String>> runs(List<Cell> cells) {
        Map<String, Set<String>> runs = new LinkedHashMap<>();
        for (Cell c : cells) {
            StringBuilder fixed = new StringBuilder();
            c.params().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> fixed.append(fixed.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(e.getValue()));
            String key = c.benchmark() + "|" + fixed + "|" + c.param() + (c.byPlacement() ? "|placement" : "");
            Set<String> values = runs.computeIfAbsent(key, k -> new LinkedHashSet<>());
            values.add(c.anchor());
            values.add(c.ours());
        }
        return runs;
    }

    /** Forks per value of the JMH run {@code key}: {@code forks}, at least {@link #PLACEMENT_FORKS} for a placement run. */
    static int forksOf(String key, int forks) {
        return key.endsWith("|placement") ? Math.max(forks, PLACEMENT_FORKS) : forks;
    }

    /**
     * The order of the single-fork JMH runs of one run key: {@code forks} rounds, each running every value
     * once, in the run's order (anchor first). Between two forks of one value, every other value runs one fork.
     */
    static List<String> schedule(Set<String> values, int forks) {
        List<String> order = new ArrayList<>();
        for (int f = 0; f < forks; f++) {
            order.addAll(values);
        }
        return order;
    }

    /**
     * Merges single-fork JMH result rows of the same benchmark and parameters into one row each, in first-seen
     * order: the forks' {@code rawData} (and {@code rawDataHistogram}) of the primary and of every secondary
     * metric concatenated in run order, each metric's {@code score} the mean of the forks' scores (the forks
     * have equal iterations) and its error, confidence and percentiles removed (JMH computed them per fork;
     * this report does not read them), {@code forks} the number merged. Rows without a twin pass unchanged.
     */
    static List<JsonNode> mergeForks(List<JsonNode> rows) {
        Map<String, List<JsonNode>> groups = new LinkedHashMap<>();
        for (JsonNode r : rows) {
            groups.computeIfAbsent(r.path("benchmark").asText() + "|" + r.path("params"), k -> new ArrayList<>()).add(r);
        }
        List<JsonNode> merged = new ArrayList<>();
        for (List<JsonNode> g : groups.values()) {
            if (g.size() == 1) {
                merged.add(g.get(0));
                continue;
            }
            ObjectNode m = g.get(0).deepCopy();
            m.put("forks", g.size());
            mergeMetric((ObjectNode) m.get("primaryMetric"), g, "primaryMetric", null);
            JsonNode secondary = m.path("secondaryMetrics");
            if (secondary.isObject()) {
                for (Iterator<String> it = secondary.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    mergeMetric((ObjectNode) secondary.get(name), g, "secondaryMetrics", name);
                }
            }
            merged.add(m);
        }
        return merged;
    }

    /** {@link #mergeForks} for one metric of the copy {@code into}: {@code group}'s rows, metric at {@code path}[/{@code name}]. */
    private static void mergeMetric(ObjectNode into, List<JsonNode> group, String path,
                                    String name) {
        for (String raw : new String[] {"rawData", "rawDataHistogram"}) {
            if (into.has(raw)) {
                ArrayNode all = into.putArray(raw);
                for (JsonNode r : group) {
                    JsonNode metric = name == null ? r.path(path) : r.path(path).path(name);
                    metric.path(raw).forEach(all::add);
                }
            }
        }
        double sum = 0;
        int n = 0;
        for (JsonNode r : group) {
            JsonNode metric = name == null ? r.path(path) : r.path(path).path(name);
            if (metric.path("score").isNumber()) {
                sum += metric.path("score").asDouble();
                n++;
            }
        }
        if (n > 0) {
            into.put("score", sum / n);
        }
        into.remove(List.of("scoreError", "scoreConfidence", "scorePercentiles"));
    }

    /** Runs one JMH run; while another JMH run holds the machine-wide JMH lock, retries for up to 30 minutes. */
    private static void runJmhWhenFree(String key, String value, int iterations, TimeValue warmup,
                                       TimeValue measure, Path json, PrintStream out) throws RunnerException {
        QuickReport.whenJmhFree(() -> runJmh(key, value, iterations, warmup, measure, json),
                TimeUnit.MINUTES.toMillis(30), out, "HeadlineReport");
    }

    /** One fork of {@code value} in the JMH run {@code key} (see {@link #schedule}). */
    private static void runJmh(String key, String value, int iterations, TimeValue warmup,
                               TimeValue measure, Path json) throws RunnerException {
        String[] k = key.split("\\|", -1);
        boolean placement = k.length > 3 && k[3].equals("placement");
        ChainedOptionsBuilder ob = new OptionsBuilder()
                .include("^" + Pattern.quote(k[0]) + "$")
                .forks(1)
                .warmupIterations(1)
                .warmupTime(warmup)
                .measurementIterations(iterations)
                .measurementTime(measure)
                .shouldFailOnError(true)
                .addProfiler(GCProfiler.class)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toAbsolutePath().toString())
                .param(k[2], value);
        if (placement) {
            ob.addProfiler(PlacementProbe.class);
        }
        if (!k[1].isEmpty()) {
            for (String p : k[1].split(",")) {
                int eq = p.indexOf('=');
                ob.param(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        new Runner(ob.build()).run();
    }

    /**
     * Per-fork figures of one implementation in a cell, and the row's unit, mode and allocation; {@code probed}:
     * every measurement iteration that {@link PlacementProbe} bracketed, as {score, probe before, probe after}.
     */
    record Side(double[] perFork, String mode, String unit, double allocNorm, int dropped, int iterations,
                List<double[]> probed) {
        Side(double[] perFork, String mode, String unit, double allocNorm) {
            this(perFork, mode, unit, allocNorm, 0, 0, List.of());
        }

        double mean() {
            return Arrays.stream(perFork).average().orElse(Double.NaN);
        }
    }

    /** Finds the JMH row of {@code cell} for {@code value} in the results, or null. */
    static Side side(JsonNode results, Cell cell, String value) {
        for (JsonNode r : results) {
            if (!cell.benchmark().equals(r.path("benchmark").asText())) {
                continue;
            }
            JsonNode params = r.path("params");
            if (!value.equals(params.path(cell.param()).asText())) {
                continue;
            }
            boolean fixedMatch = cell.params().entrySet().stream()
                    .allMatch(e -> e.getValue().equals(params.path(e.getKey()).asText()));
            if (!fixedMatch) {
                continue;
            }
            String mode = r.path("mode").asText();
            JsonNode pm = r.path("primaryMetric");
            double[] perFork;
            int dropped = 0;
            int iterations = 0;
            if ("sample".equals(mode)) {
                JsonNode hist = pm.path("rawDataHistogram");
                List<Double> medians = new ArrayList<>();
                for (int f = 0; f < hist.size(); f++) {
                    com.fasterxml.jackson.databind.node.ArrayNode kept = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
                    for (JsonNode iteration : hist.get(f)) {
                        iterations++;
                        if (!Double.isNaN(cell.minFastest()) && fastest(iteration) < cell.minFastest()) {
                            dropped++;
                        } else {
                            kept.add(iteration);
                        }
                    }
                    if (kept.size() > 0) {
                        medians.add(histogramMedian(kept));
                    }
                }
                perFork = medians.stream().mapToDouble(Double::doubleValue).toArray();
            } else {
                JsonNode raw = pm.path("rawData");
                perFork = new double[raw.size()];
                for (int f = 0; f < raw.size(); f++) {
                    double sum = 0;
                    for (JsonNode it : raw.get(f)) {
                        sum += it.asDouble();
                    }
                    perFork[f] = sum / raw.get(f).size();
                }
            }
            // Probed iterations: the probe's results are per fork and iteration, as the primary metric's rawData
            // (throughput: the iteration's score) or rawDataHistogram (sample time: the iteration's p50).
            List<double[]> probed = new ArrayList<>();
            JsonNode before = r.path("secondaryMetrics").path(PlacementProbe.BEFORE).path("rawData");
            JsonNode after = r.path("secondaryMetrics").path(PlacementProbe.AFTER).path("rawData");
            boolean sample = "sample".equals(mode);
            JsonNode raw = sample ? pm.path("rawDataHistogram") : pm.path("rawData");
            if (before.size() == raw.size() && after.size() == raw.size()) {
                for (int f = 0; f < raw.size(); f++) {
                    for (int i = 0; i < raw.get(f).size() && i < before.get(f).size() && i < after.get(f).size(); i++) {
                        JsonNode it = raw.get(f).get(i);
                        probed.add(new double[] {sample ? iterationMedian(it) : it.asDouble(),
                                before.get(f).get(i).asDouble(), after.get(f).get(i).asDouble()});
                    }
                }
            }
            JsonNode alloc = r.path("secondaryMetrics").path(BenchResult.ALLOC_NORM).path("score");
            return new Side(perFork, mode, pm.path("scoreUnit").asText(), alloc.isMissingNode() ? Double.NaN : alloc.asDouble(),
                    dropped, iterations, probed);
        }
        return null;
    }

    /** The fastest sample (p0.00) of one iteration's histogram ([value, count] pairs). */
    static double fastest(JsonNode iteration) {
        double min = Double.POSITIVE_INFINITY;
        for (JsonNode pair : iteration) {
            if (pair.get(1).asLong() > 0) {
                min = Math.min(min, pair.get(0).asDouble());
            }
        }
        return min;
    }

    /** Median (p50) of one iteration's histogram ([value, count] pairs). */
    static double iterationMedian(JsonNode iteration) {
        return histogramMedian(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode().add(iteration));
    }

    /** Median of one fork's histogram: JMH writes, per iteration, a list of [value, count] pairs. */
    static double histogramMedian(JsonNode forkIterations) {
        List<double[]> pairs = new ArrayList<>();
        long total = 0;
        for (JsonNode iteration : forkIterations) {
            for (JsonNode pair : iteration) {
                double v = pair.get(0).asDouble();
                long c = pair.get(1).asLong();
                pairs.add(new double[] {v, c});
                total += c;
            }
        }
        pairs.sort((a, b) -> Double.compare(a[0], b[0]));
        long half = (total + 1) / 2;
        long seen = 0;
        for (double[] p : pairs) {
            seen += (long) p[1];
            if (seen >= half) {
                return p[0];
            }
        }
        return Double.NaN;
    }

    /**
     * The run's method as headline.md's first line states it: forks, that each fork is a JMH run of its own
     * taken round-robin over a cell's implementations ({@link #schedule}), warm-up, measurement, profiler;
     * so that the file read alone says how its forks were taken.
     */
    static String settings(int forks, boolean anyPlacement, TimeValue warmup, int iterations, TimeValue measure) {
        return String.format(Locale.ROOT, "%d forks%s, each a JMH run of its own, interleaved round-robin over a cell's "
                        + "implementations, warm-up 1 × %s, measurement %d × %s, -prof gc",
                forks, anyPlacement && forks < PLACEMENT_FORKS
                        ? " (" + PLACEMENT_FORKS + " for the cells compared per placement mode)" : "",
                warmup, iterations, measure);
    }

    static String render(List<Cell> cells, JsonNode results, String settings) {
        StringBuilder b = new StringBuilder();
        b.append("# Headline cells (issue 12)\n\n");
        b.append("Generated ").append(ZonedDateTime.ofInstant(Instant.now(), ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append(" by `HeadlineReport` (")
                .append(settings).append("), ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
                .append(" (the rendering JVM; see headline.json for the forked JVM).\n\n");
        b.append("Ratio = ours / anchor of the fork means (sample-time cells: of the per-fork medians, p50). ")
                .append("Spread = the lowest and highest ratio over every pair of one fork of ours and one of the anchor.\n\n");
        b.append("| cell | ours | anchor | unit | ratio | spread | goal | verdict | B/op ours |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Cell c : cells) {
            Side o = side(results, c, c.ours());
            Side a = side(results, c, c.anchor());
            if (o == null || a == null || o.perFork().length == 0 || a.perFork().length == 0) {
                b.append("| ").append(c.label()).append(" | — | — | — | — | — | ").append(c.goalText()).append(" | not measured |  |\n");
                continue;
            }
            double ratio = o.mean() / a.mean();
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double x : o.perFork()) {
                for (double y : a.perFork()) {
                    lo = Math.min(lo, x / y);
                    hi = Math.max(hi, x / y);
                }
            }
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | **%s×** | %.2f–%.2f× | %s | %s | %s |%n",
                    c.label(), figures(o), figures(a), o.unit() + ("sample".equals(o.mode()) ? " (p50)" : ""),
                    c.ratioText(ratio), lo, hi, c.goalText(), (c.met(ratio) ? "met" : "missed") + droppedNote(c, o, a),
                    Double.isNaN(o.allocNorm()) ? "" : String.format(Locale.ROOT, "%.3f", o.allocNorm())));
        }
        StringBuilder modes = new StringBuilder();
        for (Cell c : cells) {
            Side o = side(results, c, c.ours());
            Side a = side(results, c, c.anchor());
            if (c.byPlacement() && o != null && a != null && !o.probed().isEmpty() && !a.probed().isEmpty()) {
                modes.append(placementLine(c, o, a)).append('\n');
            }
        }
        if (modes.length() > 0) {
            b.append("\nPer placement mode: each measurement iteration is classed by `PlacementProbe`'s cache-line round trip ")
                    .append("between two threads just before and just after it (fastest batch): one core when both are below ")
                    .append(String.format(Locale.ROOT, "%.0f", TWO_CORE_MIN_NANOS))
                    .append(" ns (the two vCPUs on two cores that share a cache), two cores when both are at or above it (and below ")
                    .append(String.format(Locale.ROOT, "%.0f", PROBE_BUSY_NANOS))
                    .append(" ns, above which the probe found the guest too busy), mixed otherwise. ")
                    .append("Ratio = ours / anchor of the iteration means in that mode (sample-time cells: of the medians of ")
                    .append("the iterations' p50s); n = iterations (ours / anchor).\n\n")
                    .append(modes);
        }
        return b.toString();
    }

    /**
     * A probe slower than this found no moment when both of its threads ran (a busy guest, not a placement:
     * two cores measure 300-380 ns, issue 12): its iteration is not classed.
     */
    static final double PROBE_BUSY_NANOS = 1_000.0;

    /** Placement mode of one probed iteration: 0 one core, 1 two cores, 2 mixed or not classed. */
    static int placementMode(double[] probed) {
        boolean oneBefore = probed[1] < TWO_CORE_MIN_NANOS;
        boolean oneAfter = probed[2] < TWO_CORE_MIN_NANOS;
        if (!(probed[1] < PROBE_BUSY_NANOS) || !(probed[2] < PROBE_BUSY_NANOS) || oneBefore != oneAfter) {
            return 2;
        }
        return oneBefore ? 0 : 1;
    }

    /** The per-mode line of one cell, e.g. "- label: one core **1.05×** (n 7 / 6); two cores **0.98×** (n 8 / 9); mixed (n 0 / 0)". */
    static String placementLine(Cell c, Side o, Side a) {
        String[] names = {"one core", "two cores", "mixed"};
        StringBuilder b = new StringBuilder("- ").append(c.label()).append(':');
        for (int m = 0; m < 3; m++) {
            double[] so = modeFigure(o, m);
            double[] sa = modeFigure(a, m);
            b.append(m == 0 ? " " : "; ").append(names[m]);
            if (m < 2) {
                b.append(so[1] > 0 && sa[1] > 0
                        ? String.format(Locale.ROOT, " **%s×** (%.3g vs %.3g)", c.ratioText(so[0] / sa[0]), so[0], sa[0]) : " —");
            }
            b.append(String.format(Locale.ROOT, " (n %d / %d)", (int) so[1], (int) sa[1]));
        }
        return b.toString();
    }

    /**
     * {figure, count} of one side's probed iterations in placement mode {@code m}: the mean of their scores, or for
     * a sample-time side the median of their p50s (as the table takes medians, not means, of sample-time rows: one
     * iteration with a stalled tail does not move it).
     */
    static double[] modeFigure(Side s, int m) {
        List<Double> scores = new ArrayList<>();
        for (double[] p : s.probed()) {
            if (placementMode(p) == m) {
                scores.add(p[0]);
            }
        }
        int n = scores.size();
        if (n == 0) {
            return new double[] {Double.NaN, 0};
        }
        if ("sample".equals(s.mode())) {
            scores.sort(Double::compare);
            double median = n % 2 == 1 ? scores.get(n / 2) : (scores.get(n / 2 - 1) + scores.get(n / 2)) / 2;
            return new double[] {median, n};
        }
        return new double[] {scores.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN), n};
    }

    /** For a mode-filtered cell: how many iterations were dropped on each side. */
    private static String droppedNote(Cell c, Side o, Side a) {
        if (Double.isNaN(c.minFastest())) {
            return "";
        }
        return String.format(Locale.ROOT, " (dropped iterations with p0.00 < %.0f: ours %d of %d, anchor %d of %d)",
                c.minFastest(), o.dropped(), o.iterations(), a.dropped(), a.iterations());
    }

    private static String figures(Side s) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%.3g", s.mean()));
        b.append(" (");
        for (int i = 0; i < s.perFork().length; i++) {
            b.append(i == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.3g", s.perFork()[i]));
        }
        return b.append(")").toString();
    }
}
