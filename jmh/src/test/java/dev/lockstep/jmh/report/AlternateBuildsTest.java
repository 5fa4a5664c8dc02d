package dev.lockstep.jmh.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AlternateBuildsTest {

    private static AlternateBuilds.Variant v(String spec) {
        return AlternateBuilds.Variant.parse(spec);
    }

    @Test
    void aVariantIsANameAJarAndOptionalJmhArguments() {
        AlternateBuilds.Variant a = v("main=/tmp/main.jar|-p impl=Lockstep  -jvmArgsAppend -Dx=1");
        assertEquals("main", a.name());
        assertEquals(Paths.get("/tmp/main.jar"), a.jar());
        assertEquals(List.of("-p", "impl=Lockstep", "-jvmArgsAppend", "-Dx=1"), a.extra());
        assertEquals(List.of(), v("b=b.jar").extra());
        assertEquals(List.of(), v("b=b.jar|").extra());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v("main.jar"));
        assertTrue(e.getMessage().contains("NAME=JAR"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> v("=x.jar"));
        assertThrows(IllegalArgumentException.class, () -> v("a/b=x.jar"), "a name that is not a file name");
    }

    @Test
    void runsGoRoundRobinRoundByRound() {
        List<AlternateBuilds.Variant> vs = List.of(v("a=a.jar"), v("b=b.jar"), v("c=c.jar"));
        List<String> order = new ArrayList<>();
        AlternateBuilds.schedule(vs, 2).forEach(r -> order.add(r[0] + r[1]));
        assertEquals(List.of("a1", "b1", "c1", "a2", "b2", "c2"), order);
    }

    @Test
    void eachRunIsOneForkWithItsVariantsArgumentsAndJsonOut() {
        List<String> cmd = AlternateBuilds.command("java", v("x=x.jar|-p impl=JCTools"),
                List.of("Bench.spsc$", "-i", "3"), Paths.get("out/x-1.json"));
        assertEquals(List.of("java", "-jar", "x.jar", "Bench.spsc$", "-i", "3", "-p", "impl=JCTools",
                "-f", "1", "-rf", "json", "-rff", Paths.get("out/x-1.json").toString()), cmd);
    }

    @Test
    void theResultIsTheMatchingBenchmarksScoreAndItsSecondaryMetrics() throws Exception {
        ObjectMapper json = new ObjectMapper();
        var results = json.readTree("[{\"benchmark\":\"p.B.other\",\"primaryMetric\":{\"score\":1}},"
                + "{\"benchmark\":\"p.B.spsc\",\"primaryMetric\":{\"score\":250.5},"
                + "\"secondaryMetrics\":{\"task-clock\":{\"score\":0.004}}}]");
        AlternateBuilds.Sample s = AlternateBuilds.read(results, ".spsc", List.of("task-clock", "context-switches"));
        assertEquals(250.5, s.score(), 0.0);
        assertEquals(0.004, s.secondary()[0], 0.0);
        assertTrue(Double.isNaN(s.secondary()[1]), "absent metric: NaN, not 0");
        assertEquals(1.0, AlternateBuilds.read(results, null, List.of()).score(), 0.0, "no suffix: the first benchmark");
        assertNull(AlternateBuilds.read(results, ".burst", List.of()));
    }

    @Test
    void theSummaryCountsRoundsAheadOnlyWhereBothRan() {
        List<AlternateBuilds.Variant> vs = List.of(v("main=m.jar"), v("change=c.jar"));
        Map<String, Map<Integer, AlternateBuilds.Sample>> samples = new LinkedHashMap<>();
        samples.put("main", new LinkedHashMap<>(Map.of(1, sample(100), 2, sample(200), 3, sample(300))));
        samples.put("change", new LinkedHashMap<>(Map.of(1, sample(150), 2, sample(150), 4, sample(999))));
        String s = AlternateBuilds.summarise(vs, samples, List.of(), false);
        assertTrue(s.contains("main         n  3  mean 200  median 200  range 100-300"), s);
        assertTrue(s.contains("change       n  3  mean 433  median 150  range 150-999  ahead of main in 1 of 2 rounds"), s);
        String lower = AlternateBuilds.summarise(vs, samples, List.of(), true);
        assertTrue(lower.contains("ahead of main in 1 of 2 rounds"), lower);
        samples.get("change").put(1, sample(50));
        assertTrue(AlternateBuilds.summarise(vs, samples, List.of(), true).contains("ahead of main in 2 of 2 rounds"));
    }

    private static AlternateBuilds.Sample sample(double score) {
        return new AlternateBuilds.Sample(score, new double[0]);
    }

    /** The whole loop with a fake launcher that writes what JMH would: results per round, a failed run named. */
    @Test
    void runTakesEveryRunInOrderAndNamesTheMissingOnes(@TempDir Path dir) throws Exception {
        List<String> launched = new ArrayList<>();
        AlternateBuilds.Launcher fake = (command, log) -> {
            String jar = command.get(command.indexOf("-jar") + 1);
            Path json = Paths.get(command.get(command.indexOf("-rff") + 1));
            String round = json.getFileName().toString().replaceAll("\\D", "");
            launched.add(jar + "#" + round);
            Files.writeString(log, "ran", StandardCharsets.UTF_8);
            if (jar.equals("b.jar") && round.equals("2")) {
                return 1; // a failed run: no JSON
            }
            double score = (jar.equals("a.jar") ? 10 : 20) + Integer.parseInt(round);
            Files.writeString(json, "[{\"benchmark\":\"p.B.x\",\"primaryMetric\":{\"score\":" + score + "},"
                    + "\"secondaryMetrics\":{\"cs\":{\"score\":0.5}}}]", StandardCharsets.UTF_8);
            return 0;
        };
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int rc = AlternateBuilds.run(new String[]{"--rounds", "3", "--out", dir.toString(), "--variant", "a=a.jar",
                "--variant", "b=b.jar|-p impl=B", "--secondary", "cs", "--", "B.x$", "-i", "1"},
                new PrintStream(bytes, true, StandardCharsets.UTF_8), fake);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(List.of("a.jar#1", "b.jar#1", "a.jar#2", "b.jar#2", "a.jar#3", "b.jar#3"), launched);
        assertEquals(1, rc, "a missing run fails the command");
        assertTrue(out.contains("a            n  3  mean 12"), out);
        assertTrue(out.contains("b            n  2  mean 22  median 22  range 21-23  ahead of a in 2 of 2 rounds  cs 0.500"), out);
        assertTrue(out.contains("missing: b round 2 (exit 1, see b-2.log)"), out);
        assertTrue(Files.exists(dir.resolve("b-2.log")));
        assertThrows(IllegalArgumentException.class, () -> AlternateBuilds.run(new String[]{"--variant", "a=a.jar", "--", "x"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), fake), "one variant only");
    }
}
