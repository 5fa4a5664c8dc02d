package dev.lockstep.ipc.sync;

import static dev.lockstep.ipc.sync.IpcEventDescriptor.PARAM_AUTO_RESET;
import static dev.lockstep.ipc.sync.IpcEventDescriptor.STATE_OFFSET;
import static dev.lockstep.ipc.sync.IpcEventDescriptor.WAIT_WORD_OFFSET;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.wait.WaitWord;
import dev.lockstep.ipc.wait.WaitSpare;

/**
 * An event shared by processes through a memory-mapped file: one process {@link #set()}s it, others
 * {@link #await()} it. A manual-reset event stays set (every waiter, present and future, passes) until
 * {@link #reset()}; an auto-reset event lets exactly one waiter through per {@code set()} and resets
 * itself (the Win32 event semantics).
 *
 * <pre>{@code
 * // Workers wait until the loader process has filled the shared tables.
 * try (IpcEvent ready = IpcEvent.openOrCreate(dir.resolve("tables-ready"), false)) {
 *     if (loader) { load(); ready.set(); }
 *     else if (!ready.await(30, TimeUnit.SECONDS)) { throw new IllegalStateException("loader late"); }
 * }
 * }</pre>
 *
 * <h2>Algorithm and properties</h2>
 * One word, 0 or 1. {@code set} is a volatile store of 1 (auto-reset: the same); {@code reset} a
 * volatile store of 0; a manual-reset waiter polls until it reads 1 (acquire); an auto-reset waiter
 * consumes the 1 with a compare-and-set 1 -&gt; 0, so one set releases one waiter. Memory effects:
 * actions before {@code set()} happen before the actions after the {@code await} that saw it. A set
 * followed at once by a reset may be missed by a waiter that did not poll in between (no pulse
 * semantics, as with any level-triggered flag). Waiters spin briefly, then, in
 * {@link dev.lockstep.ipc.shm.WaitMode#FUTEX} ({@link #waitMode()}), sleep in the kernel on the
 * event's futex word ({@link dev.lockstep.ipc.wait.WaitWord}: a {@code set()} makes a system call
 * only when a waiter announced itself), each sleep at most
 * {@link dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS} ms; in
 * {@link dev.lockstep.ipc.shm.WaitMode#POLL} they poll and idle with an Agrona {@link IdleStrategy}
 * (default {@link dev.lockstep.ipc.shm.Idle#backoff()}; trade-offs in {@link dev.lockstep.ipc.shm.Idle};
 * {@link #setIdleStrategy}). Either is created only when a call first has to wait and kept for later
 * waits (a waiting await allocates nothing); interrupts and deadlines
 * are checked after every idle (a kernel sleeper notices an interrupt within one sleep bound).
 * Waiting is wait-free on the setter's side, blocking on the waiter's; no order among auto-reset
 * waiters. Space: 256 bytes.
 *
 * <h2>Crash behaviour</h2>
 * Nothing is owned: a process that dies leaves the event as it last wrote it (set or not); waiters
 * for a setter that died wait until their timeout, so waits on events set by other processes should
 * be timed.
 */
public final class IpcEvent extends IpcSyncBase {
    private final boolean autoReset;

    private IpcEvent(SharedFile file) throws IOException {
        super(checked(file), false);
        this.autoReset = file.header().param(PARAM_AUTO_RESET) != 0;
    }

    private static SharedFile checked(SharedFile f) throws IOException {
        requireSizes(f, "auto-reset flag", f.header().param(PARAM_AUTO_RESET), 0, 1,
                n -> IpcEventDescriptor.STRUCTURE_LENGTH);
        return f;
    }

    /**
     * Creates an event file, not set.
     *
     * @param file      the path of the new file
     * @param autoReset {@code true}: each {@code set()} releases one waiter and resets; {@code false}: it stays set until {@code reset()}
     * @return the event, mapped
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static IpcEvent create(Path file, boolean autoReset) throws IOException {
        return new IpcEvent(SharedFile.create(file, StructureKind.EVENT, IpcEventDescriptor.STRUCTURE_LENGTH,
                b -> { }, autoReset ? 1 : 0));
    }

    /**
     * Opens an existing event file.
     *
     * @param file the event file
     * @return the event, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if it is not an event file
     * @throws IOException if the file cannot be read or mapped
     */
    public static IpcEvent open(Path file) throws IOException {
        return new IpcEvent(SharedFile.open(file, StructureKind.EVENT));
    }

