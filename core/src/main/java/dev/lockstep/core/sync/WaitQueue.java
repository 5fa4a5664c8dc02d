package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;

import java.io.Serializable;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The FIFO list of parked waiters of one primitive, guarded by a tiny spin lock (the "queue lock").
 *
 * <p>This is the design of WebKit's {@code WTF::Lock}/{@code ParkingLot} (F. Pizlo, <i>Locking in
 * WebKit</i>, 2016) and of Linux futex hash buckets: the primitive's state word is changed with
 * compare-and-set on the fast paths; only threads that must sleep, and releasers that must wake
 * them, take the queue lock, whose critical sections are a few pointer updates. Holding it, a
 * releaser can decide atomically whom to wake and what the state word becomes, which makes hand-off,
 * cancellation (timeouts, interrupts) and FIFO fairness simple to get right. Waiting for the queue
 * lock follows {@link SpinPolicy}.
 *
 * <p>Space: three words plus one {@link WaitNode} per thread (not per wait).
 *
 * <p>Serializable only so that the primitives that hold one in a final field can be serializable:
 * every field is transient, so a deserialized queue is empty and unlocked (waiters belong to the
 * JVM that had them).
 */
final class WaitQueue implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final VarHandle QLOCK;
    private static final VarHandle HEAD;
    private static final VarHandle TRANSFERRED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            QLOCK = lookup.findVarHandle(WaitQueue.class, "qlock", int.class);
            HEAD = lookup.findVarHandle(WaitQueue.class, "head", WaitNode.class);
            TRANSFERRED = lookup.findVarHandle(WaitQueue.class, "transferred", WaitNode.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private transient int qlock;
    /** Written under the queue lock with volatile stores, so that it may be read without it. */
    private transient WaitNode head;
    /** Guarded by the queue lock. */
    private transient WaitNode tail;
    /**
     * Condition waiters that were signalled and have not yet re-acquired the lock (a {@link Mutex}'s
     * conditions only), linked through {@link WaitNode#transferNext}, most recent first. They count as
     * queued for the lock in the monitoring queries, as AbstractQueuedSynchronizer's signal moves the
     * node to the lock's queue. Written under the queue lock with volatile stores, so that
     * {@link #hasTransferred()} may read it without.
     */
    private transient WaitNode transferred;

    void lock() {
        // Volatile CAS (acquire side): the previous queue-lock holder's list updates are visible.
        if (QLOCK.compareAndSet(this, 0, 1)) {
            return;
        }
        int step = 0;
        do {
            step = SpinPolicy.idle(step);
        } while ((int) QLOCK.getOpaque(this) != 0 || !QLOCK.compareAndSet(this, 0, 1));
    }

    void unlock() {
        // Release: our list updates are visible to the next queue-lock holder.
        QLOCK.setRelease(this, 0);
    }

    /**
     * Whether a waiter may be queued, read without the queue lock. Volatile: a releaser that has just
     * changed the state word with a volatile CAS and reads null here is ordered (sequential
     * consistency of volatile accesses) before a waiter's enqueue, and that waiter re-checks the state
     * after enqueuing (the Dekker handshake that rules out lost wake-ups in Semaphore and ReadWriteMutex).
     */
    boolean hasWaiters() {
        return HEAD.getVolatile(this) != null;
    }

    /** Under the queue lock. */
    WaitNode first() {
        return head;
    }

    /** Under the queue lock. */
    boolean isEmpty() {
        return head == null;
    }

    /** Appends a node (status set to WAITING). Under the queue lock. */
    void addLast(WaitNode node) {
        node.setStatusPlain(WaitNode.WAITING);
        node.next = null;
        node.prev = tail;
        if (tail == null) {
            HEAD.setVolatile(this, node); // volatile: see hasWaiters()
        } else {
            tail.next = node;
        }
        tail = node;
    }

    /** Puts a node first (status set to WAITING). Under the queue lock. */
    void addFirst(WaitNode node) {
        node.setStatusPlain(WaitNode.WAITING);
        node.prev = null;
        node.next = head;
        if (head == null) {
            tail = node;
        } else {
            head.prev = node;
        }
        HEAD.setVolatile(this, node);
    }

    /** Unlinks a queued node (status back to IDLE). Under the queue lock. */
    void remove(WaitNode node) {
        WaitNode p = node.prev;
        WaitNode n = node.next;
        if (p == null) {
            HEAD.setVolatile(this, n);
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        node.next = null;
        node.prev = null;
        // Plain is enough: only the node's own thread calls remove for itself; releasers use grant().
        node.setStatusPlain(WaitNode.IDLE);
    }

    /**
     * Unlinks the first node and marks it GRANTED, returning it; the caller unparks it after releasing
     * the queue lock ({@link #unpark}). Under the queue lock, with a non-empty queue.
     */
    WaitNode grantFirst() {
        WaitNode node = head;
        WaitNode n = node.next;
        HEAD.setVolatile(this, n);
        if (n == null) {
            tail = null;
        } else {
            n.prev = null;
        }
        node.next = null;
        // Release: the granter's writes (state, critical section) are visible to the woken waiter.
        // Set under the queue lock, so a waiter that withdraws (and takes the queue lock) sees either
        // WAITING and unlinks itself, or GRANTED: never a grant that lands on a reused node.
        node.setStatusRelease(WaitNode.GRANTED);
        return node;
    }

    /** Records a signalled condition waiter's node (see {@link #transferred}). Under the queue lock. */
    void addTransferred(WaitNode node) {
        node.transferNext = transferred;
        // Volatile store: read without the queue lock by hasTransferred().
        TRANSFERRED.setVolatile(this, node);
    }

    /** Forgets a re-acquired condition waiter's node, if recorded. Under the queue lock. */
    void removeTransferred(WaitNode node) {
        WaitNode prev = null;
        for (WaitNode p = transferred; p != null; prev = p, p = p.transferNext) {
            if (p == node) {
                if (prev == null) {
                    // Volatile store: read without the queue lock by hasTransferred().
                    TRANSFERRED.setVolatile(this, p.transferNext);
                } else {
                    prev.transferNext = p.transferNext;
                }
                p.transferNext = null;
                return;
            }
        }
    }

    /** Whether a signalled condition waiter has yet to re-acquire; read without the queue lock. */
    boolean hasTransferred() {
        return TRANSFERRED.getVolatile(this) != null;
    }

    /**
     * Counts queued threads, a signalled condition waiter not yet re-acquiring counted once whether or
     * not it has reached the queue itself. Under the queue lock.
     */
    int size() {
        return threads().size();
    }

    /** Whether {@code thread} is queued or a signalled condition waiter (see {@link #size}). Under the queue lock. */
    boolean contains(Thread thread) {
        for (WaitNode p = head; p != null; p = p.next) {
            if (p.thread == thread) {
                return true;
            }
        }
        for (WaitNode p = transferred; p != null; p = p.transferNext) {
            if (p.thread == thread) {
                return true;
            }
        }
        return false;
    }

    /**
     * The queued threads, head first, then the signalled condition waiters that are not in the queue
     * yet, in signal order (a new list: monitoring only). Under the queue lock.
     */
    List<Thread> threads() {
        List<Thread> list = new ArrayList<>();
        for (WaitNode p = head; p != null; p = p.next) {
            list.add(p.thread);
        }
        int queued = list.size();
        for (WaitNode p = transferred; p != null; p = p.transferNext) {
            if (!list.subList(0, queued).contains(p.thread)) {
                list.add(queued, p.thread); // most recent first in the chain: insert to restore signal order
            }
        }
        return list;
    }

    /** Wakes a granted node's thread (an extra unpark of a thread no longer waiting is harmless). */
    static void unpark(WaitNode node) {
        if (node != null) {
            LockSupport.unpark(node.thread);
        }
    }
}
