package dev.lockstep.core.sync;

import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * A {@link Condition} of a {@link Mutex} ({@link Mutex#newCondition()}), with the full contract of
 * {@code java.util.concurrent.locks.Condition}: every method requires the current thread to hold the
 * Mutex ({@link IllegalMonitorStateException} otherwise); {@code await*} releases all holds, waits,
 * and re-acquires the Mutex with the same hold count before returning or throwing.
 *
 * <p>Waiters form a FIFO list guarded by the Mutex itself (signal and the unlinking of withdrawn
 * waiters run only while holding it). {@code signal} wakes the longest waiter; a waiter that returns
 * from {@code await} without being signalled (timeout, interrupt) never consumes a signal, because a
 * signaller and a withdrawing waiter decide with one compare-and-set on the waiter's node who wins
 * (no lost signal). There are no spurious wake-ups: {@code await} returns only when signalled,
 * interrupted, or timed out. A signal that races with an interrupt wins if its compare-and-set came
 * first: {@code await} then returns normally with the interrupt status set.
 *
 * <p>Argument and state checks come in the JDK's order ({@code AbstractQueuedSynchronizer.ConditionObject}):
 * a null argument ({@link NullPointerException}), then a pending interrupt
 * ({@link InterruptedException}, for the interruptible waits), then not holding the Mutex
 * ({@link IllegalMonitorStateException}).
 *
 * <p>Each thread reuses one condition node for all its waits: awaiting allocates nothing.
 */
final class MutexCondition implements Condition {
    /*
     * Implementation notes.
     * first/last and the nodes' next links are guarded by the mutex (plain accesses, ordered by the
     * mutex's acquire/release). A node is in the list from await until a signaller unlinks it or, if
     * the waiter withdrew (status CANCELLED), until the waiter, holding the mutex again, unlinks it.
     * A node whose signal was delivered (CAS to GRANTED) is recorded in the mutex's wait queue as
     * "transferred" by the signaller, and removed by its own thread once it has re-acquired: from the
     * signal to then, the mutex's queue queries report the thread as queued, as AQS's transfer does.
     */
    final Mutex mutex;
    private WaitNode first;
    private WaitNode last;

    MutexCondition(Mutex mutex) {
        this.mutex = mutex;
    }

    private void checkHeld(String what) {
        if (!mutex.isHeldByCurrentThread()) {
            throw mutex.notHeld(what);
        }
    }

    @Override
    public void await() throws InterruptedException {
        Waits.checkInterrupt();
        checkHeld("await");
        doAwait(Waits.INTERRUPTIBLE, 0L);
    }

    @Override
    public void awaitUninterruptibly() {
        checkHeld("await");
        try {
            doAwait(Waits.UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError("uninterruptible wait threw", impossible);
        }
    }

    @Override
    public long awaitNanos(long nanosTimeout) throws InterruptedException {
        Waits.checkInterrupt();
        checkHeld("await");
        long deadline = Waits.deadline(nanosTimeout, TimeUnit.NANOSECONDS);
        doAwait(Waits.TIMED, deadline);
        // The remaining time (<= 0 once the deadline passed), measured after re-acquiring, as AQS does.
        return deadline - System.nanoTime();
    }

    @Override
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        Waits.checkInterrupt();
        checkHeld("await");
        return doAwait(Waits.TIMED, Waits.deadline(time, unit));
    }

    @Override
    public boolean awaitUntil(Date deadline) throws InterruptedException {
        if (deadline == null) {
            throw new NullPointerException("deadline");
        }
        Waits.checkInterrupt();
        checkHeld("await");
        // The deadline is on the wall clock, the wait on nanoTime: the two may disagree by a little (clock
        // adjustment), so wait again, still holding the lock between the two waits (no signal can fall in
        // between), until the wall clock has reached the deadline -- never early, as AQS's awaitUntil.
        long millis = deadline.getTime() - System.currentTimeMillis();
        do {
            if (doAwait(Waits.TIMED, Waits.deadline(millis, TimeUnit.MILLISECONDS))) {
                return true;
            }
            millis = deadline.getTime() - System.currentTimeMillis();
        } while (millis > 0);
        return false;
    }

    /**
     * Enqueues, releases the mutex, waits, re-acquires.
     *
     * @return false iff a timed wait ended by its deadline (not signalled)
     */
    private boolean doAwait(int mode, long deadline) throws InterruptedException {
        WaitNode node = WaitNode.current().conditionNode();
        node.setPlainStatus(WaitNode.WAITING); // plain: published by the mutex release below
        node.next = null;
        if (last == null) {
            first = node;
        } else {
            last.next = node;
        }
        last = node;
        int saved = mutex.releaseAll();
        int r = node.await(this, mode, deadline);
        boolean withdrew = r < 0 && node.compareAndSetStatus(WaitNode.WAITING, WaitNode.CANCELLED);
        try {
            mutex.reacquire(saved);
        } finally {
            if (!withdrew) {
                // The signaller recorded us as queued for the mutex (Mutex.transferred); forget it even
                // if re-acquiring failed with an Error, or hasQueuedThreads() would stay true for ever.
                mutex.reacquired(node);
            }
        }
        if (withdrew) {
            unlink(node);
        }
        node.setPlainStatus(WaitNode.IDLE);
        if (r == WaitNode.INTERRUPTED && !withdrew) {
            node.interrupted = true; // signalled first: return normally, keep the interrupt status
        }
        node.restoreInterrupt();
        if (withdrew && r == WaitNode.INTERRUPTED) {
            throw new InterruptedException();
        }
        return !withdrew;
    }

    /** Unlinks a withdrawn node if a signaller has not already done so. Holding the mutex. */
    private void unlink(WaitNode node) {
        WaitNode prev = null;
        for (WaitNode p = first; p != null; prev = p, p = p.next) {
            if (p == node) {
                if (prev == null) {
                    first = p.next;
                } else {
                    prev.next = p.next;
                }
                if (last == p) {
                    last = prev;
                }
                p.next = null;
                return;
            }
        }
    }

    @Override
    public void signal() {
        checkHeld("signal");
        WaitNode node;
        while ((node = first) != null) {
            first = node.next;
            if (first == null) {
                last = null;
            }
            node.next = null;
            // Volatile CAS: decides against a withdrawing waiter; a won CAS is a delivered signal.
            if (node.compareAndSetStatus(WaitNode.WAITING, WaitNode.GRANTED)) {
                mutex.transferred(node); // queued for the mutex from now on, as in AQS
                WaitQueue.unpark(node);
                return;
            }
            // CANCELLED: the waiter withdrew; skip it (it finds itself unlinked), signal the next one.
        }
    }

    @Override
    public void signalAll() {
        checkHeld("signal");
        WaitNode node = first;
        first = null;
        last = null;
        while (node != null) {
            WaitNode next = node.next;
            node.next = null;
            if (node.compareAndSetStatus(WaitNode.WAITING, WaitNode.GRANTED)) {
                mutex.transferred(node);
                WaitQueue.unpark(node);
            }
            node = next;
        }
    }

    /** Holding the mutex. */
    boolean hasWaiters() {
        checkHeld("query waiters");
        for (WaitNode p = first; p != null; p = p.next) {
            if (p.getAcquireStatus() == WaitNode.WAITING) {
                return true;
            }
        }
        return false;
    }

    /** Holding the mutex. */
    int waitQueueLength() {
        checkHeld("query waiters");
        int n = 0;
        for (WaitNode p = first; p != null; p = p.next) {
            if (p.getAcquireStatus() == WaitNode.WAITING) {
                n++;
            }
        }
        return n;
    }

    /** Holding the mutex. */
    Collection<Thread> waitingThreads() {
        checkHeld("query waiters");
        List<Thread> list = new ArrayList<>();
        for (WaitNode p = first; p != null; p = p.next) {
            if (p.getAcquireStatus() == WaitNode.WAITING) {
                list.add(p.thread);
            }
        }
        return list;
    }

    @Override
    public String toString() {
        return "Condition of " + mutex;
    }
}
