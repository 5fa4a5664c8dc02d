package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedReference;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.SpinThenPark;
import dev.lockstep.core.internal.jfr.Jfr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The MCS queue lock: waiters form an explicit linked queue; each spins on a flag in its
 * <em>own</em> node, and the releasing holder hands the lock to its successor by setting that flag.
 * A waiter that gives up (timeout, interrupt) marks its node abandoned; the releasing holder then
 * skips it and hands the lock to the next node.
 *
 * <pre>{@code
 * Lock lock = new McsLock();
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Waiting: a waiter spins on its own node for a short while ({@code lockstep.spins}
 * {@link Thread#onSpinWait()} calls), then announces on that node that it parks and parks; the
 * releasing holder that grants the lock to an announced waiter unparks it. So when threads outnumber
 * cores, the waiters behind the next in line cost no CPU and the hand-over to a descheduled successor
 * costs one wake-up, not a scheduler time slice (the preemption-tolerant MCS variant, as in
 * He, Scherer &amp; Scott, <i>Preemption adaptivity in time-published queue-based spin locks</i>, HiPC
 * 2005, and the spin-then-park queue of {@code AbstractQueuedSynchronizer}).
 *
 * <p>Taking a free lock, as fair {@link java.util.concurrent.locks.ReentrantLock} does: {@link #lock()}
 * takes the lock at once if it is free and nobody is queued, and while the lock is held by a thread
 * that nobody waits behind it spins (bounded: {@code lockstep.spins} {@link Thread#onSpinWait()} calls)
 * for the lock to become free before it enqueues. The tail swap is the doorway of the FIFO order: this
 * phase takes the lock only by a compare-and-set of the tail from null, which fails once any thread has
 * enqueued, so it never passes a waiter; it only lets a thread that has not yet queued take a lock
 * nobody waits for. It matters when threads take the lock back to back: without it an arriving thread
 * queues at once, the holder's next {@code lock()} must queue behind it, and every acquisition becomes
 * a hand-over to another thread (a cache-line transfer, and a wake-up when that thread is not
 * running). Bounded waiting stays: a thread is passed only during its bounded spin.
 *
 * <p>Letting a queue drain: a {@link #lock()} that finds waiters queued behind the holder does not
 * enqueue at once either: it waits before the doorway, bounded ({@code lockstep.spins} spins,
 * {@code lockstep.yields} yields, then 10 naps of {@code lockstep.parkNanos}; {@code lockstep.drainSteps}
 * steps in all), for the queue to empty, and takes the free lock by the same compare-and-set, or
 * enqueues once the wait is spent. When threads outnumber cores and take the lock back to back, a queue
 * of parked waiters otherwise never empties (a convoy: each released thread queues again behind them,
 * so every hand-over is a wake-up; at 8 threads on 2 cores 0.5-1 context switch per acquisition);
 * letting the queued threads go first without new arrivals behind them lets it drain, after which the
 * lock is mostly taken free. The FIFO order (of the tail swap) and bounded waiting are unchanged: the
 * wait comes before the doorway and is bounded. Timed and interruptible acquisitions enqueue at once
 * (their wait before the doorway checks no deadline or interrupt, so it stays the short spin).
 *
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free and FIFO (in order of the tail
 * swap); space O(1) per lock plus one node per thread that uses it (recycled: an acquisition allocates
 * nothing once a thread has its node; only a waiter that gives up leaves its node behind). Cache
 * traffic: each waiter spins only on its own node (local spinning, even without coherent caches), and
 * a hand-over touches the successor's node alone. Works with virtual threads (they park, and unmount,
 * after the short spin).
 *
 * <p>Source: J. Mellor-Crummey &amp; M. Scott, <i>Algorithms for scalable synchronization on
 * shared-memory multiprocessors</i>, ACM TOCS 9(1), 1991; Herlihy &amp; Shavit &sect;7.5.2. The
 * contract common to all locks is in {@link SpinLockBase}.
 */
public final class McsLock extends SpinLockBase {
    /*
     * Implementation notes.
     * tail == null iff the lock is free and nobody queues. A waiting node's state goes
     *   WAITING -> PARKED           (its owner announces that it parks; owner's CAS),
     *   PARKED -> WAITING           (its owner, woken early as next in line, spins again; owner's CAS),
     *   WAITING|PARKED -> GRANTED   (the releaser's CAS: the hand-over),
     *   WAITING|PARKED -> ABANDONED (its owner's CAS when it gives up).
     * All transitions are CASes on the one state variable, so they are totally ordered and exactly one
     * of "grant" and "give up" wins, and a grant that finds PARKED knows it must unpark the owner. A
     * waiter parks only after its own CAS to PARKED succeeded and a re-read still shows PARKED; the
     * releaser unparks after its CAS PARKED -> GRANTED. Either the grant comes before the announcement
     * (the announcing CAS fails, the waiter sees GRANTED) or after it (the releaser sees PARKED and
     * unparks; an unpark before the park makes that park return at once, LockSupport's permit): no
     * hand-over is lost.
     * A holder that did not wait marks its own node GRANTED (an opaque write: while it holds the lock
     * nobody else writes that node's state). So "pred's state is GRANTED" tells a new waiter that it is
     * next in line: only then does it spin before parking; the others park at once (spinning behind
     * other waiters only takes a core from the holder when threads outnumber cores). A hint: a stale
     * read costs a spin or a park, never safety. A thread that takes the free lock by the CAS of the
     * tail from null writes GRANTED into its node BEFORE the CAS (which publishes it); until 1 Dec 2026
     * it wrote WAITING and marked GRANTED after the CAS, and in that window an arriving thread took the
     * holder's node for a waiter's and parked at once although it was next in line
     * (QueueLockHeldHintTest). The holder that enqueued by the swap behind nobody still marks its node
     * after the swap, so a waiter re-reads the hint once before its first park. (Waking the new next in line early, as TWA does, was
     * measured and dropped: at 8 threads on 2 cores it halved throughput, the woken spinner competing
     * with the holder for a core.)
     * Before the doorway: the bounded phase of acquire (class javadoc, "Taking a free lock" and
     * "Letting a queue drain": the spin while the holder has nobody behind it, SpinLockBase.drain
     * while someone waits behind it) takes the
     * lock only through the CAS of tail from null, which fails once any thread has queued, so it never passes a
     * waiter. Its loop reads are snapshots that choose between spinning and queueing; a stale one
     * costs a spin or an earlier enqueue, never safety. The JFR ContendedAcquire event begins at the
     * doorway, so the phase's few microseconds are not in it. Why the phase, and what the profile
     * showed (shared machine: context switches per acquisition equal to fair ReentrantLock's at 2 and
     * 4 threads, fair ReentrantLock queueing once per ~8,000 / ~120 acquisitions, the 4-thread cell
     * bimodal through convoys): README, "Measured", the FIFO locks row, with the commands.
     * A releaser that meets an ABANDONED successor releases on its behalf: it continues from that node.
     * After unlock, the holder's node is referenced only by finished or abandoned nodes' next fields,
     * which nobody reads again, so the thread reuses it; a late unpark by a releaser that already
     * granted is at worst a spurious wake-up, which every park loop tolerates.
     */
    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int ABANDONED = 2;
    private static final int PARKED = 3;

    static final class Node {
        private static final VarHandle STATE;
        private static final VarHandle NEXT;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                STATE = lookup.findVarHandle(Node.class, "state", int.class);
                NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The thread whose node this is: the one a releaser unparks. */
        final Thread owner;
        int state;
        Node next;

        Node(Thread owner) {
            this.owner = owner;
        }

        int getAcquireState() {
            return (int) STATE.getAcquire(this);
        }

        boolean compareAndSetState(int expected, int value) {
            return STATE.compareAndSet(this, expected, value);
        }

        void setOpaqueState(int value) {
            STATE.setOpaque(this, value);
        }

        int compareAndExchangeState(int expected, int value) {
            return (int) STATE.compareAndExchange(this, expected, value);
        }

        Node getAcquireNext() {
            return (Node) NEXT.getAcquire(this);
        }

        void setReleaseNext(Node value) {
            NEXT.setRelease(this, value);
        }
    }

    private final PaddedReference<Node> tail = new PaddedReference<>(null);
    /** Each thread's node; a thread that has none (first use, or after giving up) allocates one. */
    private final ThreadLocal<Node> threadNode = new ThreadLocal<>();
    /** The holder's node. Plain: written and read by the holder only. */
    private Node holderNode;

    /** A free lock. */
    public McsLock() {
    }

    /**
     * Our node, re-initialised to {@code state} before we publish it in the tail: {@link #GRANTED} when
     * we take a free lock by the compare-and-set of the tail from null (we hold the lock the moment the
     * node is in the tail, so a thread that reads it there must see it granted, the "next in line,
     * spin" hint, or it parks at once), {@link #WAITING} when we enqueue by the swap.
     */
    private Node myNode(int state) {
        Node node = threadNode.get();
        if (node == null) {
            node = new Node(Thread.currentThread());
            threadNode.set(node);
        }
        // Plain: the node is ours alone until the tail swap or CAS (volatile) publishes it.
        node.state = state;
        node.next = null;
        return node;
    }

    @Override
    boolean tryAcquire() {
        // Volatile read; null: free and nobody queued (takeFree's CAS decides).
        return tail.getVolatile() == null && takeFree();
    }

    /** Takes the lock if the tail is still null (free, nobody queued); never waits. */
    private boolean takeFree() {
        // Marked held (GRANTED) before the CAS publishes it: no window in which a thread that reads the
        // tail sees the holder's node WAITING and parks at once instead of spinning as next in line.
        Node node = myNode(GRANTED);
        // Volatile CAS: acquires the previous holder's writes (its release CAS of tail to null).
        if (tail.compareAndSet(null, node)) {
            holderNode = node;
            return true;
        }
        return false;
    }

    /**
     * Marks the node of a holder that did not wait GRANTED, so that a successor sees it is next in
     * line (and spins rather than parks at once). Opaque: only a hint for the successor's choice of
     * spinning or parking, ordered with nothing; no other thread writes the state of a holder's node.
     */
    private static void markHeld(Node node) {
        node.setOpaqueState(GRANTED);
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        // The uncontended path (the first step of the phase below, kept small so that it is inlined):
        // the CAS without tryAcquire's read before it, as cheap as the tail swap it replaces.
        if (takeFree()) {
            return true;
        }
        return acquireSlow(mode, deadline);
    }

    /** {@link #acquire} once its first look found the lock held (or lost the race for it). */
    private boolean acquireSlow(int mode, long deadline) throws InterruptedException {
        // Before the doorway (see "Taking a free lock" in the class javadoc): while the tail is the
        // holder's own node (GRANTED: nobody waits behind the holder), spin (bounded) for the lock to
        // become free and take it with takeFree's CAS of the tail from null, which fails once anyone
        // has enqueued: a waiter that swapped itself into the tail is never passed.
        for (int step = 0; ; ) {
            // Volatile: null means free and nobody queued (takeFree then CASes the tail from null).
            Node last = tail.getVolatile();
            if (last == null) {
                if (takeFree()) {
                    return true;
                }
            } else if (last.getAcquireState() == GRANTED ? !SpinThenPark.spin(step) : !drain(mode, step)) {
                // Acquire read, a hint only (the node may be recycled under us: a stale value costs a
                // spin or an earlier enqueue, never safety). GRANTED: nobody waits behind the holder;
                // otherwise someone waits. The bounded spin (or drain wait) is spent: queue.
                break;
            } else {
                step++;
            }
        }
        Node node = myNode(WAITING);
        Node pred = tail.getAndSet(node); // volatile RMW: publishes our node's initialisation
        if (pred == null) {
            markHeld(node);
        } else {
            // Release: our initialised node is visible to the releaser that reads pred.next.
            pred.setReleaseNext(node);
            Object jfr = beginContended(); // JFR ContendedAcquire: null unless a recording enables it
            boolean granted = false;
            try {
                granted = awaitGrant(node, pred, mode, deadline);
            } finally {
                Jfr.endContended(jfr, granted);
            }
            if (!granted) {
                return false;
            }
        }
        holderNode = node;
        return true;
    }

    /**
     * Waits on our own node until it is granted. If we are next in line (pred holds the lock) we spin
     * for a while first; otherwise, or once the spin is spent, we announce PARKED and park.
     *
     * @return {@code true} once granted; {@code false} if a timed wait gave up (the node is abandoned)
     */
    private boolean awaitGrant(Node node, Node pred, int mode, long deadline) throws InterruptedException {
        // Acquire: a hint only (pred may already have moved on); GRANTED means pred holds the lock.
        int spins = pred.getAcquireState() == GRANTED ? 0 : SpinThenPark.SPINS;
        boolean rechecked = spins == 0; // the hint is read once more before the first park if it said "park"
        boolean cleared = false;
        try {
            for (; ; ) {
                // Acquire: seeing GRANTED makes the previous holder's critical-section writes visible
                // (the releaser's CAS to GRANTED is a volatile write, which includes release).
                int state = node.getAcquireState();
                if (state == GRANTED) {
                    return true;
                }
                int exit = SpinThenPark.checkExit(mode, deadline);
                if (exit != SpinThenPark.GO_ON) {
                    if (abandon(node)) {
                        if (exit == SpinThenPark.INTERRUPTED) {
                            throw new InterruptedException();
                        }
                        return false; // timed out
                    }
                    // abandon fails only if we were granted meanwhile: we hold the lock
                    if (exit == SpinThenPark.INTERRUPTED) {
                        Thread.currentThread().interrupt(); // keep the status (checkExit cleared it)
                    }
                    return true;
                }
                if (SpinThenPark.spin(spins)) {
                    spins++;
                } else if (!rechecked) {
                    // The hint again: pred's owner may have become the holder since we first read it
                    // (a holder that enqueued behind nobody marks its node after its swap): then we
                    // are next in line and spin.
                    rechecked = true;
                    if (pred.getAcquireState() == GRANTED) {
                        spins = 0;
                    }
                } else if (state == WAITING) {
                    // Announce that we park. A volatile CAS on the variable the releaser CASes: if it
                    // fails, the releaser got there first (GRANTED) and the next read shows it.
                    node.compareAndSetState(WAITING, PARKED);
                } else {
                    // state == PARKED, re-read after our announcement: a releaser that grants from here
                    // on CASes PARKED -> GRANTED and then unparks us (see the implementation notes).
                    cleared |= SpinThenPark.park(this, mode, deadline);
                }
            }
        } finally {
            SpinThenPark.restoreInterrupt(cleared);
        }
    }

    /**
     * Withdraws our waiting node. Volatile CASes on the state, ordered with the releaser's CAS: exactly
     * one of the grant and the withdrawal wins.
     *
     * @return {@code true} if withdrawn; {@code false} if the lock was granted to us first
     */
    private boolean abandon(Node node) {
        for (; ; ) {
            int state = node.getAcquireState();
            if (state == GRANTED) {
                return false;
            }
            if (node.compareAndSetState(state, ABANDONED)) {
                threadNode.remove(); // the node stays in the queue until skipped: never reuse it
                return true;
            }
        }
    }

    @Override
    void release() {
        Node node = holderNode;
        holderNode = null;
        int step = 0;
        for (; ; ) {
            Node next = node.getAcquireNext();
            if (next == null) {
                // No visible successor: if we are still the tail, the lock becomes free. Volatile CAS:
                // orders the critical section's writes before the next tryAcquire/acquire sees null.
                if (tail.compareAndSet(node, null)) {
                    return;
                }
                // A successor swapped the tail but has not linked itself yet: wait for the link (a few
                // instructions of the successor's, unless it was descheduled between them).
                while ((next = node.getAcquireNext()) == null) {
                    step = SpinPolicy.idle(step);
                }
            }
            int expected = WAITING;
            for (; ; ) {
                // Volatile CAS (compareAndExchange has the memory semantics of compareAndSet, i.e. of a
                // volatile read and write): the critical section's writes are visible to the successor
                // that reads GRANTED, and it is ordered with the successor's own CASes on its state.
                int witness = next.compareAndExchangeState(expected, GRANTED);
                if (witness == expected) {
                    if (expected == PARKED) {
                        // The successor announced before our grant: it parks, or is about to.
                        LockSupport.unpark(next.owner);
                    }
                    return;
                }
                if (witness == ABANDONED) {
                    break;
                }
                expected = witness; // WAITING -> PARKED raced with us: grant from PARKED
            }
            node = next; // the successor gave up: release on its behalf, to the node after it
        }
    }

    /**
     * For tests: whether the tail is a node that a thread reading it would take for a waiter's (so it
     * would park at once) although the lock is held through it. Meaningful only while every
     * acquisition takes a free lock (no thread enqueues): then it must always be false.
     */
    boolean tailLooksLikeAWaiterForTest() {
        Node t = tail.getVolatile(); // volatile: as a thread about to queue reads it
        return t != null && t.getAcquireState() != GRANTED;
    }
}
