package dev.lockstep.jmh.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A/B of builds (or of implementations) on this noisy 2-vCPU host: one benchmark, single forks, taken
 * round-robin over the variants, round after round, then summarised per variant: mean and median over the
 * rounds, the rounds in which it beat the first variant, and the means of the secondary metrics asked for.
 * {@link HeadlineReport} interleaves the implementations of one build; this interleaves builds, which JMH
 * cannot (each variant is its own {@code java -jar}).
 *
 * <pre>{@code
 * java -cp jmh/target/benchmarks.jar dev.lockstep.jmh.report.AlternateBuilds --rounds 8 --out /tmp/ab \
 *     --variant 'jctools=main.jar|-p impl=JCTools' \
 *     --variant 'main=main.jar|-p impl=Lockstep' \
 *     --variant 'change=change.jar|-p impl=Lockstep' \
 *     --secondary context-switches,task-clock \
 *     -- 'queue\.BlockingQueueBench\.spsc$' -wi 1 -w 1s -i 3 -r 1s -prof 'perfnorm:events=context-switches,task-clock'
 * }</pre>
 *
 * <p>A variant is {@code NAME=JAR} or {@code NAME=JAR|EXTRA JMH ARGUMENTS} (split on spaces). Every run is
 * {@code java -jar JAR <the arguments after -->} {@code EXTRA -f 1 -rf json -rff OUT/NAME-ROUND.json}, its
 * output in {@code OUT/NAME-ROUND.log}. The primary score of the run's first benchmark (the one whose name
 * ends with {@code --benchmark SUFFIX}, if given) is the variant's result for the round; a run that produced
 * no result counts as missing, not as zero, and is named in the summary. Why single forks round-robin: the
 * host moves this guest between placement modes that last minutes, so variants run one after the other
 * compare windows, not builds (README, "Headline cells"); even so, effects under ~1.2× change sign between
 * sets of 8 rounds here (evidence file, fortieth round), so a verdict needs several sets.
 */
public final class AlternateBuilds {
    private AlternateBuilds() {
    }

