package dev.lockstep.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.ShmDirectory;

/**
 * The {@code lockstep-ipc} command-line tool.
 *
 * <pre>
 *   java -jar cli/target/lockstep-cli.jar stat [file-or-folder ...]
 *   java -jar cli/target/lockstep-cli.jar pong demo            # terminal 1
 *   java -jar cli/target/lockstep-cli.jar ping demo            # terminal 2 (or: ping demo --spawn)
 *   java -jar cli/target/lockstep-cli.jar throughput demo --size 32
 * </pre>
 *
 * {@code stat} prints, for every Lockstep file given (or every file of a folder; default: the default
 * mailbox folder), its header (kind, layout version, sizes, creator and whether it is alive) and the
 * structure's live state (positions, fill level, peers and heartbeats, owners, recovery counters), like
 * AeronStat does for Aeron's counters. It only reads: inspecting never changes a file.
 * {@code ping}/{@code pong} and {@code throughput} are the two-process demonstrations ({@link Demos}).
 * Bad arguments end with status 2 and a message naming the argument.
 */
public final class LockstepCli {
    private LockstepCli() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status (0 ok, 1 failure, 2 usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage(out);
            return args.length == 0 ? 2 : 0;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return dispatch(args[0], rest, out, err);
        } catch (IllegalArgumentException e) {
            err.println(args[0] + ": " + e.getMessage());
            return 2;
        }
    }

    private static int dispatch(String command, String[] rest, PrintStream out, PrintStream err) throws Exception {
        switch (command) {
            case "stat":
                return stat(rest, out, err);
            case "ping":
                return Demos.ping(rest, out);
            case "pong":
                return Demos.pong(rest, out);
            case "throughput":
                return Demos.throughput(rest, out);
            case "sink":
                return Demos.sink(rest, out);
            default:
                err.println("unknown command: " + command);
                usage(err);
                return 2;
        }
    }

    static void usage(PrintStream out) {
        out.println("usage: lockstep-ipc <command> [arguments]");
        out.println("  stat [file-or-folder ...]   headers and live state of shared-memory structures");
        out.println("                              (default: " + ShmDirectory.defaultPath() + ")");
        out.println("  pong [name]                 echo round trips on channels <name>.ping/<name>.pong (default name: demo)");
        out.println("  ping [name] [--count N] [--size B] [--warmup N] [--spawn]");
        out.println("                              round trips to a pong process (--spawn starts it), latency percentiles");
        out.println("  throughput [name] [--messages N] [--size B]");
        out.println("                              starts a receiving process and streams N messages to it");
        out.println("  options: --dir FOLDER       mailbox folder instead of the default");
    }

    static int stat(String[] args, PrintStream out, PrintStream err) throws IOException {
        List<Path> targets = new ArrayList<>();
        if (args.length == 0) {
            Path folder = ShmDirectory.defaultPath();
            if (!Files.isDirectory(folder)) {
                out.println(folder + ": no structures (the folder does not exist yet)");
                return 0;
            }
            targets.add(folder);
        } else {
            for (String a : args) {
                targets.add(Path.of(a));
            }
        }
        int status = 0;
        for (Path target : targets) {
            if (Files.isDirectory(target)) {
                List<Path> files;
                try (Stream<Path> s = Files.list(target)) {
                    files = s.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().startsWith("."))
                            .sorted().toList();
                }
                if (files.isEmpty()) {
                    out.println(target + ": no structures");
                }
                for (Path f : files) {
                    status |= statFile(f, out);
                }
            } else {
                status |= statFile(target, out);
            }
        }
        return status;
    }

    static int statFile(Path file, PrintStream out) {
        out.println(file);
        FileLayout.Header h;
        try {
            h = SharedFile.readHeader(file, null);
        } catch (NoSuchFileException e) {
            out.println("  error           no such file");
            return 1;
        } catch (IOException e) {
            out.println("  error           " + e.getMessage());
            return 1;
        }
        out.printf("  kind            %s (layout version %d)%n", h.kind(), h.layoutVersion());
        out.printf("  size            %d bytes%n", h.fileLength());
        out.printf("  created         %s by %s, %s%n", Instant.ofEpochMilli(h.creationTimeMillis()), h.creator(),
                h.createdInAnotherPidNamespace() ? "in another PID namespace (liveness unknown)"
                        : h.creator().isAlive() ? "alive" : "no longer running");
        out.printf("  parameters      %s%n", Arrays.toString(h.params()));
        try {
            for (String line : StructureStat.describe(file, h)) {
                out.println("  " + line);
            }
        } catch (IOException | RuntimeException e) {
            out.println("  error           " + e);
            return 1;
        }
        return 0;
    }
}
