package dev.lockstep.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lockstep.aeron.BridgeStats;
import dev.lockstep.ipc.shm.ProcessIdentity;

/**
 * {@code stat --watch}: reads the targets again every interval (default one second) and prints each
 * structure as {@code stat} does, plus its rates per second since the previous refresh (bytes consumed
 * and produced, recoveries: each {@link Snapshot.Counter}'s growth divided by the time between the two
 * readings, as AeronStat shows counters). Stops after {@code count} refreshes, or when the
 * {@link Clock}'s pause says so ({@code StatCommand}'s pause ends on Ctrl-C / SIGTERM), or when interrupted.
 *
 * <p>Implementation notes: a structure is identified across refreshes by its path, creation time and
 * creator, so a file removed and created again under the same name starts without rates instead of
 * showing a negative one; a structure seen for the first time shows {@code -}. Each refresh opens every
 * structure read-only anew ({@link StructureStat#describe}), so structures created while watching
 * appear and removed ones disappear. A bridge ({@link StatScan.Bridge}) is identified by its status
 * file's path (its counters are cumulative over the bridge's restarts); it gets messages and bytes per
 * second, none when a counter went down (the file was made again).
 */
final class StatWatch {
    /** Time and pauses, replaceable by a test. */
    interface Clock {
        long nanoTime();

        /** Waits {@code millis}; returns {@code true} if the watch must stop instead. */
        boolean pause(long millis) throws InterruptedException;
    }

    private record Key(Path path, long created, ProcessIdentity creator) {
        static Key of(StatScan.Item item) {
            return new Key(item.path(), item.header().creationTimeMillis(), item.header().creator());
        }
    }

    /** The rates of one refresh, per structure; empty on the first refresh. */
    static final class Rates {
        private final Map<Key, Map<Snapshot.Counter, Double>> perSecond;
        private final Map<Path, double[]> bridgePerSecond; // {messages, bytes} per second

        Rates(Map<Key, Map<Snapshot.Counter, Double>> perSecond, Map<Path, double[]> bridgePerSecond) {
            this.perSecond = perSecond;
            this.bridgePerSecond = bridgePerSecond;
        }

        /** The rates line of a bridge: {@code messages 1000/s, bytes 32000 B/s}, or {@code -}. */
        String text(StatScan.Bridge bridge) {
            double[] r = bridgePerSecond.get(bridge.path());
            return r == null ? "- (from the next refresh on)"
                    : "messages " + format(r[0]) + "/s, bytes " + format(r[1]) + " B/s";
        }

