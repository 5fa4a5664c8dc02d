package dev.lockstep.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Assigns thread identities {@code 0 .. capacity-1} for algorithms written for a fixed set of
 * threads (Peterson, filter, Bakery).
 *
 * <ul>
 *   <li><b>Assignment</b>: a thread gets a slot on its first call of {@link #slotOfCurrentThread()}
 *       and keeps it.</li>
 *   <li><b>Give-back</b>: the slot is given back explicitly with {@link #releaseCurrentThread()}, or
 *       implicitly when its thread has terminated: a thread that finds no free slot reclaims the slot
 *       of a dead thread. A terminated thread cannot be inside the algorithm (it would still hold or be
 *       waiting for the lock), so its per-slot state is at rest.</li>
 *   <li><b>Exhaustion</b>: when every slot belongs to a live thread, {@link #slotOfCurrentThread()}
 *       throws {@link IllegalStateException} naming the capacity, before touching any algorithm state.</li>
 * </ul>
 *
 * <p>Looking a thread up scans the slots (capacity is small, and the algorithms using this scan all
 * slots anyway); assignment uses compare-and-set once per thread. The lookup allocates nothing.
 */
public final class ThreadSlots {
    private static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(Thread[].class);
    /** 16 references apart: a claimed slot's store does not disturb lookups of the others. */
    private static final int STRIDE = 16;

    private final Thread[] owners;
    private final int capacity;
    private final String user;

    /**
     * @param capacity number of slots, at least 1
     * @param user     the owning primitive's name, for exception messages
     */
    public ThreadSlots(int capacity, String user) {
        this.capacity = capacity;
        this.user = user;
        this.owners = new Thread[(capacity + 2) * STRIDE];
    }

    public int capacity() {
        return capacity;
    }

    /**
     * The current thread's slot, assigning one on first use.
     *
     * @throws IllegalStateException when all slots belong to live threads
     */
    public int slotOfCurrentThread() {
        Thread me = Thread.currentThread();
        for (int i = 0; i < capacity; i++) {
            // Opaque is enough: only this thread ever stores its own reference into a slot, and a thread
            // always sees its own latest store to a variable (coherence).
            if (OWNER.getOpaque(owners, (i + 1) * STRIDE) == me) {
                return i;
            }
        }
        return claim(me);
    }

    private int claim(Thread me) {
        for (int i = 0; i < capacity; i++) {
            // CAS (volatile): the slot changes owner once; a stale null only makes the CAS fail.
            if (OWNER.getVolatile(owners, (i + 1) * STRIDE) == null
                    && OWNER.compareAndSet(owners, (i + 1) * STRIDE, null, me)) {
                return i;
            }
        }
        for (int i = 0; i < capacity; i++) {
            Thread holder = (Thread) OWNER.getVolatile(owners, (i + 1) * STRIDE);
            if (holder != null && !holder.isAlive()
                    && OWNER.compareAndSet(owners, (i + 1) * STRIDE, holder, me)) {
                return i;
            }
        }
        throw new IllegalStateException(user + " supports at most " + capacity
                + " threads at a time and all " + capacity + " slots belong to live threads; construct it with"
                + " more threads, or call releaseThreadSlot() in threads that are done with it");
    }

    /**
     * Gives the current thread's slot back, if it has one.
     *
     * @return whether the thread had a slot
     */
    public boolean releaseCurrentThread() {
        Thread me = Thread.currentThread();
        for (int i = 0; i < capacity; i++) {
            if (OWNER.getOpaque(owners, (i + 1) * STRIDE) == me) {
                // Release: the owner's last writes to the slot's algorithm state (all back at rest)
                // happen-before the next owner's CAS that claims the slot.
                OWNER.setRelease(owners, (i + 1) * STRIDE, null);
                return true;
            }
        }
        return false;
    }
}
