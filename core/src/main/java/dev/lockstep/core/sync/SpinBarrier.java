package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.jfr.Jfr;

/**
 * A spinning, sense-reversing cyclic barrier for low-latency phases: a fixed group of
 * {@code parties} threads each call {@link #await()} once per phase, and nobody returns until all
 * have arrived. Built for threads that each own a core and meet every few microseconds (simulation
 * steps, parallel loops, lock-step pipelines); when threads outnumber cores the waiters yield and
 * then take short naps, so it degrades gracefully, but {@link Barrier} (which parks) is then the
 * better choice.
 *
 * <pre>{@code
 * SpinBarrier step = new SpinBarrier(2);
 * // in each of the two threads:
 * for (int t = 0; t < steps; t++) {
 *     compute(myHalf, t);
 *     step.await(); // both halves of step t are done
 * }
 * }</pre>
 *
 * <p>Algorithm: the sense-reversing centralized barrier (Herlihy &amp; Shavit, <i>The Art of
 * Multiprocessor Programming</i>, &sect;17.3; Mellor-Crummey &amp; Scott, ACM TOCS 9(1), 1991, the
 * "centralized barrier" with sense reversal). Here the count and the sense (a phase number) share one
 * padded 64-bit word: an arrival is one fetch-and-add; the last arrival writes the next phase with the
 * count restored, in one release store; the others spin (per {@link SpinPolicy}: spin, yield, then
 * timed park) until the phase changes. Reading the phase <em>from the same word as the arrival</em>
 * replaces the per-thread local sense of the textbook version, so no thread-local state is needed.
 *
 * <p>Properties: safety — no thread returns from phase {@code p} before all {@code parties} threads
 * arrived at phase {@code p}, and every party's actions before its arrival happen-before every
 * party's return; progress — blocking by nature (a party that never arrives holds the others
 * forever; there is no timeout, interruption or broken state: use {@link Barrier} for those);
 * arrival and departure allocate nothing; space — one padded word. Cache traffic: all waiters spin on
 * the one line, which the last arrival writes once per phase (O(parties) misses per phase: a
 * dissemination or tree barrier does better only with many more cores than this library targets).
 *
 * <p>JFR: an arrival that is still waiting once its spin is spent ({@link SpinPolicy#SPINS} steps)
 * emits {@code dev.lockstep.ContendedAcquire} if its whole wait from there reached the threshold
 * (10 ms by default), as a {@link Barrier} wait does; the microseconds of the spin are not part of the
 * recorded duration, so that a rendezvous within the spin (this barrier's normal case) pays nothing
 * for the hook.
 *
 * <p>Precondition: exactly {@code parties} threads use it, each calling {@code await()} once per
 * phase (the textbook algorithm's assumption). An extra thread arriving in a phase that is already
 * full would corrupt the count; use {@link Barrier} where the set of threads varies.
 */
public final class SpinBarrier {
    /*
     * Implementation notes.
     * state = phase << 32 | remaining, remaining in [1, parties] between phases. An arrival's
     * getAndAdd(-1) returns the phase it arrives in (the phase cannot change before it arrives, since
     * the change needs its arrival) and how many were still missing; the one that sees remaining == 1
     * is last. Between the last arrival's fetch-and-add (remaining 0) and its store, nobody else can
     * touch the word: all parties have arrived and wait for the phase to change. The phase wraps after
     * 2^32 phases; a waiter compares for equality only with the phase it arrived in, which cannot come
     * back while it waits.
     */
    private static final long REMAINING_MASK = 0xFFFF_FFFFL;

    private final int parties;
    private final PaddedLong state;

    /**
     * A barrier for {@code parties} threads.
     *
     * @param parties the number of threads that meet at the barrier, at least 1
     * @throws IllegalArgumentException if {@code parties < 1}
     */
    public SpinBarrier(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be >= 1: " + parties);
        }
        this.parties = parties;
        this.state = new PaddedLong(parties);
    }

    /**
     * Arrives and waits until all parties have arrived in this phase.
     *
     * @return the arrival index: {@code getParties() - 1} for the first to arrive, 0 for the last
     * (as {@link java.util.concurrent.CyclicBarrier#await()})
     */
    public int await() {
        // Volatile RMW: releases this thread's writes into the chain the last arrival reads.
        long s = state.getAndAdd(-1);
        long phase = s >>> 32;
        int remaining = (int) (s & REMAINING_MASK);
        if (remaining == 1) {
            // Release: everything every party did before arriving (the RMW chain, acquired by our
            // getAndAdd) is visible to a waiter that reads the new phase with acquire.
            state.setRelease(((phase + 1) << 32) | parties);
            return 0;
        }
        int step = 0;
        Object jfr = null;
        // Acquire: seeing the new phase makes every party's pre-arrival writes visible.
        while ((state.getAcquire() >>> 32) == phase) {
            if (step == SpinPolicy.SPINS) {
                // Spin spent: from here on the wait is long enough to be worth a JFR ContendedAcquire
                // (null unless a recording enables it); a rendezvous within the spin never reaches it.
                jfr = Jfr.beginContended(this);
            }
            step = SpinPolicy.idle(step);
        }
        Jfr.endContended(jfr, true);
        return remaining - 1;
    }

    /**
     * The number of parties.
     *
     * @return the number of parties given at construction
     */
    public int getParties() {
        return parties;
    }

    /**
     * The current phase number (starts at 0, +1 per completed phase, wraps at 2^32): a snapshot.
     *
     * @return the current phase number
     */
    public int getPhase() {
        return (int) (state.getVolatile() >>> 32);
    }

    /**
     * How many parties have arrived in the current phase: a snapshot.
     *
     * @return the number of parties that have arrived in the current phase
     */
    public int getNumberWaiting() {
        int remaining = (int) (state.getVolatile() & REMAINING_MASK);
        return parties - remaining;
    }

    @Override
    public String toString() {
        return super.toString() + "[Parties = " + parties + ", Waiting = " + getNumberWaiting() + "]";
    }
}
