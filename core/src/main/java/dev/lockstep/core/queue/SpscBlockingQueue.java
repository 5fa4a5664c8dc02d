package dev.lockstep.core.queue;

/**
 * A bounded {@link java.util.concurrent.BlockingQueue} for one producer thread and one consumer thread: a {@link SpscArrayQueue} with
 * blocking {@code put}/{@code take} and timed {@code offer}/{@code poll} (spin, as a spin loop over the
 * ring would, then park until the other side wakes the thread). Drop-in for {@link java.util.concurrent.ArrayBlockingQueue} where the
 * thread discipline holds.
 *
 * <pre>{@code
 * BlockingQueue<Event> events = new SpscBlockingQueue<>(1024);
 * // producer thread:  events.put(e);
 * // consumer thread:  Event e = events.take();
 * }</pre>
 *
 * <p><b>Thread discipline</b>: one producer thread and one consumer thread. Every inserting method ({@code offer}, {@code put},
 * {@code add}, {@code fill}) counts as producing and every removing method ({@code poll}, {@code take},
 * {@code drainTo}, {@code clear}, {@code drain}) as consuming; breaking the discipline breaks the queue
 * (elements lost or duplicated), as with the wrapped {@link SpscArrayQueue}.
 *
 * <p>Algorithm and properties: those of {@link SpscArrayQueue} (FIFO, linearizable, capacity rounded
 * up to a power of two as documented there); waiting as described in the package's shared adapter:
 * a spin of retries before any set-up for the wait (no clock read, no shared write), then, unless the
 * side backs off after hot spins that found nothing (two in a row: 1 ms, doubling up to 64 ms), up to
 * 50 µs more of them (the hot spin: a thread woken from a park takes tens of µs to run again, so a hot
 * pair whose other side pauses briefly does not fall into park and wake-up; up to 250 µs, yielding,
 * while the other side's thread this one woke has not run yet), then the waiting layer ({@code dev.lockstep.core.internal.WaitQueue}: one spinner, then
 * {@link java.util.concurrent.locks.LockSupport#park}, wake-one-and-retry) with a
 * sleep-request/acknowledge handshake: while neither side waits, {@code offer} and {@code poll} pay the
 * ring plus one plain-cost load (no fence); a thread about to park raises a request, which the other
 * side acknowledges (then fences) at its next operation, and until then the waiter parks for bounded
 * times (100 µs doubling to 100 ms) and re-checks, so no wake-up is lost and a wake-up whose element
 * missed the request is late by at most one such period; interruptible; timed waits
 * never return early. {@code iterator()}, {@code contains}, {@code toArray}, {@code toString} and
 * {@code forEach} use the ring's weakly consistent traversal (never throws
 * {@code ConcurrentModificationException}, returns no element twice and none that was never inserted;
 * O(capacity), allocates the iterator). Removal from the middle ({@code remove(Object)},
 * {@code iterator().remove()}, {@code removeIf}, {@code removeAll}, {@code retainAll}) is not supported:
 * it throws {@link UnsupportedOperationException} ({@code remove(null)} returns {@code false}); the
 * ring's consumer empties slots with plain reads that a removal would race. {@code clear()} drains.
 * <b>Not a {@code ThreadPoolExecutor} work queue</b>, except for a pool of one worker thread fed by one
 * thread, shut down with {@code shutdown()}: the pool's workers are consumers, and its
 * {@code shutdownNow()}, {@code remove(Runnable)} and {@code purge()} consume from the calling thread.
 * Space: the ring plus two padded waiter heads; {@code offer} and
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
public final class SpscBlockingQueue<E> extends BlockingQueueAdapter<E> {
    /** The wrapped ring (the adapter's {@code queue}), in a field of its exact type: see {@link #ringOffer}. */
    private final SpscArrayQueue<E> ring;

    /**
     * An empty queue.
     *
     * @param capacity the least capacity; rounded up to a power of two (see {@link #capacity()})
     * @throws IllegalArgumentException if {@code capacity <= 0} or above 2^30
     */
    public SpscBlockingQueue(int capacity) {
        this(new SpscArrayQueue<>(capacity));
    }

    private SpscBlockingQueue(SpscArrayQueue<E> ring) {
        super(ring);
        this.ring = ring;
    }

    /**
     * Neither side: offer publishes by release stores only, and poll frees the slot by release stores
     * only. So both sides run the adapter's sleep handshake: no fence while neither side asked to sleep
     * (BlockingQueueAdapter's notes, "The sleep handshake").
     */
    @Override
    boolean isSeqCst(boolean offerSide) {
        return false;
    }

    /** Through the ring's exact (final) class: bound without a type guard (see the adapter's {@code ringOffer}). */
    @Override
    boolean ringOffer(E e) {
        return ring.offer(e);
    }

    /** As {@link #ringOffer}. */
    @Override
    E ringPoll() {
        return ring.poll();
    }
}
