package dev.lockstep.ipc.sync;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.wait.KernelIdle;
import dev.lockstep.ipc.wait.Waiting;

/**
 * What every synchronizer of this package shares: its mapped file, the folder's
 * {@link Participants} registry (owner tokens and their liveness verdict, across PID namespaces), the
 * idle strategy factory its waits use, and closing. A call that does not wait allocates nothing; a
 * call that waits borrows the instance's spare {@link Wait} (its idle strategy and its re-check) and
 * gives it back, so that waits allocate nothing either while one thread of the process at a time
 * waits on the instance (a second thread waiting at the same time makes its own, once).
 */
abstract class IpcSyncBase implements AutoCloseable {
    private static final VarHandle SPARE;

    static {
        try {
            SPARE = MethodHandles.lookup().findVarHandle(IpcSyncBase.class, "spare", Wait.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Where the structure area starts in the mapping. */
    static final int BASE = SharedFile.STRUCTURE_OFFSET;

    final SharedFile file;
    /** The registry of the file's folder: owner tokens and the liveness verdict on them (null: no owners). */
    final Participants participants;
    /** This process's owner token in {@link #participants}. */
    final long me;
    /**
     * The idle strategy factory. Plain: set before the instance is shared between threads (see
     * {@link #setIdleStrategy}); publication of the instance publishes it.
     */
    private Supplier<? extends IdleStrategy> idleFactory = Idle::backoff;
    /** Whether {@link #setIdleStrategy} was called: this instance then polls with it. Plain, as idleFactory. */
    private boolean idleSet;
    /**
     * The spare {@link Wait}, or null while a thread borrows it (or before the first wait). Taken by
     * getAndSet and given back by compareAndSet (volatile: a borrower sees every plain write the last
     * one made to the Wait, release/acquire through this field).
     */
    @SuppressWarnings("unused")
    private Wait spare;

    /** Takes over {@code file}; a structure without owners (an event) does not register. */
    IpcSyncBase(SharedFile file, boolean hasOwners) throws IOException {
        this.file = file;
        if (!hasOwners) {
            this.participants = null;
            this.me = 0L;
            return;
        }
        Participants p;
        try {
            p = Participants.of(file.path());
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
        this.participants = p;
        this.me = p.token();
    }

    /**
     * Checks a size parameter read from {@code f}'s header against its range and the structure's
     * length (computed from the parameters) against the file's; closes {@code f} and throws if not.
     *
     * @throws IncompatibleFileException naming the parameter (a forged or corrupt header is refused
     *                                   at open, not by an IndexOutOfBoundsException later)
     */
    static void requireSizes(SharedFile f, String param, long value, long min, long max,
                             java.util.function.LongUnaryOperator structureLength) throws IncompatibleFileException {
        String problem = null;
        if (value < min || value > max) {
            problem = param + " is " + value + ", not in [" + min + ", " + max + "]";
        } else {
            long needed = SharedFile.STRUCTURE_OFFSET + structureLength.applyAsLong(value);
            if (needed > f.header().fileLength()) {
                problem = param + " " + value + " needs " + needed + " bytes, the file has " + f.header().fileLength();
            }
        }
        if (problem != null) {
            f.close();
            throw new IncompatibleFileException(f.path(), problem);
        }
    }

    /** Whether the owner {@code token} names is certainly dead ({@link Participants#isDead}). */
    final boolean isDead(long token) {
        return participants.isDead(token);
    }

    /** The pid {@code token} names in its own namespace, 0 if unknown (for messages). */
    final long pidOf(long token) {
        return participants.pidOf(token);
    }

    /** The mapping; throws {@link IllegalStateException} once closed. */
    final ByteBuffer buf() {
        return file.buffer();
    }

    /**
     * Whether a waiting call with argument {@code arg} could pass now: the re-check a kernel sleep
     * makes after announcing its sleeper ({@link KernelIdle}). Opaque reads only (WaitWord.announce's
     * full fence orders them after the announce); the caller's own attempt decides.
     *
     * @param arg the call's argument, as given to {@link #beginWait} (a semaphore's permits, a
     *            barrier's generation; unused by the others)
     */
    abstract boolean mayPass(long arg);

    /**
     * The reusable parts of one waiting call (issue 12, the quick report of 2026-12-03: a contended
     * {@code IpcMutex} allocated 11 B per acquisition, an Agrona {@code BackoffIdleStrategy}, a lambda
     * and, with kernel sleeps, a {@link KernelIdle} per wait): the factory's idle strategy, the kernel
     * sleep around it (FUTEX mode; null otherwise), and the re-check ({@link #mayPass}) with the call's
     * argument. Plain fields: one borrower at a time ({@link #beginWait} / {@link #endWait}).
     */
    final class Wait implements BooleanSupplier {
        private final int wordOffset;
        private final IdleStrategy poll;
        private KernelIdle kernel;
        private long arg;
        /** The idle strategy {@link #arm} returned for the current call. */
        private IdleStrategy current;

        private Wait(int wordOffset, IdleStrategy poll) {
            this.wordOffset = wordOffset;
            this.poll = poll;
        }

        /** The idle strategy of the current call (armed by {@link #beginWait}). */
        IdleStrategy idle() {
            return current;
        }

        /** The re-check of the kernel sleep: {@link #mayPass} with this call's argument. */
        @Override
        public boolean getAsBoolean() {
            return mayPass(arg);
        }

        /** This call's idle strategy: as a fresh one would be (reset, or re-armed with mode and deadline). */
        private IdleStrategy arm(long arg, int mode, long deadline) {
            this.arg = arg;
            poll.reset();
            if (idleSet) {
                return poll; // an explicit strategy polls
            }
            if (kernel != null) {
                return kernel.rearm(mode == Waits.TIMED, deadline);
            }
            IdleStrategy k = KernelIdle.orPoll(buf(), BASE + wordOffset, this, mode == Waits.TIMED, deadline, poll);
            if (k instanceof KernelIdle) {
                kernel = (KernelIdle) k;
            }
            return k;
        }
    }

    /**
     * Begins a call's wait (only once it really has to wait): borrows the spare {@link Wait} or, if
     * another thread of this process holds it (or this is the first wait), makes one with the factory's
     * strategy. Give it back with {@link #endWait} when the call ends, however it ends.
     *
     * @param wordOffset the structure-relative offset of the futex word the call sleeps on (FUTEX mode)
     * @param arg        the call's argument for {@link #mayPass}
     * @return the call's wait; its {@link Wait#idle() idle strategy} is armed for this call
     */
    final Wait beginWait(int wordOffset, long arg, int mode, long deadline) {
        Wait w = (Wait) SPARE.getAndSet(this, null); // volatile: see spare
        if (w == null || w.wordOffset != wordOffset) {
            w = new Wait(wordOffset, idleFactory.get());
        }
        w.current = w.arm(arg, mode, deadline);
        return w;
    }

    /** Ends the wait of {@link #beginWait}: {@code w} becomes the spare, unless another is already. */
    final void endWait(Wait w) {
        SPARE.compareAndSet(this, null, w); // volatile: see spare; lost if a spare came back first
    }

    /**
     * How blocking calls of this instance wait in this process: {@link WaitMode#FUTEX} (spin, then
     * sleep in the kernel) or {@link WaitMode#POLL} (the idle strategy; always so after
     * {@link #setIdleStrategy}). Virtual threads poll in either mode.
     *
     * @return the mode of platform threads' blocking calls
     */
    public final WaitMode waitMode() {
        return idleSet ? WaitMode.POLL : Waiting.mode();
    }

    /**
     * Sets how blocking calls of this instance idle between polls of shared memory (default
     * {@link Idle#backoff()}; see {@link Idle} for the latency / CPU trade-off of each strategy). The
     * factory is called when a blocking call has to wait and the instance has no spare strategy: about
     * once per thread of this process that waits on the instance at the same time as another; a
     * strategy is {@link IdleStrategy#reset() reset} before each wait it serves, and reused by later
     * waits (so waits allocate nothing). Call it before sharing the
     * instance between threads. An instance with an explicit strategy polls with it
     * ({@link #waitMode()} is then {@link WaitMode#POLL}).
     *
     * @param factory makes the idle strategy of one waiting call
     * @throws NullPointerException if {@code factory} is null
     */
    public final void setIdleStrategy(Supplier<? extends IdleStrategy> factory) {
        this.idleFactory = Objects.requireNonNull(factory, "factory");
        this.idleSet = true;
        SPARE.setVolatile(this, null); // later waits use the new factory's strategies
    }

    /**
     * The file.
     *
     * @return the path of the file this instance maps
     */
    public final Path path() {
        return file.path();
    }

    /**
     * Drops this process's mapping (the file and the state in it stay, for other processes). Use of
     * this instance afterwards throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        file.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + file.path() + "]";
    }
}
