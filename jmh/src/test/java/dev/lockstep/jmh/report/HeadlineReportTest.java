package dev.lockstep.jmh.report;

import org.openjdk.jmh.runner.options.TimeValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-fork figures, ratios, spreads and verdicts of the headline table, from hand-made JMH JSON. */
class HeadlineReportTest {

    private static final String MUTEX4 = "dev.lockstep.jmh.sync.MutexBench.oversubscribed4";
    private static final String SEM4 = "dev.lockstep.jmh.sync.SemaphoreBench.oversubscribed4";
    private static final String RTT = "dev.lockstep.jmh.ipc.IpcRoundTripBench.roundTrip";
    private static final String SPSC = "dev.lockstep.jmh.queue.SpscQueueBench.tpt";

    private static String thrpt(String bench, String paramJson, double[][] forks, double alloc) {
        StringBuilder raw = new StringBuilder();
        for (double[] f : forks) {
            raw.append(raw.length() == 0 ? "" : ",").append('[');
            for (int i = 0; i < f.length; i++) {
                raw.append(i == 0 ? "" : ",").append(f[i]);
            }
            raw.append(']');
        }
        return "{\"benchmark\":\"" + bench + "\",\"mode\":\"thrpt\",\"params\":" + paramJson
                + ",\"primaryMetric\":{\"score\":0,\"scoreUnit\":\"ops/us\",\"rawData\":[" + raw + "]},"
                + "\"secondaryMetrics\":{\"gc.alloc.rate.norm\":{\"score\":" + alloc + "}}}";
    }

    private static String sample(String mechanism, String forksHistograms) {
        return "{\"benchmark\":\"" + RTT + "\",\"mode\":\"sample\",\"params\":{\"mechanism\":\"" + mechanism + "\"},"
                + "\"primaryMetric\":{\"score\":0,\"scoreUnit\":\"ns/op\",\"rawDataHistogram\":" + forksHistograms + "},"
                + "\"secondaryMetrics\":{}}";
    }

    private static JsonNode json(String... rows) throws Exception {
        return new ObjectMapper().readTree("[" + String.join(",", rows) + "]");
    }

