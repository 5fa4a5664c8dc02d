package dev.lockstep.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.lockstep.aeron.BridgeStats;
import dev.lockstep.aeron.BridgeStatus;
import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.ShmDirectory;

/**
 * One reading of {@code stat}'s targets: for every structure file its header and {@link Snapshot} (or the
 * error that prevented reading it), and a note for a folder holding none, in the order {@code stat}
 * prints them; as text (the lines {@code stat} has always printed) or as a JSON tree for {@code --json}.
 * After them, the Aeron bridges of every folder read ({@link BridgeStatus#list}: the hidden status files
 * {@code .bridge-out-NAME} and {@code .bridge-in-NAME-STREAM} that lockstep-aeron's bridges keep next to
 * their mailbox; read-only, like the structures), or a bridge status file given by name.
 *
 * @param time    when the reading started
 * @param items   what was found, in print order
 * @param bridges the bridges found, in print order (after the items)
 * @param status  0, or 1 if some file could not be read
 */
record StatScan(Instant time, List<Item> items, List<Bridge> bridges, int status) {

    /** A bridge: its status file and what it holds. */
    record Bridge(Path path, BridgeStats stats) {
        static Bridge of(Path folder, BridgeStats s) {
            return new Bridge(s.direction().equals("out") ? BridgeStatus.outPath(folder, s.mailbox())
                    : BridgeStatus.inPath(folder, s.mailbox(), s.streamId()), s);
        }
    }

    private static boolean isBridgeStatusFile(Path p) {
        String n = p.getFileName().toString();
        return n.startsWith(".bridge-out-") || n.startsWith(".bridge-in-");
    }

    /**
     * One printed entry: a folder note ({@code note} set), or a structure file with its header and
     * snapshot; {@code error} says why the header ({@code header == null}) or the state
     * ({@code snapshot == null}) could not be read.
     */
    record Item(Path path, String note, FileLayout.Header header, String creatorState, Snapshot snapshot, String error) {
        boolean isStructure() {
            return note == null;
        }
    }

    /** Reads every target (files, or folders of files; none: the default mailbox folder). */
    static StatScan read(List<Path> targets) throws IOException {
        Instant time = Instant.now();
        List<Item> items = new ArrayList<>();
        List<Path> todo = new ArrayList<>(targets);
        if (todo.isEmpty()) {
            Path folder = ShmDirectory.defaultPath();
            if (!Files.isDirectory(folder)) {
                items.add(new Item(folder, "no structures (the folder does not exist yet)", null, null, null, null));
                return new StatScan(time, items, List.of(), 0);
            }
            todo.add(folder);
        }
        int status = 0;
        List<Bridge> bridges = new ArrayList<>();
        for (Path target : todo) {
            if (Files.isDirectory(target)) {
                List<Path> files;
                try (Stream<Path> s = Files.list(target)) {
                    files = s.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted().toList();
                }
                if (files.isEmpty()) {
                    items.add(new Item(target, "no structures", null, null, null, null));
                }
                for (Path f : files) {
                    Item item = readFile(f);
                    status |= item.error() == null ? 0 : 1;
                    items.add(item);
                }
                try {
                    for (BridgeStats s : BridgeStatus.list(target)) {
                        bridges.add(Bridge.of(target, s));
                    }
                } catch (IOException e) {
                    items.add(new Item(target, "bridges unreadable: " + e, null, null, null, null));
                    status = 1;
                }
            } else if (isBridgeStatusFile(target)) {
                BridgeStats s = null;
                String error;
                try {
                    s = BridgeStatus.read(target);
                    error = "not a bridge status file (or not written yet)";
                } catch (NoSuchFileException e) {
                    error = "no such file";
                } catch (IOException e) {
                    error = e.toString();
                }
                if (s != null) {
                    bridges.add(new Bridge(target, s));
                } else {
                    items.add(new Item(target, null, null, null, null, error));
                    status = 1;
                }
            } else {
                Item item = readFile(target);
                status |= item.error() == null ? 0 : 1;
                items.add(item);
            }
        }
        return new StatScan(time, items, bridges, status);
    }

    private static Item readFile(Path file) {
        FileLayout.Header h;
        try {
            h = SharedFile.readHeader(file, null);
        } catch (NoSuchFileException e) {
            return new Item(file, null, null, null, null, "no such file");
        } catch (IOException e) {
            return new Item(file, null, null, null, null, e.getMessage());
        }
        String creatorState = h.createdInAnotherPidNamespace() ? "in another PID namespace (liveness unknown)"
                : h.creator().isAlive() ? "alive" : "no longer running";
        try {
            return new Item(file, null, h, creatorState, StructureStat.describe(file, h), null);
        } catch (IOException | RuntimeException e) {
            return new Item(file, null, h, creatorState, null, e.toString());
        }
    }

