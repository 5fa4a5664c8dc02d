package dev.lockstep.jmh.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * JMH results grouped for the report: per benchmark family (class), per benchmark method and mode,
 * one row per {@code @Param} combination, each with its ratio to the baseline.
 *
 * <p>The baseline of a method is a value of its {@code impl} parameter: the one named in the
 * baselines (key {@code Family.method}, then {@code Family}; see {@link #loadBaselines()}) if that
 * value was run, else the first {@code impl} value in the results (JMH runs and writes parameter
 * values in declaration order, and the benchmarks put their anchor first). Each row is compared with
 * the baseline row that has the same other parameters. A method without an {@code impl} parameter
 * is compared with its first row. The implementation parameter is {@code impl}, or {@code mechanism}
 * in the IPC benchmarks ({@link #IMPL_PARAMS}).
 *
 * <p>Some implementation values are not competitors but a bound measured for reference, such as the
 * IPC benchmarks' hardware {@code floor} ({@link #REFERENCE_IMPLS}): their rows are shown as measured,
 * with no ratio, and they are never a baseline.
 *
 * <p>Ratio = score / baseline score, whatever the mode: for throughput above 1 is better, for time
 * per operation below 1 is better ({@link MethodTable#higherIsBetter()}). SampleTime ({@code sample})
 * results are compared by their medians (p50 from {@code scorePercentiles}) when the file has them: their
 * mean is dominated by a few descheduled samples ({@link MethodTable#comparesMedians()}).
 */
public final class ReportModel {
    /** The parameter that names the implementation under test. */
    public static final String IMPL = "impl";
    /** The parameters that can name the implementation, in order of preference. */
    public static final List<String> IMPL_PARAMS = List.of(IMPL, "mechanism");
    /** Implementation values that are a measured bound, not a competitor: shown as measured, no ratio. */
    public static final Set<String> REFERENCE_IMPLS = Set.of("floor");
    /** Classpath resource with baseline overrides, {@code Family=impl} or {@code Family.method=impl}. */
    public static final String BASELINES_RESOURCE = "report-baselines.properties";

    /** One result and how it compares. */
    public record Row(BenchResult result, String impl, String otherParams, double ratio, boolean baseline,
                      boolean reference) {
        /** impl and other parameters, for labels. */
        public String label() {
            return otherParams.isEmpty() ? impl : impl + " [" + otherParams + "]";
        }
    }

    /** One benchmark method in one mode. */
    public record MethodTable(String method, String mode, int threads, String unit, String baselineImpl,
                              String note, List<Row> rows, String implParam) {
        public boolean higherIsBetter() {
            return BenchResult.isHigherBetter(mode);
        }

        /** Whether ratios compare medians (SampleTime with percentiles) rather than scores. */
        public boolean comparesMedians() {
            return comparesMedians(mode, rows.stream().map(Row::result).toList());
        }

        static boolean comparesMedians(String mode, List<BenchResult> results) {
            if (!"sample".equals(mode) || results.isEmpty()) {
                return false;
            }
            for (BenchResult r : results) {
                if (Double.isNaN(r.percentile(50.0))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The value a row is compared by: its p50 when {@code medians}, else its score. */
    static double compared(BenchResult r, boolean medians) {
        return medians ? r.percentile(50.0) : r.score();
    }

    /** One benchmark class. */
    public record Family(String name, List<MethodTable> methods) {
        /** The row labels of all methods, in order of first appearance. */
        public List<String> labels() {
            Set<String> s = new LinkedHashSet<>();
            for (MethodTable t : methods) {
                for (Row r : t.rows()) {
                    s.add(r.label());
                }
            }
            return new ArrayList<>(s);
        }
    }

    private final List<Family> families;

    private ReportModel(List<Family> families) {
        this.families = families;
    }

    public List<Family> families() {
        return families;
    }

    /** Loads {@link #BASELINES_RESOURCE} from the class path; empty if absent. */
    public static Map<String, String> loadBaselines() {
        Map<String, String> m = new LinkedHashMap<>();
        try (InputStream in = ReportModel.class.getClassLoader().getResourceAsStream(BASELINES_RESOURCE)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                for (String k : p.stringPropertyNames()) {
                    m.put(k.trim(), p.getProperty(k).trim());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + BASELINES_RESOURCE + ": " + e.getMessage(), e);
        }
        return m;
    }

    /** Groups {@code results} (in file order) and computes ratios against the baselines. */
    public static ReportModel build(List<BenchResult> results, Map<String, String> baselines) {
        // family -> "method\0mode" -> results, all in order of first appearance
        Map<String, Map<String, List<BenchResult>>> byFamily = new LinkedHashMap<>();
        for (BenchResult r : results) {
            byFamily.computeIfAbsent(r.family(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(r.method() + '\0' + r.mode(), k -> new ArrayList<>())
                    .add(r);
        }
        List<Family> families = new ArrayList<>();
        for (Map.Entry<String, Map<String, List<BenchResult>>> f : byFamily.entrySet()) {
            List<MethodTable> tables = new ArrayList<>();
            for (List<BenchResult> group : f.getValue().values()) {
                tables.add(table(f.getKey(), group, baselines));
            }
            families.add(new Family(f.getKey(), List.copyOf(tables)));
        }
        return new ReportModel(List.copyOf(families));
    }

    private static MethodTable table(String family, List<BenchResult> group, Map<String, String> baselines) {
        BenchResult first = group.get(0);
        String implParam = IMPL;
        for (String candidate : IMPL_PARAMS) {
            if (first.params().containsKey(candidate)) {
                implParam = candidate;
                break;
            }
        }
        List<String> impls = new ArrayList<>();
        for (BenchResult r : group) {
            String v = r.params().get(implParam);
            if (v != null && !impls.contains(v) && !REFERENCE_IMPLS.contains(v)) {
                impls.add(v);
            }
        }
        String note = "";
        String baseline;
        if (impls.isEmpty()) {
            baseline = null;
            note = "no `" + IMPL + "` parameter: ratios are to the first row";
        } else {
            String wanted = baselines.get(family + "." + first.method());
            if (wanted == null) {
                wanted = baselines.get(family);
            }
            if (wanted != null && impls.contains(wanted)) {
                baseline = wanted;
            } else {
                baseline = impls.get(0);
                if (wanted != null) {
                    note = "configured baseline " + wanted + " was not run: using " + baseline;
                }
            }
        }

        boolean medians = MethodTable.comparesMedians(first.mode(), group);
        List<Row> rows = new ArrayList<>();
        for (BenchResult r : group) {
            String impl = r.params().getOrDefault(implParam, "—");
            boolean reference = baseline != null && REFERENCE_IMPLS.contains(impl);
            String others = otherParams(r, implParam);
            BenchResult base = null;
            if (baseline == null) {
                base = first;
            } else if (!reference) {
                for (BenchResult b : group) {
                    if (baseline.equals(b.params().get(implParam)) && otherParams(b, implParam).equals(others)) {
                        base = b;
                        break;
                    }
                }
            }
            double ratio = base == null || !(compared(base, medians) > 0) ? Double.NaN
                    : compared(r, medians) / compared(base, medians);
            rows.add(new Row(r, impl, others, ratio, base == r, reference));
        }
        return new MethodTable(first.method(), first.mode(), first.threads(), first.unit(), baseline, note,
                List.copyOf(rows), implParam);
    }

    private static String otherParams(BenchResult r, String implParam) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : r.params().entrySet()) {
            if (!e.getKey().equals(implParam)) {
                if (b.length() > 0) {
                    b.append(", ");
                }
                b.append(e.getKey()).append('=').append(e.getValue());
            }
        }
        return b.toString();
    }
}
