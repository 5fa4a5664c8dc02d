package dev.lockstep.core.queue;

import java.util.concurrent.BlockingQueue;

/**
 * Test code, not part of the library: lets the jcstress tests of {@code dev.lockstep.jcstress.queue}
 * run one half of a blocking adapter's announce/re-check handshake ({@link
 * BlockingQueueAdapter#announceThenPoll}, {@link BlockingQueueAdapter#announceThenOffer}) without
 * parking, and then ask whether a signaller detached the announced node. It lives in the adapter's
 * package (in the jcstress-tests module, on the class path) because those steps are package-private:
 * the library's API stays as it is.
 *
 * <p>The announced node names a thread that is never started, so a signaller's {@code unpark} of it
 * has no effect (LockSupport: "not guaranteed to have any effect at all if the given thread has not
 * been started") and leaves no stray permit on a jcstress worker thread.
 *
 * @param <E> the element type
 */
public final class HandshakeProbe<E> {
    private static final Thread NEVER_STARTED = new Thread(() -> { });

    private final BlockingQueueAdapter<E> queue;
    private final BlockingQueueAdapter.Waiter waiter = new BlockingQueueAdapter.Waiter(NEVER_STARTED);

    /**
     * @param queue one of this package's blocking queues
     * @throws ClassCastException if it is another kind of queue
     */
    public HandshakeProbe(BlockingQueue<E> queue) {
        this.queue = (BlockingQueueAdapter<E>) queue;
    }

    /** The consumer's announce, fence and re-check (C1, F, C2); the element the re-check took, or null. */
    public E announceThenPoll() {
        return queue.announceThenPoll(waiter);
    }

    /** The producer's announce, fence and re-check; whether {@code e} was inserted. */
    public boolean announceThenOffer(E e) {
        return queue.announceThenOffer(waiter, e);
    }

    /** Whether no signaller has detached the node announced by {@code announceThenPoll}/{@code Offer}. */
    public boolean stillAnnounced(boolean forElement) {
        return queue.isAnnounced(waiter, forElement);
    }
}
