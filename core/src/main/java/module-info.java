/**
 * Lockstep core: mutual-exclusion locks, blocking synchronizers and lock-free queues built on
 * {@link java.lang.invoke.VarHandle} atomics. No runtime dependencies.
 *
 * <p>Only API packages are exported; {@code dev.lockstep.core.internal} (padding, the spin-then-park
 * policy, thread slots) is not part of the API.
 */
module dev.lockstep.core {
    exports dev.lockstep.core.lock;
    exports dev.lockstep.core.queue;
    exports dev.lockstep.core.sync;
    // The spin/park policy and padding are shared with the ipc module, and only with it.
    exports dev.lockstep.core.internal to dev.lockstep.ipc;
}
