package dev.lockstep.core.queue;

/**
 * A bounded {@link java.util.concurrent.BlockingQueue} for any number of producer threads and one consumer thread: a {@link MpscArrayQueue} with
 * blocking {@code put}/{@code take} and timed {@code offer}/{@code poll} (spin, then park until the
 * other side wakes the thread). Drop-in for {@link java.util.concurrent.ArrayBlockingQueue} where the
 * thread discipline holds.
 *
 * <pre>{@code
 * BlockingQueue<Event> events = new MpscBlockingQueue<>(1024);
 * // producer threads: events.put(e);
 * // consumer thread:  Event e = events.take();
 * }</pre>
 *
 * <p><b>Thread discipline</b>: any number of producer threads and one consumer thread. Every inserting method ({@code offer}, {@code put},
 * {@code add}, {@code fill}) counts as producing and every removing method ({@code poll}, {@code take},
 * {@code drainTo}, {@code clear}, {@code drain}) as consuming; breaking the discipline breaks the queue
 * (elements lost or duplicated), as with the wrapped {@link MpscArrayQueue}.
 *
 * <p>Algorithm and properties: those of {@link MpscArrayQueue} (FIFO, linearizable, capacity rounded
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
 * it throws {@link UnsupportedOperationException} ({@code remove(null)} returns {@code false}); the
 * ring's consumer empties slots with plain reads that a removal would race. {@code clear()} drains.
 * <b>Not a {@code ThreadPoolExecutor} work queue</b>, except for a pool of one worker thread shut down
 * with {@code shutdown()}: the pool's workers are consumers, and its {@code shutdownNow()},
 * {@code remove(Runnable)} and {@code purge()} consume from the calling thread. Space: the ring plus two padded waiter heads; {@code offer} and
 * {@code poll} allocate nothing, a thread that parks allocates one small node per park.
 *
 *
 * <p>{@code drainTo} removes each element before handing it to the target's {@code add} (a target
 * that polls this queue gets the next element, never the same one twice); if {@code add} throws, the
 * element is put back at the head (the next {@code poll} returns it) and the exception propagates. Its
 * slot may have been refilled meanwhile: the queue then holds {@code capacity() + 1} elements until the
 * consumer takes one ({@code remainingCapacity()} is 0).
 *
 * @param <E> the element type; null elements are rejected with {@link NullPointerException}
 */
public final class MpscBlockingQueue<E> extends BlockingQueueAdapter<E> {
    /**
     * An empty queue.
     *
     * @param capacity the least capacity; rounded up to a power of two (see {@link #capacity()})
     * @throws IllegalArgumentException if {@code capacity <= 0} or above 2^30
     */
    public MpscBlockingQueue(int capacity) {
        super(new MpscArrayQueue<>(capacity));
    }

    /**
     * The producers' side: offer claims the slot by a volatile CAS of producerIndex, and poll answers
     * empty only after a volatile read of producerIndex (a claimed, unwritten slot makes it wait), so no
     * fence. Not the consumer's: poll frees the slot by release stores and offer reads consumerIndex with
     * acquire, so the adapter runs the sleep handshake on the not-full side (the one consumer
     * acknowledges; it fences only while a producer asked to sleep).
     */
    @Override
    boolean isSeqCst(boolean offerSide) {
        return offerSide;
    }
}
