package dev.lockstep.jmh.report;

import dev.lockstep.jmh.report.ReportModel.Family;
import dev.lockstep.jmh.report.ReportModel.MethodTable;
import dev.lockstep.jmh.report.ReportModel.Row;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A grouped horizontal bar chart of one family's ratios to the baseline, as standalone SVG: one
 * group per benchmark method, one bar per implementation, on a log scale centred on the 1.0 line
 * (bars grow right of it for ratios above 1, left for below), so that 2× faster and 2× slower are
 * the same length. Bars are coloured by whether they beat the baseline in that method's direction
 * (throughput: higher; time per operation: lower); the baseline is a grey marker on the 1.0 line.
 * {@link #scatter} draws the other shape the reports need (two quantities per point, e.g. idle CPU
 * against wake-up latency, {@link WaitModesReport}) in the same style.
 */
public final class SvgChart {
    static final String BETTER = "#2f6fb0";
    static final String WORSE = "#d9822b";
    static final String BASELINE = "#555555";
    static final String EQUAL = "#aaaaaa";

    private static final int RIGHT_MARGIN = 130; // room on the right for value labels
    private static final int BAR_H = 16;
    private static final int BAR_GAP = 5;
    private static final int GROUP_HEADER = 26;
    private static final int GROUP_GAP = 12;
    private static final int TOP = 84;

    private SvgChart() {
    }

    /** The chart of {@code family}. */
    public static String render(Family family) {
        double lo = 1;
        double hi = 1;
        for (MethodTable t : family.methods()) {
            for (Row r : t.rows()) {
                if (r.ratio() > 0 && Double.isFinite(r.ratio())) {
                    lo = Math.min(lo, r.ratio());
                    hi = Math.max(hi, r.ratio());
                }
            }
        }
        double widest = 0;
        for (MethodTable t : family.methods()) {
            for (Row r : t.rows()) {
                widest = Math.max(widest, textWidth(r.label(), r.baseline()));
            }
        }
        Layout l = Layout.forLabels(widest, RIGHT_MARGIN);
        double[] domain = niceDomain(lo, hi);
        double dlo = domain[0];
        double dhi = domain[1];

        int plotHeight = 0;
        for (MethodTable t : family.methods()) {
            plotHeight += GROUP_HEADER + t.rows().size() * (BAR_H + BAR_GAP) + GROUP_GAP;
        }
        int height = TOP + plotHeight + 40;
        double x1 = l.x(1, dlo, dhi);

        StringBuilder s = new StringBuilder(16_384);
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(l.width()).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(l.width()).append(' ').append(height)
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">")
                .append(esc(family.name() + ": ratio to baseline (log scale)")).append("</text>\n");
        // legend
        int lx = 10;
        lx = legend(s, lx, BETTER, "better than baseline");
        lx = legend(s, lx, WORSE, "worse than baseline");
        legend(s, lx, BASELINE, "baseline (1.0)");

