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
 *   <li><b>Batch</b> operations move up to {@code limit} elements (with as few index updates as the
 *       algorithm allows).</li>
 * </ul>
 *
 * <p><b>User code.</b> No operation of the ring queues waits for user code: {@code drain} frees each
 * element's slot before its handler runs, and {@code fill} never lets a consumer wait for its supplier
 * (a consumer that reaches a slot whose supplier is still running answers "empty"; the elements behind
 * it wait behind it, FIFO in claim order). Handlers and suppliers may throw (the exception propagates,
 * nothing is lost or duplicated) and may re-enter the queue from their thread, within the kind's
 * producer/consumer thread rules.
 *
 * <p><b>Collection methods.</b> {@code iterator()} is weakly consistent (the
 * {@link java.util.concurrent.ArrayBlockingQueue} contract: never throws
 * {@link java.util.ConcurrentModificationException}, never returns an element twice in one traversal
 * nor one never inserted); {@code contains} ({@code contains(null)} is false), {@code toArray},
 * {@code toString} are built on it. {@code remove(Object)} is supported where the kind says so
 * ({@link MpmcArrayQueue}); elsewhere it throws {@link UnsupportedOperationException}.
 *
 * @param <E> the element type; {@code null} elements are rejected with {@link NullPointerException}
 */
public interface ConcurrentQueue<E> extends Queue<E> {
    /** Returned by {@link #capacity()} of an unbounded queue. */
    int UNBOUNDED = -1;

    /**
     * The real capacity (after any documented rounding), or {@link #UNBOUNDED}.
     *
     * @return the maximum number of elements this queue holds, or {@link #UNBOUNDED}
     */
    int capacity();

    /**
     * Like {@link #offer(Object)}, but may fail spuriously (for example while a concurrent consumer is
     * still freeing the slot it needs).
     *
     * @param e the element to insert
     * @return {@code true} if the element was inserted, {@code false} if the queue was (or seemed) full
     * @throws NullPointerException if {@code e} is null
     */
    boolean relaxedOffer(E e);

    /**
     * Like {@link #poll()}, but may return {@code null} spuriously (for example while a concurrent
     * producer has claimed the head slot but not yet published its element).
     *
     * @return the removed head element, or {@code null} if the queue was (or seemed) empty
     */
    E relaxedPoll();

    /**
     * Like {@link #peek()}, but may return {@code null} spuriously.
     *
     * @return the head element, without removing it, or {@code null} if the queue was (or seemed) empty
     */
    E relaxedPeek();

    /**
     * Removes up to {@code limit} elements and hands each, in queue order, to {@code consumer}. Each
     * element is removed before it is handed over; if {@code consumer} throws, the elements not yet
     * handed over stay queued and the exception propagates.
     *
     * @param consumer receives each removed element, in queue order
     * @param limit    the maximum number of elements to remove, at least 0
     * @return the number of elements removed
     * @throws NullPointerException     if {@code consumer} is null
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    int drain(Consumer<? super E> consumer, int limit);

    /**
     * Inserts up to {@code limit} elements obtained from {@code supplier}, stopping early when the queue
     * is full; the supplier is called only for elements that will be inserted. If {@code supplier}
     * throws (or returns null), the elements supplied before stay inserted and the exception propagates.
     *
     * @param supplier called once per element to insert
     * @param limit    the maximum number of elements to insert, at least 0
     * @return the number of elements inserted
     * @throws NullPointerException     if {@code supplier} is null, or supplies null
     * @throws IllegalArgumentException if {@code limit} is negative
     */
    int fill(Supplier<? extends E> supplier, int limit);
}
