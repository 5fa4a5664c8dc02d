package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.jfr.Jfr;

import java.lang.invoke.VarHandle;

/**
 * A sequence lock: writers take an exclusive lock that makes a sequence number odd while they write;
 * readers take no lock at all: they read the sequence, read the data, and retry if the sequence changed
 * meanwhile. Reads never block writers and cost readers no shared-memory writes, so read-mostly data
 * shared by many cores (a timestamp pair, a small record of statistics, a configuration snapshot) is
 * read at the speed of plain loads.
 *
 * <pre>{@code
 * final SeqLock seq = new SeqLock();
 * long x, y;                               // the protected data: plain fields
 *
 * void move(long dx, long dy) {            // writer
 *     seq.writeLock();
 *     try {
 *         x += dx;
 *         y += dy;
 *     } finally {
 *         seq.writeUnlock();
 *     }
 * }
 *
 * long[] position() {                      // reader: copy into locals, validate, then use
 *     long s, rx, ry;
 *     do {
 *         s = seq.readBegin();
 *         rx = x;
 *         ry = y;
 *     } while (!seq.readValidate(s));
 *     return new long[] {rx, ry};          // never a torn pair
 * }
 * }</pre>
 *
 * <p><b>Rules for readers.</b> Between {@link #readBegin()} and a successful {@link #readValidate(long)}
 * the values read may be inconsistent (a writer may be half-way): copy them into locals and do not act
 * on them (index arrays, follow references, divide) before validating. Protected data should be
 * primitives or immutable objects. A reader never writes shared state and cannot starve a writer; a
 * reader can be starved by a continuous stream of writers (the price of invisible readers).
 *
 * <p><b>Algorithm and memory ordering</b>, after the Linux kernel's {@code seqlock_t} and H.-J. Boehm,
 * <i>Can Seqlocks Get Along With Programming Language Memory Models?</i> (MSPC 2012), whose fence
 * placement this class follows (Java's {@link VarHandle} fences have the C++11 meanings):
 * <ul>
 *   <li>writer: compare-and-set the sequence from even {@code s} to odd {@code s+1} (excludes other
 *       writers), {@link VarHandle#storeStoreFence()} so the odd value is visible before any data
 *       store, data stores, then a release store of {@code s+2} (data stores visible before the even
 *       value);</li>
 *   <li>reader: an acquire load of the sequence (data loads cannot move before it), data loads, an
 *       {@link VarHandle#acquireFence()} (data loads cannot move after the next load), then an opaque
 *       load of the sequence: equal and even means no writer ran in between, so the data loads saw
 *       exactly the stores of the last completed write.</li>
 * </ul>
 * Properties: writers are mutually exclusive (deadlock-free, not FIFO: they compete with
 * compare-and-set, waiting by {@link SpinPolicy}); readers are wait-free per attempt and obstruction-
 * free overall.
 *
 * <p>JFR: {@code dev.lockstep.ContendedAcquire} (threshold 10 ms by default, holder unknown) is emitted
 * for a {@link #writeLock()} that waited for another writer, and for a {@link #readBegin()} that waited
 * for a writer to leave, measured from the first odd sequence it read to the even one it returns (the
 * stack trace shows which). That is what "waited" means for an optimistic reader: the time it could
 * not start a read. A failed {@link #readValidate(long)} is not a wait and is not recorded: the reader
 * keeps no state between its calls (it writes nothing shared, which is the point of the lock), so a
 * retry that finds the sequence even again starts at once; a reader held back by a writer on its retry
 * waits in {@code readBegin} again, and that wait is recorded.
 *
 * <p>Space: one padded 64-bit counter (128 bytes either side, so that the readers' line is
 * not disturbed by stores to neighbouring data); nothing per thread; no allocation.
 */
public final class SeqLock {
    /*
     * Implementation notes.
     * seq is even when no writer is inside, odd while one is. It only grows (2^63 writes before wrap).
     * Writers are exclusive because only the thread whose CAS moved seq from even to odd may write.
     */
    private final PaddedLong seq = new PaddedLong(0L);

