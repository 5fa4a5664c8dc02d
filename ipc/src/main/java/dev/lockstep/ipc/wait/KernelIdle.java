package dev.lockstep.ipc.wait;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.WaitMode;

/**
 * The {@link WaitMode#FUTEX} idle strategy of one blocking call: a short spin, a few yields, then
 * sleeps in the kernel on the structure's {@link WaitWord} (announce, re-check, sleep), each sleep
 * bounded by {@link WaitMode#MAX_SLEEP_MILLIS} and the call's deadline. Drops in where the waiting
 * loops of the ipc structures call {@link IdleStrategy#idle()}: the loop re-checks its state, the
 * interrupt status, the deadline and peer liveness after every {@code idle()} as before.
 *
 * <pre>{@code
 * IdleStrategy idle = KernelIdle.orPoll(buf, WORD, this::couldPass, deadline, pollFactory.get());
 * while (!tryPass()) { idle.idle(); if (Waits.shouldGiveUp(mode, deadline)) return false; }
 * }</pre>
 *
 * <p>A virtual thread, or a thread whose kernel sleep failed, idles with the polling strategy
 * instead (a futex downcall would pin the virtual thread's carrier). The spin is adaptive ({@link
 * SpinBudget}): it starts as that of {@link dev.lockstep.ipc.shm.Idle#backoff()} (100 spins, then 20
 * yields) and follows what the calling thread's earlier waits needed, between {@value
 * SpinBudget#MIN_SPINS} and {@value SpinBudget#MAX_SPINS} spins: a waiter whose peer answers within a
 * spin keeps spinning long enough for it (no system call on either side), one whose peer is idle
 * halves its spin after each kernel sleep, down to the polling spin.
 *
 * <p>Naps: a structure whose wakers signal the word only after a handshake (the one-to-one channel:
 * its peer must first acknowledge a sleep request, {@code OneToOneReceiver}) passes a {@link Recheck}
 * that answers {@link #NAP} while the request is unacknowledged: nobody has promised to wake us, yet
 * the peer's acknowledging call does signal the word we announced on. Such a wait first polls as
 * before for {@value #POLLS_BEFORE_NAP} steps (a live peer acknowledges within them: no added latency),
 * then sleeps on the word for {@value #NAP_MIN_NANOS} ns, doubling up to the sleep bound, as core's
 * blocking queues do in their unacknowledged phase ({@code lockstep.queue.recheckMinNanos/MaxNanos}).
 * A wake-up the naps could miss (a peer's call that read the request word before the request was
 * stored, and stored its state after our re-check) is seen at the end of the current nap: at most
 * about twice as late as the state change. Before, such a wait polled with {@code poll} for as long as
 * the peer did not acknowledge: ~1,000 parks a second, 4-10% of a core against a registered peer that
 * never calls ({@code ChannelIdleCpuTest}).
 *
 * <p>Implementation notes: one instance per blocking call and thread (not thread-safe), or one per
 * endpoint or handle used by one thread at a time, re-armed for each call ({@link #rearm}: a channel
 * sender's waiting sends, and through {@link WaitSpare} the synchronizers' and the priority queue's
 * waits, allocate nothing); the
 * {@code ready} predicate (or {@link Recheck}) only reads (it must not consume the state: the loop
 * does that; it may place a sleep request) and must read in a way the fence of
 * {@link WaitWord#announce} orders (any access mode).
 */
public final class KernelIdle implements IdleStrategy {
    static final int YIELDS = 20;
    private static final long MAX_SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(WaitMode.MAX_SLEEP_MILLIS);
    /** {@link Recheck}: the call could pass now; poll once (a lost race), do not sleep. */
    public static final int READY = 0;
    /** {@link Recheck}: not ready, and a waker will signal the word: sleep up to the bound. */
    public static final int SLEEP = 1;
    /** {@link Recheck}: not ready, but no waker has promised a signal yet: poll briefly, then nap. */
    public static final int NAP = 2;
    /** Polling steps of a wait that naps before its first nap: the spin and yields of {@code Idle.backoff()}. */
    static final int POLLS_BEFORE_NAP = 120;
    /** The first nap; each next one doubles, up to the sleep bound. */
    static final long NAP_MIN_NANOS = 100_000L;

