package dev.lockstep.jmh.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The IPC report's "waiting modes" section: idle CPU against wake-up latency of a process waiting for
 * another, one row per waiting mode, from the results of {@code dev.lockstep.jmh.ipc.WakeHarness}
 * ({@value #JSON}; not JMH results: the harness times single wake-ups after long idle periods, which
 * JMH's iterations cannot express). A table (mode, idle CPU % of a core, wake-up p50 / p99 / max) and
 * a scatter chart ({@value #CHART}: CPU on x, latency on y, both log scales, one point per mode at its
 * p50 with a whisker to its p99), drawn by {@link SvgChart#scatter}.
 *
 * <pre>{@code
 * WaitModesReport.Results r = WaitModesReport.read(Path.of("docs/benchmarks/ipc/wait-modes.json"));
 * String svg = WaitModesReport.render(r);
 * }</pre>
 *
 * <p>Implementation notes: the JSON is written and read here only ({@link #toJson}, {@link #parse}),
 * so the harness and the report cannot disagree on it. A skipped mode (e.g. futex on a JVM before 22)
 * is kept as a row with its reason, never silently dropped. An idle CPU of 0 ticks is drawn at half a
 * tick's share of the window (the measurement's resolution), labelled as below it.
 */
public final class WaitModesReport {
    /** The results file, written by the harness, read by {@link QuickReport} next to its JMH JSON. */
    public static final String JSON = "wait-modes.json";
    /** The chart's file name. */
    public static final String CHART = "ipc-wait-modes.svg";
    /** The stand-alone section the harness writes into its own output folder. */
    public static final String MARKDOWN = "wait-modes.md";
    static final String TITLE = "IPC: waiting modes (idle CPU vs wake-up latency)";
    static final String LOCKSTEP_COLOR = SvgChart.BETTER;
    static final String KERNEL_COLOR = SvgChart.WORSE;

    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private WaitModesReport() {
    }

    /**
     * One waiting mode's results.
     *
     * @param mode           the harness's mode name (e.g. {@code FUTEX})
     * @param label          short name (e.g. "futex")
     * @param mechanism      what waits and how
     * @param kind           {@code lockstep}, {@code kernel} or {@code baseline}
     * @param waitMode       how the waiter said it waits (e.g. {@code FUTEX}), or null if skipped
     * @param idleCpuPercent CPU of the idle waiter's JVM, % of one core; NaN if skipped
     * @param cpuTicks       clock ticks counted in the window
     * @param cpuWindowMillis the window's length
     * @param trials         number of wake-ups timed (0: none)
     * @param p50Nanos       median wake-up latency; NaN without trials
     * @param p99Nanos       99th percentile (nearest rank); NaN without trials
     * @param maxNanos       slowest wake-up; NaN without trials
     * @param skipped        why the mode was not measured, or null
     */
    public record Entry(String mode, String label, String mechanism, String kind, String waitMode,
                        double idleCpuPercent, int cpuTicks, long cpuWindowMillis, int trials,
                        double p50Nanos, double p99Nanos, double maxNanos, String skipped) {

        /** A measured mode; {@code latencies} (ns, any order) may be empty (CPU only). */
        public static Entry measured(String mode, String label, String mechanism, String kind, String waitMode,
                                     double idleCpuPercent, int cpuTicks, long cpuWindowMillis, long[] latencies) {
            long[] l = latencies.clone();
            Arrays.sort(l);
            return new Entry(mode, label, mechanism, kind, waitMode, idleCpuPercent, cpuTicks, cpuWindowMillis,
                    l.length, rank(l, 50), rank(l, 99), l.length == 0 ? Double.NaN : l[l.length - 1], null);
        }

        /** A mode that could not be measured here, and why. */
        public static Entry skipped(String mode, String label, String mechanism, String kind, String why) {
            return new Entry(mode, label, mechanism, kind, null, Double.NaN, 0, 0, 0, Double.NaN, Double.NaN,
                    Double.NaN, why);
        }

        boolean hasLatency() {
            return skipped == null && trials > 0 && Double.isFinite(p50Nanos);
        }
    }

    /**
     * A run of the harness.
     *
     * @param date       when it started
     * @param jvm        the JVM of the measuring process (the children run the same)
     * @param machine    cores, OS, architecture
     * @param load       load average before and after (a busy machine makes the latencies scheduler delay)
     * @param trials     wake-ups timed per mode
     * @param idleMillis how long the waiter was idle before each
     * @param cpuSeconds the idle-CPU window
     * @param warmup     untimed wake-ups first
     * @param entries    one per mode, in run order
     */
    public record Results(String date, String jvm, String machine, String load, int trials, long idleMillis,
                          int cpuSeconds, int warmup, List<Entry> entries) {
    }

    /** Nearest-rank percentile of sorted {@code l}; NaN if empty. */
    static double rank(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    // ---------------------------------------------------------------- JSON

    /** The results as JSON (the {@value #JSON} format). */
    public static String toJson(Results r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", 1);
        root.put("harness", "dev.lockstep.jmh.ipc.WakeHarness");
        root.put("date", r.date());
        root.put("jvm", r.jvm());
        root.put("machine", r.machine());
        root.put("load", r.load());
        root.put("clock", "System.nanoTime() read by the signaller just before the signal and by the waiter "
                + "just after its return: CLOCK_MONOTONIC on Linux, one clock for both processes (one-way, not a halved round trip)");
        root.put("trials", r.trials());
        root.put("idleMillis", r.idleMillis());
        root.put("cpuSeconds", r.cpuSeconds());
        root.put("warmup", r.warmup());
        ArrayNode modes = root.putArray("modes");
        for (Entry e : r.entries()) {
            ObjectNode o = modes.addObject();
            o.put("mode", e.mode());
            o.put("label", e.label());
            o.put("mechanism", e.mechanism());
            o.put("kind", e.kind());
            if (e.skipped() != null) {
                o.put("skipped", e.skipped());
                continue;
            }
            o.put("waitMode", e.waitMode());
            o.put("idleCpuPercent", round(e.idleCpuPercent(), 3));
            o.put("cpuTicks", e.cpuTicks());
            o.put("cpuWindowMillis", e.cpuWindowMillis());
            o.put("trials", e.trials());
            if (e.hasLatency()) {
                o.put("p50Nanos", (long) e.p50Nanos());
                o.put("p99Nanos", (long) e.p99Nanos());
                o.put("maxNanos", (long) e.maxNanos());
            }
        }
        try {
            return MAPPER.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double round(double v, int decimals) {
        double f = Math.pow(10, decimals);
        return Math.round(v * f) / f;
    }

    /** Reads a {@value #JSON} file. */
    public static Results read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses the {@value #JSON} format.
     *
     * @throws IllegalArgumentException if it is not that format, naming what is wrong
     */
    public static Results parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed waiting-modes JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject() || root.path("format").asInt(0) != 1 || !root.path("modes").isArray()) {
            throw new IllegalArgumentException("not a waiting-modes result (format 1 with a modes array)");
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode m : root.get("modes")) {
            String mode = text(m, "mode");
            if (m.hasNonNull("skipped")) {
                entries.add(Entry.skipped(mode, text(m, "label"), text(m, "mechanism"), text(m, "kind"), text(m, "skipped")));
                continue;
            }
            entries.add(new Entry(mode, text(m, "label"), text(m, "mechanism"), text(m, "kind"), text(m, "waitMode"),
                    number(m, "idleCpuPercent"), m.path("cpuTicks").asInt(0), m.path("cpuWindowMillis").asLong(0),
                    m.path("trials").asInt(0), number(m, "p50Nanos"), number(m, "p99Nanos"), number(m, "maxNanos"), null));
        }
        return new Results(root.path("date").asText(""), root.path("jvm").asText(""), root.path("machine").asText(""),
                root.path("load").asText(""), root.path("trials").asInt(0), root.path("idleMillis").asLong(0),
                root.path("cpuSeconds").asInt(0), root.path("warmup").asInt(0), entries);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("waiting-modes JSON: a mode without text field '" + field + "': " + n);
        }
        return v.asText();
    }

    private static double number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isNumber() ? v.asDouble() : Double.NaN;
    }

    // ---------------------------------------------------------------- text and table

    /** One line per mode, for the harness's log. */
    public static String summary(Entry e) {
        if (e.skipped() != null) {
            return String.format(Locale.ROOT, "%-12s skipped: %s", e.label(), e.skipped());
        }
        return String.format(Locale.ROOT, "%-12s idle CPU %6.2f%% of a core (%d ticks in %d ms)%s", e.label(),
                e.idleCpuPercent(), e.cpuTicks(), e.cpuWindowMillis(), e.hasLatency()
                        ? String.format(Locale.ROOT, ", wake-up p50 %s, p99 %s, max %s (%d trials) [%s]",
                        IpcReport.nanosText(e.p50Nanos()), IpcReport.nanosText(e.p99Nanos()),
                        IpcReport.nanosText(e.maxNanos()), e.trials(), e.waitMode())
                        : " [" + e.waitMode() + "]");
    }

    /** The text above the chart: what was measured, how, and on what. */
    static String intro(Results r) {
        StringBuilder s = new StringBuilder();
        s.append("A child JVM waits for this one (two processes, one machine), one mode after the other. Idle CPU: "
                + "utime + stime of the waiting JVM from /proc/<pid>/stat over ").append(r.cpuSeconds())
                .append(" s while blocked (10 ms ticks: one tick = ").append(percentText(1.0 / Math.max(1, r.cpuSeconds())))
                .append(" of a core here), the whole JVM counted: the idle JVM row is the floor. Wake-up: ")
                .append(r.trials()).append(" trials, each after the waiter was idle ").append(r.idleMillis())
                .append(" ms; System.nanoTime() read by the signaller just before the signal and by the waiter "
                        + "just after its return (CLOCK_MONOTONIC on Linux, one clock for both processes: one-way "
                        + "latency, not a halved round trip); p50 / p99 / max by nearest rank, after ")
                .append(r.warmup()).append(" untimed wake-ups. Lockstep rows wait in IpcEvent.await() (auto-reset), "
                        + "kernel rows in a blocking one-byte read. Run ").append(r.date()).append(", ")
                .append(r.jvm()).append(", ").append(r.machine()).append(", ").append(r.load())
                .append(" (with other work on the machine the latencies are mostly scheduler delay).");
        for (Entry e : r.entries()) {
            if (e.skipped() != null) {
                s.append(" ").append(e.label()).append(" not measured: ").append(e.skipped()).append('.');
            }
        }
        return s.toString();
    }

    /** Mode, mechanism, the waiter's own account of its wait, idle CPU, p50, p99, max, trials. */
    static ReportWriter.Table table(Results r) {
        List<String> header = List.of("mode", "mechanism", "waiter's wait", "idle CPU (% of a core)",
                "wake-up p50", "wake-up p99", "wake-up max", "trials");
        List<List<String>> rows = new ArrayList<>();
        List<Boolean> bold = new ArrayList<>();
        for (Entry e : r.entries()) {
            if (e.skipped() != null) {
                rows.add(List.of(e.label(), e.mechanism(), "not measured: " + e.skipped(), "—", "—", "—", "—", "0"));
            } else {
                rows.add(List.of(e.label(), e.mechanism(), e.waitMode(), cpuText(e),
                        e.hasLatency() ? IpcReport.nanosText(e.p50Nanos()) : "—",
                        e.hasLatency() ? IpcReport.nanosText(e.p99Nanos()) : "—",
                        e.hasLatency() ? IpcReport.nanosText(e.maxNanos()) : "—",
                        Integer.toString(e.trials())));
            }
            bold.add(false);
        }
        return new ReportWriter.Table(header, rows, bold);
    }

    private static String cpuText(Entry e) {
        String pct = String.format(Locale.ROOT, e.idleCpuPercent() >= 10 ? "%.1f%%" : "%.2f%%", e.idleCpuPercent());
        return e.cpuTicks() == 0 ? "0 (< one 10 ms tick)" : pct;
    }

    // ---------------------------------------------------------------- chart

    /** The scatter chart: one point per measured mode that has a latency. */
    public static String render(Results r) {
        List<SvgChart.ScatterPoint> points = new ArrayList<>();
        double tickShare = r.cpuSeconds() > 0 ? 1.0 / r.cpuSeconds() : 0.1; // % of a core per 10 ms tick
        for (Entry e : r.entries()) {
            if (!e.hasLatency()) {
                continue;
            }
            boolean zero = e.cpuTicks() == 0 || !(e.idleCpuPercent() > 0);
            double x = zero ? tickShare / 2 : e.idleCpuPercent();
            String label = e.label() + (zero ? " (CPU < 1 tick)" : "");
            points.add(new SvgChart.ScatterPoint(label, x, e.p50Nanos(), e.p99Nanos(),
                    "lockstep".equals(e.kind()) ? LOCKSTEP_COLOR : KERNEL_COLOR));
        }
        return SvgChart.scatter("CPU vs wake-up latency, one point per waiting mode",
                "idle CPU of the waiting JVM, % of one core (log scale; left is better)",
                "wake-up latency: dot p50, bar to p99 (log scale; lower is better)", points,
                WaitModesReport::percentText, IpcReport::nanosText,
                List.of(new String[] {LOCKSTEP_COLOR, "Lockstep IpcEvent"}, new String[] {KERNEL_COLOR, "kernel IPC (blocking read)"}));
    }

    /** 100%, 2.5%, 0.1%, 0.05%: two significant digits at most. */
    static String percentText(double p) {
        return new java.math.BigDecimal(p).round(new java.math.MathContext(2)).stripTrailingZeros().toPlainString() + "%";
    }

    // ---------------------------------------------------------------- output

    /** The Markdown section (heading level 2), chart linked as {@value #CHART}. */
    static String markdownSection(Results r) {
        return "\n## " + TITLE + "\n\n" + markdownBody(r);
    }

    private static String markdownBody(Results r) {
        StringBuilder s = new StringBuilder();
        s.append(intro(r).replace("|", "\\|")).append("\n\n");
        s.append("![CPU vs wake-up latency](").append(CHART).append(")\n\n");
        ReportWriter.mdTable(s, table(r));
        return s.toString();
    }

    /** The HTML section, chart inline. */
    static String htmlSection(Results r) {
        StringBuilder s = new StringBuilder();
        s.append("<h2>").append(SvgChart.esc(TITLE)).append("</h2>\n<p>").append(SvgChart.esc(intro(r))).append("</p>\n");
        s.append(render(r));
        ReportWriter.htmlTable(s, table(r));
        return s.toString();
    }

    /** Writes {@value #JSON}, {@value #CHART} and the stand-alone {@value #MARKDOWN} into {@code dir}. */
    public static void writeAll(Results r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(JSON), toJson(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(CHART), render(r), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(MARKDOWN), "# " + TITLE + "\n\n" + markdownBody(r), StandardCharsets.UTF_8);
    }
}
