package dev.lockstep.core.queue;

import dev.lockstep.core.internal.WaitNode;

import java.util.concurrent.BlockingQueue;

/**
 * Test code, not part of the library: lets the jcstress tests of {@code dev.lockstep.jcstress.queue}
 * run one half of a blocking adapter's announce/re-check handshake ({@link
 * BlockingQueueAdapter#announceThenPoll}, {@link BlockingQueueAdapter#announceThenOffer}: the waiting
 * layer's own enqueue step, then the adapter's re-check after linking) without parking, and then ask
 * whether a signaller granted the linked node. It lives in the adapter's
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
    private final WaitNode node = WaitNode.unregistered(NEVER_STARTED);
    private final boolean[] acked = new boolean[1];

    /**
     * @param queue one of this package's blocking queues
     * @throws ClassCastException if it is another kind of queue
     */
    public HandshakeProbe(BlockingQueue<E> queue) {
        this.queue = (BlockingQueueAdapter<E>) queue;
    }

    /**
     * The consumer's link in the not-empty wait set, fence and re-check (C1, F, C2).
     *
     * @return the element the re-check took, or null
     */
    public E announceThenPoll() {
        return queue.announceThenPoll(node, acked);
    }

    /**
     * The producer's link in the not-full wait set, fence and re-check.
     *
     * @param e the element to offer
     * @return whether {@code e} was inserted
     */
    public boolean announceThenOffer(E e) {
        return queue.announceThenOffer(node, e, acked);
    }

    /**
     * Whether the last {@code announceThenPoll}/{@code Offer} found its sleep request acknowledged (or
     * its node granted): then the waiter would park until a grant, with no timed re-check. For the
     * sides without the handshake (a volatile read-modify-write carries the signaller's ordering)
     * always true.
     *
     * @return {@code true} if the waiter would park untimed
     */
    public boolean acknowledged() {
        return acked[0];
    }

    /**
     * Whether no signaller has granted the node linked by {@code announceThenPoll}/{@code Offer}.
     *
     * @param forElement which wait set the node was linked in (not-empty if true); the node tells
     * @return {@code true} if the node is still waiting (nobody would unpark its thread)
     */
    public boolean stillAnnounced(boolean forElement) {
        return !BlockingQueueAdapter.isGranted(node);
    }
}