    /**
     * The re-check of a waiter after it announced itself on the word: {@link #READY}, {@link #SLEEP}
     * or {@link #NAP}.
     */
    @FunctionalInterface
    public interface Recheck {
        /** @return {@link #READY}, {@link #SLEEP} or {@link #NAP} */
        int recheck();
    }

    private final KernelSleep kernel;
    private final ByteBuffer buffer;
    private final int word;
    private final BooleanSupplier ready;
    private final Recheck recheck;
    /** Whether {@link #deadline} bounds the call; re-set by {@link #rearm} (plain: one thread at a time). */
    private boolean timed;
    private long deadline;
    private final IdleStrategy poll;
    private final long maxSleepNanos;
    /** The calling thread's budget; re-read by {@link #rearm} (the next call may run on another thread). */
    private SpinBudget budget;
    private int spins;
    private int steps;
    private boolean polling;
    /** Sleep-phase steps answered {@link #NAP} so far in this call, up to {@link #POLLS_BEFORE_NAP}. */
    private int napPolls;
    /** The next nap's length. */
    private long nap = NAP_MIN_NANOS;

    private KernelIdle(KernelSleep kernel, ByteBuffer buffer, int word, BooleanSupplier ready, Recheck recheck,
                       boolean timed, long deadline, IdleStrategy poll, long maxSleepNanos) {
        this.maxSleepNanos = maxSleepNanos;
        this.kernel = kernel;
        this.buffer = buffer;
        this.word = word;
        this.ready = ready;
        this.recheck = recheck;
        this.timed = timed;
        this.deadline = deadline;
        this.poll = poll;
        this.budget = SpinBudget.mine();
        budget.begin();
        this.spins = budget.spins();
    }

    /**
     * The idle strategy for one blocking call: kernel sleeps on {@code word} if this process has them,
     * else {@code poll} itself.
     *
     * @param ready    whether the call could pass now (read only)
     * @param timed    whether {@code deadline} (a {@link System#nanoTime()} value) bounds the call
     * @param poll     the polling strategy (this process's mode is {@link WaitMode#POLL}, or a virtual thread)
     */
    public static IdleStrategy orPoll(ByteBuffer buffer, int word, BooleanSupplier ready, boolean timed,
                                      long deadline, IdleStrategy poll) {
        return orPoll(buffer, word, ready, timed, deadline, poll, MAX_SLEEP_NANOS);
    }

    /**
     * As {@link #orPoll(ByteBuffer, int, BooleanSupplier, boolean, long, IdleStrategy)}, each kernel
     * sleep bounded by {@code maxSleepNanos} (at most {@link WaitMode#MAX_SLEEP_MILLIS}): for a loop
     * that must re-check something (a peer's liveness) more often than that.
     *
     * @param buffer        the mapping holding the {@link WaitWord}
     * @param word          the word's absolute offset in {@code buffer}
     * @param ready         whether the call could pass now (read only)
     * @param timed         whether {@code deadline} (a {@link System#nanoTime()} value) bounds the call
     * @param deadline      the call's deadline if {@code timed}
     * @param poll          the polling strategy (this process's mode is {@link WaitMode#POLL}, or a virtual thread)
     * @param maxSleepNanos the longest single kernel sleep, &gt; 0 (capped at {@link WaitMode#MAX_SLEEP_MILLIS})
     * @return the idle strategy of the call
     */
    public static IdleStrategy orPoll(ByteBuffer buffer, int word, BooleanSupplier ready, boolean timed,
                                      long deadline, IdleStrategy poll, long maxSleepNanos) {
        KernelSleep k = Waiting.kernel();
        return k == null ? poll : new KernelIdle(k, buffer, word, ready, null, timed, deadline, poll,
                Math.max(1, Math.min(maxSleepNanos, MAX_SLEEP_NANOS)));
    }

