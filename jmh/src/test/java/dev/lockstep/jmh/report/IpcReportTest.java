package dev.lockstep.jmh.report;

import dev.lockstep.jmh.report.ReportModel.Family;
import dev.lockstep.jmh.report.ReportModel.MethodTable;
import dev.lockstep.jmh.report.ReportModel.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPC part of the report, from a small hand-written JMH file (ipc-sample.json): round trip in
 * SampleTime for agrona (p50 600 ns, p99 3000, p99.9 20000), floor (200, 600, 9000) and pipe (50000,
 * 90000, 400000); throughput in msgs/µs for agrona (40 at 32 B, 20 at 1 KiB), agronaManyToOne (10, 5)
 * and pipe (0.8, 1.0).
 */
class IpcReportTest {

    static List<BenchResult> sample() throws IOException {
        try (InputStream in = IpcReportTest.class.getResourceAsStream("/ipc-sample.json")) {
            return BenchResult.parseJmhJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static ReportModel model() throws IOException {
        return ReportModel.build(sample(), ReportModel.loadBaselines());
    }

    @Test
    void parsesPercentilesOfSampleTimeResults() throws IOException {
        BenchResult agrona = sample().get(0);
        assertEquals("sample", agrona.mode());
        assertEquals(600.0, agrona.percentile(50.0));
        assertEquals(3000.0, agrona.percentile(99.0));
        assertEquals(20000.0, agrona.percentile(99.9));
        assertTrue(Double.isNaN(agrona.percentile(99.99)), "not in the file");
        assertTrue(Double.isNaN(sample().get(3).percentile(50.0)), "the throughput rows have none");
    }

    @Test
    void mechanismIsTheImplementationAgronaTheBaselineAndFloorHasNoRatio() throws IOException {
        assertEquals("agrona", ReportModel.loadBaselines().get("IpcRoundTripBench"));
        assertEquals("agrona", ReportModel.loadBaselines().get("IpcThroughputBench"));
        Family rt = model().families().get(0);
        MethodTable t = rt.methods().get(0);
        assertEquals("mechanism", t.implParam());
        assertEquals("agrona", t.baselineImpl());
        Row floor = t.rows().get(1);
        assertEquals("floor", floor.impl());
        assertTrue(floor.reference());
        assertFalse(floor.baseline());
        assertTrue(Double.isNaN(floor.ratio()), "the floor is reported as measured");
        assertTrue(t.comparesMedians());
        assertEquals(50000.0 / 600, t.rows().get(2).ratio(), 1e-9); // medians, not the means 60000 / 700

        // the floor is never the baseline, even when it runs first and nothing is configured
        List<BenchResult> floorFirst = List.of(sample().get(1), sample().get(0));
        MethodTable t2 = ReportModel.build(floorFirst, Map.of()).families().get(0).methods().get(0);
        assertEquals("agrona", t2.baselineImpl());

        String chart = SvgChart.render(rt);
        assertTrue(chart.contains("baseline p50 = 600.0 ns/op"), chart);
        assertTrue(chart.contains("as measured: 200.0 ns/op"), chart);

        MethodTable tp = model().families().get(1).methods().get(0);
        assertFalse(tp.comparesMedians());
        assertEquals("agrona", tp.baselineImpl());
        assertEquals(10.0 / 40, tp.rows().get(2).ratio(), 1e-12); // agronaManyToOne, size=32
        assertEquals(1.0 / 20, tp.rows().get(5).ratio(), 1e-12);  // pipe, size=1024
    }

    @Test
    void detailTablesShowPercentilesAndMegabytesPerSecond() throws IOException {
        List<BenchResult> rs = sample();
        String md = ReportWriter.markdown(model(), rs, meta());
        assertTrue(md.contains("| mechanism | score ± error (ns/op) | p50 (ns/op) | p99 (ns/op) | p99.9 (ns/op) "
                + "| p50 ratio to agrona (×, lower is better) | gc.alloc.rate.norm (B/op) |"), md);
        assertTrue(md.contains("| floor | 400.0 ± n/a | 200.0 | 600.0 | 9000 | as measured (reference) | 30.00 |"), md);
        assertTrue(md.contains("| pipe | 60000 ± n/a | 50000 | 90000 | 400000 | 83.3 | 12.50 |"), md);
        assertTrue(md.contains("| mechanism | params | score ± error (ops/us) | MB/s | ratio to agrona"), md);
        assertTrue(md.contains("| pipe | size=1024 | 1.000 ± n/a | 1024 | 0.0500 | ≈ 0 |"), md);
        assertTrue(md.contains("| **agrona** | **size=32** | **40.000 ± n/a** | **1280** | **1 (baseline)** | **≈ 0** |"), md);
    }

    @Test
    void ipcSectionTableHasOneRowPerMechanism() throws IOException {
        ReportWriter.Table t = IpcReport.table(model());
        assertEquals(List.of("mechanism", "round trip p50 (ns)", "round trip p99 (ns)", "round trip p99.9 (ns)",
                "round trip p50 × agrona (lower is better)",
                "32 B msgs/µs", "32 B × agrona (higher is better)", "32 B MB/s",
                "1024 B msgs/µs", "1024 B × agrona (higher is better)", "1024 B MB/s",
                "gc.alloc.rate.norm (B/op, max of throughput runs)"), t.header());
        assertEquals(List.of("agrona", "floor", "pipe", "agronaManyToOne"), t.rows().stream().map(r -> r.get(0)).toList());
        assertEquals(List.of("agrona", "600.0", "3000", "20000", "1 (baseline)", "40.000", "1 (baseline)", "1280",
                "20.000", "1 (baseline)", "20480", "≈ 0"), t.rows().get(0));
        assertEquals(List.of("floor", "200.0", "600.0", "9000", "as measured (reference)", "—", "—", "—", "—", "—", "—",
                "30.00"), t.rows().get(1)); // no throughput run: the round trip's allocation
        assertEquals("≈ 0", t.rows().get(2).get(11), "pipe: its throughput runs' 0.001, not the SampleTime 12.5");
        assertEquals("83.3×", t.rows().get(2).get(4)); // pipe p50 50000 / agrona p50 600
        assertEquals("0.0200×", t.rows().get(2).get(6)); // pipe 0.8 / 40 at 32 B
        assertEquals(List.of("agronaManyToOne", "—", "—", "—", "—", "10.000", "0.25×", "320.0", "5.000", "0.25×",
                "5120", "≈ 0"), t.rows().get(3));
        assertEquals(List.of(true, false, false, false), t.bold());
    }

    @Test
    void chartIsWellFormedLogScaleWithThreePercentileBarsPerMechanism() throws Exception {
        String svg = IpcReport.render(model());
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        for (String c : IpcReport.PERCENTILE_COLORS) {
            assertEquals(3, count(svg, "fill=\"" + c + "\"/>") - 1, "one bar per mechanism, plus the legend, for " + c);
        }
        // decade ticks from 100 ns (under the floor's p50 200 ns) to 1 ms (over pipe's p99.9 400 µs)
        for (String tick : List.of(">100 ns<", ">1 µs<", ">10 µs<", ">100 µs<", ">1 ms<")) {
            assertTrue(svg.contains(tick), tick + " in " + svg);
        }
        assertTrue(svg.contains(">floor (reference)</text>"), svg);
        assertTrue(svg.contains(">50 µs</text>") && svg.contains(">400 µs</text>"), svg);
        // throughput panel: agrona is the 1.0 line, the others are ratios to it, all worse here
        assertTrue(svg.contains("baseline = 40.000 msgs/µs"), svg);
        assertTrue(svg.contains("0.25× (10.000 msgs/µs)"), svg);
        assertEquals(4, count(svg, "fill=\"" + SvgChart.WORSE + "\"/>"));
        assertEquals(0, count(svg, "fill=\"" + SvgChart.BETTER + "\"/>"));
    }

    /**
     * Labels are right-aligned at the label column's edge: a label wider than that column starts left
     * of x = 0 and is cut. The IPC chart's longest names ("lockstepPriorityQueue [size=1024]" in
     * docs/benchmarks/ipc) were, under the old fixed 210 px column.
     */
    @Test
    void longestLabelsStartInsideTheChart() throws Exception {
        String longName = "lockstepPriorityQueueWithAVeryLongName";
        String json;
        try (InputStream in = IpcReportTest.class.getResourceAsStream("/ipc-sample.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("\"agronaManyToOne\"", "\"" + longName + "\"");
        }
        List<BenchResult> rs = BenchResult.parseJmhJson(json);
        ReportModel m = ReportModel.build(rs, ReportModel.loadBaselines());
        // the width estimate is not trivially small: DejaVu Sans averages over 0.55 em per character
        String widest = longName + " [size=1024]";
        assertTrue(SvgChart.textWidth(widest, false) > 0.55 * 12 * widest.length(), "estimate of " + widest);
        List<String> charts = new java.util.ArrayList<>(List.of(IpcReport.render(m)));
        for (Family f : m.families()) {
            charts.add(SvgChart.render(f));
        }
        int labels = 0;
        for (String svg : charts) {
            Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                    .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
            double width = Double.parseDouble(doc.getDocumentElement().getAttribute("width"));
            org.w3c.dom.NodeList texts = doc.getElementsByTagName("text");
            for (int i = 0; i < texts.getLength(); i++) {
                org.w3c.dom.Element t = (org.w3c.dom.Element) texts.item(i);
                if (!"end".equals(t.getAttribute("text-anchor"))) {
                    continue;
                }
                labels++;
                double x = Double.parseDouble(t.getAttribute("x"));
                double w = SvgChart.textWidth(t.getTextContent(), "bold".equals(t.getAttribute("font-weight")));
                assertTrue(x - w >= 0, "label '" + t.getTextContent() + "' (" + Math.round(w) + " px wide) ends at x="
                        + x + ", so it starts left of the chart's edge");
                assertTrue(x < width / 2, "the label column leaves the plot room: x=" + x + " of " + width);
            }
        }
        assertTrue(labels >= 9, "labels checked: " + labels);
    }

    @Test
    void nanosecondTextAndUnits() {
        assertEquals("125 ns", IpcReport.nanosText(125));
        assertEquals("1.5 µs", IpcReport.nanosText(1500));
        assertEquals("55 µs", IpcReport.nanosText(55_000));
        assertEquals("2 ms", IpcReport.nanosText(2e6));
        assertEquals(1000.0, IpcReport.nanosPer("us/op"));
        assertEquals("p99.9", IpcReport.percentileName(99.9));
        assertEquals("p50", IpcReport.percentileName(50));
    }

    @Test
    void fromJsonWritesTheIpcChartAndSection(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("ipc.json");
        try (InputStream in = IpcReportTest.class.getResourceAsStream("/ipc-sample.json")) {
            Files.write(json, in.readAllBytes());
        }
        Path out = dir.resolve("out");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
        int rc = QuickReport.run(new String[] {"--from-json", json.toString(), "--out", out.toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), errs);
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        for (String f : List.of("ipc.svg", "ipcroundtripbench.svg", "ipcthroughputbench.svg")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("## IPC: all mechanisms") && md.contains("![IPC mechanisms](ipc.svg)"), md);
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<h2>IPC: all mechanisms</h2>") && html.contains("<td>agronaManyToOne</td>"), html);
    }

    @Test
    void otherReportsHaveNoIpcSection() throws IOException {
        List<BenchResult> rs = BenchResult.parseJmhJson(ReportTest.sample());
        ReportModel m = ReportModel.build(rs, Map.of());
        assertFalse(IpcReport.present(m));
        assertFalse(ReportWriter.markdown(m, rs, meta()).contains("IPC"));
    }

    private static ReportWriter.Meta meta() {
        return new ReportWriter.Meta("ipc.json", "2026-01-01 00:00 UTC", "2 cores, TestOS", List.of());
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
