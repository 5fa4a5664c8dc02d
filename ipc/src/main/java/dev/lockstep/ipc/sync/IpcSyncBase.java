package dev.lockstep.ipc.sync;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Supplier;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.SharedFile;

/**
 * What every synchronizer of this package shares: its mapped file, the idle strategy factory its
 * waits use, and closing. Waits create their idle strategy only once they really have to wait, so a
 * call that does not wait allocates nothing.
 */
abstract class IpcSyncBase implements AutoCloseable {
    /** Where the structure area starts in the mapping. */
    static final int BASE = SharedFile.STRUCTURE_OFFSET;

    final SharedFile file;
    /**
     * The idle strategy factory. Plain: set before the instance is shared between threads (see
     * {@link #setIdleStrategy}); publication of the instance publishes it.
     */
    private Supplier<? extends IdleStrategy> idleFactory = Idle::backoff;

    IpcSyncBase(SharedFile file) {
        this.file = file;
    }

    /** The mapping; throws {@link IllegalStateException} once closed. */
    final ByteBuffer buf() {
        return file.buffer();
    }

    final IdleStrategy newIdle() {
        IdleStrategy idle = idleFactory.get();
        idle.reset();
        return idle;
    }

    /**
     * Sets how blocking calls of this instance idle between polls of shared memory (default
     * {@link Idle#backoff()}; see {@link Idle} for the latency / CPU trade-off of each strategy). The
     * factory is called once per blocking call that actually has to wait. Call it before sharing the
     * instance between threads.
     */
    public final void setIdleStrategy(Supplier<? extends IdleStrategy> factory) {
        this.idleFactory = Objects.requireNonNull(factory, "factory");
    }

    /** The file. */
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
