package dev.lockstep.core.queue;

/**
 * A bounded {@link java.util.concurrent.BlockingQueue} for one producer thread and any number of consumer threads: a {@link SpmcArrayQueue} with
 * blocking {@code put}/{@code take} and timed {@code offer}/{@code poll} (spin, then park until the
 * other side wakes the thread). Drop-in for {@link java.util.concurrent.ArrayBlockingQueue} where the
 * thread discipline holds.
 *
 * <pre>{@code
 * BlockingQueue<Event> events = new SpmcBlockingQueue<>(1024);
 * // producer thread:  events.put(e);
 * // consumer threads: Event e = events.take();
 * }</pre>
 *
 * <p><b>Thread discipline</b>: one producer thread and any number of consumer threads. Every inserting method ({@code offer}, {@code put},
 * {@code add}, {@code fill}) counts as producing and every removing method ({@code poll}, {@code take},
 * {@code drainTo}, {@code clear}, {@code drain}) as consuming; breaking the discipline breaks the queue
 * (elements lost or duplicated), as with the wrapped {@link SpmcArrayQueue}.
 *
 * <p>Algorithm and properties: those of {@link SpmcArrayQueue} (FIFO, linearizable, capacity rounded
 * up to a power of two as documented there); waiting as described in the package's shared adapter:
 * the waiting layer ({@code dev.lockstep.core.internal.WaitQueue}: one spinner, then
 * {@link java.util.concurrent.locks.LockSupport#park}, wake-one-and-retry) with a link/re-check
 * handshake (Dekker's on the side whose ring operation is a CAS; on the single-thread side, the
 * adapter's sleep-request/acknowledge handshake, which costs that side no fence while nobody waits),
 * so no wake-up is lost; interruptible; timed waits
 * never return early. {@code iterator()}, {@code contains}, {@code toArray}, {@code toString} and
 * {@code forEach} use the ring's weakly consistent traversal (never throws
 * {@code ConcurrentModificationException}, returns no element twice and none that was never inserted;
 * O(capacity), allocates the iterator). Removal from the middle ({@code remove(Object)},
 * {@code iterator().remove()}, {@code removeIf}, {@code removeAll}, {@code retainAll}) is not supported:
 * it throws {@link UnsupportedOperationException} ({@code remove(null)} returns {@code false}).
 * {@code clear()} drains. As a {@code ThreadPoolExecutor} work queue (any number of workers, tasks
 * submitted by one thread) {@code execute} and {@code shutdownNow()} work, but
 * {@code ThreadPoolExecutor.remove(Runnable)} and {@code purge()} throw
 * {@link UnsupportedOperationException}, and so would an {@code execute} that races a shutdown (it
 * removes its task): use {@link MpmcBlockingQueue} there. Space: the ring plus two padded waiter heads; {@code offer} and
 * {@code poll} allocate nothing, a thread that parks allocates one small node per park.
 *
 *
 * <p>{@code drainTo} claims each element before handing it to the target's {@code add} (another
 * consumer, or a target that polls this queue, gets the next element, never the same one twice); if
 * {@code add} throws, the element is put back at the head (the next {@code poll} of any consumer returns
 * it) and the exception propagates. While {@code add} ran, other consumers may have taken later
 * elements and producers refilled its slot: the queue then holds {@code capacity() + 1} elements (one
 * more per {@code drainTo} failing at the same time) until a consumer takes one
 * ({@code remainingCapacity()} is 0).
 *
 * @param <E> the element type; null elements are rejected with {@link NullPointerException}
 */
public final class SpmcBlockingQueue<E> extends BlockingQueueAdapter<E> {
    /**
     * An empty queue.
     *
     * @param capacity the least capacity; rounded up to a power of two (see {@link #capacity()})
     * @throws IllegalArgumentException if {@code capacity <= 0} or above 2^30
     */
    public SpmcBlockingQueue(int capacity) {
        super(new SpmcArrayQueue<>(capacity));
    }

    /**
     * The consumers' side: poll claims the slot by a volatile CAS of consumerIndex, and offer answers
     * full only after a volatile read of consumerIndex (a claimed, unread slot makes it wait), so no
     * fence. Not the producer's: offer publishes by a release store of producerIndex, so the adapter runs
     * the sleep handshake on the not-empty side (the one producer acknowledges; it fences only while a
     * consumer asked to sleep).
     */
    @Override
    boolean isSeqCst(boolean offerSide) {
        return !offerSide;
    }
}
