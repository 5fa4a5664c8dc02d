package dev.lockstep.ipc.shm;

/**
 * How a blocking ipc call of this process waits once its short spin is over (see
 * {@link dev.lockstep.ipc.sync.IpcEvent#waitMode()} and the other structures' {@code waitMode()}).
 *
 * <p>The mode is chosen once per process: {@link #FUTEX} on Linux (x86-64, AArch64) when the JVM is
 * 22 or newer (the multi-release classes of the jar), native access is not refused and the system
 * property {@value #PROPERTY} is not {@code poll}; {@link #POLL} otherwise. A structure whose idle
 * strategy was set explicitly ({@code setIdleStrategy}) polls with it. Virtual threads always poll
 * (a downcall would pin their carrier), whatever the mode.
 */
public enum WaitMode {
    /**
     * Spin briefly, then sleep in the kernel ({@code FUTEX_WAIT} on a word of the mapped file) until a
     * peer's {@code FUTEX_WAKE}, for at most {@value #MAX_SLEEP_MILLIS} ms per sleep.
     */
    FUTEX,
    /** Poll shared memory, idling between polls with an Agrona idle strategy ({@link Idle}). */
    POLL;

    /** The system property forcing a mode: {@code futex}, {@code poll} or {@code auto} (the default). */
    public static final String PROPERTY = "lockstep.ipc.wait";

    /**
     * Longest single kernel sleep: a sleeper re-checks the interrupt status, its deadline and its
     * peers' liveness at least this often, and a wake-up lost to a crashed waker costs at most this.
     */
    public static final long MAX_SLEEP_MILLIS = 100;

    /**
     * The mode blocking calls of this process use (a structure with an explicit idle strategy polls
     * regardless: ask it, e.g. {@link dev.lockstep.ipc.sync.IpcEvent#waitMode()}). The first call makes
     * the choice, which may print the JVM's restricted-method warning (see the class comment).
     *
     * @return {@link #FUTEX} where the kernel wait is available and not disabled by the property, else
     *         {@link #POLL}
     */
    public static WaitMode current() {
        return dev.lockstep.ipc.wait.Waiting.mode();
    }
}
