package dev.lockstep.aeron.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import dev.lockstep.aeron.AeronBridge;
import dev.lockstep.aeron.Bridge;
import dev.lockstep.aeron.BridgeHost;
import dev.lockstep.aeron.BridgeOptions;
import dev.lockstep.aeron.BridgeStats;
import dev.lockstep.aeron.BridgeStatus;
import dev.lockstep.ipc.shm.ShmDirectory;
import io.aeron.driver.ThreadingMode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code bridge} command: {@code bridge out NAME URI}, {@code bridge in NAME URI},
 * {@code bridge host --out NAME URI STREAM --in NAME URI STREAM ...} (several bridges and their driver on
 * one thread: {@link dev.lockstep.aeron.BridgeHost}), {@code bridge stat}.
 *
 * <pre>
 * java -jar aeron/target/lockstep-aeron.jar out orders 'aeron:udp?endpoint=127.0.0.1:40123' --stream 1001
 * java -jar aeron/target/lockstep-aeron.jar in  orders 'aeron:udp?endpoint=127.0.0.1:40123' --stream 1001
 * java -jar aeron/target/lockstep-aeron.jar stat
 * </pre>
 *
 * {@code out} and {@code in} run until SIGINT/SIGTERM (then close the bridge cleanly) or until the bridge
 * fails (exit code 1). They print {@code READY <status file>} once started and {@code CONNECTED} once
 * Aeron has a peer. To mount it under another picocli command:
 * {@code parent.addSubcommand("bridge", new CommandLine(new BridgeCommand()))}.
 */
@Command(name = "bridge", mixinStandardHelpOptions = true, version = "lockstep-aeron 0.1.0",
        description = "Forward Lockstep mailboxes over Aeron (UDP unicast or multicast).",
        subcommands = {BridgeCommand.Out.class, BridgeCommand.In.class, BridgeCommand.Host.class, BridgeCommand.Stat.class})
