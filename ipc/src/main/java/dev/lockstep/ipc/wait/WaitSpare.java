package dev.lockstep.ipc.wait;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

import org.agrona.concurrent.IdleStrategy;

/**
 * The reusable parts of the blocking calls that wait on one wait word of one handle (a synchronizer's
 * instance, one side of a shared priority queue): one spare {@link Wait} (the factory's idle strategy,
 * the {@link KernelIdle} around it in FUTEX mode, and the call's re-check) that a call which has to wait
 * borrows and gives back, so that waits allocate nothing while one thread of the process at a time waits
 * there; a thread that finds the spare lent out makes its own, which then may become the spare.
 *
 * <p>Issue 12, the quick report of 2026-12-03: a contended {@code IpcMutex} allocated 11 B per
 * acquisition (85 MB/s), a new Agrona {@code BackoffIdleStrategy} and a re-check lambda per waiting
 * call. The idle strategy's state is reset for each call ({@link IdleStrategy#reset()},
 * {@link KernelIdle#rearm}), so a reused one behaves as a fresh one.
 */
public final class WaitSpare {
    private static final VarHandle SPARE;

    static {
        try {
            SPARE = MethodHandles.lookup().findVarHandle(WaitSpare.class, "spare", Wait.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ByteBuffer buffer;
    private final int word;
    private final LongPredicate ready;
    /**
     * The spare, or null while lent out (or before the first wait). Taken by getAndSet, given back by
     * compareAndSet (volatile: a borrower sees every plain write the last borrower made to it).
     */
    @SuppressWarnings("unused")
    private Wait spare;

    /**
     * @param buffer the mapping holding the wait word
     * @param word   the wait word's absolute offset in {@code buffer}
     * @param ready  whether a call with the given argument could pass now: the re-check a kernel sleep
     *               makes after announcing its sleeper (reads only)
     */
    public WaitSpare(ByteBuffer buffer, int word, LongPredicate ready) {
        this.buffer = buffer;
        this.word = word;
        this.ready = ready;
    }

    /**
     * Begins a call's wait: borrows the spare, or makes a {@link Wait} with {@code factory}'s strategy.
     * Give it back with {@link #end} however the call ends.
     *
     * @param factory  the handle's idle strategy factory (called only when there is no spare)
     * @param explicit whether the factory was set explicitly: the call then polls with it, no kernel sleep
     * @param arg      the call's argument for the re-check (a semaphore's permits, a barrier's generation)
     * @param timed    whether {@code deadline} (a {@link System#nanoTime()} value) bounds the call
     * @param deadline the call's deadline if {@code timed}
     * @return the call's wait, its {@link Wait#idle() idle strategy} armed for this call
     */
    public Wait begin(Supplier<? extends IdleStrategy> factory, boolean explicit, long arg, boolean timed,
                      long deadline) {
        Wait w = (Wait) SPARE.getAndSet(this, null); // volatile: see spare
        if (w == null) {
            w = new Wait(factory.get());
        }
        w.arm(explicit, arg, timed, deadline);
        return w;
    }

    /**
     * Ends a call's wait: {@code w} becomes the spare unless another already is.
     *
     * @param w the wait {@link #begin} returned
     */
    public void end(Wait w) {
        SPARE.compareAndSet(this, null, w); // volatile: see spare
    }

    /** Drops the spare (the handle's factory changed: later waits use the new one's strategies). */
    public void clear() {
        SPARE.setVolatile(this, null);
    }

    /** One waiting call's reusable parts. Plain fields: one borrower at a time. */
    public final class Wait implements BooleanSupplier {
        private final IdleStrategy poll;
        private KernelIdle kernel;
        private long arg;
        private IdleStrategy current;

        private Wait(IdleStrategy poll) {
            this.poll = poll;
        }

        /**
         * The idle strategy of the current call.
         *
         * @return the strategy armed by {@link #begin}
         */
        public IdleStrategy idle() {
            return current;
        }

        /** The kernel sleep's re-check: the handle's predicate with this call's argument. */
        @Override
        public boolean getAsBoolean() {
            return ready.test(arg);
        }

        private void arm(boolean explicit, long arg, boolean timed, long deadline) {
            this.arg = arg;
            poll.reset();
            if (explicit) {
                current = poll; // an explicit strategy polls
            } else if (kernel != null) {
                current = kernel.rearm(timed, deadline);
            } else {
                current = KernelIdle.orPoll(buffer, word, this, timed, deadline, poll);
                if (current instanceof KernelIdle) {
                    kernel = (KernelIdle) current;
                }
            }
        }
    }
}
