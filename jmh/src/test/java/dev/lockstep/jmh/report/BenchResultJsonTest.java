package dev.lockstep.jmh.report;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading JMH's JSON through Jackson: the details the report relies on, and bad input. */
class BenchResultJsonTest {

    private static String row(String params, String primary, String secondary) {
        return "{\"jmhVersion\":\"1.37\",\"benchmark\":\"x.y.QBench.pingPong\",\"mode\":\"avgt\",\"threads\":2,"
                + "\"forks\":1,\"jvmArgs\":[\"-Xmx1g\",\"-Da=\\\"b\\\"\"],\"jdkVersion\":\"25\",\"vmName\":\"VM\","
                + "\"vmVersion\":\"25+1\",\"warmupIterations\":1,\"warmupTime\":\"1 s\",\"measurementIterations\":2,"
                + "\"measurementTime\":\"1 s\",\"params\":" + params + ",\"primaryMetric\":" + primary
                + ",\"secondaryMetrics\":" + secondary + "}";
    }

    @Test
    void keepsParameterOrderEscapesAndJmhNumericStrings() {
        String json = "[" + row("{\"z\":\"1\",\"a\":\"x\\\"y\\u00b7\"}",
                "{\"score\":\"Infinity\",\"scoreError\":\"NaN\",\"scoreUnit\":\"ns/op\","
                        + "\"scorePercentiles\":{\"50.0\":-2.5e1,\"99.9\":\"NaN\",\"x\":1}}",
                "{\"\u00b7gc.alloc.rate.norm\":{\"score\":16}}") + "]";
        BenchResult r = BenchResult.parseJmhJson(json).get(0);
        assertEquals(List.of("z", "a"), List.copyOf(r.params().keySet()), "declaration order, not sorted");
        assertEquals("x\"y\u00b7", r.params().get("a"));
        assertEquals(Double.POSITIVE_INFINITY, r.score());
        assertTrue(Double.isNaN(r.scoreError()));
        assertEquals(Map.of(50.0, -25.0, 99.9, Double.NaN), r.percentiles(), "non-numeric keys are left out");
        assertEquals(16.0, r.allocNorm(), "JMH before 1.37 prefixed secondary metrics with '\u00b7'");
        assertEquals(List.of("-Xmx1g", "-Da=\"b\""), r.jvmArgs());
        assertEquals("forks 1, warmup 1 × 1 s, measurement 2 × 1 s", r.settings());
        assertEquals("VM 25+1 (JDK 25)", r.jvm());
    }

    @Test
    void absentFieldsReadAsUnknown() {
        BenchResult r = BenchResult.parseJmhJson("[{\"benchmark\":\"b.C.m\",\"forks\":null}]").get(0);
        assertEquals("? ? (JDK ?)", r.jvm());
        assertEquals("forks 0, warmup ? × ?, measurement ? × ?", r.settings());
        assertTrue(Double.isNaN(r.score()) && Double.isNaN(r.allocNorm()));
        assertEquals("?", r.unit());
        assertTrue(r.params().isEmpty() && r.jvmArgs().isEmpty() && r.percentiles().isEmpty());
    }

    @Test
    void malformedJsonIsAClearIllegalArgumentException() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BenchResult.parseJmhJson("[{\"benchmark\": \"a.B.c\",}]"));
        assertTrue(e.getMessage().startsWith("malformed JSON at line 1, column "), e.getMessage());
        for (String bad : List.of("[1, 2", "[\"open", "[] x", "[tru]", "[\"\\q\"]", "[-]", "[NaN]")) {
            assertThrows(IllegalArgumentException.class, () -> BenchResult.parseJmhJson(bad), bad);
        }
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> BenchResult.parseJmhJson(""));
        assertTrue(empty.getMessage().contains("not a JMH JSON result file"), empty.getMessage());
    }
}
