package dev.lockstep.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code stat}: the header and live state of every structure given (files, or folders of them), read-only
 * ({@link StatScan}, {@link StructureStat}); {@code --watch} refreshes it with rates ({@link StatWatch});
 * {@code --json} writes it as one JSON document (Jackson) with one object per structure, and one per
 * Aeron bridge of the folders read ({@code "bridges"}: {@link StatScan.Bridge}).
 *
 * <p>{@code --watch} stops after {@code --count} refreshes, or on Ctrl-C / SIGTERM: a shutdown hook ends
 * the pause between two refreshes and waits (up to 5 s) until the current refresh is printed and the
 * structures are closed, so a signal never cuts a frame or a JSON line in half.
 */
@Command(name = "stat", mixinStandardHelpOptions = true, versionProvider = LockstepCli.Version.class,
        description = {"Headers and live state of shared-memory structures: kind, sizes, creator, positions, fill, "
                + "peers and heartbeats, owners, recovery counters; then each folder's Aeron bridges (status files "
                + ".bridge-out-NAME, .bridge-in-NAME-STREAM). Read-only: changes no file."})
final class StatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE-OR-FOLDER", arity = "0..*",
            description = "structure files, or folders of them (default: the mailbox folder, -Dlockstep.ipc.dir "
                    + "or /dev/shm/lockstep-<user>)")
    List<Path> targets = new ArrayList<>();

    @Option(names = "--watch", description = "refresh every second (--interval) with rates per second since the "
            + "previous refresh, until Ctrl-C / SIGTERM or --count refreshes")
    boolean watch;

    @Option(names = "--json", description = "one JSON document with one object per structure and bridge "
            + "(with --watch: one document per line and refresh, with rates)")
    boolean json;

    @Option(names = "--count", paramLabel = "N", description = "with --watch: stop after N refreshes")
    Long count;

    @Option(names = "--interval", paramLabel = "MILLIS", defaultValue = "1000",
            description = "with --watch: time between refreshes (default: ${DEFAULT-VALUE})")
    long intervalMillis;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean intervalGiven = spec.commandLine().getParseResult().hasMatchedOption("--interval");
        if (!watch && (count != null || intervalGiven)) {
            throw new ParameterException(spec.commandLine(), (count != null ? "--count" : "--interval") + " needs --watch");
        }
        if (count != null && count < 1) {
            throw new ParameterException(spec.commandLine(), "--count must be >= 1: " + count);
        }
        if (intervalMillis < 10) {
            throw new ParameterException(spec.commandLine(), "--interval must be >= 10: " + intervalMillis);
        }
        if (!watch) {
            StatScan scan = StatScan.read(targets);
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(scan.json(null)));
            } else {
                scan.print(out, null);
            }
            out.flush();
            return scan.status();
        }
        return watchUntilStopped(out);
    }

    /**
     * Whether standard output is a terminal (then each refresh clears the screen). JDK 22+ returns a
     * {@code Console} even when output is redirected and tells with {@code Console.isTerminal()}, which
     * {@code --release 17} cannot name: called reflectively where it exists.
     */
    static boolean isTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException before22) {
            return true; // JDK 17-21: a console exists only for a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private int watchUntilStopped(PrintWriter out) throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                finished.await(5, TimeUnit.SECONDS); // let the current refresh finish and the last line print
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lockstep-stat-watch-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return StatWatch.run(targets, out, spec.commandLine().getErr(), json, !json && isTerminal(),
                    count == null ? 0 : count, intervalMillis, new StatWatch.Clock() {
                        @Override
                        public long nanoTime() {
                            return System.nanoTime();
                        }

                        @Override
                        public boolean pause(long millis) throws InterruptedException {
                            return stop.await(millis, TimeUnit.MILLISECONDS);
                        }
                    });
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running (a signal): it returns now that finished is counted down
            }
        }
    }
}
