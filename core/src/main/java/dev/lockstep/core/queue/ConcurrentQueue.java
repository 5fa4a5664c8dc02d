package dev.lockstep.core.queue;

import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A concurrent {@link Queue} with Lockstep's relaxed and batch operations, implemented by every queue
 * of this package.
 *
 * <ul>
 *   <li><b>Relaxed</b> operations may fail spuriously (return {@code false} or {@code null} although
 *       the queue is not full or not empty at that instant, typically while another thread is half-way
 *       through an operation), in exchange for fewer memory accesses. Callers retry.</li>
 *   <li><b>Batch</b> operations move up to {@code limit} elements with one index update.</li>
 * </ul>
 *
 * @param <E> the element type; {@code null} elements are rejected with {@link NullPointerException}
 */
public interface ConcurrentQueue<E> extends Queue<E> {
    /** Returned by {@link #capacity()} of an unbounded queue. */
    int UNBOUNDED = -1;

    /** The real capacity (after any documented rounding), or {@link #UNBOUNDED}. */
    int capacity();

    /** Like {@link #offer(Object)}, but may fail spuriously. */
    boolean relaxedOffer(E e);

    /** Like {@link #poll()}, but may return {@code null} spuriously. */
    E relaxedPoll();

    /** Like {@link #peek()}, but may return {@code null} spuriously. */
    E relaxedPeek();

    /**
     * Removes up to {@code limit} elements and hands each, in queue order, to {@code consumer}.
     *
     * @return the number of elements removed
     * @throws NullPointerException     if {@code consumer} is null
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    int drain(Consumer<? super E> consumer, int limit);

    /**
     * Inserts up to {@code limit} elements obtained from {@code supplier}, stopping early when the queue
     * is full; the supplier is called only for elements that will be inserted.
     *
     * @return the number of elements inserted
     * @throws NullPointerException     if {@code supplier} is null, or supplies null
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    int fill(Supplier<? extends E> supplier, int limit);
}
