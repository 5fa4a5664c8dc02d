package dev.lockstep.ipc.wait;

import java.util.Locale;

import dev.lockstep.ipc.shm.WaitMode;

/**
 * Chooses, once per process, whether ipc waits may sleep in the kernel ({@link WaitMode#FUTEX}) or
 * poll ({@link WaitMode#POLL}), and holds the chosen {@link KernelSleep}.
 *
 * <p>The choice, from the system property {@value WaitMode#PROPERTY}:
 * <ul>
 *   <li>{@code auto} (default) and {@code futex}: the futex if it can be had (Linux on x86-64 or
 *       AArch64, JVM 22+, native access not refused, a probing {@code FUTEX_WAKE} succeeds), else
 *       polling. On JDK 22+ the JVM prints its one restricted-method warning at that first use unless
 *       the JVM runs with {@code --enable-native-access=dev.lockstep.ipc} (module path) or
 *       {@code =ALL-UNNAMED} (class path). {@code futex} prints a line to standard error when it has to
 *       fall back; neither ever fails.</li>
 *   <li>{@code poll}: polling, no native access at all (no warning).</li>
 * </ul>
 *
 * <p>Implementation notes: the futex class, {@code dev.lockstep.ipc.wait.LinuxFutex}, exists only in
 * the JDK 22+ part of the multi-release jar ({@code META-INF/versions/22}); it is looked up by name, so
 * this class (compiled for Java 17) does not link against it. The build also compiles it into the test
 * class path when the building JDK is 22+, so unit tests (which run on {@code target/classes}, not on
 * the jar) use it too.
 */
public final class Waiting {
    private static final String FUTEX_CLASS = "dev.lockstep.ipc.wait.LinuxFutex";
    /** The kernel sleep, or null: poll. */
    private static final KernelSleep KERNEL = choose();

    private Waiting() {
    }

    /** The kernel sleep of this process, or {@code null} when waits poll. */
    public static KernelSleep kernel() {
        return KERNEL;
    }

    /** This process's mode (virtual threads poll in either). */
    public static WaitMode mode() {
        return KERNEL != null ? WaitMode.FUTEX : WaitMode.POLL;
    }

    private static KernelSleep choose() {
        String value = System.getProperty(WaitMode.PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        boolean forced;
        switch (value) {
            case "poll":
                return null;
            case "futex":
                forced = true;
                break;
            case "auto":
            case "":
                forced = false;
                break;
            default:
                System.err.println("lockstep: -D" + WaitMode.PROPERTY + "=" + value
                        + " is not futex, poll or auto; using auto");
                forced = false;
        }
        String why = unsupportedPlatform();
        if (why == null) {
            try {
                return (KernelSleep) Class.forName(FUTEX_CLASS).getDeclaredConstructor().newInstance();
            } catch (ClassNotFoundException e) {
                why = "the futex classes are missing (not the multi-release jar?)";
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                // IllegalCallerException (native access refused), a probe that failed, ...
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                why = cause.toString();
            }
        }
        if (forced) {
            System.err.println("lockstep: -D" + WaitMode.PROPERTY + "=futex unavailable (" + why + "); polling");
        }
        return null;
    }

    /** Why this JVM cannot use the futex, or null if it may try. */
    private static String unsupportedPlatform() {
        if (Runtime.version().feature() < 22) {
            return "needs JDK 22+, this is " + Runtime.version().feature();
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "needs Linux";
        }
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            return "no futex syscall number for " + arch;
        }
        return null;
    }
}
