package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedReference;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The parked-waiter list of {@link Latch}, {@link Event} and {@link Barrier}: a Treiber stack of
 * nodes, one per thread that has spun its {@link dev.lockstep.core.internal.SpinPolicy} budget and is
 * about to park. A releaser either takes the whole stack ({@link #wakeAll()}) or pops one waiting node
 * ({@link #wakeOne()}) and unparks its thread.
 *
 * <p>Protocol, for a waiter whose primitive has a "ready" predicate:
 * <pre>{@code
 * Node node = stack.push();             // volatile CAS
 * while (!ready()) {                    // volatile read: see below
 *     if (node.isWoken()) node = stack.push(); // taken off the stack without being ready: re-queue
 *     else LockSupport.park(this);
 * }
 * stack.leave(node);
 * }</pre>
 * A releaser makes the predicate true (volatile write) <em>then</em> wakes. Both sides are
 * sequentially consistent (push CAS then predicate read; predicate write then stack read), so either
 * the waiter sees the predicate, or the releaser sees the node: no lost wake-up (the Dekker pattern).
 *
 * <p>Cancellation (timeout, interrupt) marks the node CANCELLED and unlinks cancelled nodes, so a
 * long-lived primitive with many timed-out waits keeps no garbage.
 */
final class ParkingStack {
    /*
     * Implementation notes.
     * A node's state goes WAITING -> WOKEN (by a releaser's CAS, which then unparks the thread) or
     * WAITING -> CANCELLED (by its owner's CAS); the CAS decides the race between a wake-up and a
     * give-up. A node is pushed once and never re-pushed (a re-queue allocates a fresh node), so a
     * stale traversal that writes into an old node's next field can never corrupt the live stack, and
     * head CASes suffer no ABA (the collector keeps a referenced node's address unique).
     * Unlinking: pred.next = cancelled.next. Links only ever change to skip CANCELLED nodes (pushes
     * touch only the new node and head), so every WAITING node stays reachable from head; a racing
     * unlink can at worst re-link a cancelled node, which the next sweep removes.
     */
    static final int WAITING = 0;
    static final int WOKEN = 1;
    static final int CANCELLED = 2;

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

        final Thread thread;
        int state;
        Node next;

        Node(Thread thread) {
            this.thread = thread;
        }

        /** Whether a releaser took this node off the stack (acquire: pairs with the releaser's CAS). */
        boolean isWoken() {
            return (int) STATE.getAcquire(this) == WOKEN;
        }

        boolean isCancelled() {
            return (int) STATE.getAcquire(this) == CANCELLED;
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

    private final PaddedReference<Node> head = new PaddedReference<>(null);

    /** Pushes a fresh node for the current thread (one small allocation: only waiters about to park). */
    Node push() {
        Node node = new Node(Thread.currentThread());
        Node h;
        do {
            h = head.getVolatile();
            node.next = h; // plain: the node is private until the CAS (volatile) publishes it
        } while (!head.compareAndSet(h, node));
        return node;
    }

    /** Whether no node is on the stack (a snapshot; cancelled nodes count as present). */
    boolean isEmpty() {
        return head.getVolatile() == null;
    }

    /**
     * Takes every node off the stack and unparks the threads of the waiting ones. Volatile read and
     * swap: they follow the caller's volatile write of the predicate (see the class comment).
     */
    void wakeAll() {
        // Volatile read first: after the caller's volatile write of the predicate it is as good as the
        // swap for the Dekker argument, and it keeps the common no-waiter case free of a write to the
        // head's cache line.
        if (head.getVolatile() == null) {
            return;
        }
        Node n = head.getAndSet(null);
        while (n != null) {
            Node next = n.getNextAcquire(); // read before waking: the owner may return right after
            if (n.casState(WAITING, WOKEN)) {
                LockSupport.unpark(n.thread);
            }
            n = next;
        }
    }

    /**
     * Pops nodes until one WAITING node is woken (cancelled nodes met on the way are dropped).
     *
     * @return whether a thread was woken
     */
    boolean wakeOne() {
        for (; ; ) {
            Node h = head.getVolatile();
            if (h == null) {
                return false;
            }
            // Volatile CAS; no ABA since nodes are never re-pushed (see implementation notes).
            if (head.compareAndSet(h, h.getNextAcquire()) && h.casState(WAITING, WOKEN)) {
                LockSupport.unpark(h.thread);
                return true;
            }
        }
    }

    /**
     * Withdraws a waiter that no longer waits (ready, timed out or interrupted).
     *
     * @return {@code true} if the node was still waiting (now cancelled and unlinked); {@code false} if
     * a releaser had already woken it (it is off the stack)
     */
    boolean leave(Node node) {
        if (node.casState(WAITING, CANCELLED)) {
            sweep();
            return true;
        }
        return false;
    }

    /** Marks the node cancelled without unlinking: for stacks that are dropped wholesale soon after. */
    boolean cancel(Node node) {
        return node.casState(WAITING, CANCELLED);
    }

    /** Drops every node (plain-release: the caller owns the stack exclusively at that point). */
    void clear() {
        if (head.getPlain() != null) { // plain read: the caller owns the stack; skip a needless write
            head.setRelease(null);
        }
    }

    /** Unlinks every cancelled node reachable from head. */
    private void sweep() {
        Node pred = null;
        Node n = head.getVolatile();
        while (n != null) {
            Node next = n.getNextAcquire();
            if (n.isCancelled()) {
                if (pred == null) {
                    // Volatile CAS at the top; on failure (a push or pop), start again from the new head.
                    if (!head.compareAndSet(n, next)) {
                        n = head.getVolatile();
                        continue;
                    }
                } else {
                    // Release: readers of pred.next see a fully linked chain; racing unlinks are benign.
                    pred.setNextRelease(next);
                }
            } else {
                pred = n;
            }
            n = next;
        }
    }
}
