package dev.lockstep.jmh.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** Parses a JMH result file ({@code -rf json}): a JSON array of benchmark objects. */
    public static List<BenchResult> parseJmhJson(String json) {
        Object root = Json.parse(json);
        if (!(root instanceof List)) {
            throw new IllegalArgumentException("not a JMH JSON result file: the top level is not an array");
        }
        List<BenchResult> out = new ArrayList<>();
        int i = 0;
        for (Object o : (List<?>) root) {
            if (!(o instanceof Map)) {
                throw new IllegalArgumentException("not a JMH JSON result file: element " + i + " is not an object");
            }
            out.add(fromJmh((Map<?, ?>) o, i));
            i++;
        }
        return out;
    }

    private static BenchResult fromJmh(Map<?, ?> m, int index) {
        Object nameObj = m.get("benchmark");
        if (!(nameObj instanceof String)) {
            throw new IllegalArgumentException("JMH result " + index + " has no \"benchmark\" name");
        }
        String name = (String) nameObj;
        int lastDot = name.lastIndexOf('.');
        String method = lastDot < 0 ? name : name.substring(lastDot + 1);
        String cls = lastDot < 0 ? "" : name.substring(0, lastDot);
        String family = cls.substring(cls.lastIndexOf('.') + 1);
        if (family.isEmpty()) {
            family = "(default)";
        }

        Map<String, String> params = new LinkedHashMap<>();
        if (m.get("params") instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) m.get("params")).entrySet()) {
                params.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
            }
        }

        Map<?, ?> primary = m.get("primaryMetric") instanceof Map ? (Map<?, ?>) m.get("primaryMetric") : Map.of();
        double score = Json.toDouble(primary.get("score"));
        double error = Json.toDouble(primary.get("scoreError"));
        String unit = primary.get("scoreUnit") instanceof String ? (String) primary.get("scoreUnit") : "?";
        Map<Double, Double> percentiles = new java.util.TreeMap<>();
        if (primary.get("scorePercentiles") instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) primary.get("scorePercentiles")).entrySet()) {
                double p = Json.toDouble(String.valueOf(e.getKey()));
                if (!Double.isNaN(p)) {
                    percentiles.put(p, Json.toDouble(e.getValue()));
                }
            }
        }

        double alloc = Double.NaN;
        if (m.get("secondaryMetrics") instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) m.get("secondaryMetrics")).entrySet()) {
                String key = String.valueOf(e.getKey());
                if (key.startsWith("\u00b7")) {
                    key = key.substring(1);
                }
                if (key.equals(ALLOC_NORM) && e.getValue() instanceof Map) {
                    alloc = Json.toDouble(((Map<?, ?>) e.getValue()).get("score"));
                }
            }
        }

        int forks = (int) orNaN(m.get("forks"), 0);
        String settings = "forks " + forks
                + ", warmup " + intText(m.get("warmupIterations")) + " × " + text(m.get("warmupTime"))
                + ", measurement " + intText(m.get("measurementIterations")) + " × " + text(m.get("measurementTime"));
        String jvm = text(m.get("vmName")) + " " + text(m.get("vmVersion")) + " (JDK " + text(m.get("jdkVersion")) + ")";
        List<String> jvmArgs = new ArrayList<>();
        if (m.get("jvmArgs") instanceof List) {
            for (Object a : (List<?>) m.get("jvmArgs")) {
                jvmArgs.add(String.valueOf(a));
            }
        }
        return new BenchResult(name, family, method, text(m.get("mode")), (int) orNaN(m.get("threads"), 0), forks,
                Collections.unmodifiableMap(params), score, error, unit, alloc, settings, jvm,
                Collections.unmodifiableList(jvmArgs), text(m.get("jmhVersion")),
                Collections.unmodifiableMap(percentiles));
    }

    private static double orNaN(Object v, double dflt) {
        double d = Json.toDouble(v);
        return Double.isNaN(d) ? dflt : d;
    }

    private static String intText(Object v) {
        double d = Json.toDouble(v);
        return Double.isNaN(d) ? "?" : Long.toString((long) d);
    }

    private static String text(Object v) {
        return v == null ? "?" : String.valueOf(v);
    }
}
