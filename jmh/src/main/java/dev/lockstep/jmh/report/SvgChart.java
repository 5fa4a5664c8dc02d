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
