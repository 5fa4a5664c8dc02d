package dev.lockstep.ipc.sync;

import static dev.lockstep.ipc.sync.IpcMutexDescriptor.DATA_OFFSET;
import static dev.lockstep.ipc.sync.IpcMutexDescriptor.INCONSISTENT_OFFSET;
import static dev.lockstep.ipc.sync.IpcMutexDescriptor.LOCK_WORD_OFFSET;
import static dev.lockstep.ipc.sync.IpcMutexDescriptor.PARAM_DATA_LENGTH;
import static dev.lockstep.ipc.sync.IpcMutexDescriptor.RECOVERIES_OFFSET;
import static dev.lockstep.ipc.sync.IpcMutexDescriptor.WAIT_WORD_OFFSET;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.wait.WaitWord;
import dev.lockstep.ipc.wait.WaitSpare;

/**
 * A mutual-exclusion lock shared by processes through a memory-mapped file, robust against the death
 * of its owner: the POSIX {@code PTHREAD_MUTEX_ROBUST} contract in Java. If the process holding the
 * lock dies (crash, {@code kill -9}), the next acquirer gets the lock <em>and is told</em> that the
 * previous owner died, so it can repair the state the lock protects. A lock held by a live process is
 * never taken away.
 *
 * <pre>{@code
 * try (IpcMutex mutex = IpcMutex.openOrCreate(dir.resolve("accounts"), 4096)) {
 *     ByteBuffer shared = mutex.data();           // the protected area, in the same file
 *     if (mutex.lockRobust() == LockStatus.OWNER_DIED) {
 *         repair(shared);                         // the previous owner died mid-update
 *         mutex.markConsistent();
 *     }
 *     try {
 *         shared.putLong(0, shared.getLong(0) + 1);
 *     } finally {
 *         mutex.unlock();
 *     }
 * }
 * }</pre>
 *
 * <h2>Owner died (EOWNERDEAD)</h2>
 * The {@link Lock} methods report a dead previous owner by throwing {@link OwnerDiedException}
 * <em>after acquiring</em>: the caller holds the lock. The {@code *Robust} methods return
 * {@link LockStatus#OWNER_DIED} instead (no exception, preferred). The notice is sticky: every
 * acquirer gets it until a holder calls {@link #markConsistent()}, so a recoverer that itself dies or
 * unlocks without repairing leaves the notice for the next one. (POSIX would instead make the mutex
 * permanently unusable, {@code ENOTRECOVERABLE}; here the repair can always be retried.)
 *
 * <h2>Algorithm</h2>
 * A test-and-test-and-set lock over one 64-bit word: 0 when free, else the owner's token (its entry
 * in the folder's {@link dev.lockstep.ipc.shm.Participants} registry, which records its pid, start
 * time, PID namespace and heartbeat), set with one compare-and-set, so the file records the owner
 * exactly at the moment it owns the lock. A waiter polls the word; after its spin phase, and then every
 * millisecond (property {@code lockstep.ipc.livenessCheckMicros}), it asks whether the recorded owner
 * is dead: in its own PID namespace by pid and start time ({@code /proc}, ~10 µs), in another one by
 * a stale heartbeat confirmed by the kernel (the owner's registry lock is gone). If so, it
 * compare-and-sets the word from the dead token to its own: exactly one waiter wins; tokens are never
 * reissued, so this CAS has no ABA problem. A stopped owner (SIGSTOP, a debugger) in any namespace is
 * never judged dead. Unlock is a release store of 0. Source: the TTAS lock of
 * Herlihy &amp; Shavit, <i>The Art of Multiprocessor Programming</i> 7.3, with the owner-recording of
 * robust futexes (Linux {@code Documentation/locking/robust-futexes.rst}).
 *
 * <h2>Waiting</h2>
 * Another process cannot unpark this one, so blocking calls poll the word and idle between polls with
 * an Agrona {@link IdleStrategy} (default {@link dev.lockstep.ipc.shm.Idle#backoff()}, see
 * {@link dev.lockstep.ipc.shm.Idle} for the latency / CPU trade-off, change with
 * {@link #setIdleStrategy}); they check interrupts and deadlines after every idle. The strategy is
 * created only when a call first has to wait and then kept for the instance's later waits: neither the
 * uncontended lock/unlock nor a contended one allocates.
 *
 * <h2>Properties</h2>
 * Mutual exclusion among all threads of all processes; a live owner's lock is never stolen;
 * deadlock-free while owners release or die (a live owner that never unlocks, or is stopped with
 * SIGSTOP, blocks the others, as with any lock); not fair (no FIFO order, a waiter can be overtaken);
 * space: 256 bytes plus the data area. Not reentrant: {@link #lock()} by the thread that holds it
 * (through this instance) throws {@link IllegalMonitorStateException}; a thread that holds the lock
 * through one instance and locks the same file through another instance waits forever (self-deadlock,
 * as for any non-reentrant lock). Only the thread that locked may unlock
 * ({@link IllegalMonitorStateException} otherwise). A thread that dies holding the lock in a live
 * process is not detected (only process death is). {@link #newCondition()} is unsupported.
 */
