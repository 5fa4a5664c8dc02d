package dev.lockstep.jmh.report;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One row of a JMH JSON result file: a benchmark method, in one mode, with one combination of
 * {@code @Param} values. Only what the report shows is kept.
 *
 * @param benchmark      the full name, e.g. {@code dev.lockstep.jmh.lock.LockBench.uncontended1}
 * @param family         the benchmark class's simple name, e.g. {@code LockBench}
 * @param method         the benchmark method (or {@code @Group}) name, e.g. {@code uncontended1}
 * @param mode           JMH's short mode name: {@code thrpt}, {@code avgt}, {@code sample}, {@code ss}
 * @param threads        threads of the run
 * @param forks          forks of the run
 * @param params         {@code @Param} values in the order JMH wrote them (declaration order); may be empty
 * @param score          the primary score
 * @param scoreError     its 99.9% half-width, NaN when JMH had too few samples ("NaN" in the file)
 * @param unit           the primary unit, e.g. {@code ops/us}
 * @param allocNorm      gc.alloc.rate.norm in B/op, NaN when the run had no GC profiler
 * @param settings       JMH settings of the run, e.g. "forks 1, warmup 1 × 1 s, measurement 2 × 1 s"
 * @param jvm            VM name, version and JDK version of the run
 * @param jvmArgs        the forked JVM's arguments
 * @param jmhVersion     the JMH version that wrote the row
 * @param percentiles    {@code primaryMetric.scorePercentiles}: percentile (e.g. 50.0, 99.9) to score, in the
 *                       primary unit; meaningful for SampleTime ({@code sample}) rows, empty when absent
 */
public record BenchResult(String benchmark, String family, String method, String mode, int threads, int forks,
                          Map<String, String> params, double score, double scoreError, String unit,
                          double allocNorm, String settings, String jvm, List<String> jvmArgs, String jmhVersion,
                          Map<Double, Double> percentiles) {

    /** Secondary metric with the normalised allocation rate; JMH before 1.37 prefixed it with '·'. */
    static final String ALLOC_NORM = "gc.alloc.rate.norm";

    /** Whether a bigger score is better: throughput yes, time per operation (avgt, sample, ss) no. */
    public boolean higherIsBetter() {
        return isHigherBetter(mode);
    }

    /** The score at percentile {@code p} (e.g. 99.9), NaN if the file did not record it. */
    public double percentile(double p) {
        Double v = percentiles.get(p);
        return v == null ? Double.NaN : v;
    }

    static boolean isHigherBetter(String mode) {
        return "thrpt".equals(mode);
    }

    /**
     * Reads JSON with Jackson: trailing content after the array is an error, like malformed input;
     * objects keep their key order (JMH writes parameters in declaration order and the report relies on it).
     */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** Parses a JMH result file ({@code -rf json}): a JSON array of benchmark objects. */
    public static List<BenchResult> parseJmhJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("malformed JSON" + (at == null ? "" : " at line " + at.getLineNr()
                    + ", column " + at.getColumnNr()) + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("not a JMH JSON result file: the top level is not an array");
        }
        List<BenchResult> out = new ArrayList<>();
        int i = 0;
        for (JsonNode o : root) {
            if (!o.isObject()) {
                throw new IllegalArgumentException("not a JMH JSON result file: element " + i + " is not an object");
            }
            out.add(fromJmh(o, i));
            i++;
        }
        return out;
    }

    private static BenchResult fromJmh(JsonNode m, int index) {
        JsonNode nameNode = m.get("benchmark");
        if (nameNode == null || !nameNode.isTextual()) {
            throw new IllegalArgumentException("JMH result " + index + " has no \"benchmark\" name");
        }
        String name = nameNode.textValue();
        int lastDot = name.lastIndexOf('.');
        String method = lastDot < 0 ? name : name.substring(lastDot + 1);
        String cls = lastDot < 0 ? "" : name.substring(0, lastDot);
        String family = cls.substring(cls.lastIndexOf('.') + 1);
        if (family.isEmpty()) {
            family = "(default)";
        }

        Map<String, String> params = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : m.path("params").properties()) {
            params.put(e.getKey(), e.getValue().isNull() ? "null" : text(e.getValue()));
        }

        JsonNode primary = m.path("primaryMetric");
        double score = toDouble(primary.get("score"));
        double error = toDouble(primary.get("scoreError"));
        String unit = primary.path("scoreUnit").isTextual() ? primary.get("scoreUnit").textValue() : "?";
        Map<Double, Double> percentiles = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : primary.path("scorePercentiles").properties()) {
            double p = toDouble(e.getKey());
            if (!Double.isNaN(p)) {
                percentiles.put(p, toDouble(e.getValue()));
            }
        }

        double alloc = Double.NaN;
        for (Map.Entry<String, JsonNode> e : m.path("secondaryMetrics").properties()) {
            String key = e.getKey();
            if (key.startsWith("\u00b7")) {
                key = key.substring(1);
            }
            if (key.equals(ALLOC_NORM) && e.getValue().isObject()) {
                alloc = toDouble(e.getValue().get("score"));
            }
        }

        int forks = (int) orNaN(m.get("forks"), 0);
        String settings = "forks " + forks
                + ", warmup " + intText(m.get("warmupIterations")) + " × " + text(m.get("warmupTime"))
                + ", measurement " + intText(m.get("measurementIterations")) + " × " + text(m.get("measurementTime"));
        String jvm = text(m.get("vmName")) + " " + text(m.get("vmVersion")) + " (JDK " + text(m.get("jdkVersion")) + ")";
        List<String> jvmArgs = new ArrayList<>();
        if (m.path("jvmArgs").isArray()) {
            for (JsonNode a : m.get("jvmArgs")) {
                jvmArgs.add(a.isNull() ? "null" : text(a));
            }
        }
        return new BenchResult(name, family, method, text(m.get("mode")), (int) orNaN(m.get("threads"), 0), forks,
                Collections.unmodifiableMap(params), score, error, unit, alloc, settings, jvm,
                Collections.unmodifiableList(jvmArgs), text(m.get("jmhVersion")),
                Collections.unmodifiableMap(percentiles));
    }

    /**
     * A JSON number, or a JMH-style numeric string ("NaN", "Infinity", "-Infinity", "1.5"), as a double;
     * anything else (absent, null, another string, an object) is NaN. JMH writes non-finite scores as strings.
     */
    static double toDouble(JsonNode v) {
        if (v == null) {
            return Double.NaN;
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        return v.isTextual() ? toDouble(v.textValue()) : Double.NaN;
    }

    private static double toDouble(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static double orNaN(JsonNode v, double dflt) {
        double d = toDouble(v);
        return Double.isNaN(d) ? dflt : d;
    }

    private static String intText(JsonNode v) {
        double d = toDouble(v);
        return Double.isNaN(d) ? "?" : Long.toString((long) d);
    }

    /** A string as is; a number as Java prints the double (as the report always showed it); absent or null: "?". */
    private static String text(JsonNode v) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return "?";
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        return v.isNumber() ? String.valueOf(v.doubleValue()) : v.toString();
    }
}
