package dev.lockstep.ipc.queue;

import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.FREE;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.READING;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.READY;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.SEQUENCE_MASK;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.STATE_MASK;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.WRITING;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.Waits;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.wait.WaitWord;
import dev.lockstep.ipc.wait.Waiting;
import dev.lockstep.ipc.wait.WaitSpare;

/**
 * A bounded priority message queue in shared memory for many producer and many consumer processes
 * (and threads), in the manner of POSIX {@code mq_send}/{@code mq_receive} and Boost.Interprocess
 * {@code message_queue}, that survives the death of any producer or consumer.
 *
 * <pre>{@code
 * Path file = ShmDirectory.openDefault().resolve("jobs");
 * try (SharedPriorityQueue q = SharedPriorityQueue.openOrCreate(file, 256, 1024)) {
 *     q.send(7, ByteBuffer.wrap("urgent".getBytes(US_ASCII)));      // producer process
 *
 *     ByteBuffer dst = ByteBuffer.allocateDirect(q.maxMessageSize()); // consumer process, reused
 *     int priority = q.receive(dst.clear());  // highest priority, oldest first; blocks while empty
 *     int length = dst.position();            // the message is dst[0, length)
 * }
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>The maximum message count and maximum message size are fixed at creation and recorded in the
 *       file header; {@link #open} reads them from there. Priorities range over 0 ..
 *       {@value #MAX_PRIORITY} (POSIX's minimum {@code MQ_PRIO_MAX} is 32); larger is more urgent.
 *       Messages may be empty.</li>
 *   <li>A receive returns the message with the highest priority, and among those the oldest (the
 *       lowest send sequence number, taken when the send completes): FIFO within a priority. A receive
 *       never passes over a waiting message of at least the same priority that was sent before the
 *       message it takes (sent before: the first send completed before the second began); in
 *       particular one consumer receives one producer's messages of one priority in send order.
 *       Messages sent concurrently are ordered by their sequence numbers only among those the scan
 *       saw; on a queue no one is sending to, the order is exact.</li>
 *   <li>{@code send} blocks while the queue is full, {@code trySend} fails at once, the timed
 *       {@code trySend} waits up to its timeout; likewise {@code receive} / {@code tryReceive}.
 *       Blocking calls throw {@link InterruptedException} when interrupted. How they wait
 *       ({@link #waitMode()}): in {@link WaitMode#FUTEX} (Linux, JDK 22+, platform threads) a short
 *       spin, then sleeps in the kernel on the queue's not-empty / not-full futex word, woken by the
 *       send or receive that makes the call possible; each sleep is bounded by
 *       {@value dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS} ms, after which the call re-checks the
 *       queue and its peers' liveness (a waker killed before its wake-up costs at most that). In
 *       {@link WaitMode#POLL} (JDK 17-21, {@code -Dlockstep.ipc.wait=poll}, virtual threads, or after
 *       {@link #setIdleStrategy}) they poll with an Agrona {@link IdleStrategy}, {@link Idle#backoff()}
 *       unless {@link #setIdleStrategy} says otherwise (created only when a call first has to wait, then
 *       kept for the handle's later waits: a wait allocates nothing). A send or
 *       receive makes no system call unless someone sleeps.</li>
 *   <li>Receives copy into the caller's buffer and allocate nothing: they return the priority, and
 *       the buffer's position advances by the message length. The buffer must have room for
 *       {@link #maxMessageSize()} bytes, as {@code mq_receive} requires.</li>
 *   <li>{@link #receive(MessageHandler, int)} delivers up to {@code limit} ready messages in that order
 *       without copying (the handler reads each body in the mapping), at the cost of one scan of the
 *       slots per 64 messages instead of one per message; it does not wait.</li>
 *   <li>Bad input (priority out of range, a message larger than the maximum, a too small or read-only
 *       receive buffer, non-positive sizes, a file of another kind) throws before anything is written.</li>
 * </ul>
 *
 * <h2>Crash recovery</h2>
 * Every message lives in a slot whose state word is FREE, WRITING(owner), READY or READING(owner), the
 * owner being a process named by its {@link Participants} token. A process killed at any moment
 * leaves at most its claimed slots behind, and they are reclaimed once the owner is certainly dead
 * ({@link Participants#isDead}: by pid and start time in our PID namespace, by heartbeat age confirmed
 * by the kernel's lock probe in another, so a process in another container sharing the folder is
 * never mistaken for dead):
 * <ul>
 *   <li>WRITING(dead) becomes FREE: the send never returned and the message is never delivered, not
 *       even in part (a message becomes visible only by the release store that publishes it, after
 *       its last byte).</li>
 *   <li>READING(dead) becomes READY again, with its original priority and sequence number: the
 *       receive never returned (a receive returns only after releasing its slot), so the message is
 *       delivered to another receive. Every message sent by a completed {@code send} is returned by
 *       exactly one completed receive; a consumer killed after its receive returned has the message,
 *       one killed inside it does not (this is at-least-once only for work the caller does after the
 *       receive returns, which the queue cannot see). A message given back this way may be received
 *       after newer messages of its priority: the ordering guarantee above holds between live
 *       processes.</li>
 * </ul>
 * Liveness is checked only for slots that look stuck: a receive or send that fails or has to wait
 * runs a recovery scan at most once per {@value #RECOVERY_INTERVAL_MICROS} µs per handle (or 50 ns per
 * slot, if longer, so that a large queue polled while empty spends little on it), and checks a
 * slot's owner only if the slot held the same owner word on the previous scan. A blocked call sleeps
 * in the kernel ({@link WaitMode#FUTEX}) only while no slot is claimed (every slot FREE for a
 * receiver, every slot READY for a sender: a state only a peer's completed operation changes, and
 * that operation wakes it); while a slot is claimed it polls, so a dead peer's claim is reclaimed at
 * the polling cadence (~2 ms), as before kernel sleeps. A peer killed between its publish (or free)
 * and its wake-up leaves the sleepers to wake at the sleep bound ({@link WaitMode#MAX_SLEEP_MILLIS} ms).
 * {@link #recover()} checks every claimed slot at once. Any number of processes may recover at the same time.
 *
 * <h2>Stalled, not dead</h2>
 * A process stopped inside a send or a receive (SIGSTOP, a debugger, a throttled container, a long GC
 * pause) is alive: its slot stays claimed for as long as it is stopped, whatever the time, and no
 * timeout takes it away. The others go on with the remaining capacity (the queue is one slot smaller
 * meanwhile). When it continues, its send publishes the message (delivered once) and its receive
 * returns it (delivered once): nothing is lost, duplicated or torn, and no send that returned
 * normally was revoked.
 *
 * <h2>Properties</h2>
 * Safety: no loss, no duplicate, no torn message, across processes and crashes (above). Progress:
 * sends and receives are lock-free among live processes (a claim is one compare-and-set; a failed CAS
 * means another operation succeeded); a process stalled (not dead) in the middle of an operation holds
 * only its own slot. Fairness: none among waiting senders or receivers (every sleeper is woken and
 * competes again). Space:
 * {@code 128 + align128(8 * ceil(maxMessages / 64)) + align128(8 * maxMessages)} bytes of control
 * plus {@code maxMessages} slots of {@code align64(16 + maxMessageSize)} bytes. Time: a send reads
 * state words from slot 0 until it finds a free slot (first fit: O(messages in the queue)); a receive
 * reads the ready bits ({@code maxMessages / 64} words) and the state word of every slot that holds a
 * message, then re-reads those up to the end of the chosen one's bits word: O(messages in the queue + up
 * to 8 stale bits: a receive leaves its slot's bit set, first-fit sends reuse the lowest slots, and a
 * scan clears a stale bit with 8 or more unheld slots below it), and an empty queue costs the bits and
 * up to 8 state reads.
 */
public final class SharedPriorityQueue implements AutoCloseable {
    /** The highest priority; priorities are 0 .. {@value}. */
    public static final int MAX_PRIORITY = 31;
    /** Largest accepted maximum message count. */
    public static final int MAX_MESSAGES_LIMIT = 1 << 20;
    /** Minimum time between two automatic recovery scans of one handle, µs. */
    public static final long RECOVERY_INTERVAL_MICROS = 1000;