    /**
     * Opens the file, creating it (not set) if absent; an existing one must have the same reset mode.
     *
     * @param file      the event file
     * @param autoReset {@code true}: each {@code set()} releases one waiter and resets; {@code false}: it stays set until {@code reset()}
     * @return the event, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if an existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static IpcEvent openOrCreate(Path file, boolean autoReset) throws IOException {
        return new IpcEvent(SharedFile.openOrCreate(file, StructureKind.EVENT, IpcEventDescriptor.STRUCTURE_LENGTH,
                b -> { }, autoReset ? 1 : 0));
    }

    /**
     * Whether one {@code set()} releases one waiter and resets, or stays set until reset.
     *
     * @return {@code true} for auto-reset, {@code false} for manual-reset
     */
    public boolean isAutoReset() {
        return autoReset;
    }

    /** Sets the event: releases waiters (all for manual-reset, one for auto-reset). */
    public void set() {
        ByteBuffer b = buf();
        // Volatile store: the setter's prior writes are visible to the waiter whose acquire read or CAS
        // sees the 1 (release would do for that; volatile also orders it before the setter's later reads,
        // so "set then check whether a waiter consumed it" works, and puts it in the synchronization
        // order before the wait word's volatile read in signal: the WaitWord protocol's step (a)).
        MappedAccess.LONG.setVolatile(b, BASE + STATE_OFFSET, 1L);
        WaitWord.signal(b, BASE + WAIT_WORD_OFFSET); // no system call unless a waiter sleeps
    }

    /** Resets the event (a no-op if it is not set). */
    public void reset() {
        // Volatile: ordered with the surrounding set/await calls of this thread.
        MappedAccess.LONG.setVolatile(buf(), BASE + STATE_OFFSET, 0L);
    }

    /**
     * Whether the event is set (a snapshot).
     *
     * @return {@code true} if set when read
     */
    public boolean isSet() {
        return (long) MappedAccess.LONG.getAcquire(buf(), BASE + STATE_OFFSET) != 0L; // acquire: pairs with set()
    }

    /**
     * Waits until the event is set (auto-reset: and consumes it).
     *
     * @throws InterruptedException if interrupted before or while waiting
     */
    public void await() throws InterruptedException {
        Waits.checkInterrupt();
        await(Waits.INTERRUPTIBLE, 0L);
    }

    /**
     * Waits at most {@code time} for the event.
     *
     * @param time how long to wait at most, in {@code unit}s
     * @param unit the unit of {@code time}
     * @return whether it was set (and, auto-reset, consumed by this call) before the time elapsed
     * @throws InterruptedException if interrupted before or while waiting
     */
    public boolean await(long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        Waits.checkInterrupt();
        return await(Waits.TIMED, Waits.deadline(time, unit));
    }

    /**
     * Passes if the event is set now (auto-reset: consumes it); never waits.
     *
     * @return {@code true} if the event was set (and, auto-reset, consumed by this call)
     */
    public boolean tryAwait() {
        ByteBuffer b = buf();
        int at = BASE + STATE_OFFSET;
        if (autoReset) {
            // Opaque pre-read; the volatile CAS consumes the set and acquires the setter's writes.
            return (long) MappedAccess.LONG.getOpaque(b, at) != 0L && MappedAccess.LONG.compareAndSet(b, at, 1L, 0L);
        }
        return (long) MappedAccess.LONG.getAcquire(b, at) != 0L; // acquire: pairs with set()
    }

    private boolean await(int mode, long deadline) throws InterruptedException {
        if (tryAwait()) {
            return true;
        }
        // Only now, and reused: neither a call that passes nor one that waits allocates (IpcSyncBase.Wait).
        WaitSpare.Wait wait = beginWait(WAIT_WORD_OFFSET, 0L, mode, deadline);
        IdleStrategy idle = wait.idle();
        // JFR ContendedAcquire: begun only here (the waiting path), only if a recording enables it;
        // committed at the end if the wait reached the recording's threshold (acquired = the event was set).
        Object jfr = Jfr.contendedEnabled() ? Jfr.beginContended(this, path().toString(), (String) null) : null;
        boolean passed = false;
        try {
            while (true) {
                idle.idle();
                if (tryAwait()) {
                    passed = true;
                    return true;
                }
                if (Waits.shouldGiveUp(mode, deadline)) {
                    return false;
                }
            }
        } finally {
            endWait(wait);
            Jfr.endContended(jfr, passed);
        }
    }

    /**
     * The readiness re-check after announcing a sleeper: the event is set. Opaque read:
     * WaitWord.announce's full fence orders it after the announce.
     */
    @Override
    boolean mayPass(long arg) {
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + STATE_OFFSET) != 0L;
    }

    @Override
    public String toString() {
        return "IpcEvent[" + path() + (autoReset ? ", auto-reset" : ", manual-reset") + (isSet() ? ", set]" : ", not set]");
    }
}
