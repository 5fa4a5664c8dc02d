package dev.lockstep.core.lock;

import dev.lockstep.core.internal.PaddedReference;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
 * <p>Properties: mutual exclusion; deadlock-free; starvation-free and FIFO (in order of the tail
 * swap); space O(1) per lock plus one node per thread that uses it (recycled: an acquisition allocates
 * nothing once a thread has its node; only a waiter that gives up leaves its node behind). Cache
 * traffic: each waiter spins only on its own node (local spinning, even without coherent caches), and
 * a hand-over touches the successor's node alone.
 *
 * <p>Source: J. Mellor-Crummey &amp; M. Scott, <i>Algorithms for scalable synchronization on
 * shared-memory multiprocessors</i>, ACM TOCS 9(1), 1991; Herlihy &amp; Shavit &sect;7.5.2. Waiting
 * follows {@link SpinPolicy}.
 */
public final class McsLock extends SpinLockBase {
    /*
     * Implementation notes.
     * tail == null iff the lock is free and nobody queues. A node's state goes WAITING -> GRANTED (by
     * the releaser's CAS) or WAITING -> ABANDONED (by its owner's CAS when it gives up); the CAS decides
     * the race between a hand-over and a give-up. A releaser that meets an ABANDONED successor releases
     * on its behalf: it continues from that node. After unlock, the holder's node is referenced only by
     * finished or abandoned nodes' next fields, which nobody reads again, so the thread reuses it.
     */
    private static final int WAITING = 0;
    private static final int GRANTED = 1;
    private static final int ABANDONED = 2;

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

        int state;
        Node next;

        int getStateAcquire() {
            return (int) STATE.getAcquire(this);
        }

        boolean casState(int expected, int value) {
            return STATE.compareAndSet(this, expected, value);
        }

        Node getNextAcquire() {
            return (Node) NEXT.getAcquire(this);
        }

        void setNextRelease(Node value) {
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

    private Node myNode() {
        Node node = threadNode.get();
        if (node == null) {
            node = new Node();
            threadNode.set(node);
        }
        // Plain: the node is ours alone until the tail swap or CAS (volatile) publishes it.
        node.state = WAITING;
        node.next = null;
        return node;
    }

    @Override
    boolean tryAcquire() {
        if (tail.getVolatile() != null) {
            return false; // held or queued
        }
        Node node = myNode();
        // Volatile CAS: acquires the previous holder's writes (its release CAS of tail to null).
        if (tail.compareAndSet(null, node)) {
            holderNode = node;
            return true;
        }
        return false;
    }

    @Override
    boolean acquire(int mode, long deadline) throws InterruptedException {
        Node node = myNode();
        Node pred = tail.getAndSet(node); // volatile RMW: publishes our node's initialisation
        if (pred != null) {
            // Release: our initialised node is visible to the releaser that reads pred.next.
            pred.setNextRelease(node);
            int step = 0;
            // Acquire: seeing GRANTED makes the previous holder's critical-section writes visible.
            while (node.getStateAcquire() != GRANTED) {
                boolean giveUp;
                try {
                    giveUp = Waits.shouldGiveUp(mode, deadline);
                } catch (InterruptedException e) {
                    if (node.casState(WAITING, ABANDONED)) {
                        threadNode.remove(); // the node stays in the queue until skipped
                        throw e;
                    }
                    Thread.currentThread().interrupt(); // granted meanwhile: we hold the lock, keep the status
                    break;
                }
                if (giveUp && node.casState(WAITING, ABANDONED)) {
                    threadNode.remove();
                    return false;
                }
                step = SpinPolicy.idle(step);
            }
        }
        holderNode = node;
        return true;
    }

    @Override
    void release() {
        Node node = holderNode;
        holderNode = null;
        int step = 0;
        for (; ; ) {
            Node next = node.getNextAcquire();
            if (next == null) {
                // No visible successor: if we are still the tail, the lock becomes free. Volatile CAS:
                // orders the critical section's writes before the next tryAcquire/acquire sees null.
                if (tail.compareAndSet(node, null)) {
                    return;
                }
                // A successor swapped the tail but has not linked itself yet: wait for the link.
                while ((next = node.getNextAcquire()) == null) {
                    step = SpinPolicy.idle(step);
                }
            }
            // Volatile CAS: the critical section's writes are visible to the successor that reads GRANTED.
            if (next.casState(WAITING, GRANTED)) {
                return;
            }
            node = next; // the successor gave up: release on its behalf, to the node after it
        }
    }
}
