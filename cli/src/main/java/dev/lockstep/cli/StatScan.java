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

import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.ShmDirectory;

/**
 * One reading of {@code stat}'s targets: for every structure file its header and {@link Snapshot} (or the
 * error that prevented reading it), and a note for a folder holding none, in the order {@code stat}
 * prints them; as text (the lines {@code stat} has always printed) or as a JSON tree for {@code --json}.
 *
 * @param time   when the reading started
 * @param items  what was found, in print order
 * @param status 0, or 1 if some file could not be read
 */
record StatScan(Instant time, List<Item> items, int status) {

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
                return new StatScan(time, items, 0);
            }
            todo.add(folder);
        }
        int status = 0;
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
            } else {
                Item item = readFile(target);
                status |= item.error() == null ? 0 : 1;
                items.add(item);
            }
        }
        return new StatScan(time, items, status);
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
        return doc;
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
