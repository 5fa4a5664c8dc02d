package dev.lockstep.ipc.sync;

import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.AVAILABLE_OFFSET;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.GUARD_OFFSET;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.PARAM_PERMITS;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.PARAM_SLOTS;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.RECOVERIES_OFFSET;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.SLOT_HELD;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.SLOT_TOKEN;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.WAIT_WORD_OFFSET;
import static dev.lockstep.ipc.sync.IpcSemaphoreDescriptor.slotOffset;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.wait.WaitWord;
import dev.lockstep.ipc.wait.WaitSpare;

/**
 * A counting semaphore shared by processes through a memory-mapped file, which gives back the permits
 * of a process that dies holding them (the System V {@code SEM_UNDO} contract).
 *
 * <pre>{@code
 * // At most 4 processes of the fleet decode video at once, whatever crashes.
 * try (IpcSemaphore decoders = IpcSemaphore.openOrCreate(dir.resolve("decoders"), 4, 64)) {
 *     decoders.acquire();
 *     try {
 *         decode();
 *     } finally {
 *         decoders.release();
 *     }
 * }
 * }</pre>
 *
 * <h2>Permits are owned by processes</h2>
 * The file holds a table of process slots (the process's {@link dev.lockstep.ipc.shm.Participants}
 * token, permits held). A process may release only permits it holds (any of its threads may release
 * them, as with {@link java.util.concurrent.Semaphore}); releasing more throws
 * {@link IllegalStateException}, so the count can never exceed the initial number of permits. Permits
 * held by a process that dies return to the pool as soon as a waiter notices the death (after its
 * spin phase a waiter judges one holder per millisecond, round robin), or a failed
 * {@link #tryAcquire()} does. Holders in another PID namespace are judged by heartbeat and kernel lock
 * ({@link dev.lockstep.ipc.shm.Participants}): a live or stopped one keeps its permits.
 *
 * <h2>Algorithm</h2>
 * Every update of the table and of the available count happens under a guard: a robust spin lock
 * (one CAS word holding the updater's token, as in {@link IpcMutex}) held for a few instructions.
 * Waiters poll the available count without the guard. Crash safety comes from recomputation, not
 * from the order of the two writes: when a process dies, holding the guard or not, the process that
 * notices takes the guard (from the dead process, by CAS of its token) and recomputes
 * {@code available = permits - sum(held by the processes still in the table)} after clearing the dead
 * process's slot. Live processes change their slots only under the guard, so the sum is exact
 * whatever the dead one was in the middle of. Source: System V semaphores' undo lists
 * ({@code semop(2)}, {@code SEM_UNDO}); robust-lock take-over as in {@link IpcMutex}.
 *
 * <h2>Waiting</h2>
 * Blocking calls poll and idle with an Agrona {@link IdleStrategy} (default
 * {@link dev.lockstep.ipc.shm.Idle#backoff()}; trade-offs in {@link dev.lockstep.ipc.shm.Idle};
 * {@link #setIdleStrategy}), created only when a call first has to wait and kept for later waits (a
 * waiting acquire allocates nothing), and check interrupts and deadlines
 * after every idle. The guard waits with {@link SpinPolicy} (it is held for nanoseconds).
 *
 * <h2>Properties</h2>
 * Safety: the sum of permits held never exceeds {@link #permits()}; a live process's permits are
 * never taken back. Progress: blocking (the guard is a lock), deadlock-free while processes are alive
 * or dead (a process stopped with SIGSTOP while holding the guard delays the others); not fair (no
 * FIFO order; a large request can be overtaken by small ones). Space: 256 bytes + 128 per slot. A
 * process needs a slot to acquire: at most {@code slots} processes hold permits at once (a dead
 * process's slot is reused). {@link #close()} does not release this process's permits: they stay
 * held until released through another instance or until the process exits.
 */
