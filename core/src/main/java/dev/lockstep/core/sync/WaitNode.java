package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread's wait record, reused for every wait of that thread: one per thread for waiting in a
 * {@link WaitQueue} (lock, semaphore and read-write waits: a thread waits in at most one queue at a
 * time) and a second one, {@link #conditionNode()}, for condition waits (a condition waiter that
 * gives up stays linked in the condition's list until it has re-acquired the lock, while it needs its
 * lock node to re-acquire).
 *
 * <p>Nodes are created once per thread (a {@link ThreadLocal}), so contended paths allocate nothing
 * after a thread's first wait. Every lock node is also entered once in a global registry that
 * {@link DeadlockDetector} walks; entries of terminated threads are swept as the registry grows.
 */
final class WaitNode {
    /*
     * Implementation notes.
     * status: IDLE (not queued) -> WAITING (queued, set under the queue lock before publication)
     * -> GRANTED (dequeued by a releaser under the queue lock: the wait is over) or back to IDLE (the
     * owner gave up and unlinked itself under the queue lock). For condition nodes, which are not
     * guarded by a queue lock, WAITING -> GRANTED (signal) and WAITING -> CANCELLED (the waiter gave up)
     * are decided by compare-and-set. The fields next/prev/arg/wakeNext are guarded by the queue lock
     * (condition lists: by the mutex) and accessed plainly.
     */
    static final int IDLE = 0;
    static final int WAITING = 1;
    static final int GRANTED = 2;
    static final int CANCELLED = 3;

    /** Results of {@link #await} besides a status: the wait ended without a grant. */
    static final int TIMED_OUT = -1;
    static final int INTERRUPTED = -2;

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

    /** Lock nodes of (possibly terminated) threads, for {@link DeadlockDetector}. */
    static final Set<WaitNode> REGISTRY = ConcurrentHashMap.newKeySet();
    private static final Object SWEEP_LOCK = new Object();
    /** Registry size that triggers the next sweep; volatile: read without the lock as a hint. */
    private static volatile int sweepAt = 1024;

    final Thread thread;
    /** Queue links, guarded by the queue lock (condition lists: by the mutex). */
    WaitNode next;
    WaitNode prev;
    /** What the waiter asks for (permits, reader or writer), guarded like the links. */
    int arg;
    /** Chain of nodes a releaser granted under the queue lock and unparks after releasing it. */
    WaitNode wakeNext;
    /** Set by the owner when an uninterruptible wait swallowed an interrupt; re-asserted later. */
    boolean interrupted;
    private int status;
    /** The primitive this thread is queued on, or null: read by DeadlockDetector. */
    private Object blockedOn;
    private WaitNode conditionNode;

    private WaitNode(Thread thread) {
        this.thread = thread;
    }

    /**
     * Forces the initialisation of this class and of the helpers of the waiting paths (see Mutex's
     * static initialiser): loading a class for the first time inside a contended wait, by many virtual
     * threads at once, makes them contend for the class loader's lock, which pins their carriers.
     */
    static void initialize() {
        if (SpinPolicy.SPINS < 0 || Waits.deadline(0L, TimeUnit.NANOSECONDS) == 0L && SpinPolicy.isParking(0)) {
            Thread.onSpinWait(); // never runs: the calls above are the point
        }
    }

    /** The current thread's lock node (created and registered on first use). */
    static WaitNode current() {
        WaitNode node = CURRENT.get();
        if (node == null) {
            node = new WaitNode(Thread.currentThread());
            CURRENT.set(node);
            register(node);
        }
        return node;
    }

    private static void register(WaitNode node) {
        REGISTRY.add(node);
        if (REGISTRY.size() >= sweepAt) {
            synchronized (SWEEP_LOCK) {
                if (REGISTRY.size() >= sweepAt) {
                    REGISTRY.removeIf(n -> !n.thread.isAlive());
                    sweepAt = Math.max(1024, REGISTRY.size() * 2); // amortised O(1) per registration
                }
            }
        }
    }

    /** This thread's condition-wait node (the caller is the node's thread). */
    WaitNode conditionNode() {
        WaitNode c = conditionNode;
        if (c == null) {
            c = new WaitNode(thread);
            conditionNode = c;
        }
        return c;
    }

    int statusAcquire() {
        // Acquire: a GRANTED read makes the granter's writes (e.g. the previous holder's critical
        // section, the permits handed over) visible to the woken thread.
        return (int) STATUS.getAcquire(this);
    }

    void setStatusPlain(int s) {
        // Plain: only while the node is private to its thread (before the queue lock's release publishes it).
        status = s;
    }

    void setStatusRelease(int s) {
        // Release: the granter's prior writes are visible to the waiter that reads GRANTED with acquire.
        STATUS.setRelease(this, s);
    }

    boolean casStatus(int expected, int s) {
        // Volatile CAS: decides the race between signal and cancellation of a condition waiter.
        return STATUS.compareAndSet(this, expected, s);
    }

    void setBlockedOn(Object o) {
        // Opaque: a diagnostic snapshot for DeadlockDetector; orders nothing else.
        BLOCKED_ON.setOpaque(this, o);
    }

    Object blockedOn() {
        return BLOCKED_ON.getOpaque(this);
    }

    /**
     * Parks the current (owning) thread until its status leaves WAITING, or the wait gives up.
     *
     * @return the status that ended the wait, or {@link #TIMED_OUT} / {@link #INTERRUPTED} (the
     * interrupt status cleared) when a timed or interruptible wait gives up; the node is then still
     * queued and the caller must withdraw it
     */
    int await(Object blocker, int mode, long deadline) {
        for (; ; ) {
            int s = statusAcquire();
            if (s != WAITING) {
                return s;
            }
            if (mode == Waits.UNINTERRUPTIBLE) {
                if (Thread.interrupted()) {
                    interrupted = true; // park would return at once; re-asserted when the wait is over
                }
                LockSupport.park(blocker);
                continue;
            }
            try {
                if (Waits.shouldGiveUp(mode, deadline)) {
                    return TIMED_OUT;
                }
            } catch (InterruptedException e) {
                return INTERRUPTED;
            }
            if (mode == Waits.TIMED) {
                LockSupport.parkNanos(blocker, deadline - System.nanoTime());
            } else {
                LockSupport.park(blocker);
            }
        }
    }

    /** Re-asserts an interrupt swallowed by an uninterruptible wait. */
    void restoreInterrupt() {
        if (interrupted) {
            interrupted = false;
            thread.interrupt();
        }
    }
}
