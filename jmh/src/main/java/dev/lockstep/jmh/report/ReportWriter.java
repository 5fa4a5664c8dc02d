package dev.lockstep.jmh.report;

import dev.lockstep.jmh.report.ReportModel.Family;
import dev.lockstep.jmh.report.ReportModel.MethodTable;
import dev.lockstep.jmh.report.ReportModel.Row;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Renders a {@link ReportModel} as {@code report.md} (GitHub Markdown, charts linked as SVG files),
 * {@code report.html} (same content, charts inline) and one {@code <family>.svg} per family.
 */
public final class ReportWriter {
    /** Name of the Markdown report in the output folder. */
    public static final String MARKDOWN = "report.md";
    /** Name of the HTML report in the output folder. */
    public static final String HTML = "report.html";

    /**
     * What the report says about where it comes from.
     *
     * @param source   where the numbers come from, e.g. "results.json (QuickReport run)"
     * @param rendered date and time the report was made
     * @param machine  cores, OS and architecture of the machine
     * @param extra    further setting lines (e.g. profilers), may be empty
     */
    public record Meta(String source, String rendered, String machine, List<String> extra) {
    }

    private ReportWriter() {
    }

    /** The chart's file name for a family: its name in lower case, {@code .svg}. */
    public static String chartFile(String family) {
        return family.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_.-]", "_") + ".svg";
    }

    /** Writes report.md, report.html and the charts into {@code dir}; returns the report.md path. */
    public static Path write(ReportModel model, List<BenchResult> results, Meta meta, Path dir) throws IOException {
        return write(model, results, meta, dir, null);
    }

    /**
     * As {@link #write(ReportModel, List, Meta, Path)}, with the IPC waiting-modes section and its chart
     * ({@link WaitModesReport}) when {@code waits} is not null.
     */
    public static Path write(ReportModel model, List<BenchResult> results, Meta meta, Path dir,
                             WaitModesReport.Results waits) throws IOException {
        Files.createDirectories(dir);
        if (waits != null) {
            Files.writeString(dir.resolve(WaitModesReport.CHART), WaitModesReport.render(waits), StandardCharsets.UTF_8);
        }
        for (Family f : model.families()) {
            Files.writeString(dir.resolve(chartFile(f.name())), SvgChart.render(f), StandardCharsets.UTF_8);
        }
        if (IpcReport.present(model)) {
            Files.writeString(dir.resolve(IpcReport.CHART), IpcReport.render(model), StandardCharsets.UTF_8);
        }
        Files.writeString(dir.resolve(HTML), html(model, results, meta, waits), StandardCharsets.UTF_8);
        Path md = dir.resolve(MARKDOWN);
        Files.writeString(md, markdown(model, results, meta, waits), StandardCharsets.UTF_8);
        return md;
    }

    // ---------------------------------------------------------------- tables shared by md and html

    /** A table: header cells, body rows, and which body rows are the baseline (shown in bold). */
    record Table(List<String> header, List<List<String>> rows, List<Boolean> bold) {
    }

    static List<String[]> settings(List<BenchResult> results, Meta meta) {
        List<String[]> s = new ArrayList<>();
        s.add(new String[] {"Rendered", meta.rendered()});
        s.add(new String[] {"Source", meta.source()});
        s.add(new String[] {"JVM", join(distinct(results, r -> r.jvm()))});
        Set<String> args = new LinkedHashSet<>();
        for (BenchResult r : results) {
            args.add(r.jvmArgs().isEmpty() ? "(none)" : String.join(" ", r.jvmArgs()));
        }
        s.add(new String[] {"JVM arguments", join(args)});
        s.add(new String[] {"Machine", meta.machine()});
        s.add(new String[] {"JMH", join(distinct(results, r -> r.jmhVersion()))});
        s.add(new String[] {"JMH settings", join(distinct(results, r -> r.settings()))});
        for (String e : meta.extra()) {
            int colon = e.indexOf(':');
            s.add(colon < 0 ? new String[] {"", e} : new String[] {e.substring(0, colon), e.substring(colon + 1).trim()});
        }
        return s;
    }

    private static Set<String> distinct(List<BenchResult> results, java.util.function.Function<BenchResult, String> f) {
        Set<String> s = new LinkedHashSet<>();
        for (BenchResult r : results) {
            s.add(f.apply(r));
        }
        return s;
    }

    private static String join(Set<String> values) {
        return values.isEmpty() ? "n/a" : String.join("; ", values);
    }

    /** Rows = implementations, columns = methods, cells = ratio to baseline. */
    static Table summary(Family f) {
        List<String> header = new ArrayList<>();
        header.add(f.methods().isEmpty() ? ReportModel.IMPL : f.methods().get(0).implParam());
        Set<String> modes = new LinkedHashSet<>();
        for (MethodTable t : f.methods()) {
            modes.add(t.mode());
        }
        for (MethodTable t : f.methods()) {
            header.add(t.method() + (modes.size() > 1 ? " " + t.mode() : "") + " (" + (t.higherIsBetter() ? "↑" : "↓") + ")");
        }
        List<List<String>> rows = new ArrayList<>();
        List<Boolean> bold = new ArrayList<>();
        for (String label : f.labels()) {
            List<String> row = new ArrayList<>();
            row.add(label);
            boolean allBase = true;
            for (MethodTable t : f.methods()) {
                String cell = "—";
                for (Row r : t.rows()) {
                    if (r.label().equals(label) && cell.equals("—")) {
                        cell = r.baseline() ? "1 (baseline)" : r.reference() ? AS_MEASURED : ratio(r.ratio()) + "×";
                        allBase &= r.baseline();
                    }
                }
                row.add(cell);
            }
            rows.add(row);
            bold.add(allBase);
        }
        return new Table(header, rows, bold);
    }

    /** The ratio cell of a reference row (e.g. the IPC floor): it is shown as measured, not compared. */
    static final String AS_MEASURED = "as measured (reference)";

    /**
     * The detailed table of one method. SampleTime methods get p50, p99 and p99.9 columns (from
     * {@code scorePercentiles}); IPC throughput methods ({@link IpcReport#isMessageThroughput}) get MB/s.
     */
    static Table detail(MethodTable t) {
        boolean anyOther = false;
        boolean percentiles = false;
        for (Row r : t.rows()) {
            anyOther |= !r.otherParams().isEmpty();
            percentiles |= "sample".equals(t.mode()) && !Double.isNaN(r.result().percentile(50.0));
        }
        boolean mbs = IpcReport.isMessageThroughput(t);
        List<String> header = new ArrayList<>();
        header.add(t.implParam());
        if (anyOther) {
            header.add("params");
        }
        header.add("score ± error (" + t.unit() + ")");
        if (percentiles) {
            for (double p : IpcReport.PERCENTILES) {
                header.add(IpcReport.percentileName(p) + " (" + t.unit() + ")");
            }
        }
        if (mbs) {
            header.add("MB/s");
        }
        String base = t.baselineImpl() == null ? "first row" : t.baselineImpl();
        header.add((t.comparesMedians() ? "p50 ratio to " : "ratio to ") + base + " (×, "
                + (t.higherIsBetter() ? "higher" : "lower") + " is better)");
        header.add("gc.alloc.rate.norm (B/op)");
        List<List<String>> rows = new ArrayList<>();
        List<Boolean> bold = new ArrayList<>();
        for (Row r : t.rows()) {
            List<String> row = new ArrayList<>();
            row.add(r.impl());
            if (anyOther) {
                row.add(r.otherParams().isEmpty() ? "—" : r.otherParams());
            }
            BenchResult b = r.result();
            row.add(scoreCell(b.score(), b.scoreError()));
            if (percentiles) {
                for (double p : IpcReport.PERCENTILES) {
                    row.add(num(b.percentile(p)));
                }
            }
            if (mbs) {
                row.add(num(IpcReport.megabytesPerSecond(b)));
            }
            row.add(r.baseline() ? "1 (baseline)" : r.reference() ? AS_MEASURED
                    : Double.isNaN(r.ratio()) ? "n/a" : ratio(r.ratio()));
            row.add(Double.isNaN(b.allocNorm()) ? "n/a" : alloc(b.allocNorm()));
            rows.add(row);
            bold.add(r.baseline());
        }
        return new Table(header, rows, bold);
    }

    static String heading(MethodTable t) {
        return t.method() + " (" + t.mode() + ", " + t.threads() + " thread" + (t.threads() == 1 ? "" : "s") + ")";
    }

    // ---------------------------------------------------------------- Markdown

    /** The Markdown report. */
    public static String markdown(ReportModel model, List<BenchResult> results, Meta meta) {
        return markdown(model, results, meta, null);
    }

    /** The Markdown report, with the waiting-modes section if {@code waits} is not null. */
    public static String markdown(ReportModel model, List<BenchResult> results, Meta meta, WaitModesReport.Results waits) {
        StringBuilder s = new StringBuilder(8192);
        s.append("# Lockstep benchmark report\n\n");
        s.append("| | |\n|---|---|\n");
        for (String[] kv : settings(results, meta)) {
            s.append("| ").append(md(kv[0])).append(" | ").append(md(kv[1])).append(" |\n");
        }
        s.append("\nRatio = score / baseline score for the same benchmark method and parameters. The baseline is "
                + "the anchor (the JDK or library class we compare with), in **bold**. Throughput (thrpt): higher "
                + "is better; time per operation (avgt, sample, ss): lower is better. Error = JMH's 99.9% "
                + "confidence half-width (n/a with too few iterations). gc.alloc.rate.norm ≈ 0 means the "
                + "operation allocates nothing.\n");
        for (Family f : model.families()) {
            s.append("\n## ").append(md(f.name())).append("\n\n");
            s.append("![").append(md(f.name())).append("](").append(chartFile(f.name())).append(")\n\n");
            s.append("Ratio to baseline, all methods (↑ higher is better, ↓ lower is better):\n\n");
            mdTable(s, summary(f));
            for (MethodTable t : f.methods()) {
                s.append("\n### ").append(md(heading(t))).append("\n\n");
                if (!t.note().isEmpty()) {
                    s.append("Note: ").append(t.note()).append("\n\n");
                }
                mdTable(s, detail(t));
            }
        }
        if (IpcReport.present(model)) {
            s.append("\n## IPC: all mechanisms\n\n");
            s.append(md(IpcReport.INTRO)).append("\n\n");
            s.append("![IPC mechanisms](").append(IpcReport.CHART).append(")\n\n");
            mdTable(s, IpcReport.table(model));
        }
        if (waits != null) {
            s.append(WaitModesReport.markdownSection(waits));
        }
        return s.toString();
    }

    static void mdTable(StringBuilder s, Table t) {
        s.append('|');
        for (String h : t.header()) {
            s.append(' ').append(md(h)).append(" |");
        }
        s.append("\n|");
        for (int i = 0; i < t.header().size(); i++) {
            s.append(i == 0 ? "---|" : "---:|");
        }
        s.append('\n');
        for (int r = 0; r < t.rows().size(); r++) {
            s.append('|');
            for (String c : t.rows().get(r)) {
                String cell = md(c);
                s.append(' ').append(t.bold().get(r) ? "**" + cell + "**" : cell).append(" |");
            }
            s.append('\n');
        }
    }

    private static String md(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    // ---------------------------------------------------------------- HTML

    /** The HTML report, charts inline. */
    public static String html(ReportModel model, List<BenchResult> results, Meta meta) {
        return html(model, results, meta, null);
    }

    /** The HTML report, with the waiting-modes section if {@code waits} is not null. */
    public static String html(ReportModel model, List<BenchResult> results, Meta meta, WaitModesReport.Results waits) {
        StringBuilder s = new StringBuilder(32_768);
        s.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<title>Lockstep benchmark report</title>\n<style>\n")
                .append("body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:2em;max-width:1000px}\n")
                .append("table{border-collapse:collapse;margin:0.5em 0 1.5em}\n")
                .append("td,th{border:1px solid #ccc;padding:3px 8px}td.n{text-align:right}\n")
                .append("tr.b td{font-weight:bold;background:#f2f2f2}th{background:#e8e8e8}\n")
                .append("</style></head><body>\n<h1>Lockstep benchmark report</h1>\n<table>\n");
        for (String[] kv : settings(results, meta)) {
            s.append("<tr><th>").append(SvgChart.esc(kv[0])).append("</th><td>").append(SvgChart.esc(kv[1]))
                    .append("</td></tr>\n");
        }
        s.append("</table>\n<p>Ratio = score / baseline score for the same benchmark method and parameters; the "
                + "baseline (anchor) is in bold. Throughput: higher is better; time per operation: lower is "
                + "better.</p>\n");
        for (Family f : model.families()) {
            s.append("<h2>").append(SvgChart.esc(f.name())).append("</h2>\n");
            s.append(SvgChart.render(f));
            s.append("<p>Ratio to baseline, all methods:</p>\n");
            htmlTable(s, summary(f));
            for (MethodTable t : f.methods()) {
                s.append("<h3>").append(SvgChart.esc(heading(t))).append("</h3>\n");
                if (!t.note().isEmpty()) {
                    s.append("<p>Note: ").append(SvgChart.esc(t.note())).append("</p>\n");
                }
                htmlTable(s, detail(t));
            }
        }
        if (IpcReport.present(model)) {
            s.append("<h2>IPC: all mechanisms</h2>\n<p>").append(SvgChart.esc(IpcReport.INTRO)).append("</p>\n");
            s.append(IpcReport.render(model));
            htmlTable(s, IpcReport.table(model));
        }
        if (waits != null) {
            s.append(WaitModesReport.htmlSection(waits));
        }
        s.append("</body></html>\n");
        return s.toString();
    }

    static void htmlTable(StringBuilder s, Table t) {
        s.append("<table>\n<tr>");
        for (String h : t.header()) {
            s.append("<th>").append(SvgChart.esc(h)).append("</th>");
        }
        s.append("</tr>\n");
        for (int r = 0; r < t.rows().size(); r++) {
            s.append(t.bold().get(r) ? "<tr class=\"b\">" : "<tr>");
            List<String> row = t.rows().get(r);
            for (int c = 0; c < row.size(); c++) {
                s.append(c == 0 ? "<td>" : "<td class=\"n\">").append(SvgChart.esc(row.get(c))).append("</td>");
            }
            s.append("</tr>\n");
        }
        s.append("</table>\n");
    }

    // ---------------------------------------------------------------- numbers

    /** A score: about 4 significant digits, no exponent for ordinary magnitudes. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%." + decimals(v) + "f", v);
    }

    /** "score ± error", the error with as many decimals as the score. */
    static String scoreCell(double score, double error) {
        if (Double.isNaN(score)) {
            return "n/a";
        }
        String e = Double.isNaN(error) ? "n/a" : String.format(Locale.ROOT, "%." + decimals(score) + "f", error);
        return num(score) + " ± " + e;
    }

    private static int decimals(double v) {
        double a = Math.abs(v);
        if (a >= 1000 || a == 0 || !Double.isFinite(a)) {
            return 0;
        }
        if (a >= 100) {
            return 1;
        }
        if (a >= 1) {
            return 3;
        }
        return Math.min(12, 2 - (int) Math.floor(Math.log10(a))); // 3 significant digits
    }

    /** A ratio: 3 significant digits, at most 2 decimals. */
    static String ratio(double r) {
        if (Double.isNaN(r)) {
            return "n/a";
        }
        if (r >= 100) {
            return String.format(Locale.ROOT, "%.0f", r);
        }
        if (r >= 10) {
            return String.format(Locale.ROOT, "%.1f", r);
        }
        if (r >= 0.1) {
            return String.format(Locale.ROOT, "%.2f", r);
        }
        return String.format(Locale.ROOT, "%.3g", r);
    }

    /** Bytes per operation: "≈ 0" below 0.01 (JMH's own noise floor), else 2 decimals. */
    static String alloc(double b) {
        if (Math.abs(b) < 0.01) {
            return "≈ 0";
        }
        return String.format(Locale.ROOT, "%.2f", b);
    }
}
