package dev.lockstep.ipc.wait;

/**
 * The adaptive spin of {@link KernelIdle}: how many {@link Thread#onSpinWait()} steps a thread's next
 * wait spins before it yields and then sleeps in the kernel, learnt from that thread's earlier waits.
 *
 * <p>Why adaptive: a spin is worth its CPU only when the peer answers within it (a hot peer: the wait
 * ends in microseconds and a system call would double its latency); a waiter whose peer is idle spins
 * in vain before every sleep. A fixed budget is wrong for one of the two. As in glibc's adaptive mutex
 * ({@code PTHREAD_MUTEX_ADAPTIVE_NP}: {@code __spins += (cnt - __spins) / 8}) the budget follows what the
 * waits of this thread needed, with one difference: a glibc spin that fails is followed by a futex wait
 * on a lock held briefly, so glibc grows the budget on failure; an ipc wait that reaches the kernel is
 * usually waiting for a peer that is idle for milliseconds or seconds, so here a failure halves it
 * (down to the floor below).
 *
 * <p>Rules, applied when a wait ends (its {@link KernelIdle} is reset or the thread's next wait starts):
 * <ul>
 *   <li>it ended after {@code k > 0} spins, within the budget: the budget moves a quarter of the way
 *       towards {@code 2k} (twice the wait it saw, so that a wait a little longer still ends spinning);</li>
 *   <li>it ended while yielding (the spin was too short, yet no sleep was needed): the budget doubles;</li>
 *   <li>it slept in the kernel: the budget halves;</li>
 *   <li>it ended before its first step: no information, no change.</li>
 * </ul>
 * The budget stays within [{@value #MIN_SPINS}, {@value #MAX_SPINS}] and starts at {@value #INITIAL_SPINS}
 * (the fixed spin of {@link dev.lockstep.ipc.shm.Idle#backoff()}, so a first wait behaves as polling does).
 * The floor is that spin too: the ipc structures' waiting loops check a stuck owner's liveness after
 * {@code Owners.POLLS_BEFORE_CHECK} (120) idle steps, counted on being spin and yield steps that come
 * before the first kernel sleep; with a shorter spin the first check would come only after several
 * sleeps of up to 100 ms each (seen: {@code IpcSemaphoreTest}'s dead-holder recoveries took over 5 s
 * with a floor of 25 spins). So an idle waiter keeps the polling spin (a few microseconds per sleep),
 * and adaptivity only lengthens the spin for waiters whose peers answer within it.
 *
 * <p>Implementation notes: one instance per thread ({@link #mine()}), touched only by that thread, so
 * plain fields suffice. A thread usually waits on one structure (a receiver loop), which is what it
 * learns; a thread alternating between a hot and an idle structure converges on the budget of the
 * mix, never outside the bounds.
 */
final class SpinBudget {
    static final int MIN_SPINS = 100;
    static final int INITIAL_SPINS = 100;
    static final int MAX_SPINS = 6_400;

    private static final ThreadLocal<SpinBudget> MINE = ThreadLocal.withInitial(SpinBudget::new);

    private int spins = INITIAL_SPINS;
    /** The current wait: steps taken (spins, then yields) and whether it slept; open once started. */
    private int steps;
    private boolean slept;
    private boolean open;

    /** This thread's budget. */
    static SpinBudget mine() {
        return MINE.get();
    }

    /** The budget for the next wait. */
    int spins() {
        return spins;
    }

    /** A wait begins: an earlier one still open (its idle strategy was dropped) is learnt from first. */
    void begin() {
        if (open) {
            end();
        }
        open = true;
        steps = 0;
        slept = false;
    }

    /** The current wait took one more step (a spin or a yield). */
    void step() {
        steps++;
    }

    /** The current wait went to sleep in the kernel. */
    void slept() {
        slept = true;
    }

    /** The current wait ended: adapt the budget to it. */
    void end() {
        open = false;
        if (slept) {
            spins = Math.max(MIN_SPINS, spins / 2);
        } else if (steps > spins) {
            spins = Math.min(MAX_SPINS, spins * 2);
        } else if (steps > 0) {
            spins = clamp(spins + (2 * steps - spins) / 4);
        }
    }

    private static int clamp(int n) {
        return Math.max(MIN_SPINS, Math.min(MAX_SPINS, n));
    }
}
