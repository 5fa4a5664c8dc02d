package dev.lockstep.core.queue;

import dev.lockstep.core.internal.SpinPolicy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.Iterator;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.lockstep.core.queue.ArrayQueueBase.ELEMENT;
import static dev.lockstep.core.queue.ArrayQueueBase.checkElement;
import static dev.lockstep.core.queue.ArrayQueueBase.checkLimit;
import static dev.lockstep.core.queue.ArrayQueueBase.NO_EMPTY_MARK;
import static dev.lockstep.core.queue.ArrayQueueBase.emptyMark;
import static dev.lockstep.core.queue.ArrayQueueBase.spinOnSlot;
import static dev.lockstep.core.queue.ArrayQueueBase.waitsOnSlot;

/*
 * The field layout of MpscUnboundedQueue, the bounded queues' shape (ArrayQueueBase: class-hierarchy
 * padding, longs only, so no subclass int lands next to a hot field):
 *
 *   header | ArrayQueuePad0 (128 B)     | producer side: producerIndex, producerChunk
 *          | UnboundedQueuePad1 (128 B) | consumer side: consumerIndex, consumerEmptyIndex, consumerChunk, spare
 *          | UnboundedQueuePad2 (128 B) | MpscUnboundedQueue: chunkSize, mask (final)
 *
 * The indices and chunks are fields of the queue itself, not of padded cells (internal.PaddedLong and
 * PaddedReference until issue 12's forty-fourth round): one dependent load less on every offer and
 * poll. JFR had put 9% of the one-thread burst's samples on poll's first load through its cell; with
 * the fields inline that burst costs what JCTools' does (7.6 ns an element against 8.6 before). A
 * 4-byte reference (compressed oops) lands in the 4-byte hole after a 12-byte header: HotSpot puts
 * producerChunk there (offset 12; producerIndex 144, consumerIndex 280, consumerEmptyIndex 288,
 * consumerChunk 296, spare 300, chunkSize/mask 432/436 on JDK 17, checked with Unsafe.objectFieldOffset). That line is
 * written only at a chunk switch, so the producers read it from a clean line, as JCTools keeps its
 * producer buffer in "cold" fields off the index's line. The spare shares the consumer's line: the
 * consumer writes it once per chunk, a switching producer takes it once per chunk.
 *
 * These fields are not final, so the queue must be published safely (a final or volatile field, a
 * thread start, a concurrent collection), as for ConcurrentLinkedQueue or JCTools' queues; a thread that
 * read the queue through a data race could see a null chunk.
 */

/**
 * The producers' fields: the claim index and the chunk it indexes. The left padding is the bounded
 * queues' own (ArrayQueuePad0: 128 bytes of longs after the header).
 */
