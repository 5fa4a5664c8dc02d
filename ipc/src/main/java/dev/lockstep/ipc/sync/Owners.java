package dev.lockstep.ipc.sync;

/**
 * How often the synchronizers of this package check owners' liveness. Owners themselves are
 * {@link dev.lockstep.ipc.shm.Participants} tokens (one {@code long}, written with a single atomic
 * store or compare-and-set; never reissued, so a compare-and-set from a dead token has no ABA
 * problem), judged by {@link dev.lockstep.ipc.shm.Participants#isDead} in any PID namespace.
 *
 * <p>A same-namespace verdict reads {@code /proc} (~10 µs, a few KB of garbage): a waiter checks at
 * most <em>one</em> token per {@link #CHECK_INTERVAL_NANOS} (a barrier or semaphore with many parties
 * goes round them one per interval), so an idle waiter's cost does not grow with the number of parties.
 */
final class Owners {
    /** Nanoseconds between two liveness checks of the same waiter: property {@code lockstep.ipc.livenessCheckMicros}. */
    static final long CHECK_INTERVAL_NANOS =
            Long.getLong("lockstep.ipc.livenessCheckMicros", 1_000L) * 1_000L;
    /**
     * Polls a waiter makes before its first liveness check: the spin-and-yield phase (100 + 20 steps)
     * of {@link dev.lockstep.ipc.shm.Idle#backoff()} and of the futex wait, so the first check comes
     * before the first park or kernel sleep (a kernel sleep lasts up to 100 ms: a check only after a few
     * of them would delay the recovery of an owner that was dead before the wait began).
     */
    static final int POLLS_BEFORE_CHECK = 120;

    private Owners() {
    }
}
