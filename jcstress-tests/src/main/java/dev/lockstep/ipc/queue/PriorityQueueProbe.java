package dev.lockstep.ipc.queue;

import dev.lockstep.ipc.wait.KernelIdle;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * Test code, not part of the library: lets the jcstress tests of {@code dev.lockstep.jcstress.ipc} run one
 * sleep-phase step of a waiting {@link SharedPriorityQueue} receive or send without sleeping: the futex idle
 * strategy's announce on the queue's not-empty or not-full wait word ({@code KernelIdle.idle}) followed by
 * the queue's own re-check (package-private test hooks). It lives in the queue package (in the
 * jcstress-tests module, on the class path) because those hooks are package-private: the library's API
 * stays as it is.
 */
public final class PriorityQueueProbe {
    /** A re-check's verdict: a message (or room) is there. */
    public static final int READY = 0;
    /** A re-check's verdict: the caller would sleep in the kernel on the value it announced. */
    public static final int SLEEP = 1;
    /** A re-check's verdict: the caller would nap (a bounded sleep). */
    public static final int NAP = 2;

    private final SharedPriorityQueue queue;

    /** @param queue the queue whose waiting steps to run */
    public PriorityQueueProbe(SharedPriorityQueue queue) {
        this.queue = queue;
    }

    private static int verdict(int v) {
        return v == KernelIdle.READY ? READY : v == KernelIdle.SLEEP ? SLEEP : NAP;
    }

    /** @return the not-empty word's value a receiver announced itself on (what it would sleep on) */
    public int announceReceiver() {
        return WaitWord.announce(queue.buffer(), queue.notEmptyWordAt());
    }

    /** @return the verdict of one re-check of a waiting receive (joins the sleep request) */
    public int recheckReceive() {
        return verdict(queue.recheckReceiveOnce());
    }

    /** @return the not-empty word now */
    public int notEmptyWord() {
        return WaitWord.value(queue.buffer(), queue.notEmptyWordAt());
    }

    /** @return the not-full word's value a sender announced itself on (what it would sleep on) */
    public int announceSender() {
        return WaitWord.announce(queue.buffer(), queue.notFullWordAt());
    }

    /**
     * @param priority the waiting send's priority (the calling thread's lane for it)
     * @param length   its message's length
     * @return the verdict of one re-check of that waiting send (raises its lane's space request)
     */
    public int recheckSend(int priority, int length) {
        return verdict(queue.recheckSendOnce(priority, length));
    }

    /** @return the not-full word now */
    public int notFullWord() {
        return WaitWord.value(queue.buffer(), queue.notFullWordAt());
    }

    /** @return a second handle over the queue's memory (same process token): closing it retires its threads' lanes */
    public SharedPriorityQueue sibling() {
        return queue.sibling();
    }

    /**
     * @param lane a lane index
     * @return the lane's owner state (a volatile read): 0 FREE, 1 BOUND, 2 BOUND and SPARE, 3 RETIRED, 4 FREEING
     */
    public int laneState(int lane) {
        long owner = (long) dev.lockstep.ipc.shm.MappedAccess.LONG.getVolatile(queue.buffer(),
                queue.laneOwnerAt(lane));
        long state = owner & PriorityQueueDescriptor.STATE_MASK;
        if (state == PriorityQueueDescriptor.FREE) {
            return 0;
        }
        if (state == PriorityQueueDescriptor.BOUND) {
            return (owner & PriorityQueueDescriptor.SPARE) != 0L ? 2 : 1;
        }
        return state == PriorityQueueDescriptor.RETIRED ? 3 : 4;
    }

    /**
     * @param lane a lane index
     * @return whether the lane's owner word says BOUND (a volatile read)
     */
    public boolean laneBound(int lane) {
        long owner = (long) dev.lockstep.ipc.shm.MappedAccess.LONG.getVolatile(queue.buffer(),
                queue.laneOwnerAt(lane));
        return (owner & PriorityQueueDescriptor.STATE_MASK) == PriorityQueueDescriptor.BOUND;
    }
}
