/**
 * Lockstep core: mutual-exclusion locks, blocking synchronizers and lock-free queues built on
 * {@link java.lang.invoke.VarHandle} atomics. No runtime dependencies.
 *
 * <p>Only API packages are exported; {@code dev.lockstep.core.internal} (padding, the spin-then-park
 * policy, thread slots) is not part of the API.
 */
module dev.lockstep.core {
    // JFR events (dev.lockstep.core.internal.jfr): optional, so core keeps no runtime dependency.
    requires static jdk.jfr;

    exports dev.lockstep.core.lock;
    exports dev.lockstep.core.queue;
    exports dev.lockstep.core.sync;
    // The spin/park policy and padding are shared with the ipc module, and only with it.
    exports dev.lockstep.core.internal to dev.lockstep.ipc;
    // The JFR hooks, for ipc's channels and synchronizers; jdk.jfr instruments the event classes.
    exports dev.lockstep.core.internal.jfr to dev.lockstep.ipc;
    opens dev.lockstep.core.internal.jfr to jdk.jfr;
}
