/**
 * The {@code lockstep} command-line tool: {@code stat} (read-only inspection of Lockstep's shared-memory
 * structures and of the Aeron bridges' status files, {@code --watch}, {@code --json}), {@code bridge}
 * ({@code dev.lockstep.aeron}'s command), {@code ping}/{@code pong} and {@code throughput}. Run it as
 * {@code java -jar cli/target/lockstep-cli.jar} (class path), or on the module path as
 * {@code java -p <modules> -m dev.lockstep.cli/dev.lockstep.cli.LockstepCli}.
 *
 * <p>It exports nothing: it is a tool, not a library. picocli reads and sets the annotated fields of
 * the command classes reflectively, hence the qualified {@code opens}; Jackson only writes maps and
 * lists built here, so it needs no access to this module's classes.
 */
module dev.lockstep.cli {
    requires dev.lockstep.ipc;
    requires dev.lockstep.aeron;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;

    opens dev.lockstep.cli to info.picocli;
}