public final class BridgeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The command, for {@code new CommandLine(new BridgeCommand())} or a parent's subcommands. */
    public BridgeCommand() {
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /**
     * Runs a command line; {@code out} and {@code in} return only once the bridge is closed (by
     * SIGINT/SIGTERM) or has failed.
     *
     * @param args the arguments ({@code out ...}, {@code in ...}, {@code stat ...}); a leading {@code
     *             bridge} word is accepted
     * @return the exit code: 0 on success, 1 if the bridge failed, picocli's 2 for bad usage
     */
    public static int run(String... args) {
        String[] a = args.length > 0 && args[0].equals("bridge") ? Arrays.copyOfRange(args, 1, args.length) : args;
        return new CommandLine(new BridgeCommand()).execute(a);
    }

    /**
     * Entry point of the shaded jar: {@link #run(String...)}, then exits the JVM with its code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** The mailbox options every bridge subcommand shares (a picocli mixin: one declaration, one help text). */
    static final class MailboxOptions {
        @Option(names = "--folder", description = "Mailbox folder (default: -D" + ShmDirectory.DIR_PROPERTY
                + " or /dev/shm/lockstep-<user>).")
        Path folder;

        @Option(names = "--create", defaultValue = "MANY_TO_ONE",
                description = "Kind of mailbox created if absent: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        BridgeOptions.Kind kind;

        @Option(names = "--capacity", defaultValue = "1048576",
                description = "Ring capacity of a created mailbox, bytes (default ${DEFAULT-VALUE}).")
        int capacity;
    }

    /** Options common to out and in. */
    static class Common {
        @Parameters(index = "0", paramLabel = "NAME", description = "Local mailbox name.")
        String name;

        @Parameters(index = "1", paramLabel = "URI", description = "Aeron channel, e.g. aeron:udp?endpoint=host:port "
                + "(the receiving host's address) or a multicast aeron:udp?endpoint=224.0.1.1:40456|interface=...")
        String channel;

        @Option(names = "--stream", defaultValue = "1001", description = "Aeron stream id (default ${DEFAULT-VALUE}).")
        int stream;

        @Option(names = "--aeron-dir", description = "Use the external media driver of this Aeron directory "
                + "(default: an embedded driver for this bridge).")
        String aeronDir;

        @Option(names = "--embedded-dir", description = "Directory of the embedded driver "
                + "(default: <mailbox folder>/.aeron-<direction>-<name>).")
        Path embeddedDir;

        @CommandLine.Mixin
        MailboxOptions mailboxes = new MailboxOptions();

        @Option(names = "--threading", defaultValue = "SHARED",
                description = "Embedded driver threading: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
        ThreadingMode threading;

        @Option(names = "--idle", defaultValue = "BACKOFF",
                description = "How the bridge waits on Aeron (inbound: for messages; outbound: while Aeron refuses one): "
                        + "BACKOFF (spin, yield, park 1-100 us), SPIN, YIELD (a core each), SLEEP (1 ms) (default ${DEFAULT-VALUE}).")
        BridgeOptions.Wait idle;

        @Option(names = "--mailbox-wait", defaultValue = "KERNEL",
                description = "How an outbound bridge waits on its empty mailbox: KERNEL (futex sleep, JDK 22+ "
                        + "many-to-one; else polls as --idle), or poll with BACKOFF, SPIN, YIELD, SLEEP (default ${DEFAULT-VALUE}).")
        BridgeOptions.Wait mailboxWait;

        @Option(names = "--stats-every", defaultValue = "0",
                description = "Print the bridge's stats every this many seconds (0: never).")
        int statsEvery;

        BridgeOptions options() {
            BridgeOptions o = BridgeOptions.defaults().withMailboxFolder(mailboxes.folder).withAeronDirectory(aeronDir)
                    .withEmbeddedDirectory(embeddedDir).withCreate(mailboxes.kind, mailboxes.capacity).withThreadingMode(threading).withMailboxWait(mailboxWait);
            return o.withIdle(idle).withCoalesce(coalesce()); // KERNEL: IllegalArgumentException naming the problem
        }

        /** Whether an outbound bridge coalesces (only {@code out} has the option). */
        boolean coalesce() {
            return false;
        }

        int runUntilStopped(Bridge bridge) throws InterruptedException {
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                bridge.close();
                stopped.countDown();
            }, "bridge-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            System.out.println("READY " + bridge.statusFile());
            System.out.flush();
            boolean announced = false;
            long nextStats = statsEvery > 0 ? System.nanoTime() + statsEvery * 1_000_000_000L : Long.MAX_VALUE;
            while (!bridge.awaitTermination(Duration.ofMillis(20))) {
                if (!announced && bridge.isConnected()) {
                    announced = true;
                    System.out.println("CONNECTED");
                    System.out.flush();
                }
                if (System.nanoTime() - nextStats >= 0) {
                    System.out.print(bridge.stats());
                    System.out.flush();
                    nextStats += statsEvery * 1_000_000_000L;
                }
            }
            if (bridge.failure().isEmpty()) {
                stopped.await(); // closed by the shutdown hook (SIGINT/SIGTERM)
                return 0;
            }
            // The duty cycle ended without close(): it failed.
            System.err.println("bridge failed: " + bridge.failure().map(Throwable::toString).orElse("?"));
            System.out.print(bridge.stats());
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                stopped.await();
            }
            bridge.close();
            return 1;
        }
    }

    @Command(name = "out", mixinStandardHelpOptions = true,
            description = "Forward mailbox NAME to the Aeron channel URI (this bridge is NAME's consumer).")
    static final class Out extends Common implements Callable<Integer> {
        @Option(names = "--coalesce", description = "Pack each duty cycle's messages into one Aeron message (the default: "
                + "fewer, fuller frames, less CPU per message; a SIGKILL of this bridge can lose up to one cycle's "
                + "messages, reported exactly as a gap).")
        boolean coalesceFrames;

        @Option(names = "--no-coalesce", description = "Send each message as its own Aeron message (a SIGKILL of this "
                + "bridge then loses at most the one message Aeron refused, reported exactly as a gap).")
        boolean plainFrames;

        @Override
        boolean coalesce() {
            if (coalesceFrames && plainFrames) {
                throw new IllegalArgumentException("--coalesce and --no-coalesce exclude each other");
            }
            return !plainFrames;
        }

        @Override
        public Integer call() throws Exception {
            return runUntilStopped(AeronBridge.out(name, channel, stream, options()));
        }
    }

    @Command(name = "in", mixinStandardHelpOptions = true,
            description = "Deliver what arrives on the Aeron channel URI into mailbox NAME (as one of its producers).")
    static final class In extends Common implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            return runUntilStopped(AeronBridge.in(name, channel, stream, options()));
        }
    }

    @Command(name = "host", mixinStandardHelpOptions = true,
            description = "Run several bridges and their embedded media driver on one thread (a BridgeHost).")
    static final class Host implements Callable<Integer> {
        @Option(names = "--name", defaultValue = "bridges",
                description = "Host name: driver directory <folder>/.aeron-host-NAME, lock .bridge-host-NAME.lock (default ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--out", arity = "3", paramLabel = "NAME URI STREAM",
                description = "An outbound bridge: mailbox NAME to Aeron channel URI, stream STREAM (repeatable).")
        List<String> out = new java.util.ArrayList<>();

        @Option(names = "--in", arity = "3", paramLabel = "NAME URI STREAM",
                description = "An inbound bridge: Aeron channel URI, stream STREAM, into mailbox NAME (repeatable).")
        List<String> in = new java.util.ArrayList<>();

        @Option(names = "--embedded-dir", description = "Directory of the embedded driver (default: <folder>/.aeron-host-NAME).")
        Path embeddedDir;

        @CommandLine.Mixin
        MailboxOptions mailboxes = new MailboxOptions();

        @Option(names = "--stats-every", defaultValue = "0",
                description = "Print every bridge's stats every this many seconds (0: never).")
        int statsEvery;

        @Option(names = "--coalesce", description = "The outbound bridges coalesce (the default; see bridge out --coalesce).")
        boolean coalesceFrames;

        @Option(names = "--no-coalesce", description = "The outbound bridges send each message as its own Aeron message "
                + "(see bridge out --no-coalesce).")
        boolean plainFrames;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        BridgeOptions options() {
            return BridgeOptions.defaults().withMailboxFolder(mailboxes.folder).withEmbeddedDirectory(embeddedDir)
                    .withCreate(mailboxes.kind, mailboxes.capacity).withCoalesce(coalesce());
        }

        boolean coalesce() {
            if (coalesceFrames && plainFrames) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--coalesce and --no-coalesce exclude each other");
            }
            return !plainFrames;
        }

        @Override
        public Integer call() throws Exception {
            if (out.isEmpty() && in.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give at least one --out or --in NAME URI STREAM");
            }
            for (int i = 2; i < out.size(); i += 3) {
                stream(out.get(i)); // bad usage is refused before anything starts
            }
            for (int i = 2; i < in.size(); i += 3) {
                stream(in.get(i));
            }
            BridgeOptions o = options();
            BridgeHost host = AeronBridge.host(name, o);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                host.close();
                stopped.countDown();
            }, "bridge-host-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            List<Bridge> bridges = new java.util.ArrayList<>();
            try {
                for (int i = 0; i + 2 < out.size(); i += 3) {
                    bridges.add(host.out(out.get(i), out.get(i + 1), stream(out.get(i + 2))));
                }
                for (int i = 0; i + 2 < in.size(); i += 3) {
                    bridges.add(host.in(in.get(i), in.get(i + 1), stream(in.get(i + 2))));
                }
            } catch (RuntimeException | java.io.IOException e) {
                System.err.println("bridge host: " + e);
                removeHook(hook, stopped);
                host.close();
                return 1;
            }
            for (Bridge b : bridges) {
                System.out.println("READY " + b.statusFile());
            }
            System.out.flush();
            boolean announced = false;
            long nextStats = statsEvery > 0 ? System.nanoTime() + statsEvery * 1_000_000_000L : Long.MAX_VALUE;
            Bridge failed = null;
            while (!host.awaitTermination(Duration.ofMillis(20))) {
                for (Bridge b : bridges) {
                    if (b.failure().isPresent()) {
                        failed = b;
                    }
                }
                if (failed != null) {
                    break;
                }
                if (!announced && bridges.stream().allMatch(Bridge::isConnected)) {
                    announced = true;
                    System.out.println("CONNECTED");
                    System.out.flush();
                }
                if (System.nanoTime() - nextStats >= 0) {
                    bridges.forEach(b -> System.out.print(b.stats()));
                    System.out.flush();
                    nextStats += statsEvery * 1_000_000_000L;
                }
            }
            if (failed == null && host.failure().isEmpty()) {
                stopped.await(); // closed by the shutdown hook (SIGINT/SIGTERM)
                return 0;
            }
            // A bridge or the host failed: report, close everything, exit 1 (the others are not kept alone).
            System.err.println("bridge failed: " + (failed != null ? failed + ": " + failed.failure().map(Throwable::toString).orElse("?")
                    : "host: " + host.failure().map(Throwable::toString).orElse("?")));
            bridges.forEach(b -> System.out.print(b.stats()));
            removeHook(hook, stopped);
            host.close();
            return 1;
        }

        private int stream(String s) {
            try {
                return Integer.parseInt(s);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "STREAM must be an integer: '" + s + "'");
            }
        }

        private static void removeHook(Thread hook, CountDownLatch stopped) throws InterruptedException {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                stopped.await();
            }
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true,
            description = "Show every bridge of the mailbox folder (from their status files; changes nothing).")
    static final class Stat implements Callable<Integer> {
        @Option(names = "--folder", description = "Mailbox folder (default: as the bridges).")
        Path folder;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Path f = folder != null ? folder : ShmDirectory.defaultPath();
            List<BridgeStats> all = BridgeStatus.list(f);
            java.io.PrintWriter out = spec.commandLine().getOut(); // the parent's stream when mounted (lockstep bridge)
            if (all.isEmpty()) {
                out.println("no bridges in " + f);
            }
            for (BridgeStats s : all) {
                out.print(s);
            }
            out.flush();
            return 0;
        }
    }
}
