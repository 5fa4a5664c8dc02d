/**
 * Lockstep over Aeron: bridges that forward a named mailbox to an Aeron publication and an Aeron
 * subscription into a local mailbox ({@link dev.lockstep.aeron.AeronBridge}), their status files
 * ({@link dev.lockstep.aeron.BridgeStatus}) and the {@code bridge} command
 * ({@link dev.lockstep.aeron.cli.BridgeCommand}, also mounted as {@code lockstep bridge} by the
 * {@code dev.lockstep.cli} tool).
 *
 * <p>Aeron's jars are automatic modules ({@code io.aeron.client}, {@code io.aeron.driver}); at run time
 * Agrona's buffers need {@code --add-exports java.base/jdk.internal.misc=org.agrona} on the module path
 * ({@code =ALL-UNNAMED} on the class path; the shaded jars carry it in their manifest). picocli sets the
 * annotated fields of the command classes reflectively, hence the qualified {@code opens}.
 */
module dev.lockstep.aeron {
    requires transitive dev.lockstep.ipc;
    requires transitive io.aeron.client;
    requires transitive io.aeron.driver;
    requires transitive info.picocli;

    exports dev.lockstep.aeron;
    exports dev.lockstep.aeron.cli;
    exports dev.lockstep.aeron.bench;

    opens dev.lockstep.aeron.cli to info.picocli;
}