    /*
     * Implementation notes.
     *
     * Layout: PriorityQueueDescriptor. All shared words are accessed through MappedAccess.LONG/INT.
     *
     * Send: scan the state words from slot 0 for FREE (first fit, issue 12: the held slots stay at the
     * bottom, so the sticky ready bits below stay few; opaque pre-read to avoid useless
     * CAS traffic), CAS FREE -> WRITING(me) (volatile: acquires the previous reader's release of the
     * slot, so our payload writes cannot overtake its reads), write payload and length (plain: the slot
     * is ours), take sequence = getAndAdd(sequence counter), store a copy of the READY word into the slot
     * (plain), make sure the slot's ready bit is set (volatile read; getAndBitwiseOr only if it is clear),
     * then setVolatile(state, READY(priority, sequence)) (a release would publish; volatile for the
     * wake-up, see Waiting) and signal not-empty. Ready bits are a superset of the READY slots: set
     * BEFORE every publish (by the sender, or by recovery re-publishing a dead reader's claim) and
     * cleared only by an OWNER of the slot before it releases it (clearStaleBit claims the FREE slot as
     * WRITING(me), clears, frees). So a clear can never erase the set of a later publish of the slot:
     * that publish's sender claimed the slot after the clearer's release, which its claim CAS acquired,
     * so its read of the bit sees the clear and it sets the bit again. Sticky bits (issue 12): a receive
     * leaves its slot's bit set, so in the steady state (a slot reused) a send reads a line nobody wrote
     * instead of RMWing the line both sides wrote (earlier versions: the sender's getAndBitwiseOr and
     * the receiver's getAndBitwiseAnd on every message). Stale bits (set, slot FREE: a received
     * message's, a dead sender's, a recoverer's whose CAS failed) cost a reader one state read each,
     * never a missed message; a scan clears a stale bit of slot i when at least STALE_BITS_ALLOWED (8)
     * slots below i are unheld as far as it saw (i minus the held slots with bits it met before i): a
     * first-fit send would use those first, so a bit there is unlikely to be needed soon. Scans stay
     * O(held + 8), and each clear follows a send that set a bit (at most one per send). The set a sender
     * finds and skips precedes its publish in the synchronization order and happens-before it (the
     * read is volatile and sees an atomic or), which is all anyReady and the FIFO re-checks below use.
     * Recovery never clears a bit (defect of an earlier version: two recoverers saw
     * the same WRITING(dead); the first freed the slot, a sender claimed it, set the bit and published;
     * the second's late clear left a READY message no reader would ever look at).
     *
     * Receive: read the ready-bit words (opaque: they only select state words; all zero = empty); for
     * each set bit read the state word (acquire), keep the READY word with the largest key
     * (priority << 56 | (SEQUENCE_MASK - sequence)), CAS it READY(p, s) -> READING(me) (volatile:
     * acquires the sender's release, so payload and length are visible). The READY word contains a
     * never-reused sequence number, so this CAS has no ABA. Before the CAS, the slots before the
     * candidate, and the other slots of the candidate's bits word, are read again (bits, then state
     * words): the scan may have read slot j before a message m1 was published there and the
     * candidate's slot k after a newer m2 was (m1.publish happens-before m2.publish, e.g. one
     * producer's two sends). The scan's read of m2 was an acquire, so the re-read of bit j and slot j
     * sees m1 (or its later claim). Slots j > k in k's word need the re-read too: the scan's snapshot of
     * that word was taken before the read of slot k, and may have shown k's bit for an OLDER message
     * that was received, after which k was reused by m2 -- so the snapshot can predate m1's bit (an
     * earlier version checked only the slots before k and could take m2 while m1 waited there). Slots
     * in later words were selected by bits words read after the acquire of m2 anyway. If a better READY
     * word shows up, scan again. A claimed message is never given back (a give-back would hide it from a third
     * receive's scan and break the argument), so a receive never takes a message while an older
     * message of at least its priority, published before it, waits. Copy out (the bit stays set: sticky),
     * then setVolatile(state, FREE) and signal not-full. Only then return: a receive that returned has released its slot.
     *
     * Batch receive (receive(handler, limit), issue 12): one scan as above keeps the (up to 64) READY
     * words with the largest keys, sorted (insertion into per-handle arrays; a handle's arrays are used by
     * one thread at a time, guarded by a CAS on batchBusy, another thread falls back to one scan per
     * message). Then one re-check of EVERY slot (bits, then state words), after the scan's acquire of
     * every candidate: a message m published before some candidate c's publish is seen by it (READY, or
     * claimed meanwhile). Let bound = the largest key of a READY word the re-check sees that is not a
     * candidate (binary search: keys are unique); only the candidates with a key above bound are taken,
     * in key order (none: scan again, as poll does). So when c is taken, every waiting m of a larger key
     * published before c is either a candidate ordered before c (taken by us or by another receive) or
     * would have made bound exceed c's key. Each is then claimed and freed exactly as in poll (CAS
     * READY -> READING, handler, volatile FREE, signal): a candidate another receive took
     * fails its CAS and is skipped; nothing is given back. A message published after the scan may wait
     * for the next call even if its key is larger: it was not sent before the candidates (they were
     * published before the scan read them). The handler runs while its slot is READING; if it throws,
     * the finally frees the slot (the message counts as received) and the remaining candidates stay READY.
     *
     * Recovery: a slot in WRITING(o) / READING(o) with o != this process and o dead (Participants'
     * verdict) is CASed WRITING(o) -> FREE (its bit left alone, see above) or
     * READING(o) -> the READY word copy kept in the slot (setting its bit first). Recovery acts on the
     * slot only through that CAS on the owner word, so any number of recoverers may race with stale
     * verdicts: exactly one CAS succeeds, the owner word is never reused (a dead process claims
     * nothing), and a stale recoverer's only other action, a bit set, is harmless. Only the owner moves
     * its slot out of WRITING/READING otherwise, and a dead owner moves nothing, so the CAS cannot race
     * with the owner. The owner is encoded in the state word itself (its 56-bit Participants token), so
     * claim and ownership are one atomic step.
     *
     * Waiting (issue 13): two eventcounts, the not-empty and not-full WaitWords of the descriptor
     * (Drepper's protocol, see WaitWord). The queue runs under no lock (each operation is a CAS on a
     * slot's state word), so there is no lock release/acquire to lean on for the wake-up ordering: the
     * state changes a waiter waits for (publish READY, free a slot) are VOLATILE stores (or volatile
     * CASes, in recovery), followed in program order by the wait word's volatile read in
     * WaitWord.signal; the waiter's ready predicates (anyReady / anyFree) read with volatile loads
     * after its volatile announce CAS. All are synchronization actions, so the total synchronization
     * order, consistent with program order, gives the no-lost-wake-up argument of WaitWord: if the
     * re-check missed the store, the announce preceded the store, which precedes the waker's read of
     * the word, which sees the sleepers bit (or a later value: the waiter's FUTEX_WAIT then returns).
     * Wakers always signal, also in POLL mode (a JDK 17 process wakes a JDK 25 sleeper); the cost on
     * the fast path is one volatile load of a word nobody writes while nobody sleeps. A waker killed
     * between its store and its signal, or a dead peer whose slot must be recovered, is met by the
     * sleep bound (WaitMode.MAX_SLEEP_MILLIS): the loop then recovers and re-checks as before. A
     * sleeper killed in FUTEX_WAIT leaves only the sleepers bit, which the next waker clears.
     *
     * Invariants: a slot's payload is written only in WRITING by its owner, read only in READING by
     * its owner; READY words are unique (sequence numbers are never reused: 2^56 sends).
     */

    /**
     * How far above the held slots a stale ready bit (bit set, slot FREE) is kept: a receive scan clears
     * (clearStaleBit) the stale bit of slot i when at least this many slots below i are not held (neither
     * READY nor claimed, as far as the scan saw), i.e. when a first-fit send would fill this many other
     * slots before i. One line of state words (8 x 8 bytes): an empty queue's scan reads at most that many.
     */
    private static final int STALE_BITS_ALLOWED = 8;
    /** The most messages one scan of a batch receive selects (candidate arrays per handle). */
    private static final int BATCH_LIMIT = 64;
    private static final VarHandle BATCH_BUSY;

