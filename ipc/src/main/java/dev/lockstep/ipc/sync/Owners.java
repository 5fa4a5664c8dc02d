package dev.lockstep.ipc.sync;


import dev.lockstep.ipc.shm.ProcessIdentity;

/**
 * Owner tokens: one {@code long} that names a process so that a reused pid is not mistaken for it,
 * written into shared memory with a single atomic store or compare-and-set (no window in which the
 * pid is recorded but the start time is not).
 *
 * <p>A token is {@code pid << 32 | (startTime & 0xFFFFFFFF)}: the pid (Linux pids are below 2^22)
 * and the low 32 bits of the process start time ({@link ProcessIdentity}: clock ticks since boot on
 * Linux, 2^32 ticks are 497 days at 100 Hz). Zero means "nobody" (no process has pid 0). A token
 * stays dead forever once dead (pid and start time never name a running process again), so a
 * compare-and-set from a dead token has no ABA problem.
 */
final class Owners {
    /** This process's token. */
    static final long CURRENT = tokenOf(ProcessIdentity.current());
    /** Nanoseconds between two liveness checks of the same waiter (reading /proc costs ~10 µs). */
    static final long CHECK_INTERVAL_NANOS =
            Long.getLong("lockstep.ipc.livenessCheckMicros", 1_000L) * 1_000L;
    /** Polls a waiter makes (the idle strategy's spin phase) before its first liveness check. */
    static final int POLLS_BEFORE_CHECK = 128;

    private Owners() {
    }

    static long tokenOf(ProcessIdentity id) {
        if (id.pid() <= 0 || id.pid() > 0xFFFF_FFFFL) {
            throw new IllegalStateException("pid does not fit an owner token: " + id.pid());
        }
        return id.pid() << 32 | (id.startTime() & 0xFFFF_FFFFL);
    }

    /** The pid a token names. */
    static long pid(long token) {
        return token >>> 32;
    }

    /**
     * Whether the process a non-zero token names is dead (gone, a zombie, or its pid now belongs to a
     * process with another start time). Reads /proc: ~10 µs, allocates; slow paths only.
     */
    static boolean isDead(long token) {
        if (token == 0L) {
            return false;
        }
        if (token == CURRENT) {
            return false;
        }
        // Dead only when certainly gone; an unreadable /proc counts as alive (never rob a live owner).
        return !ProcessIdentity.mayBeAlive(pid(token), token & 0xFFFF_FFFFL, 0xFFFF_FFFFL);
    }

    static String describe(long token) {
        return "pid " + pid(token);
    }
}
