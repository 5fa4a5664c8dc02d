package dev.lockstep.jmh.report;

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
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waiting-modes section of the IPC report ({@link WaitModesReport}), from hand-made harness results:
 * futex (0.3% CPU, latencies 1..100 µs), busy spin (99.5%), pipe (0 ticks), an idle JVM (CPU only) and a
 * skipped mode.
 */
class WaitModesReportTest {

    static WaitModesReport.Results sample() {
        long[] micros = LongStream.rangeClosed(1, 100).map(v -> v * 1_000).toArray(); // 1..100 µs, in ns
        List<WaitModesReport.Entry> entries = List.of(
                WaitModesReport.Entry.measured("FUTEX", "futex", "IpcEvent.await, futex", "lockstep", "FUTEX", 0.3, 3, 10_000, micros),
                WaitModesReport.Entry.measured("BUSY_SPIN", "busy spin", "IpcEvent.await, busy spin", "lockstep", "POLL", 99.5, 995, 10_000, new long[] {300, 100, 200}),
                WaitModesReport.Entry.measured("PIPE", "pipe", "anonymous pipe", "kernel", "read(2)", 0.0, 0, 10_000, new long[] {50_000}),
                WaitModesReport.Entry.measured("IDLE_JVM", "idle JVM", "Thread.sleep", "baseline", "Thread.sleep", 0.0, 0, 10_000, new long[0]),
                WaitModesReport.Entry.skipped("SLEEPING", "sleeping", "IpcEvent.await, sleeping", "lockstep", "not today"));
        return new WaitModesReport.Results("2026-11-30 12:00 UTC", "JDK 25", "2 cores", "load 0.1", 100, 1_000, 10, 5, entries);
    }

    @Test
    void percentilesAreNearestRank() {
        WaitModesReport.Entry futex = sample().entries().get(0);
        assertEquals(50_000.0, futex.p50Nanos());
        assertEquals(99_000.0, futex.p99Nanos());
        assertEquals(100_000.0, futex.maxNanos());
        assertEquals(100, futex.trials());
        WaitModesReport.Entry spin = sample().entries().get(1);
        assertEquals(200.0, spin.p50Nanos(), "sorted first: the middle of three");
        assertEquals(300.0, spin.p99Nanos());
    }

    @Test
    void jsonRoundTripKeepsEveryRowSkippedOnesWithTheirReason() {
        WaitModesReport.Results r = sample();
        WaitModesReport.Results back = WaitModesReport.parse(WaitModesReport.toJson(r));
        assertEquals(r, back);
        assertEquals("not today", back.entries().get(4).skipped());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WaitModesReport.parse("[1]"));
        assertTrue(e.getMessage().contains("not a waiting-modes result"), e.getMessage());
    }

    @Test
    void tableHasOneRowPerModeAndSaysWhatWasNotMeasured() {
        ReportWriter.Table t = WaitModesReport.table(sample());
        assertEquals(5, t.rows().size());
        assertEquals(List.of("futex", "IpcEvent.await, futex", "FUTEX", "0.30%", "50 µs", "99 µs", "100 µs", "100"),
                t.rows().get(0));
        assertEquals("0 (< one 10 ms tick)", t.rows().get(2).get(3));
        assertEquals("—", t.rows().get(3).get(4), "the idle JVM has no wake-up");
        assertEquals("not measured: not today", t.rows().get(4).get(2));
    }

    @Test
    void chartHasOnePointPerModeWithALatencyZeroCpuAtHalfATick() throws Exception {
        String svg = WaitModesReport.render(sample());
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        assertEquals(3, doc.getElementsByTagName("circle").getLength(), "futex, busy spin, pipe: " + svg);
        assertTrue(svg.contains(">pipe (CPU &lt; 1 tick)</text>"), svg);
        assertTrue(svg.contains("CPU vs wake-up latency, one point per waiting mode"), svg);
        // x axis: decades from 0.01% (half a tick of a 10 s window is 0.05%) to 100%
        assertTrue(svg.contains(">0.01%</text>") && svg.contains(">100%</text>"), svg);
        assertFalse(svg.contains("idle JVM"), "no latency, no point");
    }

    @Test
    void quickReportFromJsonAddsTheSectionWhenTheHarnessResultsLieNextToIt(@TempDir Path dir) throws IOException {
        Path json = dir.resolve("results.json");
        try (InputStream in = WaitModesReportTest.class.getResourceAsStream("/ipc-sample.json")) {
            Files.write(json, in.readAllBytes());
        }
        Path without = dir.resolve("without");
        assertEquals(0, QuickReport.render(json, without, quiet(), quiet()));
        assertFalse(Files.readString(without.resolve(ReportWriter.MARKDOWN)).contains(WaitModesReport.TITLE));
        assertFalse(Files.exists(without.resolve(WaitModesReport.CHART)));

        Files.writeString(dir.resolve(WaitModesReport.JSON), WaitModesReport.toJson(sample()));
        Path with = dir.resolve("with");
        assertEquals(0, QuickReport.render(json, with, quiet(), quiet()));
        String md = Files.readString(with.resolve(ReportWriter.MARKDOWN));
        assertTrue(md.contains("## " + WaitModesReport.TITLE), md);
        assertTrue(md.contains("![CPU vs wake-up latency](" + WaitModesReport.CHART + ")"), md);
        assertTrue(md.contains("| futex | IpcEvent.await, futex | FUTEX | 0.30% | 50 µs | 99 µs | 100 µs | 100 |"), md);
        assertTrue(md.indexOf("## IPC: all mechanisms") < md.indexOf("## " + WaitModesReport.TITLE), "after the IPC section");
        assertTrue(Files.readString(with.resolve(WaitModesReport.CHART)).startsWith("<svg"));
        assertTrue(Files.readString(with.resolve(ReportWriter.HTML)).contains(WaitModesReport.TITLE));
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