abstract class UnboundedQueueProducerFields<E> extends ArrayQueuePad0<E> {
    private static final VarHandle PRODUCER_INDEX;
    private static final VarHandle PRODUCER_CHUNK;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCER_INDEX = lookup.findVarHandle(UnboundedQueueProducerFields.class, "producerIndex", long.class);
            PRODUCER_CHUNK = lookup.findVarHandle(UnboundedQueueProducerFields.class, "producerChunk", Object[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Twice the next sequence to claim; bit 0 set while a producer switches chunks. */
    private long producerIndex;
    /** The chunk the producer index points into. */
    private Object[] producerChunk;

    final long getVolatileProducerIndex() {
        return (long) PRODUCER_INDEX.getVolatile(this);
    }

    final void setReleaseProducerIndex(long value) {
        PRODUCER_INDEX.setRelease(this, value);
    }

    final boolean compareAndSetProducerIndex(long expected, long value) {
        return PRODUCER_INDEX.compareAndSet(this, expected, value);
    }

    final Object[] getAcquireProducerChunk() {
        return (Object[]) PRODUCER_CHUNK.getAcquire(this);
    }

    final void setReleaseProducerChunk(Object[] value) {
        PRODUCER_CHUNK.setRelease(this, value);
    }
}

/** Padding between the producers' and the consumer's fields. */
@SuppressWarnings("unused")
abstract class UnboundedQueuePad1<E> extends UnboundedQueueProducerFields<E> {
    long p1_00, p1_01, p1_02, p1_03, p1_04, p1_05, p1_06, p1_07;
    long p1_08, p1_09, p1_10, p1_11, p1_12, p1_13, p1_14, p1_15;
}

/** The consumer's fields: its index, its chunk, and the one spare chunk it hands back. */
abstract class UnboundedQueueConsumerFields<E> extends UnboundedQueuePad1<E> {
    private static final VarHandle CONSUMER_INDEX;
    private static final VarHandle CONSUMER_CHUNK;
    private static final VarHandle SPARE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            CONSUMER_INDEX = lookup.findVarHandle(UnboundedQueueConsumerFields.class, "consumerIndex", long.class);
            CONSUMER_CHUNK = lookup.findVarHandle(UnboundedQueueConsumerFields.class, "consumerChunk", Object[].class);
            SPARE = lookup.findVarHandle(UnboundedQueueConsumerFields.class, "spare", Object[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Twice the next sequence to poll; written by the consumer only. */
    private long consumerIndex;
    /**
     * The consumer index at which the consumer last answered "empty", the sign bit set once it answered
     * "empty" there again (consumer-owned, plain): see ArrayQueueBase.emptyMark and MpscArrayQueue's
     * notes, "Reading the producer index".
     */
    private long consumerEmptyIndex;
    /** The chunk the consumer index points into; written by the consumer only. */
    private Object[] consumerChunk;
    /** At most one consumed, emptied chunk for the next switch to reuse. */
    private Object[] spare;

    final long getPlainConsumerIndex() {
        return consumerIndex;
    }

    final long getVolatileConsumerIndex() {
        return (long) CONSUMER_INDEX.getVolatile(this);
    }

    final void setReleaseConsumerIndex(long value) {
        CONSUMER_INDEX.setRelease(this, value);
    }

    final long getPlainConsumerEmptyIndex() {
        return consumerEmptyIndex;
    }

    final void setPlainConsumerEmptyIndex(long value) {
        consumerEmptyIndex = value;
    }

    final Object[] getPlainConsumerChunk() {
        return consumerChunk;
    }

    final Object[] getAcquireConsumerChunk() {
        return (Object[]) CONSUMER_CHUNK.getAcquire(this);
    }

    final void setReleaseConsumerChunk(Object[] value) {
        CONSUMER_CHUNK.setRelease(this, value);
    }

    final Object[] getAcquireSpare() {
        return (Object[]) SPARE.getAcquire(this);
    }

    final void setReleaseSpare(Object[] value) {
        SPARE.setRelease(this, value);
    }

    final Object[] getAndSetSpare(Object[] value) {
        return (Object[]) SPARE.getAndSet(this, value);
    }
}

/** Padding between the consumer's fields and the read-only ones. */
@SuppressWarnings("unused")
abstract class UnboundedQueuePad2<E> extends UnboundedQueueConsumerFields<E> {
    long p2_00, p2_01, p2_02, p2_03, p2_04, p2_05, p2_06, p2_07;
    long p2_08, p2_09, p2_10, p2_11, p2_12, p2_13, p2_14, p2_15;
}

/**
 * An unbounded queue for any number of producer threads and exactly one consumer thread, made of
 * linked array chunks: a mailbox that never rejects a message, and that allocates nothing per element
 * once warmed up.
 *
 * <pre>{@code
 * ConcurrentQueue<Runnable> tasks = new MpscUnboundedQueue<>(1024);   // 1024-slot chunks
 * tasks.offer(task);                       // any thread; never fails
 * tasks.drain(Runnable::run, 64);          // the one consumer thread
 * }</pre>
 *
 * <p><b>Threads.</b> Any thread may call {@code offer}, {@code add}, {@code relaxedOffer}, {@code fill};
 * at most one thread at a time {@code poll}, {@code remove()}, {@code peek}, {@code element},
 * {@code relaxedPoll}, {@code relaxedPeek}, {@code drain}, {@code clear}. {@link #size()},
 * {@link #isEmpty()}: any thread.
 *
 * <p><b>Algorithm.</b> JCTools' {@code MpscUnboundedArrayQueue} (N. Wakart, 2016), a linked list of
 * arrays: producers claim an index by compare-and-set on the producer index, which counts in steps of
 * two so that its lowest bit can mean "a chunk switch is in progress". The last slot of every chunk is
 * not an element: the producer that claims it takes the lock bit, links a new chunk (holding its own
 * element in slot 0), installs it as the producers' chunk, releases the index, and finally stores a
 * {@code JUMP} marker in that last slot, which sends the consumer to the next chunk. Slots are the
 * consumer's "full" flags (FastForward, Giacomoni et al. 2008), as in {@link MpscArrayQueue}, and as
 * there a strict poll or peek right after an element, by a caller seen spinning on "empty", waits briefly
 * on its empty slot before it reads the producer index (MpscArrayQueue's notes, "Reading the producer
 * index"; {@code -Dlockstep.slotSpins=0} turns the wait off). One
 * difference from JCTools: its producers also keep a cached limit ({@code consumerIndex + chunk}) and
 * wrap around inside the current chunk while the backlog is below one chunk, linking a new chunk (with
 * a {@code JUMP} at whatever slot the producer stood) only when that ring is full; this queue moves to
 * the next chunk every {@code chunkSize - 1} elements whatever the backlog, alternating between two
 * chunks through the spare below (twice the footprint while the backlog is small, no producer read of
 * the consumer index).
 *
 * <p><b>Recycling.</b> When the consumer leaves a chunk, it has emptied every slot of it, and no
 * producer can write into it any more (a producer writes only after a successful compare-and-set of an
 * index inside the producers' current chunk). The consumer then offers the chunk as the single
 * <i>spare</i>; the next chunk switch takes the spare instead of allocating. So while the consumer
 * keeps within about one chunk of the producers, the queue allocates nothing; a larger backlog
 * allocates one chunk per {@code chunkSize - 1} elements, and the chunks beyond the one spare are left
 * to the garbage collector once consumed.
 *
 * <p><b>Properties.</b> FIFO in claim order (per producer: in program order); unbounded
 * ({@link #capacity()} is {@link #UNBOUNDED}; {@code offer} always returns true). Producers are
 * lock-free except during a chunk switch (once per {@code chunkSize - 1} elements), when they wait
 * ({@link SpinPolicy}) for the switching producer for a few instructions. The strict
 * {@link #poll()}/{@link #peek()} wait for a producer that claimed the head slot but has not written
 * it; the relaxed ones and {@link #drain} return instead. Space: the live chunks
 * ({@code chunkSize + 1} references each), plus at most one spare, plus the queue object itself (about
 * 430 bytes, most of it padding). Chunk size
 * is rounded up to a power of two, at least 2; each chunk carries {@code chunkSize - 1} elements. Null
 * elements are rejected. Weakly consistent iterator (see {@link #iterator()}); no removal from the
 * middle. Publish the queue safely (a final or volatile field, a thread start, a concurrent
 * collection), as a {@code ConcurrentLinkedQueue}: its indices and chunks are not final fields.
 *
 * @param <E> the element type
 */
public final class MpscUnboundedQueue<E> extends UnboundedQueuePad2<E> implements ConcurrentQueue<E> {
    /*
     * Implementation notes.
     * - Index i (sequence s = i >>> 1) lives in chunk slot s & mask; slot mask is the JUMP slot, slot
     *   chunkSize holds the link to the next chunk. Indices advance by 2 per element, by 4 at a switch
     *   (the JUMP position and the switching producer's own element in slot 0 of the new chunk).
     * - Producers read the index (volatile) before the chunk (acquire). A switch stores the new chunk
     *   (release) before the index (release), so the chunk read is at least as new as the index; if it
     *   is newer, the index has moved and the compare-and-set fails. Hence a producer writes only into
     *   the chunk that its index belongs to.
     * - The consumer reads JUMP with acquire; the switcher stored the link and the new chunk's slot 0
     *   before JUMP (release).
     * - Recycled chunks: every slot is null when the consumer hands the chunk over (release store of
     *   spare; the switcher takes it with getAndSet, which acquires), so producers never see old data.
     * - JUMP positions below sequence x: floor(x / chunkSize); size() subtracts them.
     */
    private static final Object JUMP = new Object() {
        @Override
        public String toString() {
            return "JUMP";
        }
    };

    private final int chunkSize;
    private final int mask;

    /**
     * An empty queue.
     *
     * @param chunkSize slots per chunk, at least 1; rounded up to a power of two, at least 2
     * @throws IllegalArgumentException if {@code chunkSize <= 0} or {@code chunkSize > 2^30}
     */
    public MpscUnboundedQueue(int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunkSize must be > 0: " + chunkSize);
        }
        if (chunkSize > ArrayQueueBase.MAX_CAPACITY) {
            throw new IllegalArgumentException("chunkSize must be <= " + ArrayQueueBase.MAX_CAPACITY + ": " + chunkSize);
        }
        this.chunkSize = ArrayQueueBase.roundUpCapacity(chunkSize, 2);
        this.mask = this.chunkSize - 1;
        Object[] first = new Object[this.chunkSize + 1];
        // Release (plain would do): safe publication of the queue orders these stores (class notes).
        setReleaseProducerChunk(first);
        setReleaseConsumerChunk(first);
        setPlainConsumerEmptyIndex(NO_EMPTY_MARK); // plain: published with the queue, a hint only
    }

    /** Always {@link #UNBOUNDED}. */
    @Override
    public int capacity() {
        return UNBOUNDED;
    }

    /**
     * The chunk size in slots (after rounding); each chunk carries one element fewer.
     *
     * @return the number of slots per chunk, a power of two, at least 2
     */
    public int chunkSize() {
        return chunkSize;
    }

    /** Inserts {@code e}; always returns true. */
    @Override
    public boolean offer(E e) {
        checkElement(e);
        int step = 0;
        while (true) {
            final long p = getVolatileProducerIndex(); // volatile: fresh for the CAS; read before the chunk
            if ((p & 1) != 0) {
                step = SpinPolicy.idle(step); // another producer is switching chunks
                continue;
            }
            final Object[] chunk = getAcquireProducerChunk(); // acquire: see the notes
            final int offset = (int) (p >>> 1) & mask;
            if (offset == mask) {
                if (compareAndSetProducerIndex(p, p + 1)) { // volatile CAS: the switch lock is ours
                    switchChunk(chunk, p, e);
                    return true;
                }
            } else if (compareAndSetProducerIndex(p, p + 2)) { // volatile CAS: index p is ours
                ELEMENT.setRelease(chunk, offset, e); // release: element visible before the slot is full
                return true;
            }
        }
    }

    /** Called by the producer that holds the switch lock (odd index p + 1); stores e in the new chunk. */
    private void switchChunk(Object[] old, long p, Object e) {
        Object[] next = getAndSetSpare(null); // volatile RMW: acquires the consumer's null stores
        if (next == null) {
            next = new Object[chunkSize + 1];
        }
        ELEMENT.set(next, 0, e); // plain: published by the JUMP release below
        ELEMENT.set(old, chunkSize, next); // plain: the link, published by the JUMP release below
        setReleaseProducerChunk(next); // release: before the index that lets producers in
        setReleaseProducerIndex(p + 4); // release: producers reading it see the new chunk
        ELEMENT.setRelease(old, mask, JUMP); // release: link and slot 0 visible before the consumer sees JUMP
    }

    /** The same as {@link #offer}. */
    @Override
    public boolean relaxedOffer(E e) {
        return offer(e);
    }

    @Override
    public E poll() {
        return poll(false);
    }

    /** Like {@link #poll}, but returns null when the head slot is claimed and not yet written. */
    @Override
    public E relaxedPoll() {
        return poll(true);
    }

    @SuppressWarnings("unchecked")
    private E poll(boolean relaxed) {
        Object[] chunk = getPlainConsumerChunk(); // plain: consumer-owned
        long c = getPlainConsumerIndex();
        int offset = (int) (c >>> 1) & mask;
        Object e = head(chunk, offset, c, relaxed);
        if (e == null) {
            return null;
        }
        if (e == JUMP) {
            chunk = leave(chunk);
            c += 2;
            offset = 0;
            e = ELEMENT.getAcquire(chunk, 0); // never null: stored before JUMP
        }
        ELEMENT.set(chunk, offset, null); // plain: slots are not reused before the spare release
        setReleaseConsumerIndex(c + 2); // release: for size() only
        return (E) e; // never FILLER: this queue claims no slot before it has the element (see fill)
    }

    /**
     * The head slot's content, waiting for a claimed slot unless relaxed; null when empty. A strict call
     * (poll or peek) that has not yet answered "empty" at c first waits on the slot itself
     * (MpscArrayQueue's notes, "Reading the producer index").
     */
    private Object head(Object[] chunk, int offset, long c, boolean relaxed) {
        Object e = ELEMENT.getAcquire(chunk, offset); // acquire: pairs with the producer's release
        if (e == null) {
            if (relaxed) {
                return null;
            }
            final long mark = getPlainConsumerEmptyIndex(); // plain: consumer-owned
            if (waitsOnSlot(mark, c)) {
                // Not yet found empty at c, and the caller spins on "empty": wait on the slot a moment
                // before reading the producers' index line (MpscArrayQueue's notes, "Reading the producer index").
                e = spinOnSlot(chunk, offset);
                if (e != null) {
                    return e;
                }
            }
            // Volatile: if no producer has claimed c (or the JUMP at c), the queue is empty.
            if (c == getVolatileProducerIndex()) {
                setPlainConsumerEmptyIndex(emptyMark(mark, c)); // plain: consumer-owned
                return null;
            }
            int step = 0;
            while ((e = ELEMENT.getAcquire(chunk, offset)) == null) {
                step = SpinPolicy.idle(step);
            }
        }
        return e;
    }

    /** Moves the consumer past a JUMP to the next chunk and offers the emptied chunk as the spare. */
    private Object[] leave(Object[] chunk) {
        final Object[] next = (Object[]) ELEMENT.get(chunk, chunkSize); // plain: published by JUMP
        ELEMENT.set(chunk, mask, null);
        ELEMENT.set(chunk, chunkSize, null);
        setReleaseConsumerChunk(next); // release: for the iterator (the consumer reads it plain)
        // Only the consumer stores non-null into spare, so seeing it empty means we may fill it.
        if (getAcquireSpare() == null) {
            setReleaseSpare(chunk); // release: all of the chunk's null stores before it is reused
        }
        return next;
    }

    @Override
    public E peek() {
        return peek(false);
    }

    /** Like {@link #peek}, but returns null when the head slot is claimed and not yet written. */
    @Override
    public E relaxedPeek() {
        return peek(true);
    }

    @SuppressWarnings("unchecked")
    private E peek(boolean relaxed) {
        while (true) {
            Object[] chunk = getPlainConsumerChunk();
            long c = getPlainConsumerIndex();
            int offset = (int) (c >>> 1) & mask;
            Object e = head(chunk, offset, c, relaxed);
            if (e == null) {
                return null;
            }
            if (e != JUMP) {
                return (E) e; // never FILLER, as in poll
            }
            leave(chunk); // step over the JUMP (consumer-side state only) and look again
            setReleaseConsumerIndex(c + 2);
        }
    }

    /**
     * Removes up to {@code limit} elements, stopping at the first slot not yet written (like
     * {@link #relaxedPoll()}). Each element's slot is emptied and the consumer index published before
     * the element is passed to {@code consumer}, so the consumer may re-enter the queue (offer, or poll
     * and drain from this consumer thread) and nothing is held while it runs. If {@code consumer}
     * throws, the elements handed over so far (including the one it threw on) are removed and the rest
     * stay queued; the exception propagates.
     */
    @Override
    public int drain(Consumer<? super E> consumer, int limit) {
        checkLimit(consumer, limit);
        int delivered = 0;
        while (delivered < limit) {
            final E e = poll(true); // relaxed: stops at a claimed, unwritten head
            if (e == null) {
                break;
            }
            delivered++;
            consumer.accept(e);
        }
        return delivered;
    }

    /**
     * Inserts {@code limit} elements (the queue is never full) by calling {@code supplier} and then
     * {@link #offer}ing its element, one at a time: no index is claimed while user code runs, so no
     * consumer ever waits for the supplier, and the supplier may re-enter the queue. If
     * {@code supplier} throws or returns null, the elements supplied before stay inserted and the
     * exception propagates.
     */
    @Override
    public int fill(Supplier<? extends E> supplier, int limit) {
        checkLimit(supplier, limit);
        for (int done = 0; done < limit; done++) {
            offer(checkElement(supplier.get()));
        }
        return limit;
    }

    /**
     * The number of elements, within {@code [0, Integer.MAX_VALUE]}: reads the consumer index, the
     * producer index and the consumer index again until the two consumer reads agree, then subtracts
     * the JUMP positions between them. A snapshot under contention.
     */
    @Override
    public int size() {
        long after = getVolatileConsumerIndex(); // volatile: the reads stay in program order
        while (true) {
            long before = after;
            long p = getVolatileProducerIndex();
            after = getVolatileConsumerIndex();
            if (before == after) {
                long ps = p >>> 1;
                long cs = after >>> 1;
                long shift = Integer.numberOfTrailingZeros(chunkSize);
                long size = (ps - cs) - ((ps >>> shift) - (cs >>> shift));
                return size <= 0 ? 0 : (int) Math.min(size, Integer.MAX_VALUE);
            }
        }
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    /**
     * A weakly consistent iterator ({@code ConcurrentLinkedQueue}'s contract): it reads the consumer's
     * chunk and index once, then walks the slots from there up to the producer index read at its start,
     * following the JUMP links. It never returns an element twice in one traversal (each slot is read at
     * most once while an element lives in it: a chunk is recycled only after all its elements were
     * consumed), never one that was not inserted, never throws
     * {@link java.util.ConcurrentModificationException}; elements inserted after its start may or may not
     * be seen. {@link Iterator#remove()} is not supported (the single consumer takes slots with plain
     * reads, which a removal would race).
     */
    @Override
    public Iterator<E> iterator() {
        return new ChunkIterator();
    }

    /** False for null; otherwise a traversal with {@code equals}. */
    @Override
    public boolean contains(Object o) {
        return o != null && super.contains(o);
    }

    /**
     * Not supported: the single consumer takes slots with plain reads, which a removal from the middle
     * would race (see the README's queue properties).
     *
     * @throws UnsupportedOperationException always (false for null)
     */
    @Override
    public boolean remove(Object o) {
        if (o == null) {
            return false;
        }
        throw new UnsupportedOperationException("MpscUnboundedQueue cannot remove from the middle: use drain()");
    }

    private final class ChunkIterator implements Iterator<E> {
        private Object[] chunk;
        private long position;
        private final long end;
        private Object nextItem;

        ChunkIterator() {
            Object[] ch;
            long c;
            do {
                // Volatile reads: the index is read twice around the chunk; equal values mean the chunk
                // was read while the consumer was at that index (or stepping over the JUMP at it).
                c = getVolatileConsumerIndex();
                ch = getAcquireConsumerChunk(); // acquire: pairs with leave()'s release
            } while (getVolatileConsumerIndex() != c);
            long p = getVolatileProducerIndex(); // volatile: read after the consumer index
            end = p & ~1L; // an odd index is a switch in progress: its element is not there yet
            chunk = ch;
            position = c;
            if (((int) (c >>> 1) & mask) == mask && ELEMENT.getAcquire(ch, mask) != JUMP) {
                // The consumer was stepping over the JUMP at c and ch is already the next chunk.
                position = c + 2; // slot 0 of ch
            }
            advance();
        }

        private void advance() {
            while (position < end) {
                final int offset = (int) (position >>> 1) & mask;
                position += 2;
                if (offset == mask) {
                    // Acquire: JUMP is stored (release) after the link.
                    if (ELEMENT.getAcquire(chunk, mask) != JUMP) {
                        break; // the switch is not finished: nothing further is visible yet
                    }
                    final Object next = ELEMENT.getAcquire(chunk, chunkSize); // acquire: as above
                    if (next == null) {
                        break; // the consumer left this chunk meanwhile: stop (weakly consistent)
                    }
                    chunk = (Object[]) next;
                    // The element stored with the switch is in slot 0 of the new chunk, at position.
                    continue;
                }
                // Acquire: pairs with the producer's release store (element fields visible).
                final Object e = ELEMENT.getAcquire(chunk, offset);
                if (e != null && e != JUMP) {
                    nextItem = e;
                    return;
                }
            }
            nextItem = null;
        }

        @Override
        public boolean hasNext() {
            return nextItem != null;
        }

        @Override
        @SuppressWarnings("unchecked")
        public E next() {
            final Object e = nextItem;
            if (e == null) {
                throw new java.util.NoSuchElementException();
            }
            advance();
            return (E) e;
        }
    }
}