public final class IpcSemaphore extends IpcSyncBase {
    /*
     * Implementation notes.
     * Invariant, whenever the guard is free: available + sum(slot.held) == permits, and every non-zero
     * slot token names a process that was alive when it last changed its slot. All writes happen under
     * the guard; the guard's volatile CAS and release store order them for the next guard holder, so
     * writes inside are opaque (lock-free readers of 'available' and slot tokens see untorn values).
     * Every recomputation (recoverLocked) rewrites 'available': an update under the same guard hold
     * must read the count after it (tryOnce re-reads it after claimSlotLocked, which may reuse a dead
     * holder's slot and so recover its permits).
     * The slot belongs to the process (its token), the field 'slot' to the instance: every instance of
     * one process (the file opened twice) finds the same slot, and an instance that has not acquired
     * yet has no cache but may still have permits held through a sibling. So each path that finds the
     * cache empty looks the slot up by token under the guard instead of taking it as "none": tryOnce
     * (claimSlotLocked finds the sibling's slot first), release and heldPermits (findSlotLocked). Until
     * IpcSemaphoreTwoHandlesTest, heldPermits read only the cache and answered 0 on such an instance.
     * The slot never changes while the process lives (only recoverLocked clears a slot, of a dead token),
     * so a cache once set stays right.
     */
    private final long permits;
    private final int slots;
    /** This process's slot, or -1 until the first acquire; plain: a cache, re-derived under the guard. */
    private int slot = -1;
    /** Next time a failed tryAcquire may look for dead holders; plain: a racy hint. */
    private long nextTryCheck;
    /** Next slot reclaimDeadHolders judges (one per call); plain: a racy round-robin hint. */
    private int nextSlotToCheck;

    private IpcSemaphore(SharedFile file) throws IOException {
        super(checked(file), true);
        this.permits = file.header().param(PARAM_PERMITS);
        this.slots = (int) file.header().param(PARAM_SLOTS);
    }

    private static SharedFile checked(SharedFile f) throws IOException {
        requireSizes(f, "permits", f.header().param(PARAM_PERMITS), 0, Integer.MAX_VALUE, n -> 0L);
        requireSizes(f, "process slots", f.header().param(PARAM_SLOTS), 1, 1 << 20,
                n -> IpcSemaphoreDescriptor.structureLength((int) n));
        return f;
    }

    /**
     * Creates a semaphore file with {@code permits} permits, for at most {@code maxProcesses}
     * processes holding permits at once.
     *
     * @param file         the path of the new file
     * @param permits      the initial (and total) number of permits, &gt;= 0
     * @param maxProcesses the size of the holding table: how many processes may hold permits at once,
     *                     in [1, 2^20]
     * @return the semaphore, mapped
     * @throws IllegalArgumentException if a size is out of range
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static IpcSemaphore create(Path file, int permits, int maxProcesses) throws IOException {
        check(permits, maxProcesses);
        return new IpcSemaphore(SharedFile.create(file, StructureKind.SEMAPHORE,
                IpcSemaphoreDescriptor.structureLength(maxProcesses), init(permits), permits, maxProcesses));
    }

    /**
     * Opens an existing semaphore file.
     *
     * @param file the semaphore file
     * @return the semaphore, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if it is not a semaphore file
     * @throws IOException if the file cannot be read or mapped
     */
    public static IpcSemaphore open(Path file) throws IOException {
        return new IpcSemaphore(SharedFile.open(file, StructureKind.SEMAPHORE));
    }

    /**
     * Opens the file, creating it if absent; an existing one must have the same sizes.
     *
     * @param file         the semaphore file
     * @param permits      the total number of permits, &gt;= 0
     * @param maxProcesses the size of the holding table, in [1, 2^20]
     * @return the semaphore, mapped
     * @throws IllegalArgumentException if a size is out of range
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if an existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static IpcSemaphore openOrCreate(Path file, int permits, int maxProcesses) throws IOException {
        check(permits, maxProcesses);
        return new IpcSemaphore(SharedFile.openOrCreate(file, StructureKind.SEMAPHORE,
                IpcSemaphoreDescriptor.structureLength(maxProcesses), init(permits), permits, maxProcesses));
    }

    private static void check(int permits, int maxProcesses) {
        if (permits < 0) {
            throw new IllegalArgumentException("permits must be >= 0: " + permits);
        }
        if (maxProcesses < 1 || maxProcesses > 1 << 20) {
            throw new IllegalArgumentException("maxProcesses must be in [1, 2^20]: " + maxProcesses);
        }
    }

    private static java.util.function.Consumer<ByteBuffer> init(int permits) {
        // Before the file is published (SharedFile.create links it only afterwards): plain is enough.
        return b -> b.putLong(BASE + AVAILABLE_OFFSET, permits);
    }

    /**
     * Total permits (the initial count).
     *
     * @return the count fixed at creation
     */
    public long permits() {
        return permits;
    }