    static {
        try {
            BATCH_BUSY = MethodHandles.lookup().findVarHandle(SharedPriorityQueue.class, "batchBusy", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final long RECOVERY_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(RECOVERY_INTERVAL_MICROS);
    /** The owner token of an inMemory queue's claims: every claim belongs to this (live) process. */
    private static final long IN_MEMORY_OWNER = 1L;

    private final SharedFile file;
    private final ByteBuffer buffer;
    private final int maxMessages;
    private final int maxMessageSize;
    private final int slotStride;
    private final int slotsBase;
    private final int statesBase;
    private final int sequenceOffset;
    private final int readyBitsBase;
    private final int readyBitsWords;
    private final int notEmptyAt;
    private final int notFullAt;
    private final long myWriting;
    private final long myReading;
    private final long recoveryIntervalNanos;
    /** Who is alive: the folder's registry; null for an {@link #inMemory} queue (one process, no one dies). */
    private final Participants participants;
    /**
     * The idle strategy factory of blocking calls. Plain: set before the handle is shared between
     * threads (see {@link #setIdleStrategy}); publication of the handle publishes it.
     */
    private Supplier<? extends IdleStrategy> idleFactory = Idle::backoff;
    /** Whether {@link #setIdleStrategy} was called: blocking calls then poll with it. Plain, as idleFactory. */
    private boolean idleSet;
    /** The reusable parts of the sends that wait for a free slot (not-full word). */
    private final WaitSpare notFullWaits;
    /** The reusable parts of the receives that wait for a message (not-empty word). */
    private final WaitSpare notEmptyWaits;
    /** Per handle, racy on purpose: when the last automatic recovery scan ran. */
    private long lastRecoveryNanos;
    /** Per handle, racy on purpose: the owner words seen by the last recovery scan (stuck detection). */
    private final long[] seenOwners;
    /**
     * One batch receive's candidates, keys descending: per handle, used by the thread that holds
     * {@link #batchBusy} (another thread of the same handle meanwhile receives one message per scan).
     */
    private final long[] batchKeys;
    /** The candidates' READY words, parallel to {@link #batchKeys}. */
    private final long[] batchWords;
    /** The candidates' state word offsets, parallel to {@link #batchKeys}. */
    private final int[] batchAt;
    /** 1 while a thread of this handle uses the batch arrays; CAS through {@link #BATCH_BUSY}. */
    @SuppressWarnings("unused") // accessed through BATCH_BUSY
    private volatile int batchBusy;
    private volatile boolean closed;

    private SharedPriorityQueue(SharedFile file, ByteBuffer buffer, int base, int maxMessages, int maxMessageSize,
                                Participants participants) {
        this.file = file;
        this.buffer = buffer;
        this.maxMessages = maxMessages;
        this.maxMessageSize = maxMessageSize;
        this.slotStride = PriorityQueueDescriptor.slotStride(maxMessageSize);
        this.slotsBase = base + (int) PriorityQueueDescriptor.slotsOffset(maxMessages);
        this.statesBase = base + PriorityQueueDescriptor.statesOffset(maxMessages);
        this.sequenceOffset = base + PriorityQueueDescriptor.SEQUENCE_OFFSET;
        this.readyBitsBase = base + PriorityQueueDescriptor.READY_BITS_OFFSET;
        this.readyBitsWords = (maxMessages + 63) >>> 6;
        this.notEmptyAt = base + PriorityQueueDescriptor.NOT_EMPTY_WAIT_WORD_OFFSET;
        this.notFullAt = base + PriorityQueueDescriptor.NOT_FULL_WAIT_WORD_OFFSET;
        this.notFullWaits = new WaitSpare(buffer, notFullAt, arg -> anyFreeOrClaimed());
        this.notEmptyWaits = new WaitSpare(buffer, notEmptyAt, arg -> anyReadyOrClaimed());
        this.participants = participants;
        long me = participants == null ? IN_MEMORY_OWNER : participants.token();
        // Token 0: a read-only view (ReadOnlyInspection, for stat) owns nothing and writes nothing (its
        // mapping is read-only); its owner words are never stored.
        this.myWriting = me == 0L ? 0L : PriorityQueueDescriptor.ownerWord(WRITING, me);
        this.myReading = me == 0L ? 0L : PriorityQueueDescriptor.ownerWord(READING, me);
        this.seenOwners = new long[maxMessages];
        int batch = Math.min(maxMessages, BATCH_LIMIT);
        this.batchKeys = new long[batch];
        this.batchWords = new long[batch];
        this.batchAt = new int[batch];
        this.recoveryIntervalNanos = Math.max(RECOVERY_INTERVAL_NANOS, 50L * maxMessages);
        this.lastRecoveryNanos = System.nanoTime();
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates the queue file {@code file}; fails if it exists.
     *
     * @throws IllegalArgumentException if {@code maxMessages} is not in 1 .. {@value #MAX_MESSAGES_LIMIT},
     *                                  {@code maxMessageSize} is not positive, or the file would exceed 2 GiB
     * @param file           the path of the new file
     * @param maxMessages    the slot count: how many messages the queue holds at most
     * @param maxMessageSize the largest message in bytes
     * @return the queue, mapped
     * @throws java.nio.file.FileAlreadyExistsException if it exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static SharedPriorityQueue create(Path file, int maxMessages, int maxMessageSize) throws IOException {
        Objects.requireNonNull(file, "file");
        long length = checkSizes(maxMessages, maxMessageSize);
        SharedFile f = SharedFile.create(file, StructureKind.PRIORITY_QUEUE, length, b -> { }, // all zeros: every slot FREE
                maxMessages, maxMessageSize, MAX_PRIORITY);
        try {
            return new SharedPriorityQueue(f, f.buffer(), SharedFile.STRUCTURE_OFFSET, maxMessages, maxMessageSize,
                    Participants.of(file));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Opens the existing queue file {@code file}, with the sizes it was created with.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     * @param file the queue file
     * @return the queue, mapped
     * @throws IncompatibleFileException         if it is not a priority queue file (it is left untouched)
     * @throws IOException                       if the file cannot be read or mapped
     */
    public static SharedPriorityQueue open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        SharedFile f = SharedFile.open(file, StructureKind.PRIORITY_QUEUE);
        try {
            return fromFile(f);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Opens {@code file} if it exists, else creates it; an existing file must have the same sizes.
     *
     * @param file           the queue file
     * @param maxMessages    the slot count: how many messages the queue holds at most
     * @param maxMessageSize the largest message in bytes
     * @return the queue, mapped
     * @throws IllegalArgumentException  if the sizes are out of range (as for {@link #create})
     * @throws IncompatibleFileException if it exists with other sizes or holds another kind
     * @throws IOException               if the file cannot be created, read or mapped
     */
    public static SharedPriorityQueue openOrCreate(Path file, int maxMessages, int maxMessageSize) throws IOException {
        Objects.requireNonNull(file, "file");
        long length = checkSizes(maxMessages, maxMessageSize);
        SharedFile f = SharedFile.openOrCreate(file, StructureKind.PRIORITY_QUEUE, length, b -> { },
                maxMessages, maxMessageSize, MAX_PRIORITY);
        try {
            return fromFile(f);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * A queue in this process's memory (a direct buffer, no file): the same code over the same layout,
     * for tests, benchmarks and threads of one process.
     *
     * @param maxMessages    the slot count: how many messages the queue holds at most
     * @param maxMessageSize the largest message in bytes
     * @return a new, empty queue
     * @throws IllegalArgumentException if the sizes are out of range (as for {@link #create})
     */
    public static SharedPriorityQueue inMemory(int maxMessages, int maxMessageSize) {
        long length = checkSizes(maxMessages, maxMessageSize);
        ByteBuffer b = ByteBuffer.allocateDirect((int) MappedAccess.align(length, MappedAccess.LINE) + MappedAccess.LINE)
                .alignedSlice(MappedAccess.LINE).order(ByteOrder.nativeOrder()); // the slice's limit is rounded down
        if (b.capacity() < length) {
            throw new IllegalStateException("aligned slice of " + b.capacity() + " bytes < " + length);
        }
        return new SharedPriorityQueue(null, b, 0, maxMessages, maxMessageSize, null);
    }

    /**
     * A queue laid out in a region of a mapping the caller shares by other means (several structures in
     * one {@link SharedFile}, tests that must see the slots): {@link PriorityQueueDescriptor#structureLength}
     * bytes from {@code offset}, all zero before first use. Claims are owned by this process's token in
     * {@code participants}, and dead owners are told by it: every process using the region must use the
     * same registry (e.g. {@code Participants.of(file)} of the file that holds the region). Closing it
     * leaves the mapping alone.
     *
     * @throws IllegalArgumentException if the sizes are out of range (as for {@link #create}), the buffer
     *                                  is not direct or not in native byte order, or the region is
     *                                  misaligned (offset not a multiple of 128) or outside it
     * @param buffer       a direct, native-order buffer over the shared mapping
     * @param offset       where the structure area starts in {@code buffer}
     * @param maxMessages    the slot count: how many messages the queue holds at most
     * @param maxMessageSize the largest message in bytes
     * @param participants the registry that names this process and tells dead owners
     * @return a queue over that region
     */
    public static SharedPriorityQueue wrap(ByteBuffer buffer, int offset, int maxMessages, int maxMessageSize,
                                           Participants participants) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.requireNonNull(participants, "participants");
        long length = checkSizes(maxMessages, maxMessageSize);
        if (!buffer.isDirect() || buffer.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("the buffer must be direct and in native byte order: " + buffer);
        }
        if (offset < 0 || offset % MappedAccess.LINE != 0 || offset + length > buffer.capacity()
                || buffer.alignmentOffset(offset, 8) != 0) {
            throw new IllegalArgumentException("region [" + offset + ", " + (offset + length)
                    + ") is misaligned (offsets are multiples of " + MappedAccess.LINE + ", on an 8-byte aligned address) or outside the buffer of "
                    + buffer.capacity() + " bytes");
        }
        return new SharedPriorityQueue(null, buffer, offset, maxMessages, maxMessageSize, participants);
    }

    private static SharedPriorityQueue fromFile(SharedFile f) throws IOException {
        FileLayout.Header h = f.header();
        long maxMessages = h.param(PriorityQueueDescriptor.PARAM_MAX_MESSAGES);
        long maxMessageSize = h.param(PriorityQueueDescriptor.PARAM_MAX_MESSAGE_SIZE);
        f.requireParam(PriorityQueueDescriptor.PARAM_MAX_PRIORITY, "maximum priority", MAX_PRIORITY);
        if (maxMessages < 1 || maxMessages > MAX_MESSAGES_LIMIT || maxMessageSize < 1 || maxMessageSize > Integer.MAX_VALUE) {
            throw new IncompatibleFileException(f.path(), "bad sizes: maxMessages " + maxMessages
                    + ", maxMessageSize " + maxMessageSize);
        }
        long expected = SharedFile.STRUCTURE_OFFSET + MappedAccess.align(
                PriorityQueueDescriptor.structureLength((int) maxMessages, (int) maxMessageSize), MappedAccess.LINE);
        if (h.fileLength() != expected) {
            throw new IncompatibleFileException(f.path(), "file is " + h.fileLength() + " bytes, a queue of "
                    + maxMessages + " x " + maxMessageSize + " needs " + expected);
        }
        return new SharedPriorityQueue(f, f.buffer(), SharedFile.STRUCTURE_OFFSET, (int) maxMessages, (int) maxMessageSize,
                Participants.of(f.path()));
    }

    private static long checkSizes(int maxMessages, int maxMessageSize) {
        if (maxMessages < 1 || maxMessages > MAX_MESSAGES_LIMIT) {
            throw new IllegalArgumentException("maxMessages must be in 1.." + MAX_MESSAGES_LIMIT + ": " + maxMessages);
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be > 0: " + maxMessageSize);
        }
        long length = PriorityQueueDescriptor.structureLength(maxMessages, maxMessageSize);
        if (length > Integer.MAX_VALUE - 2L * MappedAccess.LINE - SharedFile.STRUCTURE_OFFSET) {
            throw new IllegalArgumentException("a queue of " + maxMessages + " messages of " + maxMessageSize
                    + " bytes needs " + length + " bytes; at most 2 GiB");
        }
        return length;
    }

    /**
     * Sets how blocking calls of this handle idle between polls of shared memory (default
     * {@link Idle#backoff()}; see {@link Idle} for the latency / CPU trade-off of each strategy, e.g.
     * {@code Idle::busySpin} for the lowest latency at the price of a core per waiter). The factory is
     * called when a blocking call has to wait and the handle keeps no spare strategy for that side: about
     * once per thread of this process that waits on it at the same time as another; a strategy is reset
     * before each wait it serves and reused by later waits, so neither a call that does not wait nor one
     * that waits allocates. Call it before sharing the handle between threads. A handle with an explicit strategy
     * polls with it, also where kernel sleeps are available ({@link #waitMode()} is then
     * {@link WaitMode#POLL}); it still wakes other handles' sleepers.
     *
     * @param factory makes the idle strategy of one waiting call
     * @throws NullPointerException if {@code factory} is null
     */
    public void setIdleStrategy(Supplier<? extends IdleStrategy> factory) {
        this.idleFactory = Objects.requireNonNull(factory, "factory");
        this.idleSet = true;
        notFullWaits.clear(); // later waits use the new factory's strategies
        notEmptyWaits.clear();
    }

    /**
     * How blocking calls of this handle wait in this process: {@link WaitMode#FUTEX} (spin, then sleep
     * in the kernel on the queue's not-empty / not-full word) or {@link WaitMode#POLL} (the idle
     * strategy; always so after {@link #setIdleStrategy}). Virtual threads poll in either mode.
     *
     * @return the mode of platform threads' blocking calls
     */
    public WaitMode waitMode() {
        return idleSet ? WaitMode.POLL : Waiting.mode();
    }

    /**
     * The not-full waiters' re-check after announcing a sleeper: whether some slot is FREE. Volatile
     * loads: synchronization actions after the announce CAS (see the implementation notes), so a free
     * they miss was stored after the announce, and its waker sees the sleepers bit. Reads only.
     */
    private boolean anyFree() {
        final ByteBuffer b = buffer;
        for (int i = 0; i < maxMessages; i++) {
            if ((long) MappedAccess.LONG.getVolatile(b, statesBase + 8 * i) == FREE) { // volatile: see above
                return true;
            }
        }
        return false;
    }

    /**
     * A blocked sender's re-check after announcing a sleeper: whether some slot is not READY, i.e.
     * FREE or claimed (WRITING / READING). A FREE slot lets the send pass; a claimed one is a send or
     * receive in flight, which ends within nanoseconds unless its process died or stalls. Either way the
     * sender must not sleep in the kernel: it polls (its {@code poll} strategy) and its loop's recovery
     * scan reclaims a dead claim at the polling cadence (~{@value #RECOVERY_INTERVAL_MICROS} µs), as it
     * did before kernel sleeps. So a sleeping sender only sleeps while every slot holds a published
     * message, where only a receive can help it, and that receive wakes it. Volatile loads, as in
     * {@link #anyFree}.
     */
    private boolean anyFreeOrClaimed() {
        final ByteBuffer b = buffer;
        for (int i = 0; i < maxMessages; i++) {
            // volatile: a synchronization action after the announce CAS, as in anyFree
            if (((long) MappedAccess.LONG.getVolatile(b, statesBase + 8 * i) & STATE_MASK) != READY) {
                return true;
            }
        }
        return false;
    }

    /**
     * A blocked receiver's re-check after announcing a sleeper: {@link #anyReady} or some slot claimed
     * (WRITING / READING): a claim in flight ends within nanoseconds unless its process died or stalls,
     * and a dead one is reclaimed by the loop's recovery scan, which must then run at the polling
     * cadence, not once per kernel sleep (see {@link #anyFreeOrClaimed}). So a receiver sleeps only while
     * every slot is FREE, where only a send can help it, and that send wakes it.
     */
    private boolean anyReadyOrClaimed() {
        if (anyReady()) {
            return true;
        }
        final ByteBuffer b = buffer;
        for (int i = 0; i < maxMessages; i++) {
            // volatile: a synchronization action after the announce CAS, as in anyReady
            if ((long) MappedAccess.LONG.getVolatile(b, statesBase + 8 * i) != FREE) {
                return true;
            }
        }
        return false;
    }

    /**
     * The not-empty waiters' re-check after announcing a sleeper: whether some slot is READY. Volatile
     * loads, as in {@link #anyFree}. A READY slot's bit was set (volatile read-modify-write: the sender's,
     * or an earlier one its volatile read saw, with no clear since) before its publish in the
     * synchronization order, so a publish this misses was either unseen in its slot's state word or its
     * bit was unseen: in both cases a volatile read here precedes the publish in the synchronization order.
     */
    private boolean anyReady() {
        final ByteBuffer b = buffer;
        for (int word = 0; word < readyBitsWords; word++) {
            long bits = (long) MappedAccess.LONG.getVolatile(b, readyBitsBase + 8 * word); // volatile: see above
            while (bits != 0L) {
                int i = (word << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                // volatile: see above
                if (((long) MappedAccess.LONG.getVolatile(b, statesBase + 8 * i) & STATE_MASK) == READY) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- send

    /**
     * Sends the bytes {@code src[position, limit)} with {@code priority}, waiting while the queue is
     * full. On return {@code src}'s position is at its limit.
     *
     * @param priority the message priority, in [0, {@value #MAX_PRIORITY}] (higher is received first)
     * @param src      the message: the bytes between its position and its limit
     * @throws IllegalArgumentException if the priority or the length is out of range
     * @throws InterruptedException     if interrupted before the message was sent (nothing sent)
     */
    public void send(int priority, ByteBuffer src) throws InterruptedException {
        int length = checkSend(priority, src);
        Waits.checkInterrupt();
        if (!offer(priority, src, length)) {
            await(priority, src, length, Waits.INTERRUPTIBLE, 0L);
        }
    }

    /**
     * Sends if a slot is free now.
     *
     * @param priority the message priority, in [0, {@value #MAX_PRIORITY}] (higher is received first)
     * @param src      the message: the bytes between its position and its limit
     * @return whether it was sent (if not, {@code src} is unchanged)
     */
    public boolean trySend(int priority, ByteBuffer src) {
        int length = checkSend(priority, src);
        if (offer(priority, src, length)) {
            return true;
        }
        maybeRecover();
        return offer(priority, src, length);
    }

    /**
     * Sends, waiting up to {@code timeout} for a free slot.
     *
     * @param priority the message priority, in [0, {@value #MAX_PRIORITY}] (higher is received first)
     * @param src      the message: the bytes between its position and its limit
     * @param timeout  how long to wait at most, in {@code unit}s
     * @param unit     the unit of {@code timeout}
     * @return whether it was sent (if not, {@code src} is unchanged)
     * @throws InterruptedException if interrupted while waiting (nothing sent)
     */
    public boolean trySend(int priority, ByteBuffer src, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        int length = checkSend(priority, src);
        Waits.checkInterrupt();
        return offer(priority, src, length)
                || await(priority, src, length, Waits.TIMED, Waits.deadline(timeout, unit));
    }

    private int checkSend(int priority, ByteBuffer src) {
        Objects.requireNonNull(src, "src");
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be in 0.." + MAX_PRIORITY + ": " + priority);
        }
        int length = src.remaining();
        if (length > maxMessageSize) {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds the maximum message size "
                    + maxMessageSize);
        }
        ensureOpen();
        return length;
    }

    private boolean await(int priority, ByteBuffer src, int length, int mode, long deadline) throws InterruptedException {
        // only now that the call has to wait, and reused (WaitSpare: a wait allocates nothing); sleeps on
        // not-full, re-checking after announcing (anyFreeOrClaimed: a claim in flight is a sleep the
        // recovery scan could not end in time)
        WaitSpare.Wait wait = notFullWaits.begin(idleFactory, idleSet, 0L, mode == Waits.TIMED, deadline);
        IdleStrategy idle = wait.idle();
        try {
            while (true) {
                if (Waits.shouldGiveUp(mode, deadline)) {
                    return false;
                }
                idle.idle();
                maybeRecover();
                if (offer(priority, src, length)) {
                    return true;
                }
            }
        } finally {
            notFullWaits.end(wait);
        }
    }

    private boolean offer(int priority, ByteBuffer src, int length) {
        final ByteBuffer b = buffer;
        final int n = maxMessages;
        // first fit (issue 12): the lowest FREE slot, so the slots in use stay at the bottom and the sticky
        // ready bits (see clearStaleBit) cover few more slots than the queue holds messages
        for (int i = 0; i < n; i++) {
            int stateAt = statesBase + 8 * i;
            // opaque pre-check: only a candidate, the CAS below decides; avoids CAS traffic on busy slots
            if ((long) MappedAccess.LONG.getOpaque(b, stateAt) == FREE
                    // volatile CAS: claims the slot and acquires the last reader's release of it, so our
                    // payload writes below cannot be seen before its reads finished
                    && MappedAccess.LONG.compareAndSet(b, stateAt, FREE, myWriting)) {
                publish(i, stateAt, priority, src, length);
                return true;
            }
        }
        return false;
    }

    private void publish(int i, int stateAt, int priority, ByteBuffer src, int length) {
        final ByteBuffer b = buffer;
        int slot = slotsBase + i * slotStride;
        try {
            // plain: the slot is ours (WRITING); the release store of READY below publishes these bytes
            b.put(slot + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, src, src.position(), length);
            MappedAccess.INT.set(b, slot + PriorityQueueDescriptor.SLOT_LENGTH_OFFSET, length); // plain: same
        } catch (RuntimeException | Error e) {
            // volatile: gives the slot back (release: nothing was published, our writes are done) and, as
            // a synchronization action before signal's volatile read, wakes a sender that slept on it
            MappedAccess.LONG.setVolatile(b, stateAt, FREE);
            WaitWord.signal(b, notFullAt);
            throw e;
        }
        // atomic add: unique, increasing sequence numbers across all processes (FIFO within a priority)
        long sequence = (long) MappedAccess.LONG.getAndAdd(b, sequenceOffset, 1L);
        long ready = PriorityQueueDescriptor.readyWord(priority, sequence);
        // plain: kept for recovery of a dead reader's claim; published by the release store below
        MappedAccess.LONG.set(b, slot + PriorityQueueDescriptor.SLOT_READY_WORD_OFFSET, ready);
        int bitsAt = readyBitsBase + 8 * (i >>> 6);
        // volatile: a synchronization action before our publish, so the set it sees (an earlier publish's
        // or recovery's atomic or, which synchronizes-with this read) precedes our READY store in the
        // synchronization order and happens-before it (anyReady, betterReadyBefore rely on both). Bits
        // are cleared only by an owner of the slot before it releases it (clearStaleBit), and our claim
        // CAS acquired that release: a clear is seen here. The bit stays set after a receive (sticky),
        // so a slot reused in the steady state costs a read of a line no one writes, not an RMW
        if (((long) MappedAccess.LONG.getVolatile(b, bitsAt) & (1L << i)) == 0L) {
            // atomic or, before the publish: the ready bits stay a superset of the READY slots
            MappedAccess.LONG.getAndBitwiseOr(b, bitsAt, 1L << i);
        }
        // volatile: releases payload, length and ready-word copy to whoever acquires READY, and is a
        // synchronization action before signal's volatile read of the not-empty word (WaitWord step (a)
        // before (b): a receiver whose re-check missed this store announced before that read)
        MappedAccess.LONG.setVolatile(b, stateAt, ready);
        WaitWord.signal(b, notEmptyAt); // one volatile read; a system call only if a receiver sleeps
        src.position(src.position() + length);
    }

    // ---------------------------------------------------------------- receive

    /**
     * Receives the highest-priority, oldest message into {@code dst} (at its position, which advances
     * by the message length), waiting while the queue is empty.
     *
     * @param dst where the message is copied; needs {@link #maxMessageSize()} bytes remaining
     * @return the message's priority
     * @throws IllegalArgumentException if {@code dst} has less than {@link #maxMessageSize()} bytes remaining
     * @throws InterruptedException     if interrupted before a message was taken (nothing taken)
     */
    public int receive(ByteBuffer dst) throws InterruptedException {
        checkReceive(dst);
        Waits.checkInterrupt();
        int p = poll(dst);
        return p >= 0 ? p : awaitMessage(dst, Waits.INTERRUPTIBLE, 0L);
    }

    /**
     * Receives a message if one is ready now.
     *
     * @param dst where the message is copied; needs {@link #maxMessageSize()} bytes remaining
     * @return its priority, or -1 if the queue is empty ({@code dst} unchanged)
     */
    public int tryReceive(ByteBuffer dst) {
        checkReceive(dst);
        int p = poll(dst);
        if (p >= 0) {
            return p;
        }
        return maybeRecover() > 0 ? poll(dst) : -1;
    }

    /**
     * Receives a message, waiting up to {@code timeout}.
     *
     * @param dst     where the message is copied; needs {@link #maxMessageSize()} bytes remaining
     * @param timeout how long to wait at most, in {@code unit}s
     * @param unit    the unit of {@code timeout}
     * @return its priority, or -1 on timeout ({@code dst} unchanged)
     * @throws InterruptedException if interrupted while waiting (nothing taken)
     */
    public int tryReceive(ByteBuffer dst, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        checkReceive(dst);
        Waits.checkInterrupt();
        int p = poll(dst);
        return p >= 0 ? p : awaitMessage(dst, Waits.TIMED, Waits.deadline(timeout, unit));
    }

    private void checkReceive(ByteBuffer dst) {
        Objects.requireNonNull(dst, "dst");
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        if (dst.remaining() < maxMessageSize) {
            throw new IllegalArgumentException("receive buffer has " + dst.remaining()
                    + " bytes remaining, less than the maximum message size " + maxMessageSize);
        }
        ensureOpen();
    }

    private int awaitMessage(ByteBuffer dst, int mode, long deadline) throws InterruptedException {
        // as in await: reused; sleeps on not-empty, re-checking after announcing (anyReadyOrClaimed: a
        // claim in flight is a sleep the recovery scan could not end in time)
        WaitSpare.Wait wait = notEmptyWaits.begin(idleFactory, idleSet, 0L, mode == Waits.TIMED, deadline);
        IdleStrategy idle = wait.idle();
        try {
            while (true) {
                if (Waits.shouldGiveUp(mode, deadline)) {
                    return -1;
                }
                idle.idle();
                maybeRecover();
                int p = poll(dst);
                if (p >= 0) {
                    return p;
                }
            }
        } finally {
            notEmptyWaits.end(wait);
        }
    }

    private int poll(ByteBuffer dst) {
        final ByteBuffer b = buffer;
        long best;
        int bestAt;
        while (true) {
            best = 0L;
            bestAt = -1;
            long bestKey = -1L;
            int held = 0;
            for (int word = 0; word < readyBitsWords; word++) {
                // opaque: the bits only say which state words to read (a superset of the READY ones: set
                // before a publish, cleared only by clearStaleBit); all zero = empty
                long bits = (long) MappedAccess.LONG.getOpaque(b, readyBitsBase + 8 * word);
                while (bits != 0L) {
                    int i = (word << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    int stateAt = statesBase + 8 * i;
                    // acquire: if this word is the one we pick, every publish that happened before it is
                    // visible to the re-check below (per-producer FIFO); a plain load on x86
                    long w = (long) MappedAccess.LONG.getAcquire(b, stateAt);
                    if (w == FREE) {
                        if (i - held >= STALE_BITS_ALLOWED) { // a stale bit far above the held slots
                            clearStaleBit(i, stateAt);
                        }
                        continue;
                    }
                    held++;
                    if ((w & STATE_MASK) == READY) {
                        long key = (w & ~STATE_MASK & ~SEQUENCE_MASK) | (SEQUENCE_MASK - (w & SEQUENCE_MASK));
                        if (key > bestKey) {
                            bestKey = key;
                            best = w;
                            bestAt = stateAt;
                        }
                    }
                }
            }
            if (bestAt < 0) {
                return -1;
            }
            // the end of the candidate's bits word (slot index = (bestAt - statesBase) / 8, word = index / 64)
            if (betterReadyBefore((((bestAt - statesBase) >>> 9) + 1) << 6, bestKey)) {
                continue; // a better message was published while we scanned past its slot: scan again
            }
            // volatile CAS: claims the message and acquires the sender's release of READY (payload visible);
            // the READY word holds a unique sequence number, so no ABA
            if (MappedAccess.LONG.compareAndSet(b, bestAt, best, myReading)) {
                break;
            }
        }
        int index = (bestAt - statesBase) >>> 3;
        // the slot's ready bit stays set (sticky: the next send of this slot finds it set and writes
        // nothing; a scan that meets too many stale bits clears them, see clearStaleBit)
        int slot = slotsBase + index * slotStride;
        // plain: written before the sender's release, which our CAS acquired; the slot is ours (READING)
        int length = (int) MappedAccess.INT.get(b, slot + PriorityQueueDescriptor.SLOT_LENGTH_OFFSET);
        if (length < 0 || length > maxMessageSize) {
            // only a foreign write to the file can get here: give the message back and refuse it (its
            // ready bit is still set: receives do not clear it)
            // volatile: re-publishes (release) and precedes signal's volatile read (WaitWord step (a))
            MappedAccess.LONG.setVolatile(b, bestAt, best);
            WaitWord.signal(b, notEmptyAt);
            throw new IllegalStateException("corrupt message length " + length + " in slot "
                    + index);
        }
        dst.put(dst.position(), b, slot + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, length); // plain: ours
        // volatile: releases the slot (our reads of the payload complete before the next sender's claim,
        // whose CAS acquires) and is a synchronization action before signal's volatile read of the
        // not-full word (WaitWord step (a) before (b): a sender whose re-check missed it announced before)
        MappedAccess.LONG.setVolatile(b, bestAt, FREE);
        WaitWord.signal(b, notFullAt); // one volatile read; a system call only if a sender sleeps
        dst.position(dst.position() + length);
        return PriorityQueueDescriptor.priority(best);
    }

    /**
     * Delivers up to {@code limit} ready messages without waiting, highest priority first and oldest
     * first within a priority, without copying: {@code handler} reads each body in the queue's mapping
     * (the message's priority is passed as its {@code type}), the slot being freed as soon as it
     * returns. It is {@link #tryReceive(ByteBuffer)} repeated, at the cost of one scan of the slots for
     * up to {@value #BATCH_LIMIT} messages instead of one scan per message. Ordering: each message it
     * delivers is one a {@code tryReceive} could have returned at that point, except that a message sent
     * while the batch runs may be left for the next call even if its priority is higher (it was not
     * sent before the messages the batch had already selected). If the handler throws, its message
     * counts as received (its slot is freed), the exception propagates, and the rest stay queued.
     *
     * @param handler called once per message, on this thread, with a view of its body (valid during
     *                the call only: read it with absolute gets, do not write to it)
     * @param limit   the most messages to deliver, {@code >= 1}
     * @return the number delivered (0 if none is ready)
     * @throws IllegalArgumentException if {@code limit < 1}
     * @throws IllegalStateException    if this handle is closed
     */
    public int receive(MessageHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
        ensureOpen();
        int n = receiveBatches(handler, limit);
        return n > 0 || maybeRecover() == 0 ? n : receiveBatches(handler, limit);
    }

    private int receiveBatches(MessageHandler handler, int limit) {
        // volatile CAS: the arrays are used by one thread at a time (this CAS acquires the previous
        // user's release below, so its writes to them are not seen late); a thread that finds them
        // busy receives one message per scan instead
        if (!BATCH_BUSY.compareAndSet(this, 0, 1)) {
            int n = 0;
            while (n < limit && pollOne(handler)) {
                n++;
            }
            return n;
        }
        try {
            int n = 0;
            while (n < limit) {
                int cap = Math.min(limit - n, batchKeys.length);
                int got = pollBatch(handler, cap);
                n += got;
                if (got < cap) {
                    break;
                }
            }
            return n;
        } finally {
            BATCH_BUSY.setRelease(this, 0); // release: our array writes happen before the next user's CAS
        }
    }

    /** One message through {@link #pollBatch} semantics without the shared arrays: a scan per message. */
    private boolean pollOne(MessageHandler handler) {
        final ByteBuffer b = buffer;
        while (true) {
            long best = 0L;
            int bestAt = -1;
            long bestKey = -1L;
            int held = 0;
            for (int word = 0; word < readyBitsWords; word++) {
                long bits = (long) MappedAccess.LONG.getOpaque(b, readyBitsBase + 8 * word); // opaque: as in poll
                while (bits != 0L) {
                    int i = (word << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    int stateAt = statesBase + 8 * i;
                    long w = (long) MappedAccess.LONG.getAcquire(b, stateAt); // acquire: as in poll
                    if (w == FREE) {
                        if (i - held >= STALE_BITS_ALLOWED) {
                            clearStaleBit(i, stateAt); // as in poll
                        }
                        continue;
                    }
                    held++;
                    if ((w & STATE_MASK) == READY && key(w) > bestKey) {
                        bestKey = key(w);
                        best = w;
                        bestAt = stateAt;
                    }
                }
            }
            if (bestAt < 0) {
                return false;
            }
            if (betterReadyBefore((((bestAt - statesBase) >>> 9) + 1) << 6, bestKey)) {
                continue; // as in poll
            }
            if (take(best, bestAt, handler)) {
                return true;
            }
        }
    }

    /**
     * One scan for up to {@code cap} messages, then a re-check of every slot, then claims the selected
     * ones in key order (see the implementation notes, "Batch receive").
     */
    private int pollBatch(MessageHandler handler, int cap) {
        final ByteBuffer b = buffer;
        final long[] keys = batchKeys;
        final long[] words = batchWords;
        final int[] at = batchAt;
        int n;
        int take;
        while (true) {
            n = 0;
            int held = 0;
            for (int word = 0; word < readyBitsWords; word++) {
                // opaque: the bits only say which state words to read (as in poll)
                long bits = (long) MappedAccess.LONG.getOpaque(b, readyBitsBase + 8 * word);
                while (bits != 0L) {
                    int i = (word << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    int stateAt = statesBase + 8 * i;
                    // acquire: every publish that happened before a candidate's is visible to the re-check
                    long w = (long) MappedAccess.LONG.getAcquire(b, stateAt);
                    if (w == FREE) {
                        if (i - held >= STALE_BITS_ALLOWED) {
                            clearStaleBit(i, stateAt); // as in poll
                        }
                        continue;
                    }
                    held++;
                    if ((w & STATE_MASK) != READY) {
                        continue;
                    }
                    long key = key(w);
                    if (n == cap && key < keys[n - 1]) {
                        continue; // worse than every candidate of a full batch
                    }
                    int j = n == cap ? n - 1 : n++; // the last one drops out of a full batch
                    for (; j > 0 && keys[j - 1] < key; j--) { // insertion: keys descending
                        keys[j] = keys[j - 1];
                        words[j] = words[j - 1];
                        at[j] = at[j - 1];
                    }
                    keys[j] = key;
                    words[j] = w;
                    at[j] = stateAt;
                }
            }
            if (n == 0) {
                return 0;
            }
            // Re-check every slot, after the acquire of every candidate: a READY message that is not a
            // candidate bounds the candidates that may be taken (those with a larger key).
            long bound = -1L;
            long lowest = keys[n - 1];
            for (int word = 0; word < readyBitsWords; word++) {
                // opaque is enough (as in betterReadyBefore): a publish that happened before a
                // candidate's publish happened before the scan's acquire of that candidate, so before these reads
                long bits = (long) MappedAccess.LONG.getOpaque(b, readyBitsBase + 8 * word);
                while (bits != 0L) {
                    int i = (word << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    long w = (long) MappedAccess.LONG.getOpaque(b, statesBase + 8 * i); // opaque: see above
                    if ((w & STATE_MASK) == READY) {
                        long key = key(w);
                        if (key > bound && key > lowest && !isCandidate(keys, n, key)) {
                            bound = key;
                        }
                    }
                }
            }
            take = n;
            while (take > 0 && keys[take - 1] < bound) {
                take--;
            }
            if (take > 0) {
                break;
            }
            // a better message was published while we scanned past its slot: scan again (as in poll)
        }
        int delivered = 0;
        for (int c = 0; c < take; c++) {
            if (take(words[c], at[c], handler)) { // a failed claim: another receive took it
                delivered++;
            }
        }
        return delivered;
    }

    /**
     * Clears the stale ready bit of FREE slot {@code i} (a bit left set by its last message's send: receives
     * do not clear bits), as the owner of the slot: claims it as a sender would (FREE -> WRITING(me)),
     * clears the bit, frees it. A scan calls it for a stale bit with at least {@value #STALE_BITS_ALLOWED}
     * unheld slots below it (first-fit sends keep the held slots at the bottom, so such a slot is
     * unlikely to be used soon); it costs at most one clear per send that set a bit (each sets at most one). Does nothing if the slot is no
     * longer FREE (someone claimed it: that claim's owner handles the bit) or this is a read-only view.
     */
    private void clearStaleBit(int i, int stateAt) {
        final ByteBuffer b = buffer;
        // volatile CAS: claims the slot (acquiring its last owner's release), so no one publishes in it
        // while the bit is clear, the superset invariant holds throughout; a claim as WRITING(me), so if
        // this process dies here recovery frees the slot (a WRITING claim holds no message)
        if (myWriting == 0L || !MappedAccess.LONG.compareAndSet(b, stateAt, FREE, myWriting)) {
            return;
        }
        // atomic and-not, while we own the slot: the next sender of the slot claims it after our release
        // below, so its volatile read of the bit sees this clear (or a later set) and sets it again
        MappedAccess.LONG.getAndBitwiseAnd(b, readyBitsBase + 8 * (i >>> 6), ~(1L << i));
        // volatile: releases the slot (the clear happens-before the next claim, which acquires) and is a
        // synchronization action before signal's volatile read (WaitWord step (a)), as a freed slot's
        MappedAccess.LONG.setVolatile(b, stateAt, FREE);
        WaitWord.signal(b, notFullAt);
    }

    /** Whether {@code key} is among the first {@code n} of {@code keys} (descending; keys are unique). */
    private static boolean isCandidate(long[] keys, int n, long key) {
        int lo = 0;
        int hi = n - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = keys[mid];
            if (k == key) {
                return true;
            }
            if (k > key) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return false;
    }

    /**
     * Claims the message {@code word} at {@code stateAt}, hands its body to {@code handler} and frees the
     * slot (also if the handler throws).
     *
     * @return false if another receive claimed it first
     */
    private boolean take(long word, int stateAt, MessageHandler handler) {
        final ByteBuffer b = buffer;
        // volatile CAS: claims the message and acquires the sender's release of READY (as in poll)
        if (!MappedAccess.LONG.compareAndSet(b, stateAt, word, myReading)) {
            return false;
        }
        int index = (stateAt - statesBase) >>> 3;
        int slot = claimedLength(index, stateAt, word);
        int length = (int) MappedAccess.INT.get(b, slot + PriorityQueueDescriptor.SLOT_LENGTH_OFFSET); // plain: ours, checked
        try {
            handler.onMessage(PriorityQueueDescriptor.priority(word), b, slot + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET,
                    length);
        } finally {
            // volatile: releases the slot and precedes signal's volatile read, as in poll
            MappedAccess.LONG.setVolatile(b, stateAt, FREE);
            WaitWord.signal(b, notFullAt);
        }
        return true;
    }

    /**
     * After a claim of slot {@code index} (READING): checks its length and returns
     * the slot's offset; a corrupt length gives the message back and throws (as in poll).
     */
    private int claimedLength(int index, int stateAt, long word) {
        final ByteBuffer b = buffer;
        // the ready bit stays set (sticky, as in poll)
        int slot = slotsBase + index * slotStride;
        // plain: written before the sender's release, which our CAS acquired; the slot is ours (READING)
        int length = (int) MappedAccess.INT.get(b, slot + PriorityQueueDescriptor.SLOT_LENGTH_OFFSET);
        if (length < 0 || length > maxMessageSize) {
            // only a foreign write to the file can get here: give the message back and refuse it (as in poll)
            MappedAccess.LONG.setVolatile(b, stateAt, word);
            WaitWord.signal(b, notEmptyAt);
            throw new IllegalStateException("corrupt message length " + length + " in slot " + index);
        }
        return slot;
    }

    /** A READY word's receive order: priority, then the complement of the sequence (older = larger). */
    private static long key(long w) {
        return (w & ~STATE_MASK & ~SEQUENCE_MASK) | (SEQUENCE_MASK - (w & SEQUENCE_MASK));
    }

    /**
     * Whether a READY message with a larger key than {@code key} waits in a slot before slot {@code end}
     * (the end of the candidate's bits word: see the implementation notes).
     */
    private boolean betterReadyBefore(int end, long key) {
        final ByteBuffer b = buffer;
        for (int word = 0, words = (end + 63) >>> 6; word < words; word++) {
            // opaque is enough, here and below: every publish that happened before the candidate's
            // publish (and the bit set before it) happens before these reads, since the scan acquired
            // the candidate's state word, so such a message cannot be missed here
            long bits = (long) MappedAccess.LONG.getOpaque(b, readyBitsBase + 8 * word);
            while (bits != 0L) {
                int i = (word << 6) + Long.numberOfTrailingZeros(bits);
                if (i >= end) {
                    break;
                }
                bits &= bits - 1;
                long w = (long) MappedAccess.LONG.getOpaque(b, statesBase + 8 * i);
                if ((w & STATE_MASK) == READY
                        && ((w & ~STATE_MASK & ~SEQUENCE_MASK) | (SEQUENCE_MASK - (w & SEQUENCE_MASK))) > key) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Reclaims every slot whose owner process is dead: an unfinished send's slot becomes free, an
     * unfinished receive's message becomes ready again. Called automatically by operations that fail or
     * wait (see the class comment); call it directly after learning that a peer died.
     *
     * @return the number of slots reclaimed
     */
    public int recover() {
        ensureOpen();
        return recoverScan(false);
    }

    private int maybeRecover() {
        long now = System.nanoTime();
        if (now - lastRecoveryNanos < recoveryIntervalNanos) { // plain: per-handle rate limit, racy on purpose
            return 0;
        }
        lastRecoveryNanos = now;
        return recoverScan(true);
    }

    private int recoverScan(boolean onlyStuck) {
        final ByteBuffer b = buffer;
        int reclaimed = 0;
        for (int i = 0; i < maxMessages; i++) {
            int stateAt = statesBase + 8 * i;
            // acquire: for READING, the slot's ready-word copy (written before the sender's release,
            // acquired by the reader's CAS) is then visible to us
            long w = (long) MappedAccess.LONG.getAcquire(b, stateAt);
            long state = w & STATE_MASK;
            if (state != WRITING && state != READING || w == myWriting || w == myReading) {
                seenOwners[i] = 0L;
                continue;
            }
            boolean stuck = seenOwners[i] == w;
            seenOwners[i] = w;
            if (onlyStuck && !stuck) {
                continue; // first sighting: most likely an operation in progress; check next time
            }
            if (!ownerDead(w)) {
                continue;
            }
            int bitAt = readyBitsBase + 8 * (i >>> 6);
            if (state == WRITING) {
                // The slot's ready bit is left as it is (set if the dead sender got that far): a stale
                // set bit costs a reader one state read until the slot's next receive clears it. It
                // must not be cleared here: this scan's verdict may be stale (another recoverer freed
                // the slot and a new sender set the bit and published since our read of w), and a
                // clear would hide that READY message from every reader for good.
                // volatile CAS: only the (dead) owner could have changed it; nothing was published. It
                // fails if another recoverer got there first: the owner word is never reused (a dead
                // process claims nothing, and tokens are never reissued).
                if (MappedAccess.LONG.compareAndSet(b, stateAt, w, FREE)) {
                    reclaimed++;
                    // after the volatile CAS (WaitWord step (a)): a sender may sleep on the full queue
                    WaitWord.signal(b, notFullAt);
                }
            } else {
                int slot = slotsBase + i * slotStride;
                long ready = (long) MappedAccess.LONG.get(b, slot + PriorityQueueDescriptor.SLOT_READY_WORD_OFFSET); // plain: see acquire above
                // atomic or, before re-publishing: the bits stay a superset (a bit left set when the CAS
                // fails costs a reader one extra state read, never a missed message)
                MappedAccess.LONG.getAndBitwiseOr(b, bitAt, 1L << i);
                // volatile CAS: re-publishes the untouched message with its original priority and sequence
                if (MappedAccess.LONG.compareAndSet(b, stateAt, w, ready)) {
                    reclaimed++;
                    // after the volatile CAS (WaitWord step (a)): a receiver may sleep on the empty queue
                    WaitWord.signal(b, notEmptyAt);
                }
            }
            seenOwners[i] = 0L;
        }
        return reclaimed;
    }

    private boolean ownerDead(long ownerWord) {
        // Dead only when certainly gone, in any PID namespace (Participants: pid + start time in ours,
        // heartbeat age plus the kernel's lock probe in another; a stopped process is never dead); when
        // the verdict cannot be formed it is "may be alive": a live owner's claim is never taken.
        return participants != null && participants.isDead(PriorityQueueDescriptor.ownerToken(ownerWord));
    }

    // ---------------------------------------------------------------- inspection

    /**
     * The maximum number of messages.
     *
     * @return the slot count fixed at creation
     */
    public int maxMessages() {
        return maxMessages;
    }

    /**
     * The maximum message size in bytes.
     *
     * @return the size fixed at creation
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * The file, or {@code null} for an {@link #inMemory} or {@link #wrap wrapped} queue.
     *
     * @return the file's path, or {@code null}
     */
    public Path path() {
        return file == null ? null : file.path();
    }

    /**
     * The number of messages ready to be received (a snapshot, exact only when no one is operating).
     *
     * @return the count of READY slots
     * @throws IllegalStateException if this handle is closed
     */
    public int size() {
        ensureOpen();
        int ready = 0;
        for (int i = 0; i < maxMessages; i++) {
            // opaque: a statistic
            if (((long) MappedAccess.LONG.getOpaque(buffer, statesBase + 8 * i) & STATE_MASK) == READY) {
                ready++;
            }
        }
        return ready;
    }

    /**
     * Whether no message is ready (a snapshot, as {@link #size()} {@code == 0}, but it reads only the
     * ready bits and the state words they point to). It is the re-check a receiver makes after
     * announcing a kernel sleep, with the same volatile reads.
     *
     * @return {@code true} if no message was ready when the slots were scanned
     * @throws IllegalStateException if this handle is closed
     */
    public boolean isEmpty() {
        ensureOpen();
        return !anyReady();
    }

    /**
     * Whether no slot is free (a snapshot: every slot holds a message or is being written or read). It is
     * the re-check a sender makes after announcing a kernel sleep on a full queue, with the same volatile
     * reads.
     *
     * @return {@code true} if no slot was free when the slots were scanned
     * @throws IllegalStateException if this handle is closed
     */
    public boolean isFull() {
        ensureOpen();
        return !anyFree();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Closes this handle; the file and its messages stay for other handles and processes. */
    @Override
    public void close() {
        closed = true;
        if (file != null) {
            file.close();
        }
    }

    @Override
    public String toString() {
        return "SharedPriorityQueue[" + (file == null ? "in memory" : file.path()) + ", " + maxMessages + " x "
                + maxMessageSize + " bytes]";
    }
}
