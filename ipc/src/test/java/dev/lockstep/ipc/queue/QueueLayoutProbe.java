package dev.lockstep.ipc.queue;

import java.nio.ByteBuffer;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * Test-side reads and fakes of a {@link SharedPriorityQueue}'s layout-2 structure area
 * ({@link PriorityQueueDescriptor}: per-priority rings and a free ring), for the tests that look at or
 * fake the state a killed process leaves behind.
 *
 * <p>Layout 2 names no owner in its rings: that is the claim records' job (issue 12, step B, not built
 * yet). The owner-specific probes throw {@link AssertionError} saying so, so the tests that need them
 * fail loudly until the records exist.
 */
final class QueueLayoutProbe {
    static final String STEP_B = "queue layout 2 records no claim owner yet: per-participant claim records "
            + "(issue 12, step B) are not built";

    private final ByteBuffer b;
    private final int base;
    private final int max;
    private final int cap;
    private final int shift;

    QueueLayoutProbe(ByteBuffer b, int base, int maxMessages) {
        this.b = b;
        this.base = base;
        this.max = maxMessages;
        this.cap = PriorityQueueDescriptor.ringCapacity(maxMessages);
        this.shift = Integer.numberOfTrailingZeros(cap);
    }

    private long get(int at) {
        return (long) MappedAccess.LONG.getVolatile(b, base + at); // volatile: a test's snapshot
    }

    /** Free slots in the free ring (given back and not taken). */
    int freeSlots() {
        return (int) (get(PriorityQueueDescriptor.FREE_TAIL_OFFSET) + max - get(PriorityQueueDescriptor.FREE_HEAD_OFFSET));
    }

    /** Positions of ring {@code p} claimed (by a sender) and not yet taken (by a receiver). */
    long inRing(int p) {
        return get(PriorityQueueDescriptor.ringTailOffset(p)) - get(PriorityQueueDescriptor.ringHeadOffset(p));
    }

    /** Slots neither free nor holding a published, untaken message: held by a send or a receive in flight. */
    int heldSlots(SharedPriorityQueue q) {
        return max - freeSlots() - q.size();
    }

    /** The published messages in receive order: {priority, slot}, priority descending, FIFO within. */
    java.util.List<int[]> published() {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (int p = PriorityQueueDescriptor.PRIORITIES - 1; p >= 0; p--) {
            long h = get(PriorityQueueDescriptor.ringHeadOffset(p));
            long t = get(PriorityQueueDescriptor.ringTailOffset(p));
            for (long n = h; n < t; n++) {
                long c = get((int) PriorityQueueDescriptor.ringCellsOffset(max, p) + 8 * (int) (n & (cap - 1)));
                if (c == (PriorityQueueDescriptor.full(n, shift, (int) (c & PriorityQueueDescriptor.VALUE_MASK)))) {
                    out.add(new int[] {p, (int) (c & PriorityQueueDescriptor.VALUE_MASK)});
                }
            }
        }
        return out;
    }

    /** Offset (in the mapping) of slot {@code slot}'s payload. */
    int payloadAt(int slot, int maxMessageSize) {
        return base + (int) PriorityQueueDescriptor.slotsOffset(max) + slot * PriorityQueueDescriptor.slotStride(maxMessageSize)
                + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET;
    }

    /**
     * Fakes a receive that dies right after its claim: takes ring {@code p}'s head position (the CAS a
     * receive makes) and leaves its cell and slot as they are. Returns the slot, or -1 if nothing is ready.
     */
    int claimHead(int p) {
        int headAt = base + PriorityQueueDescriptor.ringHeadOffset(p);
        long h = (long) MappedAccess.LONG.getVolatile(b, headAt);
        long c = get((int) PriorityQueueDescriptor.ringCellsOffset(max, p) + 8 * (int) (h & (cap - 1)));
        if ((c & PriorityQueueDescriptor.FULL) == 0L || !MappedAccess.LONG.compareAndSet(b, headAt, h, h + 1)) {
            return -1;
        }
        return (int) (c & PriorityQueueDescriptor.VALUE_MASK);
    }

    /**
     * Fakes a send that dies while writing its payload: takes a free slot as a send does (CAS on the
     * free head, release of the cell) and keeps it. Returns the slot, or -1 if none is free.
     */
    int claimFreeSlot() {
        int headAt = base + PriorityQueueDescriptor.FREE_HEAD_OFFSET;
        long h = (long) MappedAccess.LONG.getVolatile(b, headAt);
        int i = (int) (h & (cap - 1));
        int cellAt = base + PriorityQueueDescriptor.CELLS_OFFSET + 8 * i;
        long init = PriorityQueueDescriptor.freeInitialWord(max, i);
        long c = (long) MappedAccess.LONG.getVolatile(b, cellAt) ^ init;
        if (c != PriorityQueueDescriptor.full(h, shift, (int) (c & PriorityQueueDescriptor.VALUE_MASK))
                || !MappedAccess.LONG.compareAndSet(b, headAt, h, h + 1)) {
            return -1;
        }
        MappedAccess.LONG.setVolatile(b, cellAt, PriorityQueueDescriptor.empty(h + cap, shift) ^ init);
        return (int) (c & PriorityQueueDescriptor.VALUE_MASK);
    }

    /** The slot {@code token} holds as a send ({@code send}) or receive claim: needs claim records (step B). */
    int slotOf(boolean send, long token) {
        throw new AssertionError(STEP_B + " (asked for the " + (send ? "send" : "receive") + " claim of token "
                + Long.toHexString(token) + ")");
    }

    /** The number of claims held by the process with {@code token}: needs claim records (step B). */
    int claimsOf(long token) {
        throw new AssertionError(STEP_B + " (asked for the claims of token " + Long.toHexString(token) + ")");
    }
}
