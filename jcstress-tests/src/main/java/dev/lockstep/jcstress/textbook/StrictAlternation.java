package dev.lockstep.jcstress.textbook;

import dev.lockstep.core.internal.SpinPolicy;

import java.util.concurrent.TimeUnit;

/**
 * BROKEN ON PURPOSE (progress): strict alternation, "taking turns", a textbook counter-example for
 * two threads with identities 0 and 1. It is mutually exclusive, but a thread that wants to enter
 * can be kept out by a thread that does not: do not use it.
 *
 * <pre>{@code
 * StrictAlternation turns = new StrictAlternation();   // thread 0 goes first
 * turns.enter(me);          // while (turn != me) wait;
 * try {
 *     // critical section
 * } finally {
 *     turns.exit(me);       // turn = other;
 * }
 * }</pre>
 *
 * <p>Algorithm: a shared {@code turn} names the thread allowed in; a thread waits for its turn and,
 * on exit, hands the turn to the other thread.
 *
 * <p>Properties: mutual exclusion holds (only the thread named by {@code turn} is inside, and only it
 * changes {@code turn}); it is starvation-free for two threads that both keep wanting to enter; but
 * it violates <b>progress</b>: entries must alternate 0, 1, 0, 1, ... so a thread that leaves and
 * wants to enter again waits for the other thread, even while that thread is in its remainder
 * section and may never want to enter (see {@code StrictAlternationProgressTest}). Space: one word.
 *
 * <p>Source: E. W. Dijkstra, <i>Cooperating sequential processes</i>, EWD 123 (1965), the first
 * rejected attempt; A. S. Tanenbaum, <i>Modern Operating Systems</i>, &sect;2.3.3 ("Strict
 * Alternation"); A. Silberschatz et al., <i>Operating System Concepts</i>, ch. 6 (algorithm 1 for two
 * processes); Herlihy &amp; Shavit, <i>The Art of Multiprocessor Programming</i>, &sect;2.3.2
 * ({@code LockTwo}: deadlocks when one thread runs alone).
 */
public final class StrictAlternation {
    /*
     * Implementation notes. turn is in {0, 1}. Only the thread whose identity equals turn is inside or
     * may enter; exit(me) by that thread is the only writer. Volatile: the exiting thread's critical
     * section writes happen-before the other thread's entry (volatile write/read pair on turn).
     */
    private volatile int turn; // 0: thread 0 enters first

    private static int check(int me) {
        if (me != 0 && me != 1) {
            throw new IllegalArgumentException("thread identity must be 0 or 1: " + me);
        }
        return me;
    }

    /** Waits for {@code me}'s turn (forever if the other thread never takes and passes its turn). */
    public void enter(int me) {
        check(me);
        int step = 0;
        while (turn != me) {            // volatile read: pairs with the other thread's exit
            step = SpinPolicy.idle(step);
        }
    }

    /**
     * Enters if {@code me}'s turn comes within the timeout.
     *
     * @return whether {@code me} entered
     */
    public boolean tryEnter(int me, long timeout, TimeUnit unit) {
        check(me);
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        int step = 0;
        while (turn != me) {            // volatile read: as in enter
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            step = SpinPolicy.idle(step);
        }
        return true;
    }

    /** Leaves the critical section and hands the turn to the other thread. */
    public void exit(int me) {
        turn = 1 - check(me);           // volatile write: publishes the critical section to the other thread
    }
}
