package dev.lockstep.ipc.wait;

import java.nio.ByteBuffer;
import java.util.Objects;

import org.agrona.concurrent.IdleStrategy;

/**
 * The idle strategy of one endpoint's blocking calls (a channel's sender or receiver), used by one
 * thread at a time: in {@link dev.lockstep.ipc.shm.WaitMode#FUTEX} mode the {@link KernelIdle} on the
 * endpoint's wait word, made at the first call that waits and {@linkplain KernelIdle#rearm re-armed}
 * for each next one, else the endpoint's polling strategy, reset. So a waiting call allocates nothing
 * after the endpoint's first kernel wait (issue 12: a waiting send made one {@code KernelIdle} per call,
 * 0.21 B/op of the blocking fan-out bench; a waiting receive did the same).
 *
 * <pre>{@code
 * private final EndpointIdle waits = new EndpointIdle(buffer, WORD, this::sleepCheck, idle);
 * IdleStrategy idle = waits.forCall(kernelWait, timed, deadline);
 * while (!tryPass()) { idle.idle(); ... }
 * }</pre>
 *
 * <p>Not thread-safe (plain fields), as the endpoints it serves. The kept {@code KernelIdle} re-reads
 * the calling thread's spin budget when re-armed, so the next call may run on another thread; a
 * virtual thread polls inside it (see {@link KernelIdle}).
 */
public final class EndpointIdle {
    private final ByteBuffer buffer;
    private final int word;
    private final KernelIdle.Recheck recheck;
    private final IdleStrategy poll;
    /** The futex strategy, once made (plain: one thread at a time); null before the first kernel wait. */
    private KernelIdle kept;

    /**
     * @param buffer  the mapped structure holding the wait word
     * @param word    the absolute offset of the endpoint's wait word
     * @param recheck the re-check after announcing a sleeper (made once by the endpoint: no allocation per call)
     * @param poll    the endpoint's polling strategy
     */
    public EndpointIdle(ByteBuffer buffer, int word, KernelIdle.Recheck recheck, IdleStrategy poll) {
        this.buffer = Objects.requireNonNull(buffer, "buffer");
        this.word = word;
        this.recheck = Objects.requireNonNull(recheck, "recheck");
        this.poll = Objects.requireNonNull(poll, "poll");
    }

    /**
     * The strategy for one blocking call, ready to use.
     *
     * @param kernelWait whether the endpoint sleeps in the kernel (FUTEX mode, no explicit idle strategy)
     * @param timed      whether {@code deadline} (a {@link System#nanoTime()} value) bounds the call
     * @param deadline   the call's deadline if {@code timed}
     * @return the kept futex strategy re-armed, a new one (first kernel wait), or the polling strategy reset
     */
    public IdleStrategy forCall(boolean kernelWait, boolean timed, long deadline) {
        KernelIdle k = kept;
        if (k != null && kernelWait) {
            return k.rearm(timed, deadline); // resets the polling strategy too
        }
        poll.reset();
        if (!kernelWait) {
            return poll;
        }
        IdleStrategy made = KernelIdle.orPoll(buffer, word, recheck, timed, deadline, poll);
        if (made instanceof KernelIdle fresh) {
            kept = fresh; // kept: the process's kernel sleep does not change
        }
        return made;
    }
}