    /** One variant: its name, jar and extra JMH arguments. */
    record Variant(String name, Path jar, List<String> extra) {
        /** Parses {@code NAME=JAR} or {@code NAME=JAR|EXTRA ARGS}. */
        static Variant parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--variant: expected NAME=JAR or NAME=JAR|ARGS, got: " + spec);
            }
            String name = spec.substring(0, eq);
            if (!name.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("--variant: the name must be letters, digits, '_', '.' or '-' (it names files): " + name);
            }
            String rest = spec.substring(eq + 1);
            int bar = rest.indexOf('|');
            String jar = bar < 0 ? rest : rest.substring(0, bar);
            List<String> extra = bar < 0 || rest.substring(bar + 1).isBlank() ? List.of()
                    : List.of(rest.substring(bar + 1).trim().split("\\s+"));
            return new Variant(name, Paths.get(jar), extra);
        }
    }

    /** The runs in the order they are taken: round by round, every variant once per round, in the given order. */
    static List<String[]> schedule(List<Variant> variants, int rounds) {
        List<String[]> order = new ArrayList<>();
        for (int r = 1; r <= rounds; r++) {
            for (Variant v : variants) {
                order.add(new String[]{v.name(), Integer.toString(r)});
            }
        }
        return order;
    }

    /** The command of one run. */
    static List<String> command(String java, Variant v, List<String> jmhArgs, Path json) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-jar");
        cmd.add(v.jar().toString());
        cmd.addAll(jmhArgs);
        cmd.addAll(v.extra());
        cmd.addAll(List.of("-f", "1", "-rf", "json", "-rff", json.toString()));
        return cmd;
    }

    /** One run's result: the primary score and the secondary metrics asked for (NaN where absent). */
    record Sample(double score, double[] secondary) {
    }

    /** Reads a run's JSON; null if it holds no matching benchmark (the run failed). */
    static Sample read(JsonNode results, String suffix, List<String> secondary) {
        for (JsonNode b : results) {
            if (suffix != null && !b.path("benchmark").asText().endsWith(suffix)) {
                continue;
            }
            double[] sec = new double[secondary.size()];
            for (int i = 0; i < sec.length; i++) {
                JsonNode m = b.path("secondaryMetrics").path(secondary.get(i)).path("score");
                sec[i] = m.isNumber() ? m.asDouble() : Double.NaN;
            }
            return new Sample(b.path("primaryMetric").path("score").asDouble(Double.NaN), sec);
        }
        return null;
    }

    /**
     * The summary: per variant the rounds it has, mean, median, range, rounds ahead of the first variant
     * (higher score wins; with {@code lowerIsBetter}, lower) among the rounds both have, and the secondary means.
     */
    static String summarise(List<Variant> variants, Map<String, Map<Integer, Sample>> samples, List<String> secondary,
                            boolean lowerIsBetter) {
        StringBuilder b = new StringBuilder();
        Map<Integer, Sample> first = samples.getOrDefault(variants.get(0).name(), Map.of());
        for (Variant v : variants) {
            Map<Integer, Sample> mine = samples.getOrDefault(v.name(), Map.of());
            double[] scores = mine.values().stream().mapToDouble(Sample::score).sorted().toArray();
            b.append(String.format(Locale.ROOT, "%-12s n %2d", v.name(), scores.length));
            if (scores.length > 0) {
                double mean = Arrays.stream(scores).average().orElse(Double.NaN);
                double median = scores.length % 2 == 1 ? scores[scores.length / 2]
                        : (scores[scores.length / 2 - 1] + scores[scores.length / 2]) / 2;
                b.append("  mean ").append(num(mean)).append("  median ").append(num(median))
                        .append("  range ").append(num(scores[0])).append('-').append(num(scores[scores.length - 1]));
                if (v != variants.get(0)) {
                    int both = 0;
                    int ahead = 0;
                    for (Map.Entry<Integer, Sample> e : mine.entrySet()) {
                        Sample f = first.get(e.getKey());
                        if (f != null) {
                            both++;
                            double d = e.getValue().score() - f.score();
                            if (lowerIsBetter ? d < 0 : d > 0) {
                                ahead++;
                            }
                        }
                    }
                    b.append(String.format(Locale.ROOT, "  ahead of %s in %d of %d rounds", variants.get(0).name(), ahead, both));
                }
                for (int i = 0; i < secondary.size(); i++) {
                    final int k = i;
                    double m = mine.values().stream().mapToDouble(s -> s.secondary()[k]).filter(x -> !Double.isNaN(x))
                            .average().orElse(Double.NaN);
                    b.append(String.format(Locale.ROOT, "  %s %.3g", secondary.get(i), m));
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Runs one command, its output to {@code log}; returns its exit code. */
    interface Launcher {
        int launch(List<String> command, Path log) throws IOException, InterruptedException;
    }

    /** The real launcher: a child process. */
    static final Launcher PROCESS = (command, log) -> new ProcessBuilder(command)
            .redirectErrorStream(true).redirectOutput(log.toFile()).start().waitFor();

    /** Four significant digits, no trailing zeros ("433", "22", "0.5"). */
    static String num(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return Double.toString(x);
        }
        return new java.math.BigDecimal(x).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        System.exit(run(args, System.out, PROCESS));
    }

    /** Parses the arguments, takes the runs in {@link #schedule} order, prints each result and the summary; 0 if no run is missing. */
    static int run(String[] args, PrintStream out, Launcher launcher) throws IOException, InterruptedException {
        int rounds = 5;
        Path dir = Paths.get("ab-out");
        String suffix = null;
        boolean lower = false;
        List<String> secondary = List.of();
        List<Variant> variants = new ArrayList<>();
        List<String> jmhArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                jmhArgs.addAll(Arrays.asList(args).subList(i + 1, args.length));
                break;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + ": a value is missing");
            }
            String v = args[++i];
            switch (a) {
                case "--rounds" -> rounds = Integer.parseInt(v);
                case "--out" -> dir = Paths.get(v);
                case "--variant" -> variants.add(Variant.parse(v));
                case "--benchmark" -> suffix = v;
                case "--secondary" -> secondary = List.of(v.split(","));
                case "--lower-is-better" -> lower = Boolean.parseBoolean(v);
                default -> throw new IllegalArgumentException("unknown option " + a
                        + " (--rounds N --out DIR --variant NAME=JAR[|ARGS]... [--benchmark SUFFIX] [--secondary a,b]"
                        + " [--lower-is-better true] -- JMH ARGS)");
            }
        }
        if (variants.size() < 2 || jmhArgs.isEmpty() || rounds < 1) {
            throw new IllegalArgumentException("need at least two --variant, --rounds >= 1 and the JMH arguments after --");
        }
        Files.createDirectories(dir);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ObjectMapper json = new ObjectMapper();
        Map<String, Map<Integer, Sample>> samples = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        Map<String, Variant> byName = new LinkedHashMap<>();
        variants.forEach(v -> byName.put(v.name(), v));
        for (String[] run : schedule(variants, rounds)) {
            Variant v = byName.get(run[0]);
            int round = Integer.parseInt(run[1]);
            Path file = dir.resolve(v.name() + "-" + round + ".json");
            Files.deleteIfExists(file);
            int rc = launcher.launch(command(java, v, jmhArgs, file), dir.resolve(v.name() + "-" + round + ".log"));
            Sample s = null;
            if (rc == 0 && Files.isRegularFile(file) && Files.size(file) > 0) {
                try {
                    s = read(json.readTree(file.toFile()), suffix, secondary);
                } catch (IOException e) {
                    s = null; // unreadable JSON: a missing run, named below
                }
            }
            if (s == null) {
                missing.add(v.name() + " round " + round + " (exit " + rc + ", see " + v.name() + "-" + round + ".log)");
            } else {
                samples.computeIfAbsent(v.name(), k -> new LinkedHashMap<>()).put(round, s);
                out.printf(Locale.ROOT, "round %d %-12s %s%n", round, v.name(), num(s.score()));
            }
        }
        out.print(summarise(variants, samples, secondary, lower));
        if (!missing.isEmpty()) {
            out.println("missing: " + String.join("; ", missing));
        }
        return missing.isEmpty() ? 0 : 1;
    }
}