public final class IpcMutex extends IpcSyncBase implements Lock {
    /*
     * Implementation notes.
     * Invariant: word == 0 or word == token of the process that holds it (or held it and died).
     * Only the holder stores 0; only a CAS stores a token: from 0 (free) or from a dead token (take-over).
     * The inconsistent flag and the recoveries count are written only by the holder, so plain/opaque
     * stores are enough; they are ordered for the next holder by the release store of unlock (or, if
     * the holder dies, they are read after the next holder's CAS, which is volatile).
     * The word names a process, not an instance or thread: every instance of the file in one process
     * (opened twice, by two components) stores the same token. So nothing decides "this thread / this
     * call holds it" from the word: the holder thread is the per-instance field 'owner' (unlock and
     * markConsistent check it), and a waiting call's outcome is its own return value (the JFR event
     * read the word until IpcMutexTwoHandlesTest: a wait that gave up while a sibling held the lock was
     * recorded as acquired). A sibling instance's waiter sees our token as a live owner and waits.
     */
    private final int dataLength;
    /** Holder thread in this process, for the ownership checks; plain, as in SpinLockBase. */
    private Thread owner;
    /** Next time a failed tryLock() may check the owner's liveness; plain: a racy hint. */
    private long nextTryCheck;

    private IpcMutex(SharedFile file) throws IOException {
        super(checked(file), true);
        this.dataLength = (int) file.header().param(PARAM_DATA_LENGTH);
    }

    private static SharedFile checked(SharedFile f) throws IOException {
        requireSizes(f, "data length", f.header().param(PARAM_DATA_LENGTH), 0, Integer.MAX_VALUE,
                n -> IpcMutexDescriptor.structureLength((int) n));
        return f;
    }

    /**
     * Creates a free mutex file with a protected data area of {@code dataLength} bytes (may be 0).
     *
     * @param file       the path of the new file
     * @param dataLength the size of the data area the lock guards, &gt;= 0
     * @return the mutex, mapped
     * @throws IllegalArgumentException if {@code dataLength} is negative
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static IpcMutex create(Path file, int dataLength) throws IOException {
        checkLength(dataLength);
        return new IpcMutex(SharedFile.create(file, StructureKind.MUTEX,
                IpcMutexDescriptor.structureLength(dataLength), b -> { }, dataLength));
    }

    /**
     * Opens an existing mutex file.
     *
     * @param file the mutex file
     * @return the mutex, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if it is not a mutex file
     * @throws IOException if the file cannot be read or mapped
     */
    public static IpcMutex open(Path file) throws IOException {
        return new IpcMutex(SharedFile.open(file, StructureKind.MUTEX));
    }

    /**
     * Opens the mutex file, creating it if absent; an existing one must have that data length.
     *
     * @param file       the mutex file
     * @param dataLength the size of the data area, for a new file and expected of an existing one
     * @return the mutex, mapped
     * @throws IllegalArgumentException if {@code dataLength} is negative
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if an existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static IpcMutex openOrCreate(Path file, int dataLength) throws IOException {
        checkLength(dataLength);
        return new IpcMutex(SharedFile.openOrCreate(file, StructureKind.MUTEX,
                IpcMutexDescriptor.structureLength(dataLength), b -> { }, dataLength));
    }

    private static void checkLength(int dataLength) {
        if (dataLength < 0) {
            throw new IllegalArgumentException("dataLength must be >= 0: " + dataLength);
        }
    }

    /**
     * The protected data area (a new view each call; native byte order, position 0 is its first byte).
     * Access it only while holding the lock; the lock's acquire/release order it like any guarded data.
     *
     * @return a view of the data area in the shared mapping
     */
    public ByteBuffer data() {
        return buf().slice(BASE + DATA_OFFSET, dataLength).order(java.nio.ByteOrder.nativeOrder());
    }

