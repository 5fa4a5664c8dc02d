package dev.lockstep.core.internal;

import java.util.concurrent.TimeUnit;

/**
 * Exit checks for waiting loops: interrupts and deadlines, shared by every blocking method so that
 * {@code lock()}, {@code lockInterruptibly()} and {@code tryLock(time, unit)} behave the same way in
 * every primitive.
 *
 * <p>A wait is described by a {@code mode} and, for timed waits, an absolute {@link System#nanoTime()}
 * deadline. Waiting loops call {@link #shouldGiveUp(int, long)} once per step, before idling.
 */
public final class Waits {
    /** Ignores interrupts (the interrupt status is kept for the caller). */
    public static final int UNINTERRUPTIBLE = 0;
    /** Throws {@link InterruptedException} when interrupted. */
    public static final int INTERRUPTIBLE = 1;
    /** Interruptible, and gives up at the deadline. */
    public static final int TIMED = 2;

    private Waits() {
    }

    /**
     * The deadline for a wait of {@code time} in {@code unit} starting now.
     *
     * @param time the maximum time to wait; zero or negative gives a deadline already reached
     * @param unit the unit of {@code time}, not null
     * @return an absolute {@link System#nanoTime()} deadline, to compare by subtraction
     */
    public static long deadline(long time, TimeUnit unit) {
        // Compared by subtraction (now - deadline >= 0), so an overflowing sum still works for any
        // timeout below 292 years; a negative or zero timeout gives a deadline already reached.
        return System.nanoTime() + Math.max(0L, unit.toNanos(time));
    }

    /**
     * Checks a waiting loop's exits.
     *
     * @param mode     {@link #UNINTERRUPTIBLE}, {@link #INTERRUPTIBLE} or {@link #TIMED}
     * @param deadline the wait's {@link #deadline(long, TimeUnit) deadline}; used only in mode {@link #TIMED}
     * @return {@code true} when a timed wait has reached its deadline: the caller withdraws and fails
     * @throws InterruptedException when the mode is interruptible and the thread is interrupted (the
     *                              interrupt status is cleared, as {@link Thread#interrupted()} does)
     */
    public static boolean shouldGiveUp(int mode, long deadline) throws InterruptedException {
        if (mode == UNINTERRUPTIBLE) {
            return false;
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        return mode == TIMED && System.nanoTime() - deadline >= 0;
    }

    /**
     * Throws {@link InterruptedException} (clearing the status) if the thread is interrupted.
     *
     * @throws InterruptedException if the current thread is interrupted
     */
    public static void checkInterrupt() throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /**
     * Rejects a null time unit with a message naming the argument.
     *
     * @param unit the time unit passed to a timed method
     * @return {@code unit}, not null
     * @throws NullPointerException if {@code unit} is null
     */
    public static TimeUnit requireUnit(TimeUnit unit) {
        if (unit == null) {
            throw new NullPointerException("unit");
        }
        return unit;
    }
}