    @Test
    void ratioIsOfForkMeansAndSpreadCoversEveryForkPair() throws Exception {
        JsonNode results = json(
                thrpt(MUTEX4, "{\"impl\":\"Mutex\"}", new double[][] {{10, 14}, {30, 30}}, 0.001),
                thrpt(MUTEX4, "{\"impl\":\"ReentrantLock\"}", new double[][] {{20, 20}, {40, 40}}, 0.0));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(MUTEX4)).findFirst().orElseThrow();
        HeadlineReport.Side ours = HeadlineReport.side(results, cell, "Mutex");
        assertEquals(12.0, ours.perFork()[0], 1e-9);
        assertEquals(21.0, ours.mean(), 1e-9);
        String md = HeadlineReport.render(List.of(cell), results, "test");
        // 21 / 30 = 0.70; pairs: 12/20 = 0.60 ... 30/20 = 1.50
        assertTrue(md.contains("**0.70×** | 0.30–1.50× | ≥ 1.00× | missed"), md);
    }

    @Test
    void aRatioThatRoundsToTheGoalIsPrintedOnItsOwnSideOfIt() throws Exception {
        // 195.15 / 195.77 = 0.9968, a miss of the 1.00 goal (the 12-06 02:15 record's Mutex 8-thread cell,
        // which the table printed as 1.00× beside "missed")
        JsonNode results = json(
                thrpt(MUTEX4, "{\"impl\":\"Mutex\"}", new double[][] {{195.15}}, 0.0),
                thrpt(MUTEX4, "{\"impl\":\"ReentrantLock\"}", new double[][] {{195.77}}, 0.0));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(MUTEX4)).findFirst().orElseThrow();
        String md = HeadlineReport.render(List.of(cell), results, "t");
        assertTrue(md.contains("**0.997×** | 1.00–1.00× | ≥ 1.00× | missed"), md);
        assertEquals("1.00", cell.ratioText(1.0042)); // met either way: two decimals
        assertEquals("0.9995", cell.ratioText(0.99951)); // 0.999 and 1.000 would each mislead
    }

    @Test
    void fixedParametersSelectTheRow() throws Exception {
        JsonNode results = json(
                thrpt(SEM4, "{\"impl\":\"Semaphore\",\"permits\":\"2\"}", new double[][] {{1}}, 0),
                thrpt(SEM4, "{\"impl\":\"Semaphore\",\"permits\":\"1\"}", new double[][] {{3}}, 0),
                thrpt(SEM4, "{\"impl\":\"jucSemaphore\",\"permits\":\"1\"}", new double[][] {{2}}, 0));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(SEM4)).findFirst().orElseThrow();
        assertEquals(3.0, HeadlineReport.side(results, cell, "Semaphore").mean(), 1e-9);
        assertTrue(HeadlineReport.render(List.of(cell), results, "t").contains("**1.50×**"));
        assertNull(HeadlineReport.side(json(), cell, "Semaphore"));
    }

    @Test
    void sampleTimeCellsCompareForkMediansAndLowerIsBetter() throws Exception {
        // fork medians: ours 200 and 400 (300), agrona 100 and 300 (200): ratio 1.5, goal <= 1.0 missed
        JsonNode results = json(
                sample("lockstep", "[[[[200,3],[900,1]]],[[[400,5],[100,1]]]]"),
                sample("agrona", "[[[[100,2]],[[50,1]]],[[[300,9]]]]"));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(RTT) && c.anchor().equals("agrona")).findFirst().orElseThrow();
        assertEquals(300.0, HeadlineReport.side(results, cell, "lockstep").mean(), 1e-9);
        assertEquals(200.0, HeadlineReport.side(results, cell, "agrona").mean(), 1e-9);
        String md = HeadlineReport.render(List.of(cell), results, "t");
        assertTrue(md.contains("**1.50×**") && md.contains("≤ 1.00× | missed"), md);
    }

    @Test
    void floorCellComparesTwoCoreIterationsOnly() throws Exception {
        // floor fork 1: an iteration in the one-core mode (p0.00 50, p50 58) and one two-core (p0.00 160,
        // p50 250); fork 2: one-core only (dropped whole). Ours: two-core iterations, p50 300.
        JsonNode results = json(
                sample("lockstep", "[[[[300,5],[200,1]]],[[[300,3]],[[300,2]]]]"),
                sample("floor", "[[[[50,1],[58,9]],[[160,1],[250,9]]],[[[50,2],[60,5]]]]"));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(RTT) && c.anchor().equals("floor")).findFirst().orElseThrow();
        HeadlineReport.Side floor = HeadlineReport.side(results, cell, "floor");
        assertEquals(250.0, floor.mean(), 1e-9);
        assertEquals(2, floor.dropped());
        assertEquals(3, floor.iterations());
        String md = HeadlineReport.render(List.of(cell), results, "t");
        assertTrue(md.contains("**1.20×**") && md.contains("anchor 2 of 3"), md);
        // the agrona cell of the same benchmark is not filtered
        HeadlineReport.Cell agrona = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(RTT) && c.anchor().equals("agrona")).findFirst().orElseThrow();
        assertEquals(0, HeadlineReport.side(results, agrona, "lockstep").dropped());
    }

    @Test
    void cellsSharingABenchmarkShareOneRun() {
        Map<String, Set<String>> runs = HeadlineReport.runs(HeadlineReport.CELLS);
        assertEquals(Set.of("ReentrantLockFair", "TicketLock", "ClhLock", "McsLock"),
                runs.get("dev.lockstep.jmh.lock.LockBench.contended2||impl"));
        // the 32 B many-to-one and priority-queue cells are compared per placement mode: one probed run (more
        // forks, the probe), and no 32 B run without the probe
        assertEquals(Set.of("agronaManyToOne", "lockstepManyToOne", "lockstep", "lockstepPriorityQueue"),
                runs.get("dev.lockstep.jmh.ipc.IpcThroughputBench.send|size=32|mechanism|placement"));
        assertEquals(null, runs.get("dev.lockstep.jmh.ipc.IpcThroughputBench.send|size=32|mechanism"));
        // MPMC with a spinning consumer and the two round-trip cells are probed too; the round-trip cells
        // (against Agrona and against the floor) share one probed run and none without the probe
        assertEquals(Set.of("JCTools", "Lockstep"),
                runs.get("dev.lockstep.jmh.queue.MpmcQueueBench.tpt1p1c||impl|placement"));
        assertEquals(Set.of("agrona", "lockstep", "floor"), runs.get(RTT + "||mechanism|placement"));
        assertNull(runs.get(RTT + "||mechanism"));
        assertNull(runs.get("dev.lockstep.jmh.queue.MpmcQueueBench.tpt1p1c||impl"));
    }

    private static String probed(String impl, double[][] forks, double[][] before, double[][] after) {
        return "{\"benchmark\":\"" + SPSC + "\",\"mode\":\"thrpt\",\"params\":{\"impl\":\"" + impl + "\"},"
                + "\"primaryMetric\":{\"score\":0,\"scoreUnit\":\"ops/us\",\"rawData\":" + arrays(forks) + "},"
                + "\"secondaryMetrics\":{\"" + PlacementProbe.BEFORE + "\":{\"score\":0,\"rawData\":" + arrays(before) + "},"
                + "\"" + PlacementProbe.AFTER + "\":{\"score\":0,\"rawData\":" + arrays(after) + "}}}";
    }

    private static String arrays(double[][] a) {
        StringBuilder b = new StringBuilder("[");
        for (int f = 0; f < a.length; f++) {
            b.append(f == 0 ? "[" : ",[");
            for (int i = 0; i < a[f].length; i++) {
                b.append(i == 0 ? "" : ",").append(a[f][i]);
            }
            b.append(']');
        }
        return b.append(']').toString();
    }

    /**
     * Every queue cell of the table runs two threads that move the ring's lines between the two vCPUs, so
     * its ratio follows the host placement (two cores sharing a cache or not) as much as the code: each is
     * compared per placement mode (issue 12, seventeenth round: the SPSC blocking cell was the one left out,
     * and its quiet forks moved 121-616 ops/µs).
     */
    @Test
    void everyQueueCellIsComparedByPlacement() {
        long queueCells = HeadlineReport.CELLS.stream().filter(c -> c.benchmark().contains(".queue.")).count();
        assertEquals(5, queueCells);
        for (HeadlineReport.Cell c : HeadlineReport.CELLS) {
            if (c.benchmark().contains(".queue.")) {
                assertTrue(c.byPlacement(), c.label() + " is not compared per placement mode");
            }
        }
    }

    @Test
    void placementCellsCompareIterationsPerProbedMode() throws Exception {
        // ours: 10 on one core, 20 on two cores, 90 mixed (probe 50 before, 200 after); fork 2: 30 on one core
        // anchor: 40 on one core, 10 and 30 on two cores (the second with probes 100 and 150: at the threshold),
        // 500 not classed (the probe before it found the guest too busy: 2742 ns)
        JsonNode results = json(
                probed("Lockstep", new double[][] {{10, 20, 90}, {30}}, new double[][] {{50, 200, 50}, {60}},
                        new double[][] {{55, 210, 200}, {58}}),
                probed("JCTools", new double[][] {{40, 10, 30, 500}}, new double[][] {{50, 180, 100, 2742}},
                        new double[][] {{52, 190, 150, 300}}));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(SPSC)).findFirst().orElseThrow();
        assertTrue(cell.byPlacement());
        String md = HeadlineReport.render(List.of(cell), results, "t");
        // one core: ours (10 + 30) / 2 = 20 vs 40: 0.50; two cores: 20 vs (10 + 30) / 2 = 20: 1.00
        assertTrue(md.contains("one core **0.50×** (20.0 vs 40.0) (n 2 / 1); two cores **1.00×** (20.0 vs 20.0) (n 1 / 2); mixed (n 1 / 1)"), md);
        // the table row itself is unchanged: fork means (40 and 30) against 145
        assertTrue(md.contains("| 35.0 (40.0 / 30.0) | 145 (145) | ops/us | **0.24×**"), md);
    }

    private static String probedSample(String mechanism, String forksHistograms, double[][] before, double[][] after) {
        return "{\"benchmark\":\"" + RTT + "\",\"mode\":\"sample\",\"params\":{\"mechanism\":\"" + mechanism + "\"},"
                + "\"primaryMetric\":{\"score\":0,\"scoreUnit\":\"ns/op\",\"rawDataHistogram\":" + forksHistograms + "},"
                + "\"secondaryMetrics\":{\"" + PlacementProbe.BEFORE + "\":{\"score\":0,\"rawData\":" + arrays(before) + "},"
                + "\"" + PlacementProbe.AFTER + "\":{\"score\":0,\"rawData\":" + arrays(after) + "}}}";
    }

    @Test
    void sampleTimeCellsCompareMediansOfIterationP50sPerProbedMode() throws Exception {
        // ours: fork 1 p50s 300 (two cores) and 60 (one core); fork 2: 320 and 900 (two cores), 100 mixed (50, 300).
        // Two cores: median of 300, 320, 900 = 320 (their mean, 507, would let one stalled iteration decide).
        // anchor: 100 on one core, 250 and 260 on two cores (median 255), 280 not classed (the probe before it
        // found the guest too busy: 2000 ns)
        JsonNode results = json(
                probedSample("lockstep", "[[[[300,5],[200,1]],[[60,4]]],[[[320,3]],[[900,1]],[[100,1]]]]",
                        new double[][] {{350, 55}, {360, 370, 50}}, new double[][] {{340, 58}, {330, 380, 300}}),
                probedSample("agrona", "[[[[100,2]],[[250,9]],[[200,1],[260,3]],[[280,2]]]]",
                        new double[][] {{52, 300, 320, 2000}}, new double[][] {{55, 310, 340, 300}}));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(RTT) && c.anchor().equals("agrona")).findFirst().orElseThrow();
        assertTrue(cell.byPlacement());
        String md = HeadlineReport.render(List.of(cell), results, "t");
        // one core: 60 vs 100: 0.60; two cores: 320 vs 255: 1.25 (lower is better, as in the table)
        assertTrue(md.contains("- IPC round trip p50 / Agrona one-to-one: one core **0.60×** (60.0 vs 100) (n 1 / 1); "
                + "two cores **1.25×** (320 vs 255) (n 3 / 2); mixed (n 1 / 1)"), md);
        // the table row keeps the per-fork medians of the merged histograms: ours 200 and 320 (260), anchor 250
        assertTrue(md.contains("| 260 (200 / 320) | 250 (250) | ns/op (p50) |"), md);
    }

    @Test
    void cellsWithoutProbesHaveNoPlacementLines() throws Exception {
        JsonNode results = json(
                thrpt(SPSC, "{\"impl\":\"Lockstep\"}", new double[][] {{2}}, 0),
                thrpt(SPSC, "{\"impl\":\"JCTools\"}", new double[][] {{1}}, 0));
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(SPSC)).findFirst().orElseThrow();
        String md = HeadlineReport.render(List.of(cell), results, "t");
        assertTrue(md.contains("**2.00×**") && !md.contains("Per placement mode"), md);
    }

    @Test
    void rendersFromJsonAndReportsMissingCells(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("headline.json");
        Files.writeString(file, "[" + thrpt(MUTEX4, "{\"impl\":\"Mutex\"}", new double[][] {{2}}, 0) + ","
                + thrpt(MUTEX4, "{\"impl\":\"ReentrantLock\"}", new double[][] {{1}}, 0) + "]");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = HeadlineReport.run(new String[] {"--from-json", file.toString(), "--out", dir.resolve("o").toString(),
                "--only", "Mutex / ReentrantLock, [24] threads"}, new PrintStream(out), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(0, rc);
        String md = Files.readString(dir.resolve("o/headline.md"), StandardCharsets.UTF_8);
        assertTrue(md.contains("4 threads on 2 cores | 2.00 (2.00) | 1.00 (1.00) | ops/us | **2.00×**"), md);
        assertTrue(md.contains("Mutex / ReentrantLock, 2 threads | — |") && md.contains("not measured"), md);
    }

    @Test
    void forksAreInterleavedRoundRobinOverTheComparedValues() {
        List<String> order = HeadlineReport.schedule(new java.util.LinkedHashSet<>(List.of("ReentrantLock", "Mutex")), 3);
        assertEquals(List.of("ReentrantLock", "Mutex", "ReentrantLock", "Mutex", "ReentrantLock", "Mutex"), order);
        // Four values (the FIFO locks and their anchor share a run): every value once per round.
        List<String> four = HeadlineReport.schedule(new java.util.LinkedHashSet<>(List.of("F", "T", "C", "M")), 2);
        assertEquals(List.of("F", "T", "C", "M", "F", "T", "C", "M"), four);
        assertEquals(3, HeadlineReport.forksOf("b|impl|x", 3));
        assertEquals(HeadlineReport.PLACEMENT_FORKS, HeadlineReport.forksOf("b||impl|placement", 3));
    }

    /** headline.md's first line says how the forks were taken, so the file read alone tells an interleaved run from an older one. */
    @Test
    void theSettingsLineSaysTheForksAreInterleaved() {
        assertEquals("3 forks (5 for the cells compared per placement mode), each a JMH run of its own, interleaved "
                        + "round-robin over a cell's implementations, warm-up 1 × 1 s, measurement 3 × 1 s, -prof gc",
                HeadlineReport.settings(3, true, TimeValue.seconds(1), 3, TimeValue.seconds(1)));
        assertEquals("5 forks, each a JMH run of its own, interleaved round-robin over a cell's implementations, "
                + "warm-up 1 × 2 s, measurement 4 × 1 s, -prof gc", HeadlineReport.settings(5, true, TimeValue.seconds(2), 4, TimeValue.seconds(1)));
        assertEquals("3 forks, each a JMH run of its own, interleaved round-robin over a cell's implementations, "
                + "warm-up 1 × 1 s, measurement 3 × 1 s, -prof gc", HeadlineReport.settings(3, false, TimeValue.seconds(1), 3, TimeValue.seconds(1)));
    }

    @Test
    void singleForkRowsMergeIntoOneRowPerValueWithEveryForkAndProbe() throws Exception {
        String probe = "\"" + PlacementProbe.BEFORE + "\":{\"score\":%s,\"rawData\":[[%s,%s]]},\""
                + PlacementProbe.AFTER + "\":{\"score\":%s,\"rawData\":[[%s,%s]]},";
        String f1 = "{\"benchmark\":\"" + SPSC + "\",\"mode\":\"thrpt\",\"forks\":1,\"params\":{\"impl\":\"Lockstep\"},"
                + "\"primaryMetric\":{\"score\":12,\"scoreError\":1,\"scoreUnit\":\"ops/us\",\"rawData\":[[10,14]]},"
                + "\"secondaryMetrics\":{" + String.format(java.util.Locale.ROOT, probe, 60, 60, 60, 61, 61, 61)
                + "\"gc.alloc.rate.norm\":{\"score\":0.002,\"rawData\":[[0.002,0.002]]}}}";
        String a1 = f1.replace("Lockstep", "JCTools").replace("[[10,14]]", "[[20,20]]").replace("\"score\":12", "\"score\":20");
        String f2 = f1.replace("[[10,14]]", "[[30,34]]").replace("\"score\":12", "\"score\":32")
                .replace("[[60,60]]", "[[300,300]]").replace("[[61,61]]", "[[301,301]]").replace("0.002", "0.004");
        List<JsonNode> rows = new java.util.ArrayList<>();
        json(f1, a1, f2).forEach(rows::add);
        List<JsonNode> merged = HeadlineReport.mergeForks(rows);
        assertEquals(2, merged.size(), "one row per value");
        JsonNode ours = merged.get(0);
        assertEquals("Lockstep", ours.path("params").path("impl").asText());
        assertEquals(2, ours.path("forks").asInt());
        assertEquals("[[10.0,14.0],[30.0,34.0]]".replace(".0", ""), ours.path("primaryMetric").path("rawData").toString().replace(".0", ""));
        assertEquals(22.0, ours.path("primaryMetric").path("score").asDouble(), 1e-9);
        assertTrue(ours.path("primaryMetric").path("scoreError").isMissingNode(), "per-fork error dropped");
        assertEquals(0.003, ours.path("secondaryMetrics").path("gc.alloc.rate.norm").path("score").asDouble(), 1e-12);
        assertEquals(2, ours.path("secondaryMetrics").path(PlacementProbe.BEFORE).path("rawData").size());
        // The merged row reads as a two-fork row: per-fork means and both iterations' placement probes.
        HeadlineReport.Cell cell = HeadlineReport.CELLS.stream()
                .filter(c -> c.benchmark().equals(SPSC)).findFirst().orElseThrow();
        HeadlineReport.Side side = HeadlineReport.side(new ObjectMapper().valueToTree(merged), cell, "Lockstep");
        assertEquals(2, side.perFork().length);
        assertEquals(12.0, side.perFork()[0], 1e-9);
        assertEquals(32.0, side.perFork()[1], 1e-9);
        assertEquals(4, side.probed().size());
        assertEquals(merged.get(1), rows.get(1), "a value with one fork passes unchanged");
    }
}
