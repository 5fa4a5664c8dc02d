package dev.lockstep.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread's wait record in the waiting layer ({@link WaitQueue}), reused for every wait of that
 * thread: one per thread for waiting in a {@link WaitQueue} (lock, semaphore and read-write waits: a
 * thread waits in at most one queue at a time) and a second one, {@link #conditionNode()}, for
 * condition waits (a condition waiter that
 * gives up stays linked in the condition's list until it has re-acquired the lock, while it needs its
 * lock node to re-acquire).
 *
 * <p>Nodes are created once per thread (a {@link ThreadLocal}), so contended paths allocate nothing
 * after a thread's first wait. Every lock node is also entered once in a global registry that
 * {@code dev.lockstep.core.sync.DeadlockDetector} walks; entries of terminated threads are swept as the registry grows.
 * Registration is lock-free and never waits for another thread (no monitor, so no pinned carrier
 * before JDK 24, and no queue of registering threads behind a sweep): the registry is a
 * {@link ConcurrentLinkedQueue} (Michael &amp; Scott's lock-free queue), and the sweep is done by
 * the one registering thread that wins a compare-and-set on the sweep threshold, while the others
 * register and go on.
 */
public final class WaitNode {
    /*
     * Implementation notes.
     * status: IDLE (not queued) -> WAITING (queued, set under the queue lock before publication)
     * -> GRANTED (dequeued by a releaser under the queue lock: the wait is over) or back to IDLE (the
     * owner gave up and unlinked itself under the queue lock). For condition nodes, which are not
     * guarded by a queue lock, WAITING -> GRANTED (signal) and WAITING -> CANCELLED (the waiter gave up)
     * are decided by compare-and-set. The fields next/prev/arg/transferNext are guarded by the queue lock
     * (condition lists: by the mutex) and accessed plainly.
     */
    /** Status: not queued. */
    public static final int IDLE = 0;
    /** Status: queued, waiting for a grant (or, on a condition node, a signal). */
    public static final int WAITING = 1;
    /** Status: the wait is over; granted by a releaser (or signalled). */
    public static final int GRANTED = 2;
    /** Status of a condition node whose waiter gave up before it was signalled. */
    public static final int CANCELLED = 3;

    /** Result of {@link #await} besides a status: a timed wait reached its deadline without a grant. */
    public static final int TIMED_OUT = SpinThenPark.TIMED_OUT;
    /** Result of {@link #await}: an interruptible wait was interrupted (the interrupt status cleared). */
    public static final int INTERRUPTED = SpinThenPark.INTERRUPTED;

    private static final VarHandle STATUS;
    private static final VarHandle BLOCKED_ON;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATUS = lookup.findVarHandle(WaitNode.class, "status", int.class);
            BLOCKED_ON = lookup.findVarHandle(WaitNode.class, "blockedOn", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final ThreadLocal<WaitNode> CURRENT = new ThreadLocal<>();

    /** Lock nodes of (possibly terminated) threads, for {@code dev.lockstep.core.sync.DeadlockDetector}. Lock-free. */
    public static final ConcurrentLinkedQueue<WaitNode> REGISTRY = new ConcurrentLinkedQueue<>();
    private static final VarHandle REGISTERED;
    private static final VarHandle SWEEP_AT;
    /** Nodes in the registry (registered minus swept): the registry's own size() is O(n). */
    private static int registered;
    /** Registry size that triggers the next sweep; {@link #SWEEPING} while one runs. */
    private static int sweepAt = 1024;
    private static final int SWEEPING = Integer.MAX_VALUE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            REGISTERED = lookup.findStaticVarHandle(WaitNode.class, "registered", int.class);
            SWEEP_AT = lookup.findStaticVarHandle(WaitNode.class, "sweepAt", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The node's thread (its owner). */
    public final Thread thread;
    /** Queue links, guarded by the queue lock (condition lists: by the mutex). */
    public WaitNode next;
    /**
     * Backward queue link, guarded like {@link #next}.
     */
    public WaitNode prev;
    /** What the waiter asks for (permits, reader or writer), guarded like the links. */
    public int arg;
    /** A signalled condition node's link in {@code WaitQueue.transferred}, guarded by the queue lock. */
    WaitNode transferNext;
    /**
     * The thread this node's own thread must unpark once it sees its grant: the next node of a run
     * granted together by {@code WaitQueue.grantRun} (AQS's shared-mode propagation), or null. Written
     * plainly by the granter under the queue lock before the release store of {@link #GRANTED}; read
     * and cleared plainly by the node's own thread only after it read {@link #GRANTED} with acquire
     * (so the write happens-before the read), and before it can queue again (so the clear
     * happens-before the next grant's write, which comes under the queue lock after that enqueue).
     */
    Thread runNext;
    /** Set by the owner when an uninterruptible wait swallowed an interrupt; re-asserted later. */
    public boolean interrupted;
    /**
     * A value handed between a waiting thread and its primitive's grant hooks, which run in that same
     * thread: the element a blocking queue's {@code put} offers, or the one its {@code take} removed.
     * Written and read by the node's own thread only (plain); the caller saves and restores it around
     * its wait, so that a wait nested in user code does not clobber it.
     */
    public Object item;
    private int status;
    /** The primitive this thread is queued on, or null: read by DeadlockDetector. */
    private Object blockedOn;
    private WaitNode conditionNode;

    private WaitNode(Thread thread) {
        this.thread = thread;
    }

    /**
     * Forces the initialisation of this class and of the helpers of the waiting paths (see the static
     * initialiser of {@code dev.lockstep.core.sync.Mutex}): loading a class for the first time inside a contended wait, by many virtual
     * threads at once, makes them contend for the class loader's lock, which pins their carriers.
     */
    public static void initialize() {
        if (SpinPolicy.SPINS < 0 || Waits.deadline(0L, TimeUnit.NANOSECONDS) == 0L && SpinPolicy.isParking(0)
                || new DeadNodes().removed != 0) {
            Thread.onSpinWait(); // never runs: the calls above are the point
        }
    }

    /**
     * The current thread's lock node (created and registered on first use).
     *
     * @return the calling thread's node, the same on every call from that thread
     */
    public static WaitNode current() {
        WaitNode node = CURRENT.get();
        if (node == null) {
            node = new WaitNode(Thread.currentThread());
            CURRENT.set(node);
            register(node);
        }
        return node;
    }

    /**
     * A node for {@code thread} that is not its {@link #current()} node and is not registered: for a
     * wait nested in another (see {@code WaitQueue.acquire}) and for the jcstress probes that run one
     * half of a handshake on a thread that is never started.
     *
     * @param thread the thread the node stands for (unparked by a grant)
     * @return a new idle node
     */
    public static WaitNode unregistered(Thread thread) {
        return new WaitNode(Objects.requireNonNull(thread, "thread"));
    }

    /**
     * Enters a node in the registry; the registration that reaches the threshold sweeps out the nodes
     * of terminated threads (amortised O(1) per registration). Never waits: a registration that
     * meets a sweep in progress just adds its node (the sweep may or may not see it; either is fine).
     */
    private static void register(WaitNode node) {
        REGISTRY.offer(node); // lock-free (CAS on the tail)
        // Volatile RMW: an exact count (a node is counted once in, and once out by the only sweeper).
        int n = (int) REGISTERED.getAndAdd(1) + 1;
        // Volatile read, then CAS: exactly one registrant takes a due sweep; the rest see SWEEPING.
        int at = (int) SWEEP_AT.getVolatile();
        if (n >= at && at != SWEEPING && SWEEP_AT.compareAndSet(at, SWEEPING)) {
            DeadNodes dead = new DeadNodes();
            try {
                // Lock-free removal (CAS of each item to null, then unlinking): concurrent offers and
                // the detector's traversals go on meanwhile.
                REGISTRY.removeIf(dead);
            } finally {
                int live = (int) REGISTERED.getAndAdd(-dead.removed) - dead.removed;
                // Volatile store: ends the sweep (also if it failed); the next threshold doubles the survivors.
                SWEEP_AT.setVolatile(Math.max(1024, live * 2));
            }
        }
    }

    /**
     * The sweep's predicate, counting what it removes (exact: the sweep is the only remover, so each
     * removal it asks for succeeds). A class rather than a lambda: nothing to link on first use.
     */
    private static final class DeadNodes implements Predicate<WaitNode> {
        int removed;

        @Override
        public boolean test(WaitNode w) {
            if (w.thread.isAlive()) {
                return false;
            }
            removed++;
            return true;
        }
    }

    /**
     * This thread's condition-wait node (the caller is the node's thread), created on first use.
     *
     * @return the condition node of this node's thread
     */
    public WaitNode conditionNode() {
        WaitNode c = conditionNode;
        if (c == null) {
            c = new WaitNode(thread);
            conditionNode = c;
        }
        return c;
    }

    /**
     * The node's status, read with acquire semantics: a {@link #GRANTED} read sees the granter's prior
     * writes.
     *
     * @return {@link #IDLE}, {@link #WAITING}, {@link #GRANTED} or {@link #CANCELLED}
     */
    public int getAcquireStatus() {
        // Acquire: a GRANTED read makes the granter's writes (e.g. the previous holder's critical
        // section, the permits handed over) visible to the woken thread.
        return (int) STATUS.getAcquire(this);
    }

    /**
     * Sets the status with a plain write; only while the node is private to its thread (before the
     * queue lock's release publishes it).
     *
     * @param s the new status
     */
    public void setPlainStatus(int s) {
        // Plain: only while the node is private to its thread (before the queue lock's release publishes it).
        status = s;
    }

    /**
     * Sets the status with release semantics, so that the waiter reading it with
     * {@link #getAcquireStatus()} sees the writer's prior writes (used to grant).
     *
     * @param s the new status
     */
    public void setReleaseStatus(int s) {
        // Release: the granter's prior writes are visible to the waiter that reads GRANTED with acquire.
        STATUS.setRelease(this, s);
    }

    /**
     * Atomically (volatile compare-and-set) changes the status from {@code expected} to {@code s}:
     * decides the race between signal and cancellation of a condition waiter.
     *
     * @param expected the status the node must have
     * @param s        the new status
     * @return {@code true} if the status was {@code expected} and is now {@code s}
     */
    public boolean compareAndSetStatus(int expected, int s) {
        // Volatile CAS: decides the race between signal and cancellation of a condition waiter.
        return STATUS.compareAndSet(this, expected, s);
    }

    /**
     * Records (opaque write, a diagnostic snapshot) the primitive this thread is queued on, for
     * {@code DeadlockDetector}.
     *
     * @param o the primitive, or {@code null} when the thread no longer waits
     */
    public void setBlockedOn(Object o) {
        // Opaque: a diagnostic snapshot for DeadlockDetector; orders nothing else.
        BLOCKED_ON.setOpaque(this, o);
    }

    /**
     * The primitive this thread is queued on (opaque read: a diagnostic snapshot that orders nothing).
     *
     * @return the primitive, or {@code null} if the thread does not wait in a {@link WaitQueue}
     */
    public Object blockedOn() {
        return BLOCKED_ON.getOpaque(this);
    }

    /**
     * Parks the current (owning) thread until its status leaves WAITING, or the wait gives up.
     * An uninterruptible wait that is interrupted records it in {@link #interrupted} and goes on waiting.
     *
     * @param blocker  the primitive waited on, passed to {@link LockSupport#park(Object)} for monitoring
     * @param mode     {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE} or {@link Waits#TIMED}
     * @param deadline the {@link Waits#deadline deadline} of a timed wait
     * @return the status that ended the wait, or {@link #TIMED_OUT} / {@link #INTERRUPTED} (the
     * interrupt status cleared) when a timed or interruptible wait gives up; the node is then still
     * queued and the caller must withdraw it
     */
    public int await(Object blocker, int mode, long deadline) {
        for (; ; ) {
            int s = getAcquireStatus();
            if (s != WAITING) {
                return s;
            }
            // the layer's one set of wait steps (SpinThenPark): interrupt, then deadline, then one park
            int exit = SpinThenPark.checkExit(mode, deadline);
            if (exit != SpinThenPark.GO_ON) {
                return exit; // TIMED_OUT or INTERRUPTED: the same values as this class's constants
            }
            if (SpinThenPark.park(blocker, mode, deadline)) {
                interrupted = true; // an uninterruptible wait's interrupt, re-asserted when the wait is over
            }
        }
    }

    /** Re-asserts an interrupt swallowed by an uninterruptible wait. */
    public void restoreInterrupt() {
        if (interrupted) {
            interrupted = false;
            thread.interrupt();
        }
    }
}
