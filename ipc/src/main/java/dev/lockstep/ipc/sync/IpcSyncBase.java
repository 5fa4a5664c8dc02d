package dev.lockstep.ipc.sync;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.wait.KernelIdle;
import dev.lockstep.ipc.wait.WaitSpare;
import dev.lockstep.ipc.wait.Waiting;

/**
 * What every synchronizer of this package shares: its mapped file, the folder's
 * {@link Participants} registry (owner tokens and their liveness verdict, across PID namespaces), the
 * idle strategy factory its waits use, and closing. A call that does not wait allocates nothing; a
 * call that waits borrows the instance's spare {@link WaitSpare.Wait} (its idle strategy and its re-check) and
 * gives it back, so that waits allocate nothing either while one thread of the process at a time
 * waits on the instance (a second thread waiting at the same time makes its own, once).
 */
abstract class IpcSyncBase implements AutoCloseable {

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
     * The reusable parts of this instance's waits ({@link WaitSpare}), made at the first wait. Plain: a
     * racing first wait may make a second one, which is then dropped (its fields are final, so either
     * is safely published by the plain write; the spare inside is handed over by volatile accesses).
     */
    private WaitSpare waits;
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
     * Begins a call's wait (only once it really has to wait): borrows this instance's spare
     * {@link WaitSpare.Wait} (or makes one with the factory's strategy). Give it back with
     * {@link #endWait} however the call ends.
     *
     * @param wordOffset the structure-relative offset of the futex word the call sleeps on (FUTEX mode);
     *                   one per class
     * @param arg        the call's argument for {@link #mayPass}
     * @return the call's wait; its {@link WaitSpare.Wait#idle() idle strategy} is armed for this call
     */
    final WaitSpare.Wait beginWait(int wordOffset, long arg, int mode, long deadline) {
        WaitSpare w = waits;
        if (w == null) {
            w = new WaitSpare(buf(), BASE + wordOffset, this::mayPass);
            waits = w;
        }
        return w.begin(idleFactory, idleSet, arg, mode == Waits.TIMED, deadline);
    }

    /** Ends the wait of {@link #beginWait}: it becomes the spare. */
    final void endWait(WaitSpare.Wait w) {
        waits.end(w);
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
        WaitSpare w = waits;
        if (w != null) {
            w.clear(); // later waits use the new factory's strategies
        }
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
