package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedReference;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free and FIFO (in order of the tail
 * swap); space O(1) per lock plus one node per thread that uses it (nodes are recycled: an
 * acquisition allocates nothing once a thread has its node; only a waiter that gives up leaves its node
 * behind and allocates a fresh one next time). Cache traffic: each waiter spins on a different node, so
 * a release invalidates one waiter's line, not all of them.
 *
 * <p>Sources: T. Craig, <i>Building FIFO and priority-queuing spin locks from atomic swap</i>, TR
 * 93-02-02, U. Washington, 1993; Magnusson, Landin &amp; Hagersten, <i>Queue locks on cache coherent
 * multiprocessors</i>, IPPS 1994; abandonment after Scott &amp; Scherer, <i>Scalable queue-based spin
 * locks with timeout</i>, PPoPP 2001; Herlihy &amp; Shavit &sect;7.5. Waiting follows
 * {@link SpinPolicy}.
 */
public final class ClhLock extends SpinLockBase {
    /*
     * Implementation notes.
     * A node's state goes WAITING -> RELEASED (its owner unlocked) or WAITING -> ABANDONED (its owner
     * gave up; node.pred then names the node to spin on instead). Each node has exactly one successor
     * (the thread whose getAndSet on tail returned it), so once a thread acquires through a RELEASED
     * node nobody else will read that node again, and the thread keeps it as its node for next time
     * (the classic CLH recycling). ABANDONED nodes are never reused: their successor may still read them.
     * The tail starts as a RELEASED dummy node, so it is never null.
     */
    private static final int WAITING = 0;
    private static final int RELEASED = 1;
    private static final int ABANDONED = 2;

    static final class Node {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Node.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        int state;
        /** Set before state becomes ABANDONED: the node the successor should wait on instead. */
        Node pred;

        Node(int state) {
            this.state = state;
        }

        int getStateAcquire() {
            return (int) STATE.getAcquire(this);
        }

        void setStateRelease(int value) {
            STATE.setRelease(this, value);
        }
    }

    /** A thread's spare node, in a holder object so that recycling is a plain field write, not a ThreadLocal.set. */
    static final class Spare {
        Node node;
    }

    private final PaddedReference<Node> tail = new PaddedReference<>(new Node(RELEASED));
    /** Each thread's spare node; a thread that has none (first use, or after giving up) allocates one. */
    private final ThreadLocal<Spare> spares = ThreadLocal.withInitial(Spare::new);
    /**
     * The holder's node, the predecessor it acquired through, and its spare holder. Plain: written by
     * the holder after it acquired and read by it in unlock; the lock's own acquire/release orders them.
     */
    private Node holderNode;
    private Node holderPred;
    private Spare holderSpare;

    /** A free lock. */
    public ClhLock() {
    }

    private Node takeSpareNode(Spare spare) {
        Node node = spare.node;
        if (node == null) {
            node = new Node(WAITING);
            spare.node = node;
        }
        // Plain: the node is ours alone until the tail swap (a volatile RMW) publishes it.
        node.state = WAITING;
        node.pred = null;
        return node;
    }

    /** Follows abandoned nodes back to a node whose owner has not given up. */
    private static Node skipAbandoned(Node pred) {
        while (pred.getStateAcquire() == ABANDONED) {
            pred = pred.pred; // plain: published by the release store of ABANDONED we just acquired
        }
        return pred;
    }

    @Override
    boolean tryAcquire() {
        // Volatile: we may CAS on this value, and the chain behind it is read with acquire loads anyway.
        Node last = tail.getVolatile();
        if (skipAbandoned(last).getStateAcquire() != RELEASED) {
            return false; // held or queued: fail without enqueuing
        }
        Spare spare = spares.get();
        Node node = takeSpareNode(spare);
        // Volatile CAS: publishes our node's initialisation to a successor, as the swap in acquire does.
        if (!tail.compareAndSet(last, node)) {
            return false;
        }
        // Enqueued behind 'last'. Check again: 'last' may have been recycled and re-enqueued between
        // the read and the CAS (ABA), in which case its state is no longer RELEASED.
        Node pred = skipAbandoned(last);
        if (pred.getStateAcquire() == RELEASED) {
            holderNode = node;
            holderPred = pred;
            holderSpare = spare;
            return true;
        }
        abandon(spare, node, pred);
        return false;
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        Spare spare = spares.get();
        Node node = takeSpareNode(spare);
        // getAndSet is a volatile RMW: our node's initialisation is visible to our successor.
        Node pred = tail.getAndSet(node);
        int step = 0;
        for (; ; ) {
            // Acquire: seeing RELEASED makes the previous holder's critical-section writes visible.
            int state = pred.getStateAcquire();
            if (state == RELEASED) {
                holderNode = node;
                holderPred = pred;
                holderSpare = spare;
                return true;
            }
            if (state == ABANDONED) {
                pred = pred.pred; // plain: published by the release store of ABANDONED
                continue;
            }
            boolean giveUp;
            try {
                giveUp = Waits.shouldGiveUp(mode, deadline);
            } catch (InterruptedException e) {
                abandon(spare, node, pred);
                throw e;
            }
            if (giveUp) {
                abandon(spare, node, pred);
                return false;
            }
            step = SpinPolicy.idle(step);
        }
    }

    private static void abandon(Spare spare, Node node, Node pred) {
        node.pred = pred;                  // plain: published by the release store below
        node.setStateRelease(ABANDONED);   // our successor now waits on pred instead
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
        // Release: the critical section's writes are visible to the successor that reads RELEASED.
        node.setStateRelease(RELEASED);
        // Nobody reads pred any more (its one successor was us): it becomes our node for next time.
        spare.node = pred;
    }
}
