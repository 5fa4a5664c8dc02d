package dev.lockstep.ipc.sync;

import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.ARRIVED_MASK;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.BROKEN_BIT;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.ENDED_BROKEN_OFFSET;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.PARAM_PARTIES;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.REASON_INTERRUPT;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.REASON_OFFSET;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.REASON_RESET;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.REASON_TIMEOUT;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.STATE_OFFSET;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.WAIT_WORD_OFFSET;
import static dev.lockstep.ipc.sync.IpcBarrierDescriptor.slotOffset;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.wait.WaitWord;
import dev.lockstep.ipc.wait.WaitSpare;

/**
 * A cyclic barrier for parties in several processes, shared through a memory-mapped file: each
 * generation trips when all {@code parties} have called {@link #await()}. A party that dies breaks
 * the barrier for the others, who get a {@link BrokenBarrierException} naming the dead pid instead of
 * waiting forever.
 *
 * <pre>{@code
 * // One party per worker process; each step starts when all workers finished the previous one.
 * try (IpcBarrier step = IpcBarrier.openOrCreate(dir.resolve("step"), workers)) {
 *     while (running) {
 *         compute();
 *         step.await();            // BrokenBarrierException if a worker died
 *     }
 * }
 * }</pre>
 *
 * <h2>Parties register</h2>
 * Each instance is one party. Its first {@link #await()} (or {@link #register()}) claims a slot in
 * the file holding its process's {@link dev.lockstep.ipc.shm.Participants} token; {@link #close()}
 * frees it. After their spin phase, waiters judge one registered party of another process per
 * millisecond, round robin (so an idle waiter's cost does not grow with the parties); a dead one
 * breaks the current generation. Parties in another PID namespace are judged by heartbeat and kernel
 * lock: a stopped party (SIGSTOP) is late, not dead. A party that dies before registering is not seen (the waiters then
 * wait, as for a party that is late). After a break, the survivors (or a supervisor) call
 * {@link #reset()}, which also frees the dead parties' slots so replacement processes can register.
 *
 * <h2>Contract</h2>
 * As {@link java.util.concurrent.CyclicBarrier} without the barrier action: {@code await} returns the
 * arrival index ({@code parties - 1} for the first, 0 for the last); a timeout breaks the barrier and
 * throws {@link TimeoutException} for that party; an interrupt while waiting breaks it and throws
 * {@link InterruptedException}; the others get {@link BrokenBarrierException}; arriving at a broken
 * barrier throws at once; {@link #reset()} breaks a generation with waiters and starts a new one.
 *
 * <h2>Algorithm</h2>
 * A sense-reversing (generation-counting) centralized barrier: one word holds the generation, a broken
 * bit and the arrival count; an arrival is one compare-and-set, the last arrival's CAS moves to the next
 * generation with a count of zero, waiters poll for the generation to change. Breaking is a CAS that
 * sets the bit, so a generation either trips or breaks, never both. Source: Mellor-Crummey &amp; Scott
 * 1991, <i>Algorithms for Scalable Synchronization on Shared-Memory Multiprocessors</i> (centralized
 * barrier); Herlihy &amp; Shavit 17.3.
 *
 * <h2>Waiting and properties</h2>
 * Waiters poll and idle with an Agrona {@link IdleStrategy} (default
 * {@link dev.lockstep.ipc.shm.Idle#backoff()}; see {@link dev.lockstep.ipc.shm.Idle};
 * {@link #setIdleStrategy}), created only when a call first has to wait and kept for later waits (a
 * waiting party allocates nothing); interrupts and deadlines are
 * checked after every idle. Memory effects: actions of every party before its {@code await} happen
 * before the actions of every party after the trip. Progress: blocking; a dead registered party never
 * leaves the others waiting longer than {@code parties} liveness periods (same namespace) or the
 * heartbeat suspicion bound (another namespace). Space: 256 bytes + 8 per party.
 */
