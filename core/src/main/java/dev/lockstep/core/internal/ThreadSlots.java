package dev.lockstep.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Lends slot numbers {@code 0 .. capacity-1} to threads for the duration of one use of an algorithm
 * written for a fixed set of threads (Peterson, filter, Bakery): a lock claims a slot when a thread
 * starts acquiring and gives it back when that thread releases (or gives up acquiring). So only the
 * threads currently contending for or holding the lock need slots, and any number of threads (thread
 * pools, virtual threads) may use the lock over time.
 *
 * <ul>
 *   <li><b>Claim</b>: {@link #tryClaim()} takes a free slot with one compare-and-set, or reports that
 *       none is free; {@link #claim(int, long)} waits for one ({@link SpinPolicy}), honouring the
 *       {@link Waits} mode. Claims are not FIFO.</li>
 *   <li><b>Give-back</b>: {@link #release(int)}, by the thread that claimed the slot, after the slot's
 *       algorithm state is back at rest.</li>
 *   <li><b>Dead threads</b>: a slot is never taken away from its claimer. A thread that terminates
 *       holding a lock keeps its slot, and the lock stays held, as any lock does when its holder dies
 *       without unlocking.</li>
 * </ul>
 *
 * <p>Cost: a claim reads the slots from a per-thread starting point until it finds a free one (one
 * volatile read each, capacity is small) and then does one compare-and-set; a give-back is one release
 * store. Nothing is allocated.
 *
 * <p>Implementation notes. {@code owners[(i + 1) * STRIDE]} holds the claiming thread of slot {@code i}
 * (for diagnostics) or null. The claimer's last writes to the slot's algorithm state happen-before its
 * release store of null, which happens-before the next claimer's successful CAS (a volatile read of
 * that null): the slot's algorithm state is handed from one user to the next as if one thread had
 * made successive attempts, which is what the algorithms' proofs assume of a thread identity.
 */
public final class ThreadSlots {
    private static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(Thread[].class);
    /** 16 references apart: a claimed slot's store does not disturb the reads of the others. */
    private static final int STRIDE = 16;

    private final Thread[] owners;
    private final int capacity;

    /**
     * A table of {@code capacity} free slots, each on its own cache lines.
     *
     * @param capacity number of slots, at least 1
     */
    public ThreadSlots(int capacity) {
        this.capacity = capacity;
        this.owners = new Thread[(capacity + 2) * STRIDE];
    }

    /**
     * The number of slots.
     *
     * @return the capacity given at construction
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Claims a free slot for the current thread, without waiting.
     *
     * @return the slot, or -1 if every slot is claimed
     */
    public int tryClaim() {
        Thread me = Thread.currentThread();
        // Start where this thread's hash points, so that contenders rarely CAS the same slot.
        int start = (System.identityHashCode(me) & 0x7fffffff) % capacity;
        for (int k = 0; k < capacity; k++) {
            int i = start + k < capacity ? start + k : start + k - capacity;
            // Volatile read, then CAS (volatile): acquires the previous claimer's release store of null
            // (see the implementation notes); a stale non-null only makes us skip a slot.
            if (OWNER.getVolatile(owners, (i + 1) * STRIDE) == null
                    && OWNER.compareAndSet(owners, (i + 1) * STRIDE, null, me)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Claims a free slot for the current thread, waiting per {@link SpinPolicy} while every slot is
     * claimed.
     *
     * @param mode     {@link Waits#UNINTERRUPTIBLE}, {@link Waits#INTERRUPTIBLE} or {@link Waits#TIMED}
     * @param deadline for {@link Waits#TIMED}, as from {@link Waits#deadline}
     * @return the slot, or -1 if a timed wait reached its deadline
     * @throws InterruptedException in the interruptible modes, if interrupted while waiting
     */
    public int claim(int mode, long deadline) throws InterruptedException {
        int step = 0;
        while (true) {
            int slot = tryClaim();
            if (slot >= 0) {
                return slot;
            }
            if (Waits.shouldGiveUp(mode, deadline)) {
                return -1;
            }
            step = SpinPolicy.idle(step);
        }
    }

    /**
     * Gives back a slot claimed by the current thread, once its algorithm state is at rest.
     *
     * @param slot a slot returned by {@link #tryClaim()} or {@link #claim(int, long)} to this thread
     */
    public void release(int slot) {
        // Release: the claimer's writes to the slot's algorithm state (all at rest) happen-before the
        // next claimer's CAS, which reads this null.
        OWNER.setRelease(owners, (slot + 1) * STRIDE, null);
    }
}
