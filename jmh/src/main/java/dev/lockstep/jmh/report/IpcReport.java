package dev.lockstep.jmh.report;

import dev.lockstep.jmh.report.ReportModel.Family;
import dev.lockstep.jmh.report.ReportModel.MethodTable;
import dev.lockstep.jmh.report.ReportModel.Row;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The report's IPC section: every mechanism of {@value #ROUND_TRIP} and {@value #THROUGHPUT} (package
 * {@code dev.lockstep.jmh.ipc}) side by side, as one chart ({@value #CHART}) and one table.
 *
 * <p>The chart has two panels. Round trip: p50, p99 and p99.9 in ns per mechanism, as bars on a log
 * scale (a pipe's ~50 µs and shared memory's ~0.2 µs both stay readable). Throughput: each mechanism's
 * messages/µs as a ratio to the baseline ({@code agrona}, see {@code report-baselines.properties}),
 * one bar per message size, on a log scale centred on 1. The {@code floor} mechanism (one mapped
 * {@code long} ping-ponged) is drawn as measured, like the others, but the table gives it no ratio.
 */
final class IpcReport {
    static final String ROUND_TRIP = "IpcRoundTripBench";
    static final String THROUGHPUT = "IpcThroughputBench";
    /** The chart's file name. */
    static final String CHART = "ipc.svg";
    /** Percentiles shown for SampleTime results. */
    static final double[] PERCENTILES = {50.0, 99.0, 99.9};
    static final String[] PERCENTILE_COLORS = {"#1f4e79", "#5b8fc7", "#a9c6e8"};
    static final String INTRO = "Two processes on one machine. Round trip: one 32-byte message to a peer JVM "
            + "and back (SampleTime; lower is better). Throughput: one-way messages/µs into a draining peer "
            + "(higher is better), × message size = MB/s. floor = one mapped long ping-ponged between the "
            + "processes: the hardware bound, shown as measured, never compared. gc.alloc.rate.norm divides "
            + "JMH's own fixed allocation (~0.1-0.3 MB/s) by the operations, so slow mechanisms and noisy runs "
            + "show a few B/op without allocating per operation; one allocation per operation would be "
            + ">= 16 B/op at any speed.";

    private static final int RIGHT_MARGIN = 150; // room on the right for value labels
    private static final int BAR_H = 9;
    private static final int ROW_GAP = 8;

    private IpcReport() {
    }

    /** Whether the results hold any IPC family. */
    static boolean present(ReportModel model) {
        return family(model, ROUND_TRIP) != null || family(model, THROUGHPUT) != null;
    }

    /** Whether {@code t} is a message throughput table: its score × the {@code size} parameter is MB/s. */
    static boolean isMessageThroughput(MethodTable t) {
        return "thrpt".equals(t.mode()) && "ops/us".equals(t.unit()) && !t.rows().isEmpty()
                && THROUGHPUT.equals(t.rows().get(0).result().family())
                && t.rows().get(0).result().params().containsKey("size");
    }

    /** messages/µs × bytes per message = bytes/µs = MB/s (10^6 bytes per second); NaN without a size. */
    static double megabytesPerSecond(BenchResult b) {
        try {
            return b.score() * Integer.parseInt(b.params().get("size"));
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** "p50", "p99", "p99.9". */
    static String percentileName(double p) {
        return "p" + (p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p));
    }

    private static Family family(ReportModel model, String name) {
        for (Family f : model.families()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    /** The round-trip method table (SampleTime preferred), or null. */
    private static MethodTable roundTrip(ReportModel model) {
        Family f = family(model, ROUND_TRIP);
        if (f == null) {
            return null;
        }
        for (MethodTable t : f.methods()) {
            if ("sample".equals(t.mode())) {
                return t;
            }
        }
        return f.methods().isEmpty() ? null : f.methods().get(0);
    }

    private static List<MethodTable> throughput(ReportModel model) {
        Family f = family(model, THROUGHPUT);
        List<MethodTable> out = new ArrayList<>();
        if (f != null) {
            for (MethodTable t : f.methods()) {
                if ("thrpt".equals(t.mode())) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** Nanoseconds per unit of a time-per-operation unit ("ns/op", "us/op", ...); NaN if unknown. */
    static double nanosPer(String unit) {
        String u = unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : unit;
        switch (u) {
            case "ns": return 1;
            case "us": return 1e3;
            case "ms": return 1e6;
            case "s": return 1e9;
            default: return Double.NaN;
        }
    }

    // ---------------------------------------------------------------- table

    /**
     * One row per mechanism: round-trip percentiles (ns), then per size msgs/µs, ratio, MB/s; then the
     * largest gc.alloc.rate.norm of its throughput runs (the round trip's only if it has none: SampleTime
     * runs of slow mechanisms divide JMH's own allocation by few operations).
     */
    static ReportWriter.Table table(ReportModel model) {
        MethodTable rt = roundTrip(model);
        List<MethodTable> tps = throughput(model);
        Set<String> mechanisms = new LinkedHashSet<>();
        if (rt != null) {
            rt.rows().forEach(r -> mechanisms.add(r.impl()));
        }
        List<String> sizes = new ArrayList<>();
        for (MethodTable t : tps) {
            for (Row r : t.rows()) {
                mechanisms.add(r.impl());
                String size = r.result().params().getOrDefault("size", "?");
                if (!sizes.contains(size)) {
                    sizes.add(size);
                }
            }
        }
        List<String> header = new ArrayList<>();
        header.add("mechanism");
        String rtBase = rt == null ? null : rt.baselineImpl();
        if (rt != null) {
            for (double p : PERCENTILES) {
                header.add("round trip " + percentileName(p) + " (ns)");
            }
            header.add("round trip p50 × " + rtBase + " (lower is better)");
        }
        String tpBase = tps.isEmpty() ? null : tps.get(0).baselineImpl();
        for (String size : sizes) {
            header.add(size + " B msgs/µs");
            header.add(size + " B × " + tpBase + " (higher is better)");
            header.add(size + " B MB/s");
        }
        header.add("gc.alloc.rate.norm (B/op, max of throughput runs)");

        List<List<String>> rows = new ArrayList<>();
        List<Boolean> bold = new ArrayList<>();
        for (String m : mechanisms) {
            List<String> row = new ArrayList<>();
            row.add(m);
            double maxAlloc = Double.NaN; // over the throughput runs: many operations, a meaningful B/op
            double rtAlloc = Double.NaN;   // SampleTime: JMH's fixed allocation over few operations, used if no other
            boolean baseline = false;
            if (rt != null) {
                Row r = find(rt, m, null);
                Row base = rtBase == null ? null : find(rt, rtBase, null);
                double scale = nanosPer(rt.unit());
                for (double p : PERCENTILES) {
                    row.add(r == null ? "—" : ReportWriter.num(r.result().percentile(p) * scale));
                }
                if (r == null) {
                    row.add("—");
                } else if (r.reference()) {
                    row.add(ReportWriter.AS_MEASURED);
                } else if (r.baseline()) {
                    row.add("1 (baseline)");
                    baseline = true;
                } else {
                    double b50 = base == null ? Double.NaN : base.result().percentile(50.0);
                    double ratio = r.result().percentile(50.0) / b50;
                    row.add(Double.isNaN(ratio) ? "n/a" : ReportWriter.ratio(ratio) + "×");
                }
                if (r != null) {
                    rtAlloc = r.result().allocNorm();
                }
            }
            for (String size : sizes) {
                Row r = null;
                for (MethodTable t : tps) {
                    r = r != null ? r : find(t, m, size);
                }
                if (r == null) {
                    row.add("—");
                    row.add("—");
                    row.add("—");
                    continue;
                }
                row.add(ReportWriter.num(r.result().score()));
                row.add(r.baseline() ? "1 (baseline)" : r.reference() ? ReportWriter.AS_MEASURED : ReportWriter.ratio(r.ratio()) + "×");
                row.add(ReportWriter.num(megabytesPerSecond(r.result())));
                baseline |= r.baseline();
                maxAlloc = max(maxAlloc, r.result().allocNorm());
            }
            double alloc = Double.isNaN(maxAlloc) ? rtAlloc : maxAlloc;
            row.add(Double.isNaN(alloc) ? "n/a" : ReportWriter.alloc(alloc));
            rows.add(row);
            bold.add(baseline);
        }
        return new ReportWriter.Table(header, rows, bold);
    }

    private static double max(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
    }

    private static Row find(MethodTable t, String impl, String size) {
        for (Row r : t.rows()) {
            if (r.impl().equals(impl) && (size == null || size.equals(r.result().params().get("size")))) {
                return r;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- chart

    /** The two-panel SVG chart. */
    static String render(ReportModel model) {
        MethodTable rt = roundTrip(model);
        List<MethodTable> tps = throughput(model);
        List<Row> tpRows = new ArrayList<>();
        for (MethodTable t : tps) {
            tpRows.addAll(t.rows());
        }
        int rtHeight = rt == null ? 0 : 70 + rt.rows().size() * (3 * BAR_H + ROW_GAP) + 30;
        int tpHeight = tpRows.isEmpty() ? 0 : 70 + tpRows.size() * (2 * BAR_H + ROW_GAP) + 30;
        int height = 40 + rtHeight + tpHeight;
        double widest = 0;
        for (Row r : rt == null ? List.<Row>of() : rt.rows()) {
            widest = Math.max(widest, SvgChart.textWidth(roundTripLabel(r), r.baseline()));
        }
        for (Row r : tpRows) {
            widest = Math.max(widest, SvgChart.textWidth(r.label(), r.baseline()));
        }
        SvgChart.Layout l = SvgChart.Layout.forLabels(widest, RIGHT_MARGIN);
        StringBuilder s = new StringBuilder(16_384);
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(l.width()).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(l.width()).append(' ').append(height)
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">")
                .append(SvgChart.esc("IPC mechanisms, two processes (log scales)")).append("</text>\n");
        int y = 40;
        if (rt != null) {
            y = roundTripPanel(s, l, rt, y);
        }
        if (!tpRows.isEmpty()) {
            throughputPanel(s, l, tps, y);
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static int roundTripPanel(StringBuilder s, SvgChart.Layout l, MethodTable rt, int top) {
        double scale = nanosPer(rt.unit());
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        for (Row r : rt.rows()) {
            for (double p : PERCENTILES) {
                double v = r.result().percentile(p) * scale;
                if (v > 0 && Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (hi == 0) {
            lo = 1;
            hi = 10;
        }
        double dlo = Math.pow(10, Math.floor(Math.log10(lo)));
        double dhi = Math.pow(10, Math.ceil(Math.log10(hi)));
        if (dhi <= dlo) {
            dhi = dlo * 10;
        }
        s.append("<text x=\"10\" y=\"").append(top + 18).append("\" font-weight=\"bold\" font-size=\"13\">")
                .append(SvgChart.esc("Round trip (" + rt.method() + ", " + rt.mode() + "), lower is better"))
                .append("</text>\n");
        int lx = 10;
        for (int i = 0; i < PERCENTILES.length; i++) {
            String name = percentileName(PERCENTILES[i]);
            s.append("<rect x=\"").append(lx).append("\" y=\"").append(top + 28)
                    .append("\" width=\"12\" height=\"12\" fill=\"").append(PERCENTILE_COLORS[i]).append("\"/>\n");
            s.append("<text x=\"").append(lx + 17).append("\" y=\"").append(top + 39).append("\">")
                    .append(SvgChart.esc(name)).append("</text>\n");
            lx += 80;
        }
        int y = top + 60;
        int bottom = y + rt.rows().size() * (3 * BAR_H + ROW_GAP);
        for (double t = dlo; t <= dhi * 1.0001; t *= 10) {
            double tx = l.x(t, dlo, dhi);
            s.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#dddddd\"/>\n", tx, y - 4, tx, bottom));
            s.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444444\">%s</text>\n",
                    tx, bottom + 14, SvgChart.esc(nanosText(t))));
        }
        for (Row r : rt.rows()) {
            s.append("<text x=\"").append(l.labelRight()).append("\" y=\"").append(y + 3 * BAR_H / 2 + 4)
                    .append("\" text-anchor=\"end\"").append(r.baseline() ? " font-weight=\"bold\"" : "").append('>')
                    .append(SvgChart.esc(roundTripLabel(r)))
                    .append("</text>\n");
            for (int i = 0; i < PERCENTILES.length; i++) {
                double v = r.result().percentile(PERCENTILES[i]) * scale;
                int by = y + i * BAR_H;
                if (v > 0 && Double.isFinite(v)) {
                    double w = Math.max(1, l.x(Math.max(dlo, v), dlo, dhi) - l.plotX0());
                    s.append(String.format(Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                            l.plotX0(), by, w, BAR_H - 1, PERCENTILE_COLORS[i]));
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"9\">%s</text>\n",
                            l.plotX0() + w + 4, by + BAR_H - 1, SvgChart.esc(nanosText(v))));
                }
            }
            y += 3 * BAR_H + ROW_GAP;
        }
        return bottom + 30;
    }

    private static void throughputPanel(StringBuilder s, SvgChart.Layout l, List<MethodTable> tps, int top) {
        double lo = 1;
        double hi = 1;
        for (MethodTable t : tps) {
            for (Row r : t.rows()) {
                if (r.ratio() > 0 && Double.isFinite(r.ratio())) {
                    lo = Math.min(lo, r.ratio());
                    hi = Math.max(hi, r.ratio());
                }
            }
        }
        double[] d = SvgChart.niceDomain(lo, hi);
        String base = tps.get(0).baselineImpl();
        s.append("<text x=\"10\" y=\"").append(top + 18).append("\" font-weight=\"bold\" font-size=\"13\">")
                .append(SvgChart.esc("Throughput, messages/µs as × " + base + " (higher is better)"))
                .append("</text>\n");
        int y = top + 40;
        int rows = 0;
        for (MethodTable t : tps) {
            rows += t.rows().size();
        }
        int bottom = y + rows * (2 * BAR_H + ROW_GAP);
        double x1 = l.x(1, d[0], d[1]);
        for (double t : SvgChart.ticks(d[0], d[1])) {
            double tx = l.x(t, d[0], d[1]);
            s.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>\n",
                    tx, y - 4, tx, bottom, t == 1.0 ? "#222222" : "#dddddd"));
            s.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444444\">%s</text>\n",
                    tx, bottom + 14, SvgChart.esc(SvgChart.tick(t) + "×")));
        }
        for (MethodTable t : tps) {
            for (Row r : t.rows()) {
                s.append("<text x=\"").append(l.labelRight()).append("\" y=\"").append(y + BAR_H + 4)
                        .append("\" text-anchor=\"end\"").append(r.baseline() ? " font-weight=\"bold\"" : "")
                        .append('>').append(SvgChart.esc(r.label())).append("</text>\n");
                String value = ReportWriter.num(r.result().score()) + " msgs/µs";
                if (r.baseline()) {
                    s.append(String.format(Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"6\" height=\"%d\" fill=\"%s\"/>\n",
                            x1 - 3, y, 2 * BAR_H, SvgChart.BASELINE));
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-weight=\"bold\">%s</text>\n",
                            x1 + 8, y + BAR_H + 4, SvgChart.esc("baseline = " + value)));
                } else if (r.ratio() > 0 && Double.isFinite(r.ratio())) {
                    double xr = l.x(Math.max(d[0], Math.min(d[1], r.ratio())), d[0], d[1]);
                    boolean better = r.ratio() > 1;
                    s.append(String.format(Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                            Math.min(x1, xr), y, Math.max(1, Math.abs(xr - x1)), 2 * BAR_H,
                            better ? SvgChart.BETTER : SvgChart.WORSE));
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
                            (r.ratio() >= 1 ? xr : x1) + 5, y + BAR_H + 4,
                            SvgChart.esc(ReportWriter.ratio(r.ratio()) + "× (" + value + ")")));
                } else {
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#888888\">%s</text>\n",
                            x1 + 6, y + BAR_H + 4, SvgChart.esc("n/a (" + value + ")")));
                }
                y += 2 * BAR_H + ROW_GAP;
            }
        }
    }

    /** The round-trip panel's label of a mechanism. */
    private static String roundTripLabel(Row r) {
        return r.impl() + (r.reference() ? " (reference)" : r.baseline() ? " (baseline)" : "");
    }

    /** 125 ns, 1.5 µs, 55 µs, 2 ms. */
    static String nanosText(double ns) {
        if (ns >= 1e6) {
            return trim(ns / 1e6) + " ms";
        }
        if (ns >= 1e3) {
            return trim(ns / 1e3) + " µs";
        }
        return trim(ns) + " ns";
    }

    private static String trim(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v).replaceAll("\\.0$", "")
                : String.format(Locale.ROOT, "%.2f", v).replaceAll("\\.?0+$", "");
    }
}
