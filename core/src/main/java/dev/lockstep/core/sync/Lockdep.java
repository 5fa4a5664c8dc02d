package dev.lockstep.core.sync;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Opt-in lock-order checking for {@link Mutex}, in the style of the Linux kernel's lockdep: while
 * enabled, every blocking acquisition of a Mutex records the edges "each Mutex the thread holds &rarr;
 * the Mutex it acquires" in one global order graph, and the first acquisition that would close a cycle
 * in that graph is reported as a potential deadlock, with the stack trace of the acquisition that
 * established the reverse order and the current one &mdash; even if the two orders never actually
 * raced. Name your Mutexes ({@link Mutex#Mutex(String)}) to make the reports readable.
 *
 * <p>Enable it with the system property {@code lockstep.lockdep}, read once when this class
 * initialises:
 * <ul>
 *   <li>{@code off} (the default): no checking; the switch is a {@code static final} constant, so the
 *       JIT removes the checks from {@code Mutex.lock()} altogether (see the JMH benchmark
 *       {@code LockdepBench});</li>
 *   <li>{@code warn}: reports go to the listener ({@link #setListener}; by default a line and both
 *       stack traces on {@code System.err}) and the acquisition proceeds;</li>
 *   <li>{@code throw}: the acquisition throws {@link PotentialDeadlockException} before it waits or
 *       changes anything.</li>
 * </ul>
 * <pre>{@code
 * java -Dlockstep.lockdep=throw -jar app.jar
 * }</pre>
 *
 * <p>What is checked: {@link Mutex#lock()} and {@link Mutex#lockInterruptibly()} (the acquisitions
 * that can wait forever). {@code tryLock} acquisitions cannot deadlock and are not checked, but the
 * Mutex they take counts as held for later acquisitions. Re-acquiring a Mutex the thread already holds
 * (reentrancy) adds no edge. The graph keys are Mutex instances, held weakly. Cost when enabled: a
 * global lock and a graph search per new edge; for testing and debugging, not for production.
 */
public final class Lockdep {
    /** What happens when an acquisition would close a cycle in the lock-order graph. */
    public enum Policy {
        /** Throw {@link PotentialDeadlockException} from the acquisition. */
        THROW,
        /** Report to the listener and go on. */
        WARN,
        /** No checking. */
        OFF
    }

    /** The policy of this JVM, from {@code -Dlockstep.lockdep=throw|warn|off} (default off). */
    public static final Policy POLICY = parse(System.getProperty("lockstep.lockdep", "off"));

    /** Constant-folded by the JIT: when false, the checks in Mutex are dead code. */
    static final boolean ENABLED = POLICY != Policy.OFF;

    /** The global checker; null when disabled. */
    static final LockOrderChecker CHECKER = ENABLED ? new LockOrderChecker(POLICY, Lockdep::defaultReport) : null;

    private Lockdep() {
    }

    static Policy parse(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "throw":
                return Policy.THROW;
            case "warn":
                return Policy.WARN;
            case "off":
            case "":
                return Policy.OFF;
            default:
                throw new IllegalArgumentException("lockstep.lockdep must be throw, warn or off: " + value);
        }
    }

    /**
     * The policy in force.
     *
     * @return the policy of this JVM, from {@code -Dlockstep.lockdep}
     */
    public static Policy policy() {
        return POLICY;
    }

    /**
     * Whether lock-order checking is on in this JVM.
     *
     * @return {@code true} unless the policy is {@link Policy#OFF}
     */
    public static boolean isEnabled() {
        return ENABLED;
    }

    /**
     * Sets where {@link Policy#WARN} reports go (and, under {@link Policy#THROW}, who is told before
     * the exception is thrown). {@code null} restores the default (print to {@code System.err}).
     * Has no effect when checking is off.
     *
     * @param listener receives each report, or {@code null} for the default
     */
    public static void setListener(Consumer<? super PotentialDeadlockException> listener) {
        if (CHECKER != null) {
            CHECKER.setListener(listener == null ? Lockdep::defaultReport : listener);
        }
    }

    private static void defaultReport(PotentialDeadlockException report) {
        System.err.println("lockstep lockdep: " + report.getMessage());
        report.printStackTrace();
    }
}
