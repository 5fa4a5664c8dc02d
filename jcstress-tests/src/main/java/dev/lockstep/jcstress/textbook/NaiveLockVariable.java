package dev.lockstep.jcstress.textbook;

import dev.lockstep.core.internal.SpinPolicy;

/**
 * BROKEN ON PURPOSE: the naive "lock variable", a textbook counter-example. Do not use it to guard
 * anything; it exists to be shown failing by {@link NaiveLockVariableTest}.
 *
 * <pre>{@code
 * NaiveLockVariable lock = new NaiveLockVariable();
 * lock.lock();            // while (locked) wait;  locked = true;
 * try {
 *     counter++;          // NOT protected: two threads can be here at once
 * } finally {
 *     lock.unlock();      // locked = false;
 * }
 * }</pre>
 *
 * <p>Algorithm: wait while the shared flag is up, then raise it; lower it on the way out.
 *
 * <p>Why it fails (mutual exclusion): the test of the flag and the raising of it are two separate
 * steps. Two threads can both read the flag as down, then both raise it and both enter the critical
 * section. Making the flag {@code volatile} (as here) does not help: it orders and publishes the
 * accesses, but does not make "read, then write" one indivisible step. The fix is an atomic
 * read-modify-write (test-and-set: {@code TasLock}) or an algorithm built for loads and stores
 * (Peterson, the bakery).
 *
 * <p>Source: A. Silberschatz, P. B. Galvin, G. Gagne, <i>Operating System Concepts</i>, ch. 6
 * (the critical-section problem); A. S. Tanenbaum, <i>Modern Operating Systems</i>, &sect;2.3.3
 * ("Lock Variables": "Unfortunately, this idea contains exactly the same fatal flaw that we saw in
 * the spooler directory").
 */
public final class NaiveLockVariable {
    /*
     * Implementation notes. Volatile accesses throughout: the counter-example must fail because of the
     * algorithm (check-then-act), not because of a missing fence, so it gets the strongest ordering
     * the plain-load/plain-store shape can have.
     */
    private volatile boolean locked;

    /** Waits while the flag is up, then raises it. Not atomic: see the class comment. */
    public void lock() {
        int step = 0;
        while (locked) {                // volatile read: sees the latest unlock...
            step = SpinPolicy.idle(step);
        }
        // ...but another thread can read the same "false" right here, before the store below.
        locked = true;                  // volatile write: too late to exclude anyone
    }

    /** Lowers the flag. */
    public void unlock() {
        locked = false;                 // volatile write: publishes the critical section's writes
    }
}
