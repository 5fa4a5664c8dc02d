package dev.lockstep.ipc.wait;

import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The futex word of a shared structure: lets a waiter sleep in the kernel while a waker pays no
 * system call unless somebody sleeps (an eventcount with a "sleepers" bit, after U. Drepper,
 * "Futexes Are Tricky", 2011, and the eventcounts of Reed and Kanodia, CACM 1979).
 *
 * <p>The word is a 32-bit int in the mapped file: bit 0 says "a sleeper announced itself", bits
 * 1..31 are a sequence number advanced by every wake-up. Its line is its own (it is read by every
 * waker: no other field may share it).
 *
 * <pre>{@code
 * // waker (after changing the structure's state with a volatile-mode access):
 * WaitWord.signal(buf, WORD);
 * // waiter (one step of its waiting loop, after it found the state not ready):
 * int seen = WaitWord.announce(buf, WORD);
 * if (!ready()) WaitWord.sleep(buf, WORD, seen, nanos);  // re-check after announcing, then sleep
 * }</pre>
 *
 * <h2>The protocol</h2>
 * <ul>
 *   <li>Waiter: (1) sets the sleepers bit (compare-and-set, unless it is set) and remembers the
 *       word's value {@code v} (bit set); (2) full fence; (3) re-checks the structure's state and
 *       returns if it is ready; (4) {@code FUTEX_WAIT(word, v)}: the kernel sleeps only while the word
 *       still holds {@code v}, atomically with queueing the sleeper.</li>
 *   <li>Waker: (a) changes the state with a volatile-mode access; (b) reads the word (volatile); if the
 *       bit is clear, done: no system call; (c) else compare-and-sets it to the next sequence with the
 *       bit clear, and (d) {@code FUTEX_WAKE} all.</li>
 * </ul>
 * No lost wake-up: if the waiter's re-check (3) missed the state change (a), then (3) precedes (a),
 * so the waker's read (b) comes after the waiter's announce (1) and sees either the announced value
 * {@code v} (it then advances the word and wakes) or a later value. Every later value differs from
 * {@code v} (only wakers change a word with the bit set, and they advance the sequence), so either
 * the waiter's {@code FUTEX_WAIT} finds the word changed and returns at once, or the waiter is queued
 * before the advancing waker's {@code FUTEX_WAKE}, which wakes it. Proven by the jcstress tests
 * {@code WaitWordNoLostWakeupTest} (forbidden: the waiter sleeps on an unchanged word, the waker
 * saw no sleeper) and {@code WaitWordStolenWakeTest} (forbidden: the same after a second waker took
 * the bit first). The sequence wraps after 2^31 wake-ups; a waiter that sleeps through exactly that
 * many sleeps at most its bounded time ({@link dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS}).
 *
 * <p>Wake-all, not wake-one: every sleeper re-checks and re-announces, so a waker that clears the
 * bit for several sleepers (or for a process killed while asleep: its bit is cleared by the next
 * waker, nothing stays behind) needs no count. The cost is a herd when many sleep on one structure.
 *
 * <h2>Implementation notes</h2>
 * Invariant: the word changes only by (1) (bit 0 -&gt; 1, sequence kept) and (c) (bit 1 -&gt; 0,
 * sequence + 1). A waker in a process without a kernel sleep ({@link Waiting#kernel()} null) still
 * advances the word (so a peer about to sleep on the old value does not), but cannot wake a peer
 * already asleep: that peer wakes at its sleep bound.
 */
public final class WaitWord {
    /** Bit 0: a sleeper announced itself since the last wake-up. */
    static final int SLEEPERS = 1;

    private WaitWord() {
    }

    /**
     * The waker's step, after a volatile-mode state change: wakes every sleeper if one announced
     * itself; otherwise one volatile read, no system call.
     *
     * @return whether a sleeper had announced itself (the word was advanced and sleepers woken)
     */
    public static boolean signal(ByteBuffer b, int at) {
        if (claimWake(b, at)) {
            KernelSleep k = Waiting.kernel();
            if (k != null) {
                k.wakeAll(b, at);
            }
            return true;
        }
        return false;
    }

    /**
     * Steps (b) and (c): whether a sleeper announced itself; if so the word has been advanced (bit
     * cleared) and the caller must wake all sleepers.
     */
    public static boolean claimWake(ByteBuffer b, int at) {
        // Volatile read: the caller's state change was a volatile-mode access, so both are
        // synchronization actions and the total synchronization order, consistent with program order,
        // puts this read after that change; a waiter whose re-check (after its announce and full fence)
        // missed the change therefore announced before this read, which sees that value or a later one.
        int v = (int) MappedAccess.INT.getVolatile(b, at);
        while ((v & SLEEPERS) != 0) {
            // Volatile CAS (bit set -> next sequence, bit clear): exactly one waker claims an announced
            // value; the advanced value makes a waiter that announced it return from FUTEX_WAIT.
            int witness = (int) MappedAccess.INT.compareAndExchange(b, at, v, v + 1);
            if (witness == v) {
                return true;
            }
            v = witness; // another waker claimed it, or a waiter re-announced on a later sequence
        }
        return false;
    }

    /**
     * Step (1) and (2): announces a sleeper and returns the value to sleep on. The caller must then
     * re-check its condition and call {@link #sleep} only if it still has to wait.
     */
    public static int announce(ByteBuffer b, int at) {
        // Volatile read: the value this waiter will sleep on (it must be the current one when the
        // re-check runs; the fence below orders the re-check after it).
        int v = (int) MappedAccess.INT.getVolatile(b, at);
        while ((v & SLEEPERS) == 0) {
            // Volatile CAS: sets the bit on exactly the value read, so the sequence part is the one
            // a later waker must advance.
            int witness = (int) MappedAccess.INT.compareAndExchange(b, at, v, v | SLEEPERS);
            if (witness == v) {
                v |= SLEEPERS;
                break;
            }
            v = witness;
        }
        // Full fence: the caller's re-check loads (of any access mode) are not reordered before the
        // announce above (VarHandle.fullFence: loads and stores before the fence are not reordered
        // with loads and stores after it). Without it an acquire or opaque re-check could read the
        // state before the bit is visible to a waker: a lost wake-up (store-load reordering).
        VarHandle.fullFence();
        return v;
    }

    /**
     * Step (4): sleeps in the kernel while the word holds {@code expected}, at most {@code nanos}.
     *
     * @return {@code false} if there is no kernel sleep or it failed (the caller polls instead)
     */
    public static boolean sleep(ByteBuffer b, int at, int expected, long nanos) {
        KernelSleep k = Waiting.kernel();
        return k != null && k.sleep(b, at, expected, nanos);
    }

    /** The word's value (for inspection and tests): sequence in bits 1..31, sleepers bit 0. */
    public static int value(ByteBuffer b, int at) {
        return (int) MappedAccess.INT.getVolatile(b, at); // volatile: a snapshot ordered with the caller's accesses
    }
}