    /** Prints the items as {@code stat} does; {@code rates} (may be {@code null}) adds a rates line per structure. */
    void print(PrintWriter out, StatWatch.Rates rates) {
        for (Item item : items) {
            if (!item.isStructure()) {
                out.println(item.path() + ": " + item.note());
                continue;
            }
            out.println(item.path());
            FileLayout.Header h = item.header();
            if (h == null) {
                out.println("  error           " + item.error());
                continue;
            }
            out.printf("  kind            %s (layout version %d)%n", h.kind(), h.layoutVersion());
            out.printf("  size            %d bytes%n", h.fileLength());
            out.printf("  created         %s by %s, %s%n", Instant.ofEpochMilli(h.creationTimeMillis()), h.creator(),
                    item.creatorState());
            out.printf("  parameters      %s%n", Arrays.toString(h.params()));
            Snapshot s = item.snapshot();
            if (s == null) {
                out.println("  error           " + item.error());
                continue;
            }
            for (String line : s.lines()) {
                out.println("  " + line);
            }
            if (s.waiting() != null) {
                out.println("  wait            " + s.waiting());
            }
            if (rates != null && !s.counters().isEmpty()) {
                out.println("  rates           " + rates.text(item));
            }
        }
        for (Bridge b : bridges) {
            out.println(b.path());
            for (String line : b.stats().toString().split("\n")) { // BridgeStats's own text, indented
                out.println("  " + line);
            }
            if (rates != null) {
                out.println("  rates           " + rates.text(b));
            }
        }
    }

    /**
     * The JSON tree: {@code {"time": ..., "structures": [{...}, ...]}}, one object per structure file
     * (folder notes are left out); {@code rates} (may be {@code null}) adds each structure's
     * {@code "rates"}.
     */
    Map<String, Object> json(StatWatch.Rates rates) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("time", time.toString());
        List<Object> structures = new ArrayList<>();
        for (Item item : items) {
            if (item.isStructure()) {
                structures.add(json(item, rates));
            }
        }
        doc.put("structures", structures);
        List<Object> bridgeList = new ArrayList<>();
        for (Bridge b : bridges) {
            bridgeList.add(json(b, rates));
        }
        doc.put("bridges", bridgeList);
        return doc;
    }

    /** One bridge: its status file and every field of its {@link BridgeStats}, under the record's names. */
    private static Map<String, Object> json(Bridge b, StatWatch.Rates rates) {
        BridgeStats s = b.stats();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", b.path().toString());
        o.put("direction", s.direction());
        o.put("mailbox", s.mailbox());
        o.put("channel", s.channel());
        o.put("streamId", s.streamId());
        o.put("pid", s.pid());
        o.put("alive", s.alive());
        o.put("state", s.state());
        o.put("connected", s.connected());
        o.put("messages", s.messages());
        o.put("bytes", s.bytes());
        o.put("backPressureEvents", s.backPressureEvents());
        o.put("notConnectedEvents", s.notConnectedEvents());
        o.put("gapEvents", s.gapEvents());
        o.put("missingMessages", s.missingMessages());
        o.put("duplicatesDropped", s.duplicatesDropped());
        o.put("resets", s.resets());
        o.put("rejected", s.rejected());
        o.put("sequence", s.sequence());
        o.put("epoch", s.epoch());
        o.put("heartbeatAgeMillis", s.heartbeatAgeMillis());
        o.put("lastError", s.lastError());
        if (rates != null) {
            o.put("rates", rates.json(b));
        }
        return o;
    }

    private static Map<String, Object> json(Item item, StatWatch.Rates rates) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("file", item.path().toString());
        o.put("name", item.path().getFileName().toString());
        FileLayout.Header h = item.header();
        if (h != null) {
            o.put("kind", h.kind().name());
            o.put("layoutVersion", h.layoutVersion());
            o.put("size", h.fileLength());
            o.put("created", Instant.ofEpochMilli(h.creationTimeMillis()).toString());
            Map<String, Object> creator = new LinkedHashMap<>();
            creator.put("pid", h.creator().pid());
            creator.put("startTime", h.creator().startTime());
            creator.put("state", item.creatorState());
            o.put("creator", creator);
            o.put("parameters", Arrays.stream(h.params()).boxed().toList());
        }
        Snapshot s = item.snapshot();
        if (s != null) {
            o.put("wait", s.waiting());
            o.put("state", s.state());
            if (rates != null) {
                o.put("rates", rates.json(item));
            }
        }
        if (item.error() != null) {
            o.put("error", item.error());
        }
        return o;
    }
}
