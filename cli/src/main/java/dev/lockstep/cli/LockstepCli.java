package dev.lockstep.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Properties;
import java.util.concurrent.Callable;

import dev.lockstep.aeron.cli.BridgeCommand;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code lockstep} command-line tool, on picocli.
 *
 * <pre>
 *   java -jar cli/target/lockstep-cli.jar stat [file-or-folder ...]    # add --watch, --json
 *   java -jar cli/target/lockstep-cli.jar bridge out orders 'aeron:udp?endpoint=127.0.0.1:40123'   # and: bridge in, bridge stat
 *   java -jar cli/target/lockstep-cli.jar pong demo                    # terminal 1
 *   java -jar cli/target/lockstep-cli.jar ping demo                    # terminal 2 (or: ping demo --spawn)
 *   java -jar cli/target/lockstep-cli.jar throughput demo --size 32
 *   java -jar cli/target/lockstep-cli.jar generate-completion &gt; lockstep_completion   # bash/zsh completion
 * </pre>
 *
 * {@code stat} ({@link StatCommand}) prints, for every Lockstep file given (or every file of a folder;
 * default: the default mailbox folder), its header (kind, layout version, sizes, creator and whether it
 * is alive) and the structure's live state (positions, fill level, peers and heartbeats, owners, recovery
 * counters), like AeronStat does for Aeron's counters; {@code --watch} refreshes it with rates per second,
 * {@code --json} writes it for scripts. It only reads: inspecting never changes a file.
 * Every folder's Aeron bridges (lockstep-aeron's status files {@code .bridge-out-NAME},
 * {@code .bridge-in-NAME-STREAM}) are shown after its structures.
 * {@code bridge out|in|stat} is lockstep-aeron's {@link BridgeCommand}, mounted here (the shaded jar's
 * manifest exports {@code jdk.internal.misc} to Agrona, so {@code java -jar} needs no flag).
 * {@code ping}/{@code pong} and {@code throughput} are the two-process demonstrations ({@link Demos}).
 *
 * <p>Every command takes {@code --help} and {@code --version}. Exit status: 0 ok, 1 failure (a file
 * {@code stat} could not read, a demo that failed), 2 usage error (unknown command or option, a bad
 * value, a bad structure name) with a message naming the argument.
 */
@Command(name = "lockstep", mixinStandardHelpOptions = true, versionProvider = LockstepCli.Version.class,
        description = "Inspect and exercise Lockstep's shared-memory structures.",
        subcommands = {StatCommand.class, BridgeCommand.class, Demos.Ping.class, Demos.Pong.class, Demos.Throughput.class, Demos.Sink.class,
                AutoComplete.GenerateCompletion.class, HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:ok", "1:failure (an unreadable file, a failed demo)", "2:usage error"})
public final class LockstepCli implements Callable<Integer> {
    /** Exit status of a usage error (picocli's default for invalid input, kept for bad values found later). */
    static final int USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    CommandSpec spec;

    /** The top-level {@code lockstep} command, for {@code new CommandLine(new LockstepCli())}. */
    public LockstepCli() {
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    /**
     * Runs the command line {@code args} on standard output and error, then exits the JVM with its status.
     *
     * @param args the command line, e.g. {@code stat --json}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs one command line without exiting the JVM.
     *
     * @param args the command line
     * @param out  where output and help go
     * @param err  where errors and usage messages go
     * @return the exit status: 0 ok, 1 failure (an unreadable file, a failed demo), 2 usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return commandLine(out, err).execute(args);
    }

    /** The command line with its subcommands, writing to {@code out} and {@code err}. */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new LockstepCli());
        cl.setOut(writer(out));
        cl.setErr(writer(err));
        // A bad argument found while running (a structure name Mailboxes refuses, a size larger than the
        // channel allows) is a usage error too: the message, no stack trace, status 2.
        cl.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                command.getErr().println(command.getCommandName() + ": " + e.getMessage());
                return USAGE;
            }
            throw e;
        });
        return cl;
    }

    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(stream, true); // flushes on println/printf: a watching user sees each frame
    }

    /** {@code --version}: the Maven project version, from the filtered {@code version.properties}. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"lockstep " + version(),
                    "JVM: ${java.version} (${java.vendor} ${java.vm.name} ${java.vm.version})"};
        }

        static String version() throws IOException {
            Properties p = new Properties();
            try (InputStream in = LockstepCli.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new IOException("version.properties is missing from the lockstep-cli jar");
                }
                p.load(in);
            }
            return p.getProperty("version");
        }
    }
}
