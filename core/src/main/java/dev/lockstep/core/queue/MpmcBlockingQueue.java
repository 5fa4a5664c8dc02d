package dev.lockstep.core.queue;

/**
 * A bounded {@link java.util.concurrent.BlockingQueue} for any number of producer and consumer threads: a {@link MpmcArrayQueue} with
 * blocking {@code put}/{@code take} and timed {@code offer}/{@code poll} (spin, then park until the
 * other side wakes the thread). Drop-in for {@link java.util.concurrent.ArrayBlockingQueue} where the
 * thread discipline holds.
 *
 * <pre>{@code
 * BlockingQueue<Event> events = new MpmcBlockingQueue<>(1024);
 * // any thread:       events.put(e);
 * // any thread:       Event e = events.take();
 * }</pre>
 *
 * <p><b>Thread discipline</b>: any number of producer and consumer threads. Every inserting method ({@code offer}, {@code put},
 * {@code add}, {@code fill}) counts as producing and every removing method ({@code poll}, {@code take},
 * {@code drainTo}, {@code clear}, {@code drain}) as consuming; breaking the discipline breaks the queue
 * (elements lost or duplicated), as with the wrapped {@link MpmcArrayQueue}.
 *
 * <p>Algorithm and properties: those of {@link MpmcArrayQueue} (FIFO, linearizable, capacity rounded
 * up to a power of two as documented there); waiting as described in the package's shared adapter:
 * the waiting layer ({@code dev.lockstep.core.internal.WaitQueue}: one spinner, then
 * {@link java.util.concurrent.locks.LockSupport#park}, wake-one-and-retry) with a Dekker-style
 * link/re-check handshake, so no wake-up is lost; interruptible; timed waits
 * never return early. {@code iterator()}, {@code contains}, {@code toArray}, {@code toString} and
 * {@code forEach} use the ring's weakly consistent traversal (never throws
 * {@code ConcurrentModificationException}, returns no element twice and none that was never inserted;
 * O(capacity), allocates the iterator). Removal from the middle is supported ({@code remove(Object)},
 * {@code iterator().remove()}, {@code removeIf}, {@code removeAll}, {@code retainAll}; O(capacity)
 * each) and wakes producers parked in {@code put}; a removed element's slot stays in the ring, skipped,
 * until consumers pass it ({@code size()} no longer counts it; {@code offer} discards such slots at the
 * head before it reports "full"). A drop-in {@code ThreadPoolExecutor} work queue: {@code execute},
 * {@code remove(Runnable)}, {@code purge()}, {@code shutdownNow()}. Space: the ring plus two padded waiter heads; {@code offer} and
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
public final class MpmcBlockingQueue<E> extends BlockingQueueAdapter<E> {
    /**
     * An empty queue.
     *
     * @param capacity the least capacity; rounded up to a power of two (see {@link #capacity()})
     * @throws IllegalArgumentException if {@code capacity <= 0} or above 2^30
     */
    public MpmcBlockingQueue(int capacity) {
        super(new MpmcArrayQueue<>(capacity), true); // true: any thread may sweep skipped slots
    }

    /**
     * Both sides: offer claims by a volatile CAS of producerIndex and poll answers empty only after a
     * volatile read of it; poll claims by a volatile CAS of consumerIndex and offer answers full only
     * after a volatile read of it. So no fence on either side.
     */
    @Override
    boolean isSeqCst(boolean offerSide) {
        return true;
    }
}
