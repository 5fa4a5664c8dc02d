package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedReference;
import dev.lockstep.core.internal.SpinThenPark;
import dev.lockstep.core.internal.jfr.Jfr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The CLH queue lock: waiters form an implicit queue; each swaps its node into the tail and spins on
 * its <em>predecessor's</em> node until that node reads released. A waiter that gives up (timeout,
 * interrupt) marks its node abandoned and points it at its own predecessor, so its successor skips it.
 *
 * <pre>{@code
 * Lock lock = new ClhLock();
 * lock.lock();
 * try {
 *     // critical section
 * } finally {
 *     lock.unlock();
 * }
 * }</pre>
 *
 * <p>Waiting: a waiter spins on its predecessor's node for a short while ({@code lockstep.spins}
 * {@link Thread#onSpinWait()} calls), then records itself in that node, announces there that it parks,
 * and parks; the predecessor's owner, releasing (or giving up), unparks an announced successor. This is
 * the CLH variant of {@code AbstractQueuedSynchronizer} (whose queue is "a variant of a CLH lock queue"
 * whose waiters block): when threads outnumber cores, the waiters behind the next in line cost no CPU,
 * and the hand-over to a descheduled successor costs one wake-up, not a scheduler time slice.
 *
 * <p>Taking a free lock, as fair {@link java.util.concurrent.locks.ReentrantLock} does: {@link #lock()}
 * takes the lock at once if it is free and nobody is queued, and while the lock is held by a thread
 * that nobody waits behind it spins (bounded: {@code lockstep.spins} {@link Thread#onSpinWait()} calls)
 * for the lock to become free before it enqueues. The tail swap is the doorway of the FIFO order: this
 * phase takes the lock only by a compare-and-set of the tail from a released node, which fails once any
 * thread has enqueued, so it never passes a waiter; it only lets a thread that has not yet queued take
 * a lock nobody waits for. It matters when threads take the lock back to back: without it an arriving
 * thread queues at once, the holder's next {@code lock()} must queue behind it, and every acquisition
 * becomes a hand-over to another thread (a cache-line transfer, and a wake-up when that thread is not
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
 * swap); space O(1) per lock plus one node per thread that uses it (nodes are recycled: an
 * acquisition allocates nothing once a thread has its node; only a waiter that gives up leaves its node
 * behind and allocates a fresh one next time). Cache traffic: each waiter spins on a different node, so
 * a release invalidates one waiter's line, not all of them. Works with virtual threads (they park, and
 * unmount, after the short spin).
 *
 * <p>Sources: T. Craig, <i>Building FIFO and priority-queuing spin locks from atomic swap</i>, TR
 * 93-02-02, U. Washington, 1993; Magnusson, Landin &amp; Hagersten, <i>Queue locks on cache coherent
 * multiprocessors</i>, IPPS 1994; abandonment after Scott &amp; Scherer, <i>Scalable queue-based spin
 * locks with timeout</i>, PPoPP 2001; Herlihy &amp; Shavit &sect;7.5; parking after D. Lea,
 * <i>The java.util.concurrent synchronizer framework</i>, 2005. The contract common to all locks is in
 * {@link SpinLockBase}.
 */
public final class ClhLock extends SpinLockBase {
    /*
     * Implementation notes.
     * A node's state goes
     *   WAITING -> PARKED            (its successor recorded itself in node.waiter and parks),
     *   WAITING|PARKED -> RELEASED   (its owner unlocked),
     *   WAITING|PARKED -> ABANDONED  (its owner gave up; node.pred then names the node to wait on instead).
     * The successor's announcement is a CAS (to PARKED from the state it read, PARKED -> PARKED when an
     * earlier successor that gave up had announced already), after a plain write of node.waiter; the
     * owner's release and give-up are getAndSets. All are atomic on the one state variable, so the
     * owner's getAndSet either comes first (the announcing CAS fails and the successor re-reads) or
     * returns PARKED from the successor's CAS, which then happens-before the owner's read of
     * node.waiter: the owner unparks the right thread. An unpark before the park makes the park return
     * at once (LockSupport's permit): no hand-over is lost.
     * Each node has exactly one successor at a time (the thread whose getAndSet on tail returned it, or
     * a later one that skipped abandoned nodes to it), so once a thread acquires through a RELEASED
     * node nobody else will wait on that node again, and the thread keeps it as its node for next time
     * (the classic CLH recycling). The releasing owner may still read node.waiter after its getAndSet
     * and unpark a thread that has moved on: at worst a spurious wake-up, which every park loop
     * tolerates. ABANDONED nodes are never reused: their successor may still read them. So only
     * tryLock and a timed or interrupted wait that gives up abandon (and allocate a node later); a
     * blocking acquisition whose CAS of a RELEASED tail won against a recycled, re-enqueued node (ABA)
     * keeps its node and waits behind that node (takeAfter: QUEUED), which is an ordinary place in the
     * queue (it is that node's one successor).
     * A holder marks its own node held (an opaque write of a separate field: a hint, racing with
     * nothing that matters), so a new waiter whose predecessor is held knows it is next in line: only
     * then does it spin before parking; the others park at once (spinning behind other waiters only
     * takes a core from the holder when threads outnumber cores). A stale hint costs a spin or a park,
     * never safety. A thread that takes the lock by the CAS from a RELEASED tail writes held = true
     * BEFORE the CAS (the CAS publishes it with the node), so no thread that reads the node in the
     * tail sees the holder's node unmarked; until 1 Dec 2026 it was marked after the CAS, and in that
     * window an arriving thread took it for a waiter's node, queued and parked at once although it was
     * next in line, so at 2 threads a hand-over became a wake-up (QueueLockHeldHintTest samples the
     * tail while one thread takes and releases the free lock: 3-5% of samples saw the unmarked node
     * with the old order, none with the new). The waiter also re-reads the hint once before its first
     * park, for the holder that enqueued by the swap behind a RELEASED node and marks its node after.
     * Handed over, not yet running: a parked waiter whose predecessor was just RELEASED holds the lock
     * from then on, but marks its node held only once it runs. The hint (Node.holdsOrIsHandedTheLock)
     * therefore also reads the node's recorded predecessor (pred, written opaque right after the swap;
     * abandonment writes it again before publishing ABANDONED): RELEASED there means "handed the
     * lock". Without it a thread arriving in that window parked at once, and at 2 threads the two
     * threads stayed in a convoy in which every hand-over was a wake-up: the two benchmark threads
     * parked in ClhLock.await in 85% of their stack samples, 7.2e-3 context switches per acquisition
     * (4.3x ticket's), 4.5 ops/us; with it 2.9%, 1.05e-4 and 27.4 ops/us in the next run (README, the
     * CLH row, with the commands).
     * Spare lookup: the last holder's Spare stays in lastSpare after unlock; a thread takes it when
     * its final owner is itself (a racy plain read of a reference, safe by JLS 17.5/17.7: a Spare's
     * node is read and written by its owner only), else the thread-local. It keeps the last holder's
     * Thread reachable until another thread takes the lock (one object per lock).
     * Before the doorway: the bounded phase of acquire (class javadoc, "Taking a free lock" and
     * "Letting a queue drain": the spin while the holder has nobody behind it, SpinLockBase.drain
     * while someone waits behind it) takes the
     * lock only through the CAS of tail from a RELEASED node, which fails once any thread has queued, so it never passes a
     * waiter. Its loop reads are snapshots that choose between spinning and queueing; a stale one
     * costs a spin or an earlier enqueue, never safety. The JFR ContendedAcquire event begins at the
     * doorway, so the phase's few microseconds are not in it. Why the phase, and what the profile
     * showed (shared machine: context switches per acquisition equal to fair ReentrantLock's at 2 and
     * 4 threads, fair ReentrantLock queueing once per ~8,000 / ~120 acquisitions, the 4-thread cell
     * bimodal through convoys): README, "Measured", the FIFO locks row, with the commands.
     * The tail starts as a RELEASED dummy node, so it is never null.
     */
    private static final int WAITING = 0;
    private static final int RELEASED = 1;
    private static final int ABANDONED = 2;
    private static final int PARKED = 3;

    static final class Node {
        private static final VarHandle STATE;
        private static final VarHandle HELD;
        private static final VarHandle PRED;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                STATE = lookup.findVarHandle(Node.class, "state", int.class);
                HELD = lookup.findVarHandle(Node.class, "held", boolean.class);
                PRED = lookup.findVarHandle(Node.class, "pred", Node.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        int state;
        /** Set before state becomes ABANDONED: the node the successor should wait on instead. */
        Node pred;
        /** The successor that announced PARKED on this node: the thread to unpark. */
        Thread waiter;
        /** Hint: this node's owner holds the lock, so its successor is next in line and spins first. */
        boolean held;

        Node(int state) {
            this.state = state;
        }

        int getAcquireState() {
            return (int) STATE.getAcquire(this);
        }

        boolean compareAndSetState(int expected, int value) {
            return STATE.compareAndSet(this, expected, value);
        }

        Node getOpaquePred() {
            return (Node) PRED.getOpaque(this);
        }

        void setOpaquePred(Node value) {
            PRED.setOpaque(this, value);
        }

        /**
         * The "next in line, spin" hint for a thread that would queue behind this node: its owner holds
         * the lock (marked held), or has been handed it and not yet run (the node it waits on, recorded
         * in pred after its swap, reads RELEASED: a parked successor that was unparked marks itself held
         * only once it runs, which on a loaded machine may be tens of microseconds later). Opaque and
         * acquire reads of racing fields: a stale or recycled value costs a spin or a park, never safety.
         */
        boolean holdsOrIsHandedTheLock() {
            if (getOpaqueHeld()) {
                return true;
            }
            Node p = getOpaquePred();
            return p != null && p.getAcquireState() == RELEASED;
        }

        boolean getOpaqueHeld() {
            return (boolean) HELD.getOpaque(this);
        }

        void setOpaqueHeld(boolean value) {
            HELD.setOpaque(this, value);
        }

        int getAndSetState(int value) {
            return (int) STATE.getAndSet(this, value);
        }
    }

    /** A thread's spare node, in a holder object so that recycling is a plain field write, not a ThreadLocal.set. */
    static final class Spare {
        /** The thread this holder belongs to: the only one that reads or writes {@link #node}. */
        final Thread owner;
        Node node;

        Spare(Thread owner) {
            this.owner = owner;
        }
    }

    private final PaddedReference<Node> tail = new PaddedReference<>(new Node(RELEASED));
    /** Each thread's spare node; a thread that has none (first use, or after giving up) allocates one. */
    private final ThreadLocal<Spare> spares = ThreadLocal.withInitial(() -> new Spare(Thread.currentThread()));
    /**
     * The holder's node, the predecessor it acquired through, and its spare holder. Plain: written by
     * the holder after it acquired and read by it in unlock; the lock's own acquire/release orders them.
     */
    private Node holderNode;
    private Node holderPred;
    private Spare holderSpare;
    /**
     * The spare holder of the last thread that held the lock (kept after unlock): lets that thread find
     * its spare without the thread-local lookup when it takes the lock again ({@link #mySpare}). Plain:
     * read racily by other threads, which check its final owner and fall back to the thread-local.
     */
    private Spare lastSpare;

    /** A free lock. */
    public ClhLock() {
    }

    /**
     * Our spare holder: the last holder's, when that was this thread (a plain racy read of a reference,
     * atomic by JLS 17.7; {@code owner} is final, so a Spare seen through any reference shows its true
     * owner, JLS 17.5, and only that owner ever writes a Spare's node), else the thread-local one.
     * Saves the thread-local lookup when a thread takes the lock back to back.
     */
    private Spare mySpare() {
        Spare spare = lastSpare;
        if (spare == null || spare.owner != Thread.currentThread()) {
            spare = spares.get();
        }
        return spare;
    }

    /**
     * Re-initialises our spare node before we publish it in the tail. {@code held} is the hint
     * published with it: true when we take it by the compare-and-set from a released tail (we hold
     * the lock the moment the node is in the tail, so a thread that reads it there must see it held,
     * or it parks at once instead of spinning as next in line), false when we enqueue behind others.
     */
    private Node takeSpareNode(Spare spare, boolean held) {
        Node node = spare.node;
        if (node == null) {
            node = new Node(WAITING);
            spare.node = node;
        }
        // Plain: the node is ours alone until the tail swap or CAS (a volatile RMW) publishes it. (A
        // previous owner's late read of waiter may race with this write; it sees either value, both
        // harmless.)
        node.state = WAITING;
        node.pred = null;
        node.waiter = null;
        node.held = held;
        return node;
    }

    /** Follows abandoned nodes back to a node whose owner has not given up. */
    private static Node skipAbandoned(Node pred) {
        while (pred.getAcquireState() == ABANDONED) {
            pred = pred.pred; // plain: published by the getAndSet to ABANDONED we just acquired
        }
        return pred;
    }

    @Override
    boolean tryAcquire() {
        // Volatile: we may CAS on this value, and the chain behind it is read with acquire loads anyway.
        return takeAfter(tail.getVolatile(), false) == TAKEN;
    }

    /** {@link #takeAfter}: the CAS failed or the lock was not free; nothing of ours is in the queue. */
    static final int LOST = 0;
    /** {@link #takeAfter}: we hold the lock. */
    static final int TAKEN = 1;
    /** {@link #takeAfter} (blocking callers only): our node is queued behind a recycled node; wait. */
    static final int QUEUED = 2;

    /**
     * Takes the lock by the CAS of the tail from {@code last} if {@code last} (past abandoned nodes) is
     * RELEASED. After a won CAS, {@code last} may turn out to have been recycled and re-enqueued between
     * the read and the CAS (ABA): its owner holds or waits, and our node is queued behind it like any
     * waiter's. {@code tryLock} then gives the node up (abandons it, so it is never reused: a new one
     * is allocated later); a blocking caller ({@code mayQueue}) keeps it and waits ({@link #QUEUED}),
     * which allocates nothing (until 1 Dec 2026 it abandoned too: 0.09-0.11 B/op in every headline run
     * of the CLH cells, about one node per 300 acquisitions).
     *
     * @return {@link #LOST}, {@link #TAKEN} or (only with {@code mayQueue}) {@link #QUEUED}
     */
    private int takeAfter(Node last, boolean mayQueue) {
        if (skipAbandoned(last).getAcquireState() != RELEASED) {
            return LOST; // held or queued: fail without enqueuing
        }
        return swapInAfter(last, mayQueue);
    }

    /**
     * The second step of {@link #takeAfter}, once {@code last} was seen RELEASED: publish our spare node
     * by the CAS of the tail from {@code last}, then check {@code last} again (the ABA case). A separate
     * method so that {@code ClhLockRecycledTailTest} can run it with a {@code last} that another thread
     * has recycled and re-enqueued since it was seen released, the interleaving a tight loop seldom hits.
     */
    int swapInAfter(Node last, boolean mayQueue) {
        Spare spare = mySpare();
        // Marked held before the CAS publishes it (see takeSpareNode): no window in which a thread
        // that reads the tail sees the holder's node unmarked.
        Node node = takeSpareNode(spare, true);
        // Volatile CAS: publishes our node's initialisation to a successor, as the swap in acquire does.
        if (!tail.compareAndSet(last, node)) {
            return LOST;
        }
        // Enqueued behind 'last'. Check again: 'last' may have been recycled and re-enqueued between
        // the read and the CAS (ABA), in which case its state is no longer RELEASED.
        Node pred = skipAbandoned(last);
        if (pred.getAcquireState() == RELEASED) {
            hold(node, pred, spare);
            return TAKEN;
        }
        if (!mayQueue) {
            abandon(spare, node, pred);
            return LOST;
        }
        // We wait behind pred like a thread that swapped itself in: correct the hints our node was
        // published with (held, no pred). Opaque, as everywhere: a successor that read the stale hint
        // meanwhile spins or parks once more, never anything worse (implementation notes).
        node.setOpaquePred(pred);
        node.setOpaqueHeld(false);
        return QUEUED;
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        // The uncontended path: the first step of the phase below, kept small so that it is inlined.
        // Volatile: takeAfter may CAS on this value; acquire: RELEASED shows the previous holder's writes.
        Node first = tail.getVolatile();
        int r = first.getAcquireState() == RELEASED ? takeAfter(first, true) : LOST;
        return r == TAKEN || (r == QUEUED ? awaitQueued(mode, deadline) : acquireSlow(mode, deadline));
    }

    /** {@link #acquire} once its first look found the lock held (or lost the race for it). */
    private boolean acquireSlow(int mode, long deadline) throws InterruptedException {
        // Before the doorway (see "Taking a free lock" in the class javadoc): while the tail is the
        // holder's own node (held, not released: nobody waits behind the holder), spin (bounded) for it
        // to be released and take the lock with the CAS on the tail (takeAfter), which fails once anyone
        // has enqueued: a waiter that swapped itself into the tail is never passed.
        for (int step = 0; ; ) {
            // Volatile: takeAfter may CAS on this value.
            Node last = tail.getVolatile();
            // Acquire: as in tryAcquire (RELEASED shows the previous holder's writes).
            int state = last.getAcquireState();
            if (state == RELEASED) {
                int r = takeAfter(last, true);
                if (r != LOST) {
                    return r == TAKEN || awaitQueued(mode, deadline);
                }
            } else if (state == ABANDONED
                    || (last.holdsOrIsHandedTheLock() ? !SpinThenPark.spin(step) : !drain(mode, step))) {
                // An abandoned tail (queue behind it at once), or: nobody waits behind the holder and
                // the bounded spin is spent, or someone waits (the tail is a waiter's node; the held
                // hint is opaque, a stale value costs a spin or an earlier wait, never safety) and the
                // bounded drain wait is spent: queue.
                break;
            } else {
                step++;
            }
        }
        Spare spare = mySpare();
        Node node = takeSpareNode(spare, false);
        // getAndSet is a volatile RMW: our node's initialisation is visible to our successor.
        Node pred = tail.getAndSet(node);
        // Opaque: only the hint (holdsOrIsHandedTheLock) reads it before an abandonment, which sets it
        // again before its getAndSet publishes it for the successor that skips us.
        node.setOpaquePred(pred);
        // Acquire: seeing RELEASED makes the previous holder's critical-section writes visible. The
        // uncontended path: the same first check as the wait's loop below.
        if (pred.getAcquireState() == RELEASED) {
            hold(node, pred, spare);
            return true;
        }
        return awaitRecorded(spare, node, pred, mode, deadline);
    }

    /** The wait of a node that {@link #takeAfter} left {@link #QUEUED}: our spare node, its pred recorded. */
    boolean awaitQueued(int mode, long deadline) throws InterruptedException {
        Spare spare = mySpare(); // this thread's (a Spare is found only by its owner)
        Node node = spare.node;
        // Opaque read of our own opaque write (takeAfter): program order makes it this value.
        return awaitRecorded(spare, node, node.getOpaquePred(), mode, deadline);
    }

    /** {@link #await}, recorded as a JFR ContendedAcquire event (null unless a recording enables it). */
    private boolean awaitRecorded(Spare spare, Node node, Node pred, int mode, long deadline)
            throws InterruptedException {
        Object jfr = beginContended();
        boolean acquired = false;
        try {
            acquired = await(spare, node, pred, mode, deadline);
        } finally {
            Jfr.endContended(jfr, acquired);
        }
        return acquired;
    }

    /** Records the holder's nodes (plain: see their fields) and marks its node held for the successor. */
    private void hold(Node node, Node pred, Spare spare) {
        node.setOpaqueHeld(true); // opaque: a hint for our successor, ordered with nothing
        holderNode = node;
        holderPred = pred;
        holderSpare = spare;
        if (lastSpare != spare) {
            lastSpare = spare; // written only when it changes: the line stays shared while one thread repeats
        }
    }

    /**
     * The wait, once the first check found pred not released: spin if next in line, else (and once the
     * spin is spent) announce on pred and park until its owner unparks us.
     *
     * @return {@code true} once acquired; {@code false} if a timed wait gave up (the node is abandoned)
     */
    private boolean await(Spare spare, Node node, Node pred, int mode, long deadline) throws InterruptedException {
        Thread me = null;
        Node announcedOn = null; // the node on which we announced PARKED, if any
        // Opaque hint: if pred's owner holds the lock we are next in line and spin first; else park at once.
        int spins = pred.holdsOrIsHandedTheLock() ? 0 : SpinThenPark.SPINS;
        boolean rechecked = spins == 0; // the hint is read once more before the first park if it said "park"
        boolean cleared = false;
        try {
            for (; ; ) {
                // Acquire: seeing RELEASED makes the previous holder's critical-section writes visible.
                int state = pred.getAcquireState();
                if (state == RELEASED) {
                    hold(node, pred, spare);
                    return true;
                }
                if (state == ABANDONED) {
                    pred = pred.pred; // plain: published by the getAndSet to ABANDONED we just acquired
                    continue;
                }
                int exit = SpinThenPark.checkExit(mode, deadline);
                if (exit != SpinThenPark.GO_ON) {
                    abandon(spare, node, pred);
                    if (exit == SpinThenPark.INTERRUPTED) {
                        throw new InterruptedException();
                    }
                    return false; // timed out
                }
                if (SpinThenPark.spin(spins)) {
                    spins++;
                } else if (!rechecked) {
                    // Opaque hint again: pred's owner may have become the holder since we first read
                    // it (it marks its node after its own doorway); then we are next in line: spin.
                    rechecked = true;
                    if (pred.holdsOrIsHandedTheLock()) {
                        spins = 0;
                    }
                } else if (announcedOn != pred || state != PARKED) {
                    if (me == null) {
                        me = Thread.currentThread();
                    }
                    // Plain write, published by the CAS below (a volatile write after it in program
                    // order), which the owner's getAndSet reads before it reads waiter.
                    pred.waiter = me;
                    // Volatile CAS from the state just read (WAITING, or PARKED left by a successor
                    // that gave up): fails if the owner released or gave up meanwhile; we re-read.
                    if (pred.compareAndSetState(state, PARKED)) {
                        announcedOn = pred;
                    }
                } else {
                    // Announced on pred and re-read PARKED: its owner's getAndSet from here on returns
                    // PARKED and unparks us (see the implementation notes).
                    cleared |= SpinThenPark.park(this, mode, deadline);
                }
            }
        } finally {
            SpinThenPark.restoreInterrupt(cleared);
        }
    }

    private static void abandon(Spare spare, Node node, Node pred) {
        node.pred = pred;                  // plain: published by the getAndSet below
        // Volatile RMW: our successor now waits on pred instead; if it announced PARKED on our node it
        // must be woken to move on (its CAS happens-before this getAndSet, hence its waiter write too).
        if (node.getAndSetState(ABANDONED) == PARKED) {
            LockSupport.unpark(node.waiter);
        }
        spare.node = null;                 // the node stays in the queue: never reuse it
    }

    @Override
    void release() {
        Node node = holderNode;
        Node pred = holderPred;
        Spare spare = holderSpare;
        holderNode = null;
        holderPred = null;
        holderSpare = null;
        // Volatile RMW (includes release): the critical section's writes are visible to the successor
        // that reads RELEASED; atomic with the successor's announcing CAS (see the implementation notes).
        if (node.getAndSetState(RELEASED) == PARKED) {
            // Plain read: the successor's write happens-before its CAS to PARKED, which our getAndSet read.
            LockSupport.unpark(node.waiter);
        }
        // Nobody reads pred any more (its one successor was us): it becomes our node for next time.
        spare.node = pred;
    }

    /** For tests: the tail node, as a thread about to take the lock reads it (volatile). */
    Node tailForTest() {
        return tail.getVolatile();
    }

    /**
     * For tests: whether the tail is a node that a thread reading it would take for a waiter's (so it
     * would park at once) although the lock is held through it. Meaningful only while every
     * acquisition takes a free lock (no thread enqueues): then it must always be false.
     */
    boolean tailLooksLikeAWaiterForTest() {
        Node t = tail.getVolatile(); // volatile: as a thread about to queue reads it
        return t.getAcquireState() == WAITING && !t.holdsOrIsHandedTheLock();
    }
}