    /**
     * As {@link #orPoll(ByteBuffer, int, BooleanSupplier, boolean, long, IdleStrategy)} with a
     * three-way re-check, for a structure whose wakers signal only after a handshake: {@link #NAP}
     * while the peer has not acknowledged (see the class comment).
     *
     * @param buffer   the mapping holding the {@link WaitWord}
     * @param word     the word's absolute offset in {@code buffer}
     * @param recheck  whether the call could pass now, may sleep, or may only nap
     * @param timed    whether {@code deadline} (a {@link System#nanoTime()} value) bounds the call
     * @param deadline the call's deadline if {@code timed}
     * @param poll     the polling strategy (this process's mode is {@link WaitMode#POLL}, or a virtual thread)
     * @return the idle strategy of the call
     */
    public static IdleStrategy orPoll(ByteBuffer buffer, int word, Recheck recheck, boolean timed,
                                      long deadline, IdleStrategy poll) {
        KernelSleep k = Waiting.kernel();
        return k == null ? poll : new KernelIdle(k, buffer, word, null, recheck, timed, deadline, poll, MAX_SLEEP_NANOS);
    }

    /**
     * Makes this strategy the one of a new blocking call ({@code timed}, {@code deadline}) of the
     * calling thread, as a fresh {@link #orPoll} result would be, so that an endpoint reuses one
     * instance for all its waits (a waiting send or receive then allocates nothing). For an owner used
     * by one thread at a time (the instance's fields are plain).
     *
     * @param timed    whether {@code deadline} (a {@link System#nanoTime()} value) bounds the call
     * @param deadline the call's deadline if {@code timed}
     * @return this strategy
     */
    public KernelIdle rearm(boolean timed, long deadline) {
        this.timed = timed;
        this.deadline = deadline;
        this.polling = false; // a kernel refusal is forgotten with the call, as with a fresh instance
        this.budget = SpinBudget.mine(); // the calling thread's (begins its wait in reset())
        reset();
        return this;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            reset();
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        if (steps < spins + YIELDS) {
            budget.step();
            if (steps++ < spins) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            return;
        }
        if (polling || !kernel.canSleep()) {
            poll.idle();
            return;
        }
        int seen = WaitWord.announce(buffer, word);
        int state = recheck != null ? recheck.recheck() : ready.getAsBoolean() ? READY : SLEEP;
        if (state == READY) {
            // Ready, yet the loop did not pass (a lost race, or a state the loop resolves by itself,
            // e.g. a take-over): one polling step, so that repeated misses back off instead of spinning.
            poll.idle();
            return;
        }
        long nanos = maxSleepNanos;
        if (state == NAP) {
            if (napPolls < POLLS_BEFORE_NAP) {
                napPolls++;
                poll.idle(); // a live peer acknowledges within these: polled as before, no added latency
                return;
            }
            // Nobody promised a wake-up, but the peer's acknowledging call signals the word we
            // announced on: a bounded sleep, doubling, instead of ~1,000 polls a second.
            nanos = Math.min(nanos, nap);
            nap = Math.min(nap << 1, maxSleepNanos);
        }
        if (timed) {
            nanos = Math.min(nanos, deadline - System.nanoTime());
            if (nanos <= 0) {
                return;
            }
        }
        if (Thread.currentThread().isInterrupted()) {
            return; // the loop answers it now, not after a sleep
        }
        budget.slept();
        if (!kernel.sleep(buffer, word, seen, nanos)) {
            polling = true; // the kernel refused: poll for the rest of this call
        }
    }

    @Override
    public void reset() {
        budget.begin(); // ends the wait that just passed (learning from it) and starts the next
        spins = budget.spins();
        steps = 0;
        napPolls = 0;
        nap = NAP_MIN_NANOS;
        poll.reset();
    }

    @Override
    public String alias() {
        return "futex";
    }
}
