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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing of a real JMH result file, baselines and ratios, and the rendered Markdown, HTML and SVG. */
class ReportTest {

    /** A real short run: LockBench.uncontended1 with -p impl=ReentrantLock,TasLock,synchronized -prof gc. */
    static String sample() throws IOException {
        try (InputStream in = ReportTest.class.getResourceAsStream("/lockbench-sample.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** An average-time family without the GC profiler, with a second parameter and an explicit error. */
    static final String AVGT = "[\n"
            + avgt("Abq", "64", 400, "12.5") + ",\n"
            + avgt("Spsc", "64", 100, "\"NaN\"") + ",\n"
            + avgt("Abq", "1024", 500, "1") + ",\n"
            + avgt("Spsc", "1024", 1000, "1") + "\n]";

    private static String avgt(String impl, String size, double score, String error) {
        return "{\"jmhVersion\":\"1.37\",\"benchmark\":\"x.y.QBench.pingPong\",\"mode\":\"avgt\",\"threads\":2,"
                + "\"forks\":1,\"jvmArgs\":[\"-Xmx1g\"],\"jdkVersion\":\"25\",\"vmName\":\"VM\",\"vmVersion\":\"25+1\","
                + "\"warmupIterations\":1,\"warmupTime\":\"1 s\",\"measurementIterations\":2,\"measurementTime\":\"1 s\","
                + "\"params\":{\"impl\":\"" + impl + "\",\"size\":\"" + size + "\"},"
                + "\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":" + error + ",\"scoreUnit\":\"ns/op\"},"
                + "\"secondaryMetrics\":{}}";
    }

    @Test
    void parsesRealJmhOutput() throws IOException {
        List<BenchResult> rs = BenchResult.parseJmhJson(sample());
        assertEquals(3, rs.size());
        BenchResult r = rs.get(0);
        assertEquals("dev.lockstep.jmh.lock.LockBench.uncontended1", r.benchmark());
        assertEquals("LockBench", r.family());
        assertEquals("uncontended1", r.method());
        assertEquals("thrpt", r.mode());
        assertTrue(r.higherIsBetter());
        assertEquals(1, r.threads());
        assertEquals(Map.of("impl", "ReentrantLock"), r.params());
        assertEquals(142.0206101526491, r.score(), 1e-9);
        assertTrue(Double.isNaN(r.scoreError()), "scoreError \"NaN\" must read as NaN");
        assertEquals("ops/us", r.unit());
        assertEquals(2.078117962522651E-4, r.allocNorm(), 1e-12);
        assertEquals("forks 1, warmup 1 × 200 ms, measurement 1 × 200 ms", r.settings());
        assertTrue(r.jvm().contains("JDK 17.0.15"), r.jvm());
        assertEquals(List.of("ReentrantLock", "TasLock", "synchronized"),
                rs.stream().map(x -> x.params().get("impl")).toList());
    }

    @Test
    void oldStyleSecondaryMetricNameAndMissingParams() {
        String json = "[{\"benchmark\":\"a.B.m\",\"mode\":\"thrpt\",\"threads\":1,\"forks\":1,"
                + "\"primaryMetric\":{\"score\":2,\"scoreError\":0.5,\"scoreUnit\":\"ops/s\"},"
                + "\"secondaryMetrics\":{\"\u00b7gc.alloc.rate.norm\":{\"score\":24.0,\"scoreUnit\":\"B/op\"}}}]";
        BenchResult r = BenchResult.parseJmhJson(json).get(0);
        assertEquals(24.0, r.allocNorm());
        assertEquals(0.5, r.scoreError());
        assertTrue(r.params().isEmpty());
        MethodTable t = ReportModel.build(List.of(r), Map.of()).families().get(0).methods().get(0);
        assertNull(t.baselineImpl());
        assertTrue(t.rows().get(0).baseline());
        assertFalse(t.note().isEmpty());
    }

    @Test
    void rejectsFilesThatAreNotJmhResults() {
        assertThrows(IllegalArgumentException.class, () -> BenchResult.parseJmhJson("{}"));
        assertThrows(IllegalArgumentException.class, () -> BenchResult.parseJmhJson("[1]"));
        assertThrows(IllegalArgumentException.class, () -> BenchResult.parseJmhJson("[{\"mode\":\"thrpt\"}]"));
    }

    @Test
    void baselineIsTheFirstImplAndRatiosAreScoreOverBaseline() throws IOException {
        List<BenchResult> rs = BenchResult.parseJmhJson(sample());
        MethodTable t = ReportModel.build(rs, Map.of()).families().get(0).methods().get(0);
        assertEquals("ReentrantLock", t.baselineImpl());
        assertTrue(t.higherIsBetter());
        Row base = t.rows().get(0);
        assertTrue(base.baseline());
        assertEquals(1.0, base.ratio(), 1e-12);
        Row tas = t.rows().get(1);
        assertFalse(tas.baseline());
        assertEquals(rs.get(1).score() / rs.get(0).score(), tas.ratio(), 1e-12);
    }

    @Test
    void baselineCanBeOverriddenPerFamilyOrMethod() throws IOException {
        List<BenchResult> rs = BenchResult.parseJmhJson(sample());
        MethodTable t = ReportModel.build(rs, Map.of("LockBench", "synchronized")).families().get(0).methods().get(0);
        assertEquals("synchronized", t.baselineImpl());
        assertTrue(t.rows().get(2).baseline());
        assertEquals(rs.get(0).score() / rs.get(2).score(), t.rows().get(0).ratio(), 1e-12);

        t = ReportModel.build(rs, Map.of("LockBench", "synchronized", "LockBench.uncontended1", "TasLock"))
                .families().get(0).methods().get(0);
        assertEquals("TasLock", t.baselineImpl());

        // a configured baseline that did not run: the first value, and a note saying so
        t = ReportModel.build(rs, Map.of("LockBench", "NoSuchLock")).families().get(0).methods().get(0);
        assertEquals("ReentrantLock", t.baselineImpl());
        assertTrue(t.note().contains("NoSuchLock"), t.note());
    }

    @Test
    void bundledBaselinesNameReentrantLockForLockBench() {
        assertEquals("ReentrantLock", ReportModel.loadBaselines().get("LockBench"));
    }

    @Test
    void averageTimeIsLowerIsBetterAndComparesWithinTheSameOtherParams() {
        List<BenchResult> rs = BenchResult.parseJmhJson(AVGT);
        Family f = ReportModel.build(rs, Map.of()).families().get(0);
        assertEquals("QBench", f.name());
        MethodTable t = f.methods().get(0);
        assertFalse(t.higherIsBetter());
        assertEquals("Abq", t.baselineImpl());
        assertEquals(0.25, t.rows().get(1).ratio(), 1e-12);  // 100 / 400, size=64
        assertEquals(2.0, t.rows().get(3).ratio(), 1e-12);   // 1000 / 500, size=1024
        assertTrue(t.rows().get(2).baseline());
        assertEquals("Spsc [size=1024]", t.rows().get(3).label());

        String md = ReportWriter.markdown(ReportModel.build(rs, Map.of()), rs, meta());
        assertTrue(md.contains("ratio to Abq (×, lower is better)"), md);
        assertTrue(md.contains("| Spsc | size=64 | 100.0 ± n/a | 0.25 | n/a |"), md);
        assertTrue(md.contains("| Spsc | size=1024 | 1000 ± 1 | 2.00 | n/a |"), md);
        assertTrue(md.contains("| **Abq** | **size=64** | **400.0 ± 12.5** | **1 (baseline)** | **n/a** |"), md);
        assertTrue(md.contains("-Xmx1g"), md);
    }

    @Test
    void markdownHasSettingsTablesAndTheChart() throws IOException {
        List<BenchResult> rs = BenchResult.parseJmhJson(sample());
        String md = ReportWriter.markdown(ReportModel.build(rs, Map.of()), rs, meta());
        assertTrue(md.startsWith("# Lockstep benchmark report\n"), md);
        assertTrue(md.contains("| JVM | OpenJDK 64-Bit Server VM 17.0.15+6-Debian-1deb12u1 (JDK 17.0.15) |"), md);
        assertTrue(md.contains("| JMH settings | forks 1, warmup 1 × 200 ms, measurement 1 × 200 ms |"), md);
        assertTrue(md.contains("| Machine | 2 cores, TestOS |"), md);
        assertTrue(md.contains("## LockBench\n"), md);
        assertTrue(md.contains("![LockBench](lockbench.svg)"), md);
        assertTrue(md.contains("### uncontended1 (thrpt, 1 thread)"), md);
        assertTrue(md.contains("| impl | score ± error (ops/us) | ratio to ReentrantLock (×, higher is better) "
                + "| gc.alloc.rate.norm (B/op) |"), md);
        assertTrue(md.contains("| **ReentrantLock** | **142.0 ± n/a** | **1 (baseline)** | **≈ 0** |"), md);
        assertTrue(md.contains("| TasLock | 199.0 ± n/a | 1.40 | ≈ 0 |"), md);
        assertTrue(md.contains("| TasLock | 1.40× |"), md); // summary table
    }

    @Test
    void svgIsWellFormedWithOneBarPerNonBaselineRowAndTheOneLine() throws Exception {
        List<BenchResult> rs = BenchResult.parseJmhJson(sample());
        Family f = ReportModel.build(rs, Map.of()).families().get(0);
        String svg = SvgChart.render(f);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        assertTrue(svg.contains(">TasLock</text>"), svg);
        assertTrue(svg.contains(">1.40×</text>"), svg);
        assertTrue(svg.contains("baseline = 142.0 ops/us"), svg);
        assertTrue(svg.contains("higher is better"), svg);
        assertEquals(2, count(svg, "height=\"16\" fill=\"" + SvgChart.BETTER + "\"/>"), "TasLock and synchronized beat ReentrantLock");
        assertTrue(svg.contains("stroke=\"#222222\""), "the 1.0 line");

        // an avgt family: the faster (lower) one is "better"
        List<BenchResult> q = BenchResult.parseJmhJson(AVGT);
        String qsvg = SvgChart.render(ReportModel.build(q, Map.of()).families().get(0));
        assertEquals(1, count(qsvg, "height=\"16\" fill=\"" + SvgChart.BETTER + "\"/>"));
        assertEquals(1, count(qsvg, "height=\"16\" fill=\"" + SvgChart.WORSE + "\"/>"));
        assertTrue(qsvg.contains("lower is better"));
    }

    @Test
    void numbersKeepTheirPrecisionAndErrorsFollowTheScore() {
        assertEquals("142.0 ± 1.2", ReportWriter.scoreCell(142.0206, 1.2345));
        assertEquals("3.142 ± 0.050", ReportWriter.scoreCell(3.14159, 0.05));
        assertEquals("0.0123 ± n/a", ReportWriter.scoreCell(0.012345, Double.NaN));
        assertEquals("1.40", ReportWriter.ratio(1.4012));
        assertEquals("0.0286", ReportWriter.ratio(0.028571));
        assertEquals("18.0", ReportWriter.ratio(18.01));
        assertEquals("≈ 0", ReportWriter.alloc(2e-4));
        assertEquals("24.00", ReportWriter.alloc(24));
    }

    @Test
    void logAxisDomainHoldsAllRatiosAndOne() {
        double[] d = SvgChart.niceDomain(0.03, 50);
        assertTrue(d[0] <= 0.03 && d[1] >= 50, d[0] + ".." + d[1]);
        d = SvgChart.niceDomain(1, 1);
        assertTrue(d[0] < 1 && d[1] > 1);
        assertTrue(SvgChart.ticks(0.2, 2).containsAll(List.of(0.2, 0.5, 1.0, 2.0)));
    }

    @Test
    void fromJsonWritesReportHtmlAndChartsAndCopiesToDocs(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("in.json");
        Files.writeString(json, sample());
        Path out = dir.resolve("out");
        Path docs = dir.resolve("docs");
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int rc = QuickReport.run(new String[] {"--from-json", json.toString(), "--out", out.toString(),
                "--docs", docs.toString()}, new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, stderr.toString(StandardCharsets.UTF_8));
        Path md = out.resolve("report.md").toAbsolutePath().normalize();
        assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("Report: " + md), stdout.toString());
        for (String f : List.of("report.md", "report.html", "lockbench.svg")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
            assertEquals(Files.readString(out.resolve(f)), Files.readString(docs.resolve(f)), f);
        }
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<svg") && html.contains("<td>TasLock</td>"), html);
    }

    @Test
    void usageErrorsExitWithTwo() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, QuickReport.run(new String[] {"--bogus", "x"}, sink, sink));
        assertEquals(2, QuickReport.run(new String[] {"--forks", "0"}, sink, sink));
        assertEquals(2, QuickReport.run(new String[] {"--warmup-time", "soon"}, sink, sink));
        assertEquals(2, QuickReport.run(new String[] {"--from-json"}, sink, sink));
        assertEquals(2, QuickReport.run(new String[] {"--from-json", "/no/such/file.json"}, sink, sink));
        assertEquals(0, QuickReport.run(new String[] {"--help"}, sink, sink));
    }

    @Test
    void parsesDurationsAndRepeatableOptions() {
        QuickReport.Args a = QuickReport.parse(new String[] {"--warmup-time", "500ms", "--include", "A",
                "--include", "B", "--param", "impl=X,Y", "--baseline", "F=X", "--no-gc"});
        assertEquals(500, a.warmupTime.convertTo(java.util.concurrent.TimeUnit.MILLISECONDS));
        assertEquals(List.of("A", "B"), a.includes());
        assertEquals(List.of("X", "Y"), List.of(a.params.get("impl")));
        assertEquals("X", a.baselines.get("F"));
        assertFalse(a.gc);
        assertEquals(600_000, a.lockWait.convertTo(java.util.concurrent.TimeUnit.MILLISECONDS), "default 10 min");
        assertEquals(org.openjdk.jmh.runner.options.TimeValue.NONE,
                QuickReport.parse(new String[] {"--lock-wait", "0"}).lockWait);
        assertEquals(List.of(QuickReport.DEFAULT_INCLUDE), QuickReport.parse(new String[0]).includes());
    }

    private static ReportWriter.Meta meta() {
        return new ReportWriter.Meta("test.json", "2026-01-01 00:00 UTC", "2 cores, TestOS", List.of());
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