public final class IpcBarrier extends IpcSyncBase {
    /*
     * Implementation notes.
     * State changes: arrival (g, a) -> (g, a+1); trip (g, parties-1) -> (g+1, 0); break (g, a) ->
     * (g, a | BROKEN); reset (g, *) -> (g+1, 0), only after breaking g if it had waiters. A broken
     * generation is frozen until reset. Waiters that see the generation move on read 'ended broken'
     * (written by reset before its CAS) to tell a reset from a trip; a waiter that sleeps through two
     * broken-and-reset generations would take them for trips (documented limitation, needs a waiter
     * descheduled for two whole generations).
     */
    private final int parties;
    /** This instance's party slot, or -1; plain: used by the threads of this party. */
    private int party = -1;
    /** Next party slot a waiter judges (one per liveness interval); plain: a racy round-robin hint. */
    private int nextPartyToCheck;

    private IpcBarrier(SharedFile file) throws IOException {
        super(checked(file), true);
        this.parties = (int) file.header().param(PARAM_PARTIES);
    }

    private static SharedFile checked(SharedFile f) throws IOException {
        requireSizes(f, "parties", f.header().param(PARAM_PARTIES), 1, 1 << 20,
                n -> IpcBarrierDescriptor.structureLength((int) n));
        return f;
    }

    /**
     * Creates a barrier file for {@code parties} parties (at least 1).
     *
     * @param file    the path of the new file
     * @param parties how many parties must arrive to trip it, in [1, 2^20]
     * @return the barrier, mapped
     * @throws IllegalArgumentException if {@code parties} is out of range
     * @throws java.nio.file.FileAlreadyExistsException if the file exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static IpcBarrier create(Path file, int parties) throws IOException {
        check(parties);
        return new IpcBarrier(SharedFile.create(file, StructureKind.BARRIER,
                IpcBarrierDescriptor.structureLength(parties), b -> { }, parties));
    }

    /**
     * Opens an existing barrier file.
     *
     * @param file the barrier file
     * @return the barrier, mapped
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if it is not a barrier file
     * @throws IOException if the file cannot be read or mapped
     */
    public static IpcBarrier open(Path file) throws IOException {
        return new IpcBarrier(SharedFile.open(file, StructureKind.BARRIER));
    }

    /**
     * Opens the file, creating it if absent; an existing one must have the same number of parties.
     *
     * @param file    the barrier file
     * @param parties how many parties must arrive to trip it, in [1, 2^20]
     * @return the barrier, mapped
     * @throws IllegalArgumentException if {@code parties} is out of range
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if an existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public static IpcBarrier openOrCreate(Path file, int parties) throws IOException {
        check(parties);
        return new IpcBarrier(SharedFile.openOrCreate(file, StructureKind.BARRIER,
                IpcBarrierDescriptor.structureLength(parties), b -> { }, parties));
    }

    private static void check(int parties) {
        if (parties < 1 || parties > 1 << 20) {
            throw new IllegalArgumentException("parties must be in [1, 2^20]: " + parties);
        }
    }

    /**
     * Parties needed to trip.
     *
     * @return the count fixed at creation
     */
    public int getParties() {
        return parties;
    }

    /**
     * Parties waiting in the current generation (a snapshot).
     *
     * @return the number arrived and not yet released
     */
    public int getNumberWaiting() {
        return (int) (state() & ARRIVED_MASK);
    }

    /**
     * Whether the current generation is broken (a snapshot).
     *
     * @return {@code true} if broken and not yet {@link #reset()}
     */
    public boolean isBroken() {
        return (state() & BROKEN_BIT) != 0;
    }

    /**
     * Registers this instance as a party (claims a slot holding this process's identity); idempotent.
     * {@link #await()} does it on first use.
     *
     * @throws IllegalStateException  if all slots are taken by live parties
     * @throws BrokenBarrierException if all slots are taken and one holds a dead party (the barrier
     *                                is broken; call {@link #reset()} to free the slot)
     */
    public void register() throws BrokenBarrierException {
        if (party >= 0) {
            return;
        }
        ByteBuffer b = buf();
        for (int i = 0; i < parties; i++) {
            // Volatile CAS: claims the slot; waiters read it with opaque (identity only, no data).
            if ((long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(i)) == 0L
                    && MappedAccess.LONG.compareAndSet(b, BASE + slotOffset(i), 0L, me)) {
                party = i;
                return;
            }
        }
        long dead = findAnyDeadParty(b);
        if (dead != 0L) {
            long s = state();
            breakBarrier(b, (int) (s >>> 32), reasonFor(dead));
            throw broken(b);
        }
        throw new IllegalStateException(path() + ": all " + parties + " party slots are taken by live parties");
    }