    /** A SeqLock with sequence 0 and no writer. */
    public SeqLock() {
    }

    /**
     * Starts an optimistic read: waits while a writer is inside, then returns the (even) sequence to
     * pass to {@link #readValidate(long)}.
     *
     * @return the sequence number at the start of the read, even
     */
    public long readBegin() {
        // Acquire: the data loads that follow cannot be performed before this load.
        long s = seq.getAcquire();
        return (s & 1L) == 0 ? s : readBeginContended();
    }

    /** readBegin's waiting path: a writer is inside (the uncontended readBegin is one load and a test). */
    private long readBeginContended() {
        Object jfr = Jfr.beginContended(this); // JFR ContendedAcquire: null unless a recording enables it
        long s;
        int step = 0;
        do {
            step = SpinPolicy.idle(step);
            s = seq.getAcquire(); // acquire: as in readBegin
        } while ((s & 1L) != 0);
        Jfr.endContended(jfr, true);
        return s;
    }

    /**
     * Ends an optimistic read: true if no writer entered since {@link #readBegin()} returned {@code s},
     * so the values read in between are consistent; false means: discard them and retry.
     *
     * @param s the sequence number returned by {@link #readBegin()}
     * @return {@code true} if the values read since are consistent
     */
    public boolean readValidate(long s) {
        // Acquire fence: the data loads before it are ordered before the sequence load after it (a plain
        // or opaque load alone could be satisfied before the data loads). Boehm 2012, section 5.
        VarHandle.acquireFence();
        // Opaque: after the fence, an atomic coherent load suffices.
        return seq.getOpaque() == s;
    }

    /**
     * Whether a writer is inside now (a snapshot).
     *
     * @return {@code true} if a writer was inside at the time of the call
     */
    public boolean isWriteLocked() {
        return (seq.getOpaque() & 1L) != 0;
    }

    /**
     * The current sequence number (a snapshot; odd while a writer is inside).
     *
     * @return the current sequence number
     */
    public long sequence() {
        return seq.getAcquire();
    }

    /** Enters the write side, waiting (spin, yield, nap: {@link SpinPolicy}) while another writer is inside. */
    public void writeLock() {
        if (!tryWriteLock()) {
            writeLockContended();
        }
    }

    /**
     * Enters the write side if no writer is inside; never waits.
     *
     * @return {@code true} if the write side was entered
     */
    public boolean tryWriteLock() {
        long s = seq.getOpaque();
        // Volatile CAS: excludes other writers and acquires the previous writer's data stores.
        if ((s & 1L) == 0 && seq.compareAndSet(s, s + 1)) {
            // Store-store fence: the odd sequence is visible before any data store of this write, so a
            // reader that sees one of them also sees a changed sequence at validation.
            VarHandle.storeStoreFence();
            return true;
        }
        return false;
    }

    /**
     * Leaves the write side.
     *
     * @throws IllegalMonitorStateException if no writer is inside (the caller must hold the write side)
     */
    public void writeUnlock() {
        long s = seq.getOpaque(); // opaque: the writer reads back its own odd value
        if ((s & 1L) == 0) {
            throw new IllegalMonitorStateException("SeqLock.writeUnlock() without writeLock(): sequence " + s);
        }
        // Release: every data store of this write is visible before the even sequence.
        seq.setRelease(s + 1);
    }

    /** writeLock's waiting path (the uncontended writeLock is one tryWriteLock, as before). */
    private void writeLockContended() {
        Object jfr = Jfr.beginContended(this); // JFR ContendedAcquire: null unless a recording enables it
        int step = 0;
        do {
            step = SpinPolicy.idle(step);
        } while (!tryWriteLock());
        Jfr.endContended(jfr, true);
    }

    @Override
    public String toString() {
        long s = seq.getOpaque();
        return super.toString() + "[sequence " + s + ((s & 1L) != 0 ? ", write-locked]" : "]");
    }
}
