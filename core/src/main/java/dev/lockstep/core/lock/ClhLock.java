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

    private final PaddedReference<Node> tail = new PaddedReference<>(new Node(RELEASED));
    /** Each thread's spare node; a thread that has none (first use, or after giving up) allocates one. */
    private final ThreadLocal<Node> spareNode = new ThreadLocal<>();
    /** The holder's node and the predecessor it acquired through. Plain: written and read by the holder only. */
    private Node holderNode;
    private Node holderPred;

    /** A free lock. */
    public ClhLock() {
    }

    private Node takeSpareNode() {
        Node node = spareNode.get();
        if (node == null) {
            node = new Node(WAITING);
            spareNode.set(node);
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
        Node last = tail.getVolatile();
        if (skipAbandoned(last).getStateAcquire() != RELEASED) {
            return false; // held or queued: fail without enqueuing
        }
        Node node = takeSpareNode();
        if (!tail.compareAndSet(last, node)) {
            return false;
        }
        // Enqueued behind 'last'. Check again: 'last' may have been recycled and re-enqueued between
        // the read and the CAS (ABA), in which case its state is no longer RELEASED.
        Node pred = skipAbandoned(last);
        if (pred.getStateAcquire() == RELEASED) {
            holderNode = node;
            holderPred = pred;
            return true;
        }
        abandon(node, pred);
        return false;
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        Node node = takeSpareNode();
        // getAndSet is a volatile RMW: our node's initialisation is visible to our successor.
        Node pred = tail.getAndSet(node);
        int step = 0;
        for (; ; ) {
            // Acquire: seeing RELEASED makes the previous holder's critical-section writes visible.
            int state = pred.getStateAcquire();
            if (state == RELEASED) {
                holderNode = node;
                holderPred = pred;
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
                abandon(node, pred);
                throw e;
            }
            if (giveUp) {
                abandon(node, pred);
                return false;
            }
            step = SpinPolicy.idle(step);
        }
    }

    private void abandon(Node node, Node pred) {
        node.pred = pred;                  // plain: published by the release store below
        node.setStateRelease(ABANDONED);   // our successor now waits on pred instead
        spareNode.remove();                // the node stays in the queue: never reuse it
    }

    @Override
    void release() {
        Node node = holderNode;
        Node pred = holderPred;
        holderNode = null;
        holderPred = null;
        // Release: the critical section's writes are visible to the successor that reads RELEASED.
        node.setStateRelease(RELEASED);
        // Nobody reads pred any more (its one successor was us): it becomes our node for next time.
        spareNode.set(pred);
    }
}