        /** {@code {"messagesPerSecond": ..., "bytesPerSecond": ...}}, or {@code null} without a previous reading. */
        Map<String, Object> json(StatScan.Bridge bridge) {
            double[] r = bridgePerSecond.get(bridge.path());
            if (r == null) {
                return null;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("messagesPerSecond", r[0]);
            m.put("bytesPerSecond", r[1]);
            return m;
        }

        /** The rates line of {@code item}: {@code consumed 400 B/s, produced 400 B/s, ...}, or {@code -}. */
        String text(StatScan.Item item) {
            Map<Snapshot.Counter, Double> r = perSecond.get(Key.of(item));
            if (r == null) {
                return "- (from the next refresh on)";
            }
            List<String> parts = new ArrayList<>();
            r.forEach((c, v) -> parts.add(c.label() + " " + format(v) + (c.unit().isEmpty() ? "" : " " + c.unit()) + "/s"));
            return String.join(", ", parts);
        }

        /** {@code {"consumedBytesPerSecond": 400.0, ...}}, or {@code null} when there is no previous reading. */
        Map<String, Object> json(StatScan.Item item) {
            Map<Snapshot.Counter, Double> r = perSecond.get(Key.of(item));
            if (r == null) {
                return null;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            r.forEach((c, v) -> m.put(c.name() + "PerSecond", v));
            return m;
        }

        private static String format(double v) {
            return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.1f", v);
        }
    }

    private Map<Key, Snapshot> previous = Map.of();
    private Map<Path, BridgeStats> previousBridges = Map.of();
    private long previousNanos;

    /** Rates between the previous scan and {@code scan}, read at {@code nanos}; remembers {@code scan}. */
    Rates next(StatScan scan, long nanos) {
        Map<Key, Map<Snapshot.Counter, Double>> rates = new HashMap<>();
        Map<Key, Snapshot> current = new HashMap<>();
        double seconds = (nanos - previousNanos) / 1e9;
        for (StatScan.Item item : scan.items()) {
            if (!item.isStructure() || item.snapshot() == null) {
                continue;
            }
            Key key = Key.of(item);
            current.put(key, item.snapshot());
            Snapshot before = previous.get(key);
            if (before == null || seconds <= 0) {
                continue;
            }
            Map<Snapshot.Counter, Double> r = new LinkedHashMap<>();
            for (Snapshot.Counter c : item.snapshot().counters()) {
                for (Snapshot.Counter b : before.counters()) {
                    if (b.name().equals(c.name()) && c.value() >= b.value()) {
                        r.put(c, (c.value() - b.value()) / seconds);
                    }
                }
            }
            rates.put(key, r);
        }
        Map<Path, double[]> bridgeRates = new HashMap<>();
        Map<Path, BridgeStats> currentBridges = new HashMap<>();
        for (StatScan.Bridge b : scan.bridges()) {
            currentBridges.put(b.path(), b.stats());
            BridgeStats before = previousBridges.get(b.path());
            if (before != null && seconds > 0 && b.stats().messages() >= before.messages()
                    && b.stats().bytes() >= before.bytes()) {
                bridgeRates.put(b.path(), new double[] {(b.stats().messages() - before.messages()) / seconds,
                        (b.stats().bytes() - before.bytes()) / seconds});
            }
        }
        previous = current;
        previousBridges = currentBridges;
        previousNanos = nanos;
        return new Rates(rates, bridgeRates);
    }

    private static final String CLEAR_SCREEN = "\033[H\033[2J";

    /**
     * Watches {@code targets} until {@code count} refreshes (0: no limit) or until {@code clock} says stop.
     *
     * @return the last reading's status (0, or 1 if a file could not be read)
     */
    static int run(List<Path> targets, PrintWriter out, PrintWriter err, boolean json, boolean clearScreen, long count,
                   long intervalMillis, Clock clock) throws IOException {
        StatWatch watch = new StatWatch();
        ObjectMapper mapper = new ObjectMapper();
        long interval = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        long refreshes = 0;
        int status = 0;
        long next = clock.nanoTime();
        try {
            while (true) {
                long now = clock.nanoTime();
                StatScan scan = StatScan.read(targets);
                Rates rates = watch.next(scan, now);
                refreshes++;
                status = scan.status();
                if (json) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("refresh", refreshes);
                    doc.putAll(scan.json(rates));
                    out.println(mapper.writeValueAsString(doc)); // one document per line (JSON Lines)
                } else {
                    if (clearScreen) {
                        out.print(CLEAR_SCREEN);
                    } else if (refreshes > 1) {
                        out.println();
                    }
                    out.printf("lockstep stat --watch: refresh %d at %s (every %d ms; Ctrl-C stops)%n", refreshes,
                            scan.time(), intervalMillis);
                    scan.print(out, rates);
                }
                out.flush();
                if (count > 0 && refreshes >= count) {
                    break;
                }
                next += interval;
                long wait = Math.max(0, TimeUnit.NANOSECONDS.toMillis(next - clock.nanoTime()));
                if (wait == 0) {
                    next = clock.nanoTime(); // fell behind (a slow reading): start the schedule again
                }
                if (clock.pause(wait)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.println("lockstep stat --watch: stopped after " + refreshes + " refreshes");
        return status;
    }
}