        // grid and ticks
        List<Double> ticks = ticks(dlo, dhi);
        int gridTop = TOP - 8;
        int gridBottom = TOP + plotHeight - GROUP_GAP + 4;
        for (double t : ticks) {
            double tx = l.x(t, dlo, dhi);
            boolean one = t == 1.0;
            s.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%s\"/>\n",
                    tx, gridTop, tx, gridBottom, one ? "#222222" : "#dddddd", one ? "1.5" : "1"));
            s.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444444\"%s>%s</text>\n",
                    tx, gridBottom + 16, one ? " font-weight=\"bold\"" : "", esc(tick(t))));
            s.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444444\"%s>%s</text>\n",
                    tx, gridTop - 5, one ? " font-weight=\"bold\"" : "", esc(tick(t))));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444444\">%s</text>\n",
                (l.plotX0() + l.plotX1()) / 2.0, gridBottom + 32, "× baseline score"));

        int y = TOP;
        for (MethodTable t : family.methods()) {
            String dir = t.higherIsBetter() ? "higher is better" : "lower is better";
            s.append("<text x=\"10\" y=\"").append(y + 16).append("\" font-weight=\"bold\" font-size=\"13\">")
                    .append(esc(t.method() + "  (" + t.mode() + ", " + t.threads() + " thread"
                            + (t.threads() == 1 ? "" : "s") + ", " + dir + ")"))
                    .append("</text>\n");
            y += GROUP_HEADER;
            for (Row r : t.rows()) {
                int cy = y + BAR_H / 2;
                s.append("<text x=\"").append(l.labelRight()).append("\" y=\"").append(cy + 4)
                        .append("\" text-anchor=\"end\"").append(r.baseline() ? " font-weight=\"bold\"" : "").append('>')
                        .append(esc(r.label())).append("</text>\n");
                double ratio = r.ratio();
                if (r.baseline()) {
                    s.append(String.format(Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"6\" height=\"%d\" fill=\"%s\"/>\n",
                            x1 - 3, y, BAR_H, BASELINE));
                    s.append(String.format(Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%d\" font-weight=\"bold\" fill=\"%s\">%s</text>\n",
                            x1 + 8, cy + 4, BASELINE, esc("baseline " + (t.comparesMedians() ? "p50 " : "") + "= "
                                    + ReportWriter.num(ReportModel.compared(r.result(), t.comparesMedians()))
                                    + " " + t.unit())));
                } else if (r.reference()) {
                    s.append(String.format(Locale.ROOT,
                            "<text x=\"%.1f\" y=\"%d\" fill=\"%s\">%s</text>\n",
                            x1 + 8, cy + 4, BASELINE, esc("as measured: " + ReportWriter.num(
                                    ReportModel.compared(r.result(), t.comparesMedians())) + " " + t.unit())));
                } else if (!(ratio > 0) || !Double.isFinite(ratio)) {
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#888888\">n/a</text>\n",
                            x1 + 6, cy + 4));
                } else {
                    double xr = l.x(Math.max(dlo, Math.min(dhi, ratio)), dlo, dhi);
                    boolean same = ReportWriter.ratio(ratio).equals("1.00"); // equal at the precision shown
                    boolean better = t.higherIsBetter() ? ratio > 1 : ratio < 1;
                    double left = Math.min(x1, xr);
                    double w = Math.max(1, Math.abs(xr - x1));
                    s.append(String.format(Locale.ROOT,
                            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n",
                            left, y, w, BAR_H, same ? EQUAL : better ? BETTER : WORSE));
                    double tx = ratio >= 1 ? xr + 5 : x1 + 5;
                    s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
                            tx, cy + 4, esc(ReportWriter.ratio(ratio) + "×")));
                }
                y += BAR_H + BAR_GAP;
            }
            y += GROUP_GAP;
        }
        s.append("</svg>\n");
        return s.toString();
    }

    /**
     * One point of {@link #scatter}: drawn at ({@code x}, {@code y}) with a vertical bar up to
     * {@code yHigh} (e.g. p50 and p99), labelled to its right.
     *
     * @param label shown next to the point
     * @param x     x value (> 0: log axis)
     * @param y     y value (> 0: log axis)
     * @param yHigh top of the bar; NaN or {@code <= y} for none
     * @param color fill colour
     */
    public record ScatterPoint(String label, double x, double y, double yHigh, String color) {
    }

    /**
     * A scatter plot with log scales on both axes (decade grid lines), in this class's style: one
     * point per {@link ScatterPoint}, labels nudged down where they would overlap.
     *
     * @param title  the chart's title
     * @param xTitle the x axis's title
     * @param yTitle the y axis's title
     * @param points the points (non-positive or non-finite coordinates are left out)
     * @param xTick  formats an x tick value
     * @param yTick  formats a y tick value
     * @param legend pairs of colour and text
     * @return the standalone SVG
     */
    public static String scatter(String title, String xTitle, String yTitle, List<ScatterPoint> points,
                                 java.util.function.DoubleFunction<String> xTick,
                                 java.util.function.DoubleFunction<String> yTick, List<String[]> legend) {
        final int width = MIN_WIDTH_SCATTER;
        final int height = 560;
        final int x0 = 90;
        final int x1 = width - 190; // room for labels right of the rightmost points
        final int y0 = 70;
        final int y1 = height - 70;
        double xlo = Double.POSITIVE_INFINITY;
        double xhi = 0;
        double ylo = Double.POSITIVE_INFINITY;
        double yhi = 0;
        List<ScatterPoint> ok = new ArrayList<>();
        for (ScatterPoint p : points) {
            if (p.x() > 0 && Double.isFinite(p.x()) && p.y() > 0 && Double.isFinite(p.y())) {
                ok.add(p);
                xlo = Math.min(xlo, p.x());
                xhi = Math.max(xhi, p.x());
                ylo = Math.min(ylo, p.y());
                yhi = Math.max(yhi, p.yHigh() > p.y() && Double.isFinite(p.yHigh()) ? p.yHigh() : p.y());
            }
        }
        if (ok.isEmpty()) {
            xlo = 1;
            xhi = 10;
            ylo = 1;
            yhi = 10;
        }
        double dxlo = Math.pow(10, Math.floor(Math.log10(xlo)));
        double dxhi = Math.pow(10, Math.ceil(Math.log10(xhi)));
        double dylo = Math.pow(10, Math.floor(Math.log10(ylo)));
        double dyhi = Math.pow(10, Math.ceil(Math.log10(yhi)));
        if (dxhi <= dxlo) {
            dxhi = dxlo * 10;
        }
        if (dyhi <= dylo) {
            dyhi = dylo * 10;
        }
        final double fxlo = dxlo;
        final double fxhi = dxhi;
        final double fylo = dylo;
        final double fyhi = dyhi;
        java.util.function.DoubleUnaryOperator px = v -> x0 + (x1 - x0) * (Math.log(v) - Math.log(fxlo)) / (Math.log(fxhi) - Math.log(fxlo));
        java.util.function.DoubleUnaryOperator py = v -> y1 - (y1 - y0) * (Math.log(v) - Math.log(fylo)) / (Math.log(fyhi) - Math.log(fylo));

        StringBuilder s = new StringBuilder(8_192);
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append("<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">").append(esc(title)).append("</text>\n");
        int lx = 10;
        for (String[] l : legend) {
            lx = legend(s, lx, l[0], l[1]);
        }
        // grid: decades, labelled
        for (double t = dxlo; t <= dxhi * 1.0001; t *= 10) {
            double tx = px.applyAsDouble(t);
            s.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#dddddd\"/>\n", tx, y0, tx, y1));
            s.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444444\">%s</text>\n",
                    tx, y1 + 16, esc(xTick.apply(t))));
        }
        for (double t = dylo; t <= dyhi * 1.0001; t *= 10) {
            double ty = py.applyAsDouble(t);
            s.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#dddddd\"/>\n", x0, ty, x1, ty));
            s.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444444\">%s</text>\n",
                    x0 - 6, ty + 4, esc(yTick.apply(t))));
        }
        s.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888888\"/>\n",
                x0, y0, x1 - x0, y1 - y0));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444444\">%s</text>\n",
                (x0 + x1) / 2.0, y1 + 36, esc(xTitle)));
        s.append(String.format(Locale.ROOT,
                "<text x=\"16\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#444444\" transform=\"rotate(-90 16 %.1f)\">%s</text>\n",
                (y0 + y1) / 2.0, (y0 + y1) / 2.0, esc(yTitle)));
        // points, then labels (nudged apart, lowest first)
        List<double[]> placed = new ArrayList<>(); // label x, label y
        List<ScatterPoint> byY = new ArrayList<>(ok);
        byY.sort((a, b) -> Double.compare(b.y(), a.y())); // top of the chart first
        for (ScatterPoint p : byY) {
            double cx = px.applyAsDouble(p.x());
            double cy = py.applyAsDouble(p.y());
            if (p.yHigh() > p.y() && Double.isFinite(p.yHigh())) {
                double hy = py.applyAsDouble(Math.min(p.yHigh(), fyhi));
                s.append(String.format(Locale.ROOT,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" opacity=\"0.6\"/>\n",
                        cx, cy, cx, hy, p.color()));
                s.append(String.format(Locale.ROOT,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" opacity=\"0.6\"/>\n",
                        cx - 4, hy, cx + 4, hy, p.color()));
            }
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", cx, cy, p.color()));
        }
        for (ScatterPoint p : byY) {
            double lx2 = px.applyAsDouble(p.x()) + 9;
            double ly = py.applyAsDouble(p.y()) + 4;
            double w = textWidth(p.label(), false);
            boolean moved = true;
            while (moved) {
                moved = false;
                for (double[] q : placed) {
                    if (Math.abs(q[1] - ly) < 14 && lx2 < q[0] + q[2] && q[0] < lx2 + w) {
                        ly = q[1] + 14;
                        moved = true;
                    }
                }
            }
            double own = py.applyAsDouble(p.y()) + 4;
            if (ly != own) { // moved off its point: set it further right, a leader line says whose label it is
                lx2 += 16;
                s.append(String.format(Locale.ROOT,
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n",
                        lx2 - 20, own - 4, lx2 - 2, ly - 4, p.color()));
            }
            placed.add(new double[] {lx2, ly, w});
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx2, ly, esc(p.label())));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static final int MIN_WIDTH_SCATTER = Layout.MIN_WIDTH;

    private static int legend(StringBuilder s, int x, String color, String text) {
        s.append("<rect x=\"").append(x).append("\" y=\"34\" width=\"12\" height=\"12\" fill=\"").append(color)
                .append("\"/>\n");
        s.append("<text x=\"").append(x + 17).append("\" y=\"45\">").append(esc(text)).append("</text>\n");
        return x + 17 + 7 * text.length() + 20;
    }

    /**
     * The horizontal layout of a chart with right-aligned labels on the left: the label column is as
     * wide as the widest label (so no label is cut at the left edge, whatever the benchmark names), the
     * plot at least {@link #MIN_PLOT_W} wide, the chart at least {@link #MIN_WIDTH}.
     *
     * @param labelRight x where the labels end (they are drawn with text-anchor end)
     * @param plotX0     left edge of the plot
     * @param plotX1     right edge of the plot
     * @param width      the chart's width
     */
    record Layout(int labelRight, int plotX0, int plotX1, int width) {
        static final int LEFT_MARGIN = 10;
        static final int MIN_WIDTH = 960;
        static final int MIN_PLOT_W = 560;

        /** The layout for labels at most {@code widestLabel} px wide and {@code rightMargin} px right of the plot. */
        static Layout forLabels(double widestLabel, int rightMargin) {
            int labelRight = LEFT_MARGIN + (int) Math.ceil(widestLabel);
            int plotX0 = labelRight + 10;
            int width = Math.max(MIN_WIDTH, plotX0 + MIN_PLOT_W + rightMargin);
            return new Layout(labelRight, plotX0, width - rightMargin, width);
        }

        /** The x of {@code v} on a log axis from {@code lo} to {@code hi}. */
        double x(double v, double lo, double hi) {
            return plotX0 + (plotX1 - plotX0) * (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
        }
    }

    /**
     * An upper estimate of the width in px of {@code text} drawn at 12 px (the charts' label size) in
     * DejaVu Sans, the first and widest of the charts' fonts (Helvetica and Arial are narrower), from
     * its advance widths in em rounded up; bold adds 15%. SVG has no text measurement, and font
     * metrics from AWT would need fonts installed where the report is rendered.
     */
    static double textWidth(String text, boolean bold) {
        double em = 0;
        for (int i = 0; i < text.length(); i++) {
            em += advance(text.charAt(i));
        }
        return em * 12 * (bold ? 1.15 : 1.0);
    }

    private static double advance(char c) {
        if (c >= '0' && c <= '9') {
            return 0.64;
        }
        if ("iljI.,:;'|!".indexOf(c) >= 0) {
            return 0.32;
        }
        if (" frt()[]{}-/\\".indexOf(c) >= 0) {
            return 0.42;
        }
        if ("mwMW%@".indexOf(c) >= 0) {
            return 1.0;
        }
        if (c >= 'A' && c <= 'Z') {
            return 0.79;
        }
        if (c >= 'a' && c <= 'z') {
            return 0.64;
        }
        if ("=+<>#×~".indexOf(c) >= 0) {
            return 0.84;
        }
        return c < 0x2E80 ? 0.8 : 1.0; // other symbols; CJK and beyond are full width
    }

    /** A domain of 1-2-5 ticks that holds [lo, hi] and 1.0 with some room. */
    static double[] niceDomain(double lo, double hi) {
        double l = Math.min(lo, 1) / 1.15;
        double h = Math.max(hi, 1) * 1.15;
        l = niceDown(l);
        h = niceUp(h);
        if (l >= 1) {
            l = 0.5;
        }
        if (h / l > 1000) { // only decade ticks then: start and end on one
            l = Math.pow(10, Math.floor(Math.log10(l) + 1e-9));
            h = Math.pow(10, Math.ceil(Math.log10(h) - 1e-9));
        }
        if (h <= 1) {
            h = 2;
        }
        return new double[] {l, h};
    }

    private static double niceDown(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {5, 2, 1}) {
            if (m * p <= v * (1 + 1e-9)) {
                return m * p;
            }
        }
        return p;
    }

    private static double niceUp(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v * (1 - 1e-9)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** 1-2-5 ticks within [lo, hi]; only powers of ten when the range is wide. */
    static List<Double> ticks(double lo, double hi) {
        boolean wide = hi / lo > 1000;
        List<Double> out = new ArrayList<>();
        for (int e = (int) Math.floor(Math.log10(lo)) - 1; e <= (int) Math.ceil(Math.log10(hi)) + 1; e++) {
            double p = Math.pow(10, e);
            for (double m : wide ? new double[] {1} : new double[] {1, 2, 5}) {
                double t = Double.parseDouble(String.format(Locale.ROOT, "%.10g", m * p));
                if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) {
                    out.add(t);
                }
            }
        }
        if (!out.contains(1.0)) {
            out.add(1.0);
        }
        return out;
    }

    static String tick(double t) {
        if (t >= 1) {
            return String.format(Locale.ROOT, "%.0f", t);
        }
        return new java.math.BigDecimal(t).round(new java.math.MathContext(1)).stripTrailingZeros().toPlainString();
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&': b.append("&amp;"); break;
                case '<': b.append("&lt;"); break;
                case '>': b.append("&gt;"); break;
                case '"': b.append("&quot;"); break;
                default: b.append(c);
            }
        }
        return b.toString();
    }
}