    /**
     * Length of the protected data area.
     *
     * @return its size in bytes, fixed at creation
     */
    public int dataLength() {
        return dataLength;
    }

    // ---------------------------------------------------------------------------------------------
    // Robust API

    /**
     * Acquires, waiting without interruption; reports a dead previous owner in its result.
     *
     * @return {@link LockStatus#ACQUIRED}, or {@link LockStatus#OWNER_DIED} if a previous owner died
     *         holding it
     * @throws IllegalMonitorStateException if the current thread already holds the lock (not reentrant)
     */
    public LockStatus lockRobust() {
        checkNotHeld();
        try {
            return acquired(acquire(Waits.UNINTERRUPTIBLE, 0L));
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Acquires if free or if its owner is dead; never waits (beyond one liveness check).
     *
     * @return {@link LockStatus#ACQUIRED}, {@link LockStatus#OWNER_DIED}, or
     *         {@link LockStatus#NOT_ACQUIRED} if a live process holds it
     * @throws IllegalMonitorStateException if the current thread already holds the lock (not reentrant)
     */
    public LockStatus tryLockRobust() {
        checkNotHeld();
        return acquired(tryAcquire(true));
    }

    /**
     * Acquires, waiting at most {@code time}.
     *
     * @param time how long to wait at most, in {@code unit}s
     * @param unit the unit of {@code time}
     * @return {@link LockStatus#ACQUIRED} or {@link LockStatus#OWNER_DIED} if acquired;
     *         {@link LockStatus#NOT_ACQUIRED} if the time elapsed
     * @throws InterruptedException if interrupted before or while waiting
     */
    public LockStatus tryLockRobust(long time, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        checkNotHeld();
        Waits.checkInterrupt();
        long deadline = Waits.deadline(time, unit);
        int r = tryAcquire(true);
        return acquired(r != 0 ? r : acquire(Waits.TIMED, deadline));
    }

    /**
     * Acquires, waiting interruptibly; reports a dead previous owner in its result.
     *
     * @return {@link LockStatus#ACQUIRED}, or {@link LockStatus#OWNER_DIED} if a previous owner died
     *         holding it
     * @throws InterruptedException if interrupted before or while waiting (not acquired)
     * @throws IllegalMonitorStateException if the current thread already holds the lock (not reentrant)
     */
    public LockStatus lockRobustInterruptibly() throws InterruptedException {
        checkNotHeld();
        Waits.checkInterrupt();
        return acquired(acquire(Waits.INTERRUPTIBLE, 0L));
    }

    /**
     * Clears the owner-died notice: the holder has repaired the protected state.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the lock
     */
    public void markConsistent() {
        checkHeld("markConsistent");
        // Opaque: only the holder writes it; unlock's release store publishes it to the next holder.
        MappedAccess.LONG.setOpaque(buf(), BASE + INCONSISTENT_OFFSET, 0L);
    }

    /**
     * Whether no owner-died notice is pending. A snapshot, for monitoring.
     *
     * @return {@code false} from a takeover of a dead owner's lock until {@link #markConsistent()}
     */
    public boolean isConsistent() {
        // Acquire: pairs with the release store of unlock that published the holder's flag write.
        return (long) MappedAccess.LONG.getAcquire(buf(), BASE + INCONSISTENT_OFFSET) == 0L;
    }

    /**
     * How many times a dead owner's lock was taken over (statistics, a snapshot).
     *
     * @return the count since the file was created
     */
    public long recoveries() {
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + RECOVERIES_OFFSET); // opaque: a counter
    }

    /**
     * The pid of the process holding the lock, as seen in that process's PID namespace, or 0 if free
     * (or if the holder has exited and its registry entry was reused). A snapshot, for monitoring.
     *
     * @return the holder's pid, or 0
     */
    public long ownerPid() {
        return pidOf((long) MappedAccess.LONG.getOpaque(buf(), BASE + LOCK_WORD_OFFSET)); // opaque: a snapshot
    }

    /**
     * Who holds the lock, for monitoring: "none", or the holder's pid (in its own PID namespace),
     * its namespace if it is not ours, and its heartbeat age. A snapshot.
     *
     * @return the description, for messages and monitoring
     */
    public String ownerDescription() {
        long token = (long) MappedAccess.LONG.getOpaque(buf(), BASE + LOCK_WORD_OFFSET); // opaque: a snapshot
        return token == 0L ? "none" : participants.describeForMessage(token);
    }

    /**
     * Whether some process holds the lock (a snapshot).
     *
     * @return {@code true} if the lock word names an owner (possibly a dead one not yet taken over)
     */
    public boolean isLocked() {
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + LOCK_WORD_OFFSET) != 0L; // opaque: a snapshot
    }

    /**
     * Whether the current thread holds the lock through this instance.
     *
     * @return {@code true} if it does
     */
    public boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }

    // ---------------------------------------------------------------------------------------------
    // Lock

    /**
     * Acquires, ignoring interrupts (the status is kept).
     *
     * @throws OwnerDiedException after acquiring, if a previous owner died holding the lock; the
     *                            caller holds the lock
     */
    @Override
    public void lock() {
        throwIfOwnerDied(lockRobust());
    }

    /**
     * Acquires interruptibly.
     *
     * @throws OwnerDiedException after acquiring, if a previous owner died holding the lock
     */
    @Override
    public void lockInterruptibly() throws InterruptedException {
        throwIfOwnerDied(lockRobustInterruptibly());
    }

    /**
     * Acquires if free (or if its owner is dead).
     *
     * @throws OwnerDiedException after acquiring, if a previous owner died holding the lock
     */
    @Override
    public boolean tryLock() {
        return throwIfOwnerDied(tryLockRobust());
    }

    /**
     * Acquires, waiting at most {@code time}.
     *
     * @throws OwnerDiedException after acquiring, if a previous owner died holding the lock
     */
    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        return throwIfOwnerDied(tryLockRobust(time, unit));
    }