    /**
     * Waits until all parties have arrived.
     *
     * @return the arrival index: {@code parties - 1} for the first to arrive, 0 for the last
     * @throws BrokenBarrierException if the generation broke (a party died, timed out, was interrupted,
     *                                or reset), before or while waiting; the message says why
     * @throws InterruptedException if interrupted while waiting (the barrier is then broken for the others)
     */
    public int await() throws InterruptedException, BrokenBarrierException {
        try {
            return await(Waits.INTERRUPTIBLE, 0L);
        } catch (TimeoutException impossible) {
            throw new AssertionError(impossible);
        }
    }

    /**
     * Waits at most {@code time} for all parties; on timeout breaks the barrier.
     *
     * @param time how long to wait at most, in {@code unit}s
     * @param unit the unit of {@code time}
     * @return the arrival index: {@code parties - 1} for the first to arrive, 0 for the last
     * @throws TimeoutException if the time elapsed (the barrier is then broken for the others)
     * @throws BrokenBarrierException if the generation broke before or while waiting; the message says why
     * @throws InterruptedException if interrupted while waiting (the barrier is then broken for the others)
     */
    public int await(long time, TimeUnit unit) throws InterruptedException, BrokenBarrierException, TimeoutException {
        Waits.requireUnit(unit);
        return await(Waits.TIMED, Waits.deadline(time, unit));
    }

    /**
     * Breaks the current generation if parties are waiting in it (they get
     * {@link BrokenBarrierException}), frees the slots of dead parties, and starts a new generation.
     */
    public void reset() {
        ByteBuffer b = buf();
        for (int i = 0; i < parties; i++) {
            long token = (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(i)); // opaque: identity only
            if (token != 0L && isDead(token)) {
                MappedAccess.LONG.compareAndSet(b, BASE + slotOffset(i), token, 0L); // volatile: frees it once
            }
        }
        while (true) {
            long s = state();
            int gen = (int) (s >>> 32);
            if ((s & ARRIVED_MASK) != 0 && (s & BROKEN_BIT) == 0) {
                breakBarrier(b, gen, REASON_RESET); // freezes g (or it tripped meanwhile: retry)
                continue;
            }
            if ((s & BROKEN_BIT) != 0) {
                // Volatile: written before the CAS below, read by waiters after they see the new generation.
                MappedAccess.LONG.setVolatile(b, BASE + ENDED_BROKEN_OFFSET, (gen & 0xFFFF_FFFFL) + 1);
            }
            // Volatile CAS: a new generation with no arrivals.
            if (MappedAccess.LONG.compareAndSet(b, BASE + STATE_OFFSET, s, (long) (gen + 1) << 32)) {
                WaitWord.signal(b, BASE + WAIT_WORD_OFFSET); // after the volatile CAS: step (a)
                return;
            }
        }
    }

    /** Leaves: frees this party's slot (does not break the barrier), then unmaps. */
    @Override
    public void close() {
        int p = party;
        if (p >= 0 && !file.isClosed()) {
            // Volatile CAS: frees the slot only if it is still ours (reset may have freed it).
            MappedAccess.LONG.compareAndSet(buf(), BASE + slotOffset(p), me, 0L);
            party = -1;
        }
        super.close();
    }

    // ---------------------------------------------------------------------------------------------

    private long state() {
        // Acquire: seeing a new generation shows every party's writes before its arrival CAS.
        return (long) MappedAccess.LONG.getAcquire(buf(), BASE + STATE_OFFSET);
    }

