package dev.lockstep.core.queue;

import java.lang.invoke.VarHandle;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A bounded, lock-free, wait-free queue for exactly one producer thread and one consumer thread,
 * backed by an array: the fastest way to hand objects from one thread to another.
 *
 * <pre>{@code
 * ConcurrentQueue<Order> q = new SpscArrayQueue<>(1024);
 * // producer thread                       // consumer thread
 * while (!q.offer(order)) {                 Order o = q.poll();   // null when empty
 *     Thread.onSpinWait();                  if (o != null) handle(o);
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> At most one thread at a time may call the producer methods ({@code offer},
 * {@code add}, {@code relaxedOffer}, {@code fill}) and at most one the consumer methods ({@code poll},
 * {@code remove()}, {@code peek}, {@code element}, {@code relaxed*}, {@code drain}, {@code clear});
 * {@link #size()}, {@link #isEmpty()}, {@link #capacity()} are safe from any thread. Breaking this
 * loses or duplicates elements.
 *
 * <p><b>Algorithm.</b> Lamport's single-producer single-consumer ring (L. Lamport, <i>Specifying
 * Concurrent Program Modules</i>, TOPLAS 1983), with the refinements that keep each side off the other
 * side's cache lines: the slots themselves are the full/empty flags (null = empty), so the consumer
 * never reads the producer index (Giacomoni, Moseley, Vachharajani, <i>FastForward for Efficient
 * Pipeline Parallelism</i>, PPoPP 2008); and the producer, instead of checking each slot, probes the
 * slot a batch ahead and caches the resulting limit, re-probing only when it reaches it (Wang et al.,
 * <i>B-Queue: Efficient and Practical Queuing for Fast Core-to-Core Communication</i>, IJPP 2013; the
 * same "look-ahead" as JCTools' {@code SpscArrayQueue}). The indices are still published (release
 * stores) for {@link #size()} and the batch operations.
 *
 * <p><b>Properties.</b> FIFO; every operation wait-free (no loop depends on the other thread);
 * {@code relaxed*} are the same as the strict methods (nothing here can fail spuriously); no allocation
 * after construction; space: one array of {@link #capacity()} references plus the queue object (its
 * indices padded inline, about 450 bytes).
 * Capacity is rounded up to a power of two ({@code new SpscArrayQueue<>(1000).capacity() == 1024}).
 * Null elements are rejected. {@link #drain} and {@link #fill} move one element at a time (index
 * published before the handler runs, element inserted after the supplier returned it), so user code may
 * re-enter the queue. Weakly consistent iterator ({@link ArrayQueueBase}); no removal from the middle
 * ({@code remove(Object)} throws {@link UnsupportedOperationException}: the consumer's plain take would
 * race it).
 *
 * @param <E> the element type
 */
public final class SpscArrayQueue<E> extends ArrayQueueBase<E> {
    /*
     * Implementation notes.
     * - Slot i is empty iff it holds null. The producer writes only empty slots, the consumer only
     *   empties full ones; each hands a slot to the other with a release store (the consumer: a
     *   release fence, then a plain store of null) that the other reads with an acquire load (element
     *   visible before its slot is seen full; the consumer's read of the old element happens before
     *   the producer overwrites it).
     * - producerLimit (inherited field): an index below which every slot is known to be empty
     *   (producer-owned, plain).
     *   If slot (p + lookAhead) is empty, then so are p .. p + lookAhead - 1: the consumer empties slots
     *   in index order, and the single producer has filled every index below p.
     * - What a VarHandle array access costs over JCTools' Unsafe access (issue 12; read from the C2
     *   machine code of a loop of 2 offers + 3 polls, JDK 17: no hsdis here, so the nmethod's bytes
     *   were copied out of /proc/PID/mem at the address jcmd Compiler.perfmap gives and disassembled
     *   with objdump): every access loads buffer.length for its range check
     *   (Preconditions.checkIndex, intrinsified), and every store also loads the array's class and
     *   compares it with Object[] (VarHandleReferences.Array.runtimeTypeCheck: C2 cannot know that a
     *   final Object[] field holds exactly an Object[]). Hence:
     *   - the slot is (int) index & mask, the final field, read in parallel with buffer. An earlier
     *     version used buffer.length - 1, which lets C2 fold the range check to "length > 0" but puts
     *     the length load (dependent on the buffer load) and a decrement on the address of every
     *     access; with the field the check is one compare that the address does not wait for.
     *   - poll empties the slot with releaseFence + a plain aastore of null (null needs no store
     *     check), not ELEMENT.setRelease: the same ordering by the spec, without the class check.
     *   - offer keeps ELEMENT.setRelease (an aastore of a non-null element has a class check too).
     *   Hot path of that loop (instructions from entry to return): JCTools 108, before this change
     *   (setRelease of null, buffer.length - 1) 153, now 133. What is left (per access a length load and a compare, per
     *   offer a class load and a compare, an int-to-long extension) is what VarHandle array access
     *   costs; the cross-core cost (the slot lines moving between the cores) is the same algorithm
     *   as JCTools' and dominates the 2-thread benchmark.
     */
    private static final int MAX_LOOK_AHEAD = 4096;

    private final int lookAhead;

    /**
     * An empty queue.
     *
     * @param capacity at least 1; rounded up to a power of two
     * @throws IllegalArgumentException if {@code capacity <= 0} or {@code capacity > 2^30}
     */
    public SpscArrayQueue(int capacity) {
        super(capacity, 1);
        this.lookAhead = Math.max(1, Math.min(this.capacity / 4, MAX_LOOK_AHEAD));
    }

    @Override
    public boolean offer(E e) {
        checkElement(e);
        final Object[] buffer = this.buffer;
        final int mask = this.mask; // not buffer.length - 1: keeps the length load off the address (notes)
        final long p = getPlainProducerIndex(); // plain: only the producer writes it
        // Plain: producerLimit is producer-owned.
        if (p >= getPlainProducerLimit() && !refreshLimit(buffer, mask, p)) {
            return false;
        }
        // Release: the element's own fields are visible before the consumer can see the slot full.
        ELEMENT.setRelease(buffer, (int) p & mask, e);
        // Release: for size() only (the consumer reads slots, not this index).
        setReleaseProducerIndex(p + 1);
        return true;
    }

    /** Slow path: probe a batch ahead, then the very next slot; false when the queue is full. */
    private boolean refreshLimit(Object[] buffer, int mask, long p) {
        // Acquire: a null seen here was stored (release) by the consumer after it read the old element.
        if (ELEMENT.getAcquire(buffer, (int) (p + lookAhead) & mask) == null) {
            setPlainProducerLimit(p + lookAhead); // plain: producer-owned
            return true;
        }
        if (ELEMENT.getAcquire(buffer, (int) p & mask) == null) { // acquire: as above
            setPlainProducerLimit(p + 1); // plain: producer-owned
            return true;
        }
        return false;
    }

    /** The same as {@link #offer}: this queue has no spurious failures. */
    @Override
    public boolean relaxedOffer(E e) {
        return offer(e);
    }

    @Override
    @SuppressWarnings("unchecked")
    public E poll() {
        final Object[] buffer = this.buffer;
        final long c = getPlainConsumerIndex(); // plain: only the consumer writes it
        final int i = (int) c & mask; // mask field, as in offer (notes)
        // Acquire: pairs with the producer's release store of the element (element visible before seen).
        final Object e = ELEMENT.getAcquire(buffer, i);
        if (e == null) {
            return null;
        }
        // Release fence, then the store: the spec of releaseFence, "loads and stores before the fence will
        // not be reordered with stores after the fence", so our read of e is done before the producer can
        // see the slot empty (its acquire read) and overwrite it; setRelease's ordering, without the
        // element VarHandle's array-class check (notes). A plain aastore of null has no store check.
        VarHandle.releaseFence();
        buffer[i] = null;
        // Release: the slot is empty (the store above) before the index says so (fill and size rely on it).
        setReleaseConsumerIndex(c + 1);
        return (E) e;
    }

    /** The same as {@link #poll}. */
    @Override
    public E relaxedPoll() {
        return poll();
    }

    @Override
    @SuppressWarnings("unchecked")
    public E peek() {
        final Object[] buffer = this.buffer;
        // Acquire: as in poll; plain index read: consumer-owned.
        return (E) ELEMENT.getAcquire(buffer, (int) getPlainConsumerIndex() & mask);
    }

    /** The same as {@link #peek}. */
    @Override
    public E relaxedPeek() {
        return peek();
    }

    /**
     * Removes up to {@code limit} elements. Each element's slot is emptied and the consumer index
     * published before the element is passed to {@code consumer} (as {@link #poll} does), so the consumer
     * may re-enter the queue from this thread ({@code poll}, {@code drain}) and nothing is held while it
     * runs. If {@code consumer} throws, the elements handed over so far (including the one it threw on)
     * are removed and the rest stay queued; the exception propagates.
     */
    @Override
    @SuppressWarnings("unchecked")
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        int n = 0;
        while (n < limit) {
            final E e = poll();
            if (e == null) {
                break;
            }
            n++;
            consumer.accept(e);
        }
        return n;
    }

    /**
     * Inserts up to {@code limit} elements, stopping when the queue is full; calls {@code supplier} only
     * when there is room for its element, and inserts (and publishes) each element before calling it
     * again, so the supplier may re-enter the queue from this thread. If {@code supplier} throws or
     * returns null, the elements supplied before stay inserted and the exception propagates.
     *
     * @throws IllegalStateException if the supplier itself filled the queue (re-entrant offers) and left
     *                               no room for the element it returned; that element is not inserted
     */
    @Override
    public int fill(Supplier<? extends E> supplier, int limit) {
        checkLimit(supplier, limit);
        int done = 0;
        while (done < limit) {
            final long p = getPlainProducerIndex(); // plain: producer-owned
            // Plain: producerLimit is producer-owned; refreshLimit probes the slot (acquire).
            if (p >= getPlainProducerLimit() && !refreshLimit(buffer, mask, p)) {
                break; // full
            }
            final E e = checkElement(supplier.get());
            if (!offer(e)) { // only the supplier's own offers can have used the room seen above
                throw new IllegalStateException("fill: the supplier filled the queue itself (re-entrant offer)"
                        + " and left no room for the element it returned: " + e);
            }
            done++;
        }
        return done;
    }

    @Override
    Object elementAt(long i) {
        // Acquire: pairs with the producer's release store, so the element's fields are visible. The
        // slot may hold a later index's element, never visited by the same traversal.
        return ELEMENT.getAcquire(buffer, (int) i & mask);
    }
}
