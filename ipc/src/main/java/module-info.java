/**
 * Lockstep IPC: message channels, named mailboxes and crash-robust synchronizers between processes,
 * over memory-mapped files with a versioned, validated header.
 *
 * <p>Only {@link org.agrona.concurrent.IdleStrategy} is used from Agrona, so no JVM flag is needed.
 */
module dev.lockstep.ipc {
    requires transitive dev.lockstep.core;
    requires transitive org.agrona;

    exports dev.lockstep.ipc.broadcast;
    exports dev.lockstep.ipc.channel;
    exports dev.lockstep.ipc.mailbox;
    exports dev.lockstep.ipc.queue;
    exports dev.lockstep.ipc.shm;
    exports dev.lockstep.ipc.sync;
}