    /**
     * Permits not held by any process: a snapshot (dead holders' permits count as held until noticed).
     *
     * @return the available count
     */
    public long availablePermits() {
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + AVAILABLE_OFFSET); // opaque: a snapshot
    }

    /**
     * Permits held by this process (all its threads and instances: also those acquired through
     * another instance of the same file; an instance that has not acquired yet looks the process's slot
     * up under the table's guard).
     *
     * @return the count in this process's slot of the holding table (0 if it has none)
     */
    public long heldPermits() {
        ByteBuffer b = buf();
        int s = slot;
        if (s < 0) {
            // No acquire through this instance yet: the process may hold permits through another one
            // (the slot is the process's, the cache this instance's). Looked up under the guard: its
            // volatile CAS reads the 0 of the last holder's release store, so the slot writes made under
            // earlier holds (a sibling instance's claim and updates) happen-before the reads here.
            guardLock(b);
            try {
                s = findSlotLocked(b);
                // Opaque under the guard (see the implementation notes).
                return s < 0 ? 0 : (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(s) + SLOT_HELD);
            } finally {
                guardUnlock(b);
            }
        }
        // Opaque: a snapshot; only this process changes its slot, under the guard.
        return (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(s) + SLOT_HELD);
    }

    /**
     * Number of dead holders whose permits were returned so far (statistics).
     *
     * @return the count since the file was created
     */
    public long recoveries() {
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + RECOVERIES_OFFSET); // opaque: a counter
    }

    /** Acquires one permit, waiting without interruption (the interrupt status is kept). */
    public void acquireUninterruptibly() {
        acquireUninterruptibly(1);
    }

    /**
     * Acquires {@code n} permits at once (all or none), waiting without interruption.
     *
     * @param n the number of permits, in [0, {@link #permits()}]
     * @throws IllegalArgumentException if {@code n < 0} or {@code n > permits()} (could never succeed)
     * @throws IllegalStateException    if the holding table has no slot for this process
     */
    public void acquireUninterruptibly(int n) {
        checkRequest(n);
        try {
            acquire(n, Waits.UNINTERRUPTIBLE, 0L);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Acquires one permit, waiting interruptibly.
     *
     * @throws InterruptedException if interrupted before or while waiting (nothing acquired)
     */
    public void acquire() throws InterruptedException {
        acquire(1);
    }

    /**
     * Acquires {@code n} permits at once (all or none), waiting interruptibly.
     *
     * @throws IllegalArgumentException if {@code n < 0} or {@code n > permits()} (could never succeed)
     * @throws IllegalStateException    if the holding table has no slot for this process
     * @param n the number of permits, in [0, {@link #permits()}]
     * @throws InterruptedException if interrupted before or while waiting (nothing acquired)
     */
    public void acquire(int n) throws InterruptedException {
        checkRequest(n);
        Waits.checkInterrupt();
        acquire(n, Waits.INTERRUPTIBLE, 0L);
    }

    /**
     * Acquires one permit if one is available now.
     *
     * @return {@code true} if acquired
     */
    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    /**
     * Acquires {@code n} permits if available now (after returning dead holders' permits, if any).
     *
     * @param n the number of permits, in [0, {@link #permits()}]
     * @return {@code true} if all {@code n} were acquired, {@code false} if none was
     * @throws IllegalArgumentException if {@code n < 0} or {@code n > permits()}
     */
    public boolean tryAcquire(int n) {
        checkRequest(n);
        if (tryOnce(n)) {
            return true;
        }
        long now = System.nanoTime();
        if (now - nextTryCheck >= 0) {
            nextTryCheck = now + Owners.CHECK_INTERVAL_NANOS;
            return reclaimDeadHolders() && tryOnce(n);
        }
        return false;
    }

    /**
     * Acquires one permit, waiting at most {@code time}.
     *
     * @param time how long to wait at most, in {@code unit}s
     * @param unit the unit of {@code time}
     * @return {@code true} if acquired, {@code false} if the time elapsed
     * @throws InterruptedException if interrupted before or while waiting (nothing acquired)
     */
    public boolean tryAcquire(long time, TimeUnit unit) throws InterruptedException {
        return tryAcquire(1, time, unit);
    }

    /**
     * Acquires {@code n} permits (all or none), waiting at most {@code time}.
     *
     * @param n the number of permits, in [0, {@link #permits()}]
     * @param time how long to wait at most, in {@code unit}s
     * @param unit the unit of {@code time}
     * @return {@code true} if acquired, {@code false} if the time elapsed (none acquired)
     * @throws IllegalArgumentException if {@code n < 0} or {@code n > permits()}
     * @throws InterruptedException if interrupted before or while waiting (nothing acquired)
     */
    public boolean tryAcquire(int n, long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        checkRequest(n);
        Waits.checkInterrupt();
        return acquire(n, Waits.TIMED, Waits.deadline(time, unit));
    }

    /** Releases one permit held by this process. */
    public void release() {
        release(1);
    }

    /**
     * Releases {@code n} permits held by this process.
     *
     * @param n the number of permits to return, &gt;= 0
     * @throws IllegalArgumentException if {@code n < 0}
     * @throws IllegalStateException    if this process holds fewer than {@code n} permits (nothing released)
     */
    public void release(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("permits must be >= 0: " + n);
        }
        ByteBuffer b = buf();
        guardLock(b);
        long held;
        try {
            int s = slot;
            if (s < 0) {
                s = findSlotLocked(b); // permits acquired through another instance in this process
            }
            // Opaque reads and writes under the guard (see the implementation notes).
            held = s < 0 ? 0 : (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(s) + SLOT_HELD);
            if (held >= n) {
                MappedAccess.LONG.setOpaque(b, BASE + slotOffset(s) + SLOT_HELD, held - n);
                MappedAccess.LONG.setOpaque(b, BASE + AVAILABLE_OFFSET,
                        (long) MappedAccess.LONG.getOpaque(b, BASE + AVAILABLE_OFFSET) + n);
            }
        } finally {
            guardUnlock(b);
        }
        if (held >= n) {
            wakeWaiters(b);
            return;
        }
        throw new IllegalStateException("cannot release " + n + " permits of " + path()
                + ": this process holds " + held);
    }

    // ---------------------------------------------------------------------------------------------

    private void checkRequest(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("permits must be >= 0: " + n);
        }
        if (n > permits) {
            throw new IllegalArgumentException("cannot acquire " + n + " permits: the semaphore has " + permits);
        }
    }

    private boolean acquire(int n, int mode, long deadline) throws InterruptedException {
        if (tryOnce(n)) {
            return true;
        }
        ByteBuffer b = buf();
        // Only now, and reused: neither the uncontended path nor a wait allocates (IpcSyncBase.Wait).
        WaitSpare.Wait wait = beginWait(WAIT_WORD_OFFSET, n, mode, deadline);
        IdleStrategy idle = wait.idle();
        boolean interrupted = false;
        long nextCheck = 0L;
        // JFR ContendedAcquire: begun only here (the waiting path), and only if a recording enables it.
        Object jfr = Jfr.contendedEnabled() ? Jfr.beginContended(this, path().toString(), (String) null) : null;
        boolean acquired = false;
        try {
            for (int polls = 1; ; polls++) {
                idle.idle();
                if (mode == Waits.UNINTERRUPTIBLE) {
                    interrupted |= Thread.interrupted(); // cleared so parks park; restored at the end
                } else if (Waits.shouldGiveUp(mode, deadline)) {
                    return false;
                }
                // Acquire poll: a hint only, tryOnce re-reads under the guard.
                if ((long) MappedAccess.LONG.getAcquire(b, BASE + AVAILABLE_OFFSET) >= n && tryOnce(n)) {
                    return acquired = true;
                }
                if (polls >= Owners.POLLS_BEFORE_CHECK) {
                    long now = System.nanoTime();
                    if (nextCheck == 0L || now - nextCheck >= 0) {
                        nextCheck = now + Owners.CHECK_INTERVAL_NANOS;
                        if (reclaimDeadHolders() && tryOnce(n)) {
                            return acquired = true;
                        }
                    }
                }
            }
        } finally {
            endWait(wait);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Jfr.endContended(jfr, acquired);
        }
    }

    /**
     * The sleep re-check of a wait for {@code arg} permits: that many are available. Opaque read
     * (WaitWord.announce's full fence orders it after the announce); tryOnce decides.
     */
    @Override
    boolean mayPass(long arg) {
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + AVAILABLE_OFFSET) >= arg;
    }

    /** One attempt under the guard. */
    private boolean tryOnce(int n) {
        ByteBuffer b = buf();
        // Opaque pre-check outside the guard: avoids taking the guard when there is no chance.
        if ((long) MappedAccess.LONG.getOpaque(b, BASE + AVAILABLE_OFFSET) < n) {
            return false;
        }
        guardLock(b);
        try {
            long available = (long) MappedAccess.LONG.getOpaque(b, BASE + AVAILABLE_OFFSET);
            if (available < n) {
                return false;
            }
            int s = slot;
            if (s < 0) {
                s = claimSlotLocked(b);
                // Re-read (opaque, under the guard): reusing a dead holder's slot returned its permits
                // (recoverLocked rewrote the count); 'available - n' from the value read before the
                // claim would erase that recovery and lose those permits for good.
                available = (long) MappedAccess.LONG.getOpaque(b, BASE + AVAILABLE_OFFSET);
                if (available < n) {
                    return false; // only if the count was too high before; the claimed slot holds 0
                }
            }
            int heldAt = BASE + slotOffset(s) + SLOT_HELD;
            // Opaque under the guard; a crash between these two writes is undone by recomputeLocked.
            MappedAccess.LONG.setOpaque(b, heldAt, (long) MappedAccess.LONG.getOpaque(b, heldAt) + n);
            MappedAccess.LONG.setOpaque(b, BASE + AVAILABLE_OFFSET, available - n);
            return true;
        } finally {
            guardUnlock(b);
        }
    }

    /** This process's slot, or -1 if it has none; guard held. */
    private int findSlotLocked(ByteBuffer b) {
        for (int i = 0; i < slots; i++) {
            if ((long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(i) + SLOT_TOKEN) == me) { // under the guard
                slot = i;
                return i;
            }
        }
        return -1;
    }

    /** Finds or claims this process's slot; guard held. */
    private int claimSlotLocked(ByteBuffer b) {
        int free = -1;
        for (int i = 0; i < slots; i++) {
            long token = (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(i) + SLOT_TOKEN); // under the guard
            if (token == me) {
                slot = i;
                return i;
            }
            if (token == 0L && free < 0) {
                free = i;
            }
        }
        if (free < 0) {
            // Full: reuse a dead process's slot (its permits come back first).
            for (int i = 0; i < slots && free < 0; i++) {
                long token = (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(i) + SLOT_TOKEN);
                if (isDead(token)) {
                    recoverLocked(b, token);
                    free = i;
                }
            }
            if (free < 0) {
                throw new IllegalStateException(path() + ": all " + slots
                        + " process slots are taken by live processes holding permits");
            }
        }
        int at = BASE + slotOffset(free);
        MappedAccess.LONG.setOpaque(b, at + SLOT_HELD, 0L);
        // Opaque under the guard: lock-free scanners only need an untorn token.
        MappedAccess.LONG.setOpaque(b, at + SLOT_TOKEN, me);
        slot = free;
        return free;
    }

    /**
     * Looks (outside the guard) for a dead process holding permits and returns them. Judges at most
     * one holder per call (round robin over the slots; reading {@code /proc} costs ~10 µs and a few
     * KB), so a waiter called once per liveness interval costs the same whatever the number of slots;
     * a dead holder is found within {@code slots} intervals.
     *
     * @return whether permits came back
     */
    private boolean reclaimDeadHolders() {
        ByteBuffer b = buf();
        // A process killed inside the guard (e.g. between its two writes of a release) may hold no
        // permits in its slot any more; the guard word still names it. Opaque: a candidate only.
        long guard = (long) MappedAccess.LONG.getOpaque(b, BASE + GUARD_OFFSET);
        if (guard != 0L && isDead(guard)) {
            guardLock(b); // takes the guard over from the dead process and recomputes
            guardUnlock(b);
            wakeWaiters(b);
            return true;
        }
        int start = nextSlotToCheck;
        for (int k = 0; k < slots; k++) {
            int i = (start + k) % slots;
            int at = BASE + slotOffset(i);
            // Opaque: candidates only, confirmed under the guard (a dead token stays dead).
            long token = (long) MappedAccess.LONG.getOpaque(b, at + SLOT_TOKEN);
            if (token == 0L || token == me || (long) MappedAccess.LONG.getOpaque(b, at + SLOT_HELD) <= 0) {
                continue; // nothing to judge here: free, ours, or holding nothing (no /proc read)
            }
            nextSlotToCheck = (i + 1) % slots;
            if (!isDead(token)) {
                return false; // one verdict per call
            }
            guardLock(b);
            try {
                recoverLocked(b, token);
            } finally {
                guardUnlock(b);
            }
            wakeWaiters(b);
            return true;
        }
        return false;
    }

    /**
     * Clears the slots of the dead {@code token} and recomputes the available count; guard held. The
     * caller must not write a count it read before this call (it would undo the recomputation).
     */
    private void recoverLocked(ByteBuffer b, long deadToken) {
        long held = 0;
        for (int i = 0; i < slots; i++) {
            int at = BASE + slotOffset(i);
            long token = (long) MappedAccess.LONG.getOpaque(b, at + SLOT_TOKEN);
            if (token == deadToken) {
                MappedAccess.LONG.setOpaque(b, at + SLOT_TOKEN, 0L);
                MappedAccess.LONG.setOpaque(b, at + SLOT_HELD, 0L);
            } else if (token != 0L) {
                held += (long) MappedAccess.LONG.getOpaque(b, at + SLOT_HELD);
            }
        }
        MappedAccess.LONG.setOpaque(b, BASE + AVAILABLE_OFFSET, permits - held);
        MappedAccess.LONG.setOpaque(b, BASE + RECOVERIES_OFFSET,
                (long) MappedAccess.LONG.getOpaque(b, BASE + RECOVERIES_OFFSET) + 1);
        Jfr.ipcRecovery(this, path().toString(), "permits reclaimed from a dead holder", pidOf(deadToken));
    }

    private void guardLock(ByteBuffer b) {
        int at = BASE + GUARD_OFFSET;
        long nextCheck = 0L;
        for (int step = 0; ; ) {
            // Opaque pre-read; the volatile CAS acquires (sees the previous updater's writes).
            long g = (long) MappedAccess.LONG.getOpaque(b, at);
            if (g == 0L) {
                if (MappedAccess.LONG.compareAndSet(b, at, 0L, me)) {
                    return;
                }
            } else if (step >= Owners.POLLS_BEFORE_CHECK) {
                long now = System.nanoTime();
                if (nextCheck == 0L || now - nextCheck >= 0) {
                    nextCheck = now + Owners.CHECK_INTERVAL_NANOS;
                    // The updater died inside: take the guard over (one CAS wins) and recompute.
                    if (isDead(g) && MappedAccess.LONG.compareAndSet(b, at, g, me)) {
                        recoverLocked(b, g);
                        return;
                    }
                }
            }
            step = SpinPolicy.idle(step);
        }
    }

    /** After permits came back (guard released): wakes sleepers if any announced themselves. */
    private static void wakeWaiters(ByteBuffer b) {
        // Full fence: the count written (opaque, under the guard) before it is not reordered with the
        // wait word's read after it (VarHandle.fullFence: loads and stores before the fence are not
        // reordered with loads and stores after it): the WaitWord protocol's (a) before (b).
        VarHandle.fullFence();
        WaitWord.signal(b, BASE + WAIT_WORD_OFFSET);
    }

    private static void guardUnlock(ByteBuffer b) {
        // Release: the table updates are visible to the next guard holder and to acquire-pollers.
        MappedAccess.LONG.setRelease(b, BASE + GUARD_OFFSET, 0L);
    }

    @Override
    public String toString() {
        return "IpcSemaphore[" + path() + ", " + availablePermits() + " of " + permits + " available]";
    }
}