    private int await(int mode, long deadline)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        Waits.checkInterrupt();
        register();
        ByteBuffer b = buf();
        int at = BASE + STATE_OFFSET;
        int gen;
        int index;
        while (true) {
            long s = (long) MappedAccess.LONG.getVolatile(b, at); // volatile: the CAS below re-checks
            if ((s & BROKEN_BIT) != 0) {
                throw broken(b);
            }
            gen = (int) (s >>> 32);
            long arrived = s & ARRIVED_MASK;
            long next = arrived + 1 == parties ? (long) (gen + 1) << 32 : s + 1;
            // Volatile CAS: an arrival releases this party's writes; the tripping CAS (last in the
            // RMW chain) carries all of them to the waiters that acquire-read the new generation.
            if (MappedAccess.LONG.compareAndSet(b, at, s, next)) {
                index = (int) (parties - 1 - arrived);
                if (index == 0) {
                    WaitWord.signal(b, BASE + WAIT_WORD_OFFSET); // after the volatile tripping CAS
                    return 0;
                }
                break;
            }
        }
        // Only now, and reused: neither a party that trips nor one that waits allocates (IpcSyncBase.Wait).
        WaitSpare.Wait wait = beginWait(WAIT_WORD_OFFSET, gen, mode, deadline);
        IdleStrategy idle = wait.idle();
        // JFR ContendedAcquire: begun only here (a party that waits), only if a recording enables it;
        // committed at the end if the wait reached the recording's threshold (acquired: the barrier
        // tripped; every normal return of awaitTrip is a trip, every exception is not).
        Object jfr = Jfr.contendedEnabled() ? Jfr.beginContended(this, path().toString(), (String) null) : null;
        boolean tripped = false;
        try {
            int r = awaitTrip(b, gen, index, idle, mode, deadline);
            tripped = true;
            return r;
        } finally {
            endWait(wait);
            Jfr.endContended(jfr, tripped);
        }
    }

    /**
     * The sleep re-check of a party waiting in generation {@code arg}: the generation moved on or the
     * barrier broke. Opaque read of the state (WaitWord.announce's full fence orders it after the
     * announce); the waiting loop decides.
     */
    @Override
    boolean mayPass(long arg) {
        long s = (long) MappedAccess.LONG.getOpaque(buf(), BASE + STATE_OFFSET);
        return (int) (s >>> 32) != (int) arg || (s & BROKEN_BIT) != 0;
    }

    /** The waiting loop of a party that arrived at generation {@code gen} and did not trip it. */
    private int awaitTrip(ByteBuffer b, int gen, int index, IdleStrategy idle, int mode, long deadline)
            throws InterruptedException, BrokenBarrierException, TimeoutException {
        long nextCheck = 0L;
        for (int polls = 1; ; polls++) {
            idle.idle();
            long s = state();
            if ((int) (s >>> 32) != gen) {
                // Volatile read of 'ended broken': written by reset before its state CAS.
                if ((long) MappedAccess.LONG.getVolatile(b, BASE + ENDED_BROKEN_OFFSET) == (gen & 0xFFFF_FFFFL) + 1) {
                    throw broken(b, gen);
                }
                return index;
            }
            if ((s & BROKEN_BIT) != 0) {
                throw broken(b);
            }
            if (Thread.interrupted()) {
                if (breakBarrier(b, gen, REASON_INTERRUPT)) {
                    throw new InterruptedException();
                }
                Thread.currentThread().interrupt(); // tripped meanwhile: return normally, keep the status
                return index;
            }
            if (mode == Waits.TIMED && System.nanoTime() - deadline >= 0) {
                if (breakBarrier(b, gen, REASON_TIMEOUT)) {
                    throw new TimeoutException(path() + ": timed out waiting for " + (parties - getNumberWaiting())
                            + " of " + parties + " parties (the barrier is now broken)");
                }
                return index;
            }
            if (polls >= Owners.POLLS_BEFORE_CHECK) {
                long now = System.nanoTime();
                if (nextCheck == 0L || now - nextCheck >= 0) {
                    nextCheck = now + Owners.CHECK_INTERVAL_NANOS;
                    long dead = checkOneParty(b);
                    if (dead != 0L && breakBarrier(b, gen, reasonFor(dead))) {
                        throw broken(b);
                    }
                }
            }
        }
    }

    /** Every registered party judged (register's slow path only): a dead one's token, or 0. */
    private long findAnyDeadParty(ByteBuffer b) {
        for (int i = 0; i < parties; i++) {
            long token = (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(i)); // opaque: identity only
            if (token != 0L && token != me && isDead(token)) {
                return token;
            }
        }
        return 0L;
    }

    /**
     * Judges the next registered party of another process (round robin; free slots and this
     * process's parties cost no verdict): its token if dead, else 0. One {@code /proc} read per
     * liveness interval whatever the number of parties; a dead party is found within
     * {@code parties} intervals.
     */
    private long checkOneParty(ByteBuffer b) {
        int start = nextPartyToCheck;
        for (int k = 0; k < parties; k++) {
            int i = (start + k) % parties;
            long token = (long) MappedAccess.LONG.getOpaque(b, BASE + slotOffset(i)); // opaque: identity only
            if (token != 0L && token != me) {
                nextPartyToCheck = (i + 1) % parties;
                return isDead(token) ? token : 0L;
            }
        }
        return 0L;
    }

    /** The break code for a dead party: its pid (in its own namespace), or REASON_DEAD_PARTY if unknown. */
    private int reasonFor(long deadToken) {
        long pid = pidOf(deadToken);
        return pid > 0 && pid <= Integer.MAX_VALUE ? (int) pid : IpcBarrierDescriptor.REASON_DEAD_PARTY;
    }

    /**
     * Breaks generation {@code gen} for {@code reason} (first reason wins).
     *
     * @return {@code true} if the generation is broken now, {@code false} if it tripped or was reset
     */
    private boolean breakBarrier(ByteBuffer b, int gen, int reason) {
        int at = BASE + STATE_OFFSET;
        long tagged = (long) gen << 32 | (reason & 0xFFFF_FFFFL);
        long old = (long) MappedAccess.LONG.getVolatile(b, BASE + REASON_OFFSET);
        if ((int) (old >>> 32) != gen || (int) old == 0) {
            // Volatile CAS before the state CAS: a waiter that sees the broken bit sees the reason.
            MappedAccess.LONG.compareAndSet(b, BASE + REASON_OFFSET, old, tagged);
        }
        while (true) {
            long s = (long) MappedAccess.LONG.getVolatile(b, at);
            if ((int) (s >>> 32) != gen) {
                return false;
            }
            if ((s & BROKEN_BIT) != 0) {
                return true;
            }
            if (MappedAccess.LONG.compareAndSet(b, at, s, s | BROKEN_BIT)) { // volatile: freezes the generation
                WaitWord.signal(b, BASE + WAIT_WORD_OFFSET); // after the volatile CAS: step (a)
                return true;
            }
        }
    }

    private BrokenBarrierException broken(ByteBuffer b) {
        return broken(b, (int) (state() >>> 32));
    }

    private BrokenBarrierException broken(ByteBuffer b, int gen) {
        long r = (long) MappedAccess.LONG.getVolatile(b, BASE + REASON_OFFSET); // volatile: see breakBarrier
        int code = (int) r;
        String why;
        if ((int) (r >>> 32) != gen || code == 0) {
            why = "broken";
        } else if (code > 0) {
            why = "broken: party pid " + code + " died";
        } else if (code == REASON_TIMEOUT) {
            why = "broken: a party timed out";
        } else if (code == REASON_INTERRUPT) {
            why = "broken: a party was interrupted";
        } else if (code == REASON_RESET) {
            why = "broken: reset while parties were waiting";
        } else if (code == IpcBarrierDescriptor.REASON_DEAD_PARTY) {
            why = "broken: a party died";
        } else {
            why = "broken (code " + code + ")";
        }
        return new BrokenBarrierException("IpcBarrier " + path() + " " + why + "; call reset() to reuse it");
    }

    @Override
    public String toString() {
        long s = state();
        return "IpcBarrier[" + path() + ", generation " + (s >>> 32) + ", " + (s & ARRIVED_MASK) + " of " + parties
                + " waiting" + ((s & BROKEN_BIT) != 0 ? ", broken]" : "]");
    }
}