    /**
     * Releases the lock. An owner-died notice not cleared with {@link #markConsistent()} stays for
     * the next acquirer.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold it through this instance
     */
    @Override
    public void unlock() {
        checkHeld("unlock");
        owner = null;
        ByteBuffer b = buf();
        // Volatile (release would do for the next holder, whose CAS reads this 0 and sees the critical
        // section's writes): the WaitWord protocol's step (a) must be a volatile-mode write, so that the
        // wait word's volatile read in signal follows it in the synchronization order.
        MappedAccess.LONG.setVolatile(b, BASE + LOCK_WORD_OFFSET, 0L);
        WaitWord.signal(b, BASE + WAIT_WORD_OFFSET); // a system call only if a waiter sleeps
    }

    /**
     * Not supported: a condition would need a waiter list another process can signal.
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("IpcMutex has no conditions; use an IpcEvent to signal between processes");
    }

    // ---------------------------------------------------------------------------------------------

    private boolean throwIfOwnerDied(LockStatus s) {
        if (s == LockStatus.OWNER_DIED) {
            // Opaque: we hold the lock, the flag is ours to read.
            long dead = (long) MappedAccess.LONG.getOpaque(buf(), BASE + INCONSISTENT_OFFSET);
            throw new OwnerDiedException(path().toString(), pidOf(dead));
        }
        return s.acquired();
    }

    /** Maps the internal result (0 failed, 1 acquired, 2 taken over from a dead owner) to a status. */
    private LockStatus acquired(int r) {
        if (r == 0) {
            return LockStatus.NOT_ACQUIRED;
        }
        owner = Thread.currentThread();
        if (r == 2) { // opaque read: we hold the lock, the flag (the dead owner's token) is ours to read
            Jfr.ipcRecovery(this, path().toString(), "owner died", pidOf((long) MappedAccess.LONG.getOpaque(buf(), BASE + INCONSISTENT_OFFSET)));
        }
        // Opaque: the holder's own read; the CAS that acquired (volatile) ordered it after the
        // previous holder's writes. Non-zero after a take-over (r == 2) or while a notice is pending.
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + INCONSISTENT_OFFSET) == 0L
                ? LockStatus.ACQUIRED : LockStatus.OWNER_DIED;
    }

    /**
     * One attempt: CAS 0 -&gt; us; if held and {@code checkOwner}, take over from a dead owner.
     *
     * @return 0 failed, 1 acquired, 2 acquired from a dead owner
     */
    private int tryAcquire(boolean checkOwner) {
        ByteBuffer b = buf();
        int word = BASE + LOCK_WORD_OFFSET;
        // Opaque pre-read (test before test-and-set): no ordering needed, the CAS decides.
        long current = (long) MappedAccess.LONG.getOpaque(b, word);
        if (current == 0L) {
            // Volatile CAS: acquires (sees the previous holder's writes before its release of 0).
            return MappedAccess.LONG.compareAndSet(b, word, 0L, me) ? 1 : 0;
        }
        if (checkOwner) {
            long now = System.nanoTime();
            if (now - nextTryCheck >= 0) {
                nextTryCheck = now + Owners.CHECK_INTERVAL_NANOS;
                return takeOverIfDead(b, current);
            }
        }
        return 0;
    }

    private int takeOverIfDead(ByteBuffer b, long token) {
        if (!isDead(token)) {
            return 0;
        }
        // Volatile CAS from the dead token: one taker wins; a dead token never returns, so no ABA.
        if (!MappedAccess.LONG.compareAndSet(b, BASE + LOCK_WORD_OFFSET, token, me)) {
            return 0;
        }
        // We hold the lock: opaque stores, published by our unlock's release store (or read by the
        // next taker after its CAS if we die too).
        MappedAccess.LONG.setOpaque(b, BASE + INCONSISTENT_OFFSET, token);
        MappedAccess.LONG.setOpaque(b, BASE + RECOVERIES_OFFSET,
                (long) MappedAccess.LONG.getOpaque(b, BASE + RECOVERIES_OFFSET) + 1);
        return 2;
    }

    private int acquire(int mode, long deadline) throws InterruptedException {
        int r = tryAcquire(false);
        if (r != 0) {
            return r;
        }
        ByteBuffer b = buf();
        int word = BASE + LOCK_WORD_OFFSET;
        // Only now, and reused: neither the uncontended path nor a wait allocates (IpcSyncBase.Wait).
        WaitSpare.Wait wait = beginWait(WAIT_WORD_OFFSET, 0L, mode, deadline);
        IdleStrategy idle = wait.idle();
        boolean interrupted = false;
        long nextCheck = 0L;
        // JFR ContendedAcquire: begun only here (the waiting path), and only if a recording enables it.
        Object jfr = Jfr.contendedEnabled() ? Jfr.beginContended(this, path().toString(), "pid " + ownerPid()) : null;
        int acquired = 0; // this call's own result, for the event (see the finally block)
        try {
            for (int polls = 1; ; polls++) {
                idle.idle();
                if (mode == Waits.UNINTERRUPTIBLE) {
                    // Clear (and restore at the end) so parks keep parking instead of spinning.
                    interrupted |= Thread.interrupted();
                } else if (Waits.shouldGiveUp(mode, deadline)) {
                    return 0;
                }
                // Opaque poll: the CAS below decides and orders.
                long current = (long) MappedAccess.LONG.getOpaque(b, word);
                if (current == 0L) {
                    if (MappedAccess.LONG.compareAndSet(b, word, 0L, me)) { // volatile: acquires
                        return acquired = 1;
                    }
                } else if (polls >= Owners.POLLS_BEFORE_CHECK) {
                    long now = System.nanoTime();
                    if (nextCheck == 0L || now - nextCheck >= 0) {
                        nextCheck = now + Owners.CHECK_INTERVAL_NANOS;
                        r = takeOverIfDead(b, current);
                        if (r != 0) {
                            return acquired = r;
                        }
                    }
                }
            }
        } finally {
            endWait(wait);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            // The call's own result, not the lock word: the word holds this process's token also while
            // another thread or instance of this process holds the lock, so "our token in the word" is
            // no evidence that this call acquired (a timed or interrupted wait that gave up then read as
            // acquired: IpcMutexTwoHandlesTest).
            Jfr.endContended(jfr, acquired != 0);
        }
    }

    /**
     * The sleep re-check: the lock word is free. Opaque read (WaitWord.announce's full fence orders it
     * after the announce); the CAS of the waiting loop decides.
     */
    @Override
    boolean mayPass(long arg) {
        return (long) MappedAccess.LONG.getOpaque(buf(), BASE + LOCK_WORD_OFFSET) == 0L;
    }

    private void checkNotHeld() {
        if (owner == Thread.currentThread()) {
            throw new IllegalMonitorStateException("IpcMutex " + path()
                    + " is not reentrant and the current thread already holds it");
        }
    }

    private void checkHeld(String what) {
        if (owner != Thread.currentThread()) {
            throw new IllegalMonitorStateException(what + ": the current thread does not hold IpcMutex " + path()
                    + (isLocked() ? " (held by pid " + ownerPid() + ")" : " (not locked)"));
        }
    }

    @Override
    public String toString() {
        long pid = ownerPid();
        return "IpcMutex[" + path() + (pid == 0 ? ", unlocked]" : ", locked by pid " + pid + "]");
    }
}
