package dev.lockstep.aeron.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads from Linux's {@code /proc/self/task/TID/schedstat} (nanoseconds on
 * the CPU, first field) and {@code comm} (the thread's name, 15 characters): a load-robust measure of
 * what a run costs, unlike its elapsed time on a shared machine. Two snapshots around a measured run
 * give each thread's CPU in between; a thread started after the first counts from zero, one that ended
 * before the second is missing (the benchmark takes the second before closing anything).
 * Prints nothing where {@code /proc} is absent.
 */
final class ThreadCpu {
    record Sample(String name, long nanos) {
    }

    private ThreadCpu() {
    }

    static Map<Long, Sample> snapshot() {
        Map<Long, Sample> m = new HashMap<>();
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return m;
        }
        try (Stream<Path> all = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) all::iterator) {
                try {
                    String name = Files.readString(t.resolve("comm")).trim();
                    String sched = Files.readString(t.resolve("schedstat")).trim();
                    long ns = Long.parseLong(sched.substring(0, sched.indexOf(' ')));
                    m.put(Long.parseLong(t.getFileName().toString()), new Sample(name, ns));
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return m;
        }
        return m;
    }

    /**
     * Prints CPU nanoseconds per message between two snapshots: in all, without the JIT compiler and GC
     * threads (warm-up, not the path's cost), and per thread name.
     */
    static void print(String label, Map<Long, Sample> before, Map<Long, Sample> after, long messages) {
        if (after.isEmpty()) {
            return;
        }
        Map<String, Long> byName = new TreeMap<>();
        Map<String, Integer> threads = new HashMap<>();
        long all = 0;
        long path = 0;
        for (Map.Entry<Long, Sample> e : after.entrySet()) {
            Sample b = before.get(e.getKey());
            long d = e.getValue().nanos() - (b == null || !b.name().equals(e.getValue().name()) ? 0 : b.nanos());
            String name = e.getValue().name().replaceAll("[0-9]+$", "#");
            byName.merge(name, d, Long::sum);
            threads.merge(name, 1, Integer::sum);
            all += d;
            if (!name.contains("Compiler") && !name.startsWith("GC ") && !name.startsWith("G1 ")) {
                path += d;
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("cpu %s: %.0f ns/msg in all, %.0f ns/msg without JIT and GC threads;", label,
                (double) all / messages, (double) path / messages));
        for (Map.Entry<String, Long> e : byName.entrySet()) {
            if (e.getValue() * 1000 >= all) { // threads with at least 0.1% of the CPU
                int n = threads.get(e.getKey());
                sb.append(String.format(" %s%s %.0f,", e.getKey(), n > 1 ? " (" + n + " threads)" : "",
                        (double) e.getValue() / messages));
            }
        }
        System.out.println(sb);
    }
}
