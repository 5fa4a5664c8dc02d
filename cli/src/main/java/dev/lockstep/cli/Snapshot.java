package dev.lockstep.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The live state of one structure, as {@link StructureStat} reads it: the lines {@code stat} prints, the
 * same values by name for {@code stat --json}, and the structure's monotonic counters, which
 * {@code stat --watch} turns into rates per second between two refreshes.
 *
 * @param lines    the text lines (without indentation)
 * @param state    name to value (numbers, strings, booleans, lists and maps of those), in print order
 * @param counters counters that only grow while the structure lives (positions, recoveries)
 * @param waiting  how the structure's blocking operations wait (e.g. spin then park), or {@code null}
 *                 while the structure does not report it: the place for ipc's per-structure waiting
 *                 mode, printed as a {@code wait} line and written as the {@code "wait"} JSON field
 */
record Snapshot(List<String> lines, Map<String, Object> state, List<Counter> counters, String waiting) {

    /**
     * One monotonic counter.
     *
     * @param name  its JSON name ({@code consumedBytes}); the rate is {@code <name>PerSecond}
     * @param label its text label ({@code consumed})
     * @param unit  its unit for the rate ({@code "B"} prints {@code B/s}; {@code ""} prints {@code /s})
     * @param value its value now
     */
    record Counter(String name, String label, String unit, long value) {
    }

    /** Text only: a kind without named values. */
    static Snapshot ofLines(List<String> lines) {
        return new Snapshot(lines, Map.of(), List.of(), null);
    }

    /** A snapshot whose state is given as alternating names and values. */
    static Snapshot of(List<String> lines, List<Counter> counters, Object... namesAndValues) {
        Map<String, Object> state = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            state.put((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        return new Snapshot(lines, state, counters, null);
    }

    /** This snapshot with the waiting mode {@code waiting}. */
    Snapshot withWaiting(String waiting) {
        return new Snapshot(lines, state, counters, waiting);
    }
}
