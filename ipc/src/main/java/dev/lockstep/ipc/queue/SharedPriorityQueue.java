package dev.lockstep.ipc.queue;

import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.FULL;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.LAP_SHIFT;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.VALUE_MASK;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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
import dev.lockstep.ipc.wait.KernelIdle;
import dev.lockstep.ipc.wait.WaitWord;
import dev.lockstep.ipc.wait.Waiting;

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
 *       unless {@link #setIdleStrategy} says otherwise (created only when a call has to wait). A send or
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
 * <h2>Crash recovery (work in progress, issue 12)</h2>
 * Queue layout 2 (per-priority rings) does not yet recover the claims of a process killed inside a
 * send or a receive: {@link #recover()} reclaims nothing, and such a process leaves its slot (and, if
 * it died between claiming a ring position and publishing it, the messages of that priority behind it)
 * stuck. The design that restores the guarantees of layout 1 (a dead sender's message never
 * delivered and its slot freed, a dead receiver's message delivered again) is per-participant claim
 * records, see docs/benchmarks/headline-evidence.md; until it is built, use layout-1 builds where
 * processes may be killed.
 *
 * <h2>Stalled, not dead</h2>
 * A process stopped inside a send or a receive (SIGSTOP, a debugger, a long GC pause) is alive and
 * keeps what it claimed: a slot, and a ring position. When it continues its operation completes
 * (delivered once). Meanwhile a receive cannot pass a ring position a stopped sender claimed but has
 * not published (FIFO within a priority: the messages of that priority sent after it wait; other
 * priorities flow), and a send that comes round to a cell a stopped receiver has not released yet
 * finds the queue full.
 *
 * <h2>Properties</h2>
 * Safety: no loss, no duplicate, no torn message among live processes. Progress: blocking (a stopped
 * process delays the others as said above), every claim is one compare-and-set on a counter that only
 * senders (tail, free head) or only receivers (head, free tail) write. Fairness: none among waiting
 * senders or receivers. Space: {@code 8576 + 33 * align128(8 * nextPowerOfTwo(maxMessages))} bytes of
 * control plus {@code maxMessages} slots of {@code align64(16 + maxMessageSize)} bytes. Time: O(1) per
 * send; a receive reads one cell per priority ever used (at most 32).
 */
public final class SharedPriorityQueue implements AutoCloseable {
    /** The highest priority; priorities are 0 .. {@value}. */
    public static final int MAX_PRIORITY = 31;
    /** Largest accepted maximum message count. */
    public static final int MAX_MESSAGES_LIMIT = 1 << 20;
    /** Minimum time between two automatic recovery scans of one handle, µs. */
    public static final long RECOVERY_INTERVAL_MICROS = 1000;

    /*
     * Implementation notes (queue layout 2, issue 12: per-priority rings).
     *
     * Layout: PriorityQueueDescriptor. All shared words are accessed through MappedAccess.LONG/INT.
     * Structure: 32 bounded MPMC rings of slot indexes (D. Vyukov's bounded MPMC queue, 2010: each cell
     * says which lap of positions it is ready for, a claim is a CAS on the ring's tail or head counter),
     * one per priority, plus one free ring of the unused slot indexes; payloads stay in the slot area.
     * Tails and the free ring's head are written by senders only, heads and the free ring's tail by
     * receivers only, each on its own line: with one sender and one receiver every CAS is on a line
     * the other side never writes, and only cells and payloads cross (written by one side, read by
     * the other), as in the one-to-one channel.
     *
     * Send: take a slot from the free ring (cell at free head FULL(h): CAS free head h -> h + 1, release-
     * store EMPTY(h + cap) into the cell; a cell EMPTY(h) = no free slot: full), write payload and
     * length (plain: the slot is ours), set the priority's bit in the priorities word if it is clear (a
     * volatile read, getAndBitwiseOr only on the priority's first use: before the publish), claim ring p's
     * position t (cell EMPTY(t): CAS tail t -> t + 1; a cell still holding the previous lap: a receive of
     * that lap has not released it, give the slot back and report full), then setVolatile(cell,
     * FULL(t, slot)) (a release publishes the payload; volatile for the wake-up, WaitWord step (a)) and
     * signal not-empty.
     *
     * Receive: read the priorities word; for each set bit from the highest: read the ring's head h
     * (acquire) and cell h (acquire). FULL(h) is the ring's oldest message: re-check the higher
     * priorities (their head cells, after this acquire: a message m1 published before the candidate m2
     * is visible now, so a receive never takes m2 while m1 of a higher priority waits), CAS head h -> h + 1
     * (acquires the publish: payload visible), copy out, release-store EMPTY(h + cap) into the cell, give
     * the slot back to the free ring (cell at free tail t EMPTY(t): CAS free tail, setVolatile FULL(t,
     * slot): the volatile store precedes signal's volatile read of not-full) and signal not-full.
     * FIFO within a priority: positions are claimed in send order (a send that completed before another
     * began claimed a smaller position) and taken in position order.
     *
     * Priorities word: bits are only ever set (once per priority in the queue's life), so no clear can
     * race a set; a receive reads one head cell per priority ever used.
     *
     * Waiting: the two eventcounts of the descriptor (WaitWord). The state changes a waiter waits for
     * are volatile stores (a ring cell's publish, a free cell's give-back) followed by the wait word's
     * volatile read in WaitWord.signal; the waiters' re-checks (anyReady / anyFree) read with volatile
     * loads after their volatile announce CAS, so Drepper's argument of WaitWord applies.
     *
     * Cell words are compared whole: a lap is 41 bits, so a cell word repeats after 2^41 laps.
     */

    /** The most messages one batch receive claims at once. */
    private static final int BATCH_LIMIT = 64;
    private static final VarHandle BATCH_BUSY;

    static {
        try {
            BATCH_BUSY = MethodHandles.lookup().findVarHandle(SharedPriorityQueue.class, "batchBusy", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final SharedFile file;
    private final ByteBuffer buffer;
    private final int maxMessages;
    private final int maxMessageSize;
    private final int slotStride;
    private final int slotsBase;
    private final int prioritiesAt;
    private final int notEmptyAt;
    private final int notFullAt;
    private final int freeHeadAt;
    private final int freeTailAt;
    private final int freeCellsAt;
    private final int ringCellsAt;
    private final int ringLength;
    private final int countersAt;
    private final int mask;
    private final int shift;
    private final long capacity;
    /** Who is alive: the folder's registry; null for an {@link #inMemory} queue (one process, no one dies). */
    @SuppressWarnings("unused") // claim records (crash recovery) are the next step
    private final Participants participants;
    /**
     * The idle strategy factory of blocking calls. Plain: set before the handle is shared between
     * threads (see {@link #setIdleStrategy}); publication of the handle publishes it.
     */
    private Supplier<? extends IdleStrategy> idleFactory = Idle::backoff;
    /** Whether {@link #setIdleStrategy} was called: blocking calls then poll with it. Plain, as idleFactory. */
    private boolean idleSet;
    /**
     * One batch receive's claimed slots: per handle, used by the thread that holds {@link #batchBusy}
     * (another thread of the same handle meanwhile receives one message per claim).
     */
    private final int[] batchSlots;
    /** 1 while a thread of this handle uses {@link #batchSlots}; CAS through {@link #BATCH_BUSY}. */
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
        this.prioritiesAt = base + PriorityQueueDescriptor.PRIORITIES_OFFSET;
        this.notEmptyAt = base + PriorityQueueDescriptor.NOT_EMPTY_WAIT_WORD_OFFSET;
        this.notFullAt = base + PriorityQueueDescriptor.NOT_FULL_WAIT_WORD_OFFSET;
        this.freeHeadAt = base + PriorityQueueDescriptor.FREE_HEAD_OFFSET;
        this.freeTailAt = base + PriorityQueueDescriptor.FREE_TAIL_OFFSET;
        this.freeCellsAt = base + PriorityQueueDescriptor.CELLS_OFFSET;
        this.ringCellsAt = base + (int) PriorityQueueDescriptor.ringCellsOffset(maxMessages, 0);
        this.ringLength = PriorityQueueDescriptor.ringLength(maxMessages);
        this.countersAt = base + PriorityQueueDescriptor.RINGS_COUNTERS_OFFSET;
        int cap = PriorityQueueDescriptor.ringCapacity(maxMessages);
        this.mask = cap - 1;
        this.shift = Integer.numberOfTrailingZeros(cap);
        this.capacity = cap;
        this.participants = participants;
        this.batchSlots = new int[Math.min(maxMessages, BATCH_LIMIT)];
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
        SharedFile f = SharedFile.create(file, StructureKind.PRIORITY_QUEUE, length, b -> { }, // all zeros: an empty queue, every slot free
                maxMessages, maxMessageSize, MAX_PRIORITY, PriorityQueueDescriptor.QUEUE_LAYOUT);
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
                maxMessages, maxMessageSize, MAX_PRIORITY, PriorityQueueDescriptor.QUEUE_LAYOUT);
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
        // a file of the slot-state-word layout (revision 0: no such parameter) is refused untouched
        f.requireParam(PriorityQueueDescriptor.PARAM_QUEUE_LAYOUT, "queue layout revision",
                PriorityQueueDescriptor.QUEUE_LAYOUT);
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
     * called once per blocking call that actually has to wait; a call that does not wait allocates
     * nothing. Call it before sharing the handle between threads. A handle with an explicit strategy
     * polls with it, also where kernel sleeps are available ({@link #waitMode()} is then
     * {@link WaitMode#POLL}); it still wakes other handles' sleepers.
     *
     * @param factory makes the idle strategy of one waiting call
     * @throws NullPointerException if {@code factory} is null
     */
    public void setIdleStrategy(Supplier<? extends IdleStrategy> factory) {
        this.idleFactory = Objects.requireNonNull(factory, "factory");
        this.idleSet = true;
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
     * The idle strategy of one blocking call that has to wait: kernel sleeps on the wait word at
     * {@code wordAt} in {@link WaitMode#FUTEX}, else (or with an explicit strategy) the polling one.
     */
    private IdleStrategy newIdle(int wordAt, BooleanSupplier ready, int mode, long deadline) {
        IdleStrategy poll = idleFactory.get();
        poll.reset();
        return idleSet ? poll : KernelIdle.orPoll(buffer, wordAt, ready, mode == Waits.TIMED, deadline, poll);
    }


    // ---------------------------------------------------------------- cells

    /** The free ring's cell of {@code position}: its offset. */
    private int freeCellAt(long position) {
        return freeCellsAt + 8 * (int) (position & mask);
    }

    /** The free ring's stored words are XORed with the initial word of their cell (all zero = all slots free). */
    private long freeInit(long position) {
        return PriorityQueueDescriptor.freeInitialWord(maxMessages, (int) (position & mask));
    }

    /** Ring {@code p}'s cell of {@code position}: its offset. */
    private int cellAt(int p, long position) {
        return ringCellsAt + p * ringLength + 8 * (int) (position & mask);
    }

    private int tailAt(int p) {
        return countersAt + p * 2 * MappedAccess.LINE;
    }

    private int headAt(int p) {
        return countersAt + p * 2 * MappedAccess.LINE + MappedAccess.LINE;
    }

    private long empty(long position) {
        return (position >>> shift) << LAP_SHIFT;
    }

    /** The lap of {@code word} minus the lap of {@code position}, sign-extended from 41 bits. */
    private long lapDistance(long word, long position) {
        return (((word >>> LAP_SHIFT) - (position >>> shift)) << LAP_SHIFT) >> LAP_SHIFT;
    }

    // ---------------------------------------------------------------- waiting predicates

    /**
     * The not-full waiters' re-check after announcing a sleeper: whether the free ring's head cell is
     * anything but EMPTY(head) (a free slot, or a head that moved on: worth another try). Volatile loads:
     * synchronization actions after the announce CAS, so a give-back they miss was stored after the
     * announce, and its waker sees the sleepers bit. Reads only.
     */
    private boolean anyFree() {
        final ByteBuffer b = buffer;
        long h = (long) MappedAccess.LONG.getVolatile(b, freeHeadAt); // volatile: see above
        long c = (long) MappedAccess.LONG.getVolatile(b, freeCellAt(h)) ^ freeInit(h); // volatile: see above
        return c != empty(h);
    }

    /**
     * The not-empty waiters' re-check after announcing a sleeper: whether the head cell of some used
     * ring is anything but EMPTY(head). Volatile loads, as in {@link #anyFree}; a priority's bit is set
     * (volatile read-modify-write) before its ring's first publish, so a publish whose bit this misses
     * comes after this read in the synchronization order.
     */
    private boolean anyReady() {
        final ByteBuffer b = buffer;
        long bits = (long) MappedAccess.LONG.getVolatile(b, prioritiesAt); // volatile: see above
        while (bits != 0L) {
            int p = 63 - Long.numberOfLeadingZeros(bits);
            bits &= ~(1L << p);
            long h = (long) MappedAccess.LONG.getVolatile(b, headAt(p)); // volatile: see above
            if ((long) MappedAccess.LONG.getVolatile(b, cellAt(p, h)) != empty(h)) { // volatile: see above
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- free ring

    /** Takes a free slot: its index, or -1 if none is free now. */
    private int takeFreeSlot() {
        final ByteBuffer b = buffer;
        while (true) {
            // volatile read of the counter, acquire of the cell: the cell's FULL(h) was published by a
            // give-back's volatile store, which this acquire synchronizes with (the slot's last reader
            // finished its reads before it, so our payload writes cannot overtake them)
            long h = (long) MappedAccess.LONG.getVolatile(b, freeHeadAt);
            int at = freeCellAt(h);
            long init = freeInit(h);
            long c = (long) MappedAccess.LONG.getAcquire(b, at) ^ init;
            long d = lapDistance(c, h);
            if (d == 0L && (c & FULL) != 0L) {
                // volatile CAS on a counter only senders write: claims position h
                if (MappedAccess.LONG.compareAndSet(b, freeHeadAt, h, h + 1)) {
                    // release: the cell is ready for the give-back of position h + capacity; our read of
                    // its value happens before that give-back's store
                    MappedAccess.LONG.setRelease(b, at, empty(h + capacity) ^ init);
                    return (int) (c & VALUE_MASK);
                }
            } else if (d == 0L) {
                return -1; // EMPTY(h): no slot given back at h yet
            } else {
                Thread.onSpinWait(); // a stale head (d > 0) or a taker of the previous lap not done (d < 0)
            }
        }
    }

    /**
     * Gives {@code n} slots, {@code slots[from, from + n)}, back to the free ring with one claim per
     * run of ready cells (CAS free tail t -> t + m), publishing the later cells with release stores and
     * the first one (the one a taker reads first) last with a volatile store, which precedes signal's
     * volatile read (WaitWord step (a)), then signals not-full.
     */
    private void giveBackSlots(int[] slots, int from, int n) {
        final ByteBuffer b = buffer;
        while (n > 0) {
            long t = (long) MappedAccess.LONG.getVolatile(b, freeTailAt) + maxMessages; // volatile: as in giveBackSlot
            int m = 0;
            // acquire: as in giveBackSlot
            while (m < n && ((long) MappedAccess.LONG.getAcquire(b, freeCellAt(t + m)) ^ freeInit(t + m)) == empty(t + m)) {
                m++;
            }
            if (m == 0 || !MappedAccess.LONG.compareAndSet(b, freeTailAt, t - maxMessages, t + m - maxMessages)) {
                Thread.onSpinWait(); // as in giveBackSlot
                continue;
            }
            for (int i = m - 1; i >= 1; i--) {
                // release: our reads of the slot's payload are done before its next sender's writes
                MappedAccess.LONG.setRelease(b, freeCellAt(t + i), (empty(t + i) | FULL | slots[from + i]) ^ freeInit(t + i));
            }
            // volatile: as in giveBackSlot
            MappedAccess.LONG.setVolatile(b, freeCellAt(t), (empty(t) | FULL | slots[from]) ^ freeInit(t));
            WaitWord.signal(b, notFullAt);
            from += m;
            n -= m;
        }
    }

    /** Gives slot {@code slot} back to the free ring and signals not-full. */
    private void giveBackSlot(int slot) {
        final ByteBuffer b = buffer;
        while (true) {
            // volatile read: the tail counter (stored minus maxMessages); acquire of the cell: the taker
            // of the previous lap released it after reading its value
            long t = (long) MappedAccess.LONG.getVolatile(b, freeTailAt) + maxMessages;
            int at = freeCellAt(t);
            long init = freeInit(t);
            long c = (long) MappedAccess.LONG.getAcquire(b, at) ^ init;
            if (c == empty(t)) {
                // volatile CAS on a counter only receivers write: claims position t
                if (MappedAccess.LONG.compareAndSet(b, freeTailAt, t - maxMessages, t + 1 - maxMessages)) {
                    // volatile: publishes the slot (release: our reads of its payload are done) and is a
                    // synchronization action before signal's volatile read (WaitWord step (a))
                    MappedAccess.LONG.setVolatile(b, at, (empty(t) | FULL | slot) ^ init);
                    WaitWord.signal(b, notFullAt);
                    return;
                }
            } else {
                // a stale tail, or the taker of position t - capacity has not released the cell yet
                // (between its CAS and its release store): the free ring holds at most maxMessages
                Thread.onSpinWait();
            }
        }
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
        // created only now that the call has to wait; sleeps on not-full, re-checking after announcing
        IdleStrategy idle = newIdle(notFullAt, this::anyFree, mode, deadline);
        while (true) {
            if (Waits.shouldGiveUp(mode, deadline)) {
                return false;
            }
            idle.idle();
            if (offer(priority, src, length)) {
                return true;
            }
        }
    }

    private boolean offer(int priority, ByteBuffer src, int length) {
        final ByteBuffer b = buffer;
        int slot = takeFreeSlot();
        if (slot < 0) {
            return false;
        }
        int slotAt = slotsBase + slot * slotStride;
        try {
            // plain: the slot is ours (taken from the free ring); the publish below releases these bytes
            b.put(slotAt + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, src, src.position(), length);
            MappedAccess.INT.set(b, slotAt + PriorityQueueDescriptor.SLOT_LENGTH_OFFSET, length); // plain: same
        } catch (RuntimeException | Error e) {
            giveBackSlot(slot);
            throw e;
        }
        // volatile read: the bit is set once per priority in the queue's life, before its first publish
        // (anyReady's argument needs the set to precede the publish in the synchronization order)
        if (((long) MappedAccess.LONG.getVolatile(b, prioritiesAt) & (1L << priority)) == 0L) {
            MappedAccess.LONG.getAndBitwiseOr(b, prioritiesAt, 1L << priority); // atomic or: racing first senders
        }
        final int tailAt = tailAt(priority);
        long t;
        int cellAt;
        while (true) {
            // volatile read of the counter; acquire of the cell: the receiver of the previous lap released
            // it after its reads, so our publish cannot be seen before them
            t = (long) MappedAccess.LONG.getVolatile(b, tailAt);
            cellAt = cellAt(priority, t);
            long c = (long) MappedAccess.LONG.getAcquire(b, cellAt);
            if (c == empty(t)) {
                // volatile CAS on a counter only senders write: claims position t
                if (MappedAccess.LONG.compareAndSet(b, tailAt, t, t + 1)) {
                    break;
                }
            } else if (lapDistance(c, t) < 0L) {
                // the previous lap's message of this cell is not taken or not released yet (a receive
                // between its claim and its release, e.g. a stopped one): the ring is full here
                giveBackSlot(slot);
                return false;
            } else {
                Thread.onSpinWait(); // a stale tail: someone claimed t already
            }
        }
        // volatile: releases payload and length to the receive that acquires the cell, and is a
        // synchronization action before signal's volatile read of not-empty (WaitWord step (a))
        MappedAccess.LONG.setVolatile(b, cellAt, empty(t) | FULL | slot);
        WaitWord.signal(b, notEmptyAt); // one volatile read; a system call only if a receiver sleeps
        src.position(src.position() + length);
        return true;
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
        int p = poll(dst, null);
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
        return poll(dst, null);
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
        int p = poll(dst, null);
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
        // created only now that the call has to wait; sleeps on not-empty, re-checking after announcing
        IdleStrategy idle = newIdle(notEmptyAt, this::anyReady, mode, deadline);
        while (true) {
            if (Waits.shouldGiveUp(mode, deadline)) {
                return -1;
            }
            idle.idle();
            int p = poll(dst, null);
            if (p >= 0) {
                return p;
            }
        }
    }

    /**
     * Whether ring {@code p}'s head cell holds a message: its head position, or -1. Reads the head and
     * the cell with acquire loads (a message published before the cell's publish is then visible).
     */
    private long readyHead(int p) {
        final ByteBuffer b = buffer;
        while (true) {
            long h = (long) MappedAccess.LONG.getAcquire(b, headAt(p)); // acquire: see above
            long c = (long) MappedAccess.LONG.getAcquire(b, cellAt(p, h)); // acquire: see above
            long d = lapDistance(c, h);
            if (d == 0L) {
                return (c & FULL) != 0L ? h : -1L; // FULL(h): the oldest message; EMPTY(h): none published
            }
            if (d < 0L) {
                // the previous lap's message of this cell was claimed (head moved past it) but its receive has
                // not released the cell yet: position h is not published
                return -1L;
            }
            Thread.onSpinWait(); // the head moved on while we read: read it again
        }
    }

    /**
     * Takes the highest-priority, oldest message: copies it into {@code dst} (if not null) or hands it
     * to {@code handler}. Returns its priority, or -1 if none is ready.
     */
    private int poll(ByteBuffer dst, MessageHandler handler) {
        final ByteBuffer b = buffer;
        retry:
        while (true) {
            // acquire: the bits say which rings to read (set before a ring's first publish)
            long bits = (long) MappedAccess.LONG.getAcquire(b, prioritiesAt);
            while (bits != 0L) {
                int p = 63 - Long.numberOfLeadingZeros(bits);
                bits &= ~(1L << p);
                long h = readyHead(p);
                if (h < 0L) {
                    continue;
                }
                // Re-check the higher priorities after the acquire of this message's cell: a message of a
                // higher priority published before it is visible now (the scan read those rings before)
                long higher = (long) MappedAccess.LONG.getAcquire(b, prioritiesAt) & (-1L << (p + 1)) & 0xFFFF_FFFFL;
                while (higher != 0L) {
                    int q = 63 - Long.numberOfLeadingZeros(higher);
                    higher &= ~(1L << q);
                    if (readyHead(q) >= 0L) {
                        continue retry;
                    }
                }
                int headAt = headAt(p);
                // volatile CAS on a counter only receivers write: claims position h (the cell's publish was
                // acquired above: the payload is visible)
                if (!MappedAccess.LONG.compareAndSet(b, headAt, h, h + 1)) {
                    continue retry;
                }
                int cellAt = cellAt(p, h);
                int slot = (int) ((long) MappedAccess.LONG.getAcquire(b, cellAt) & VALUE_MASK); // acquire: ours now
                int slotAt = slotsBase + slot * slotStride;
                // plain: written before the sender's publish, which we acquired
                int length = (int) MappedAccess.INT.get(b, slotAt + PriorityQueueDescriptor.SLOT_LENGTH_OFFSET);
                try {
                    if (length < 0 || length > maxMessageSize || slot >= maxMessages) {
                        // only a foreign write to the file gets here: the message is dropped and refused
                        throw new IllegalStateException("corrupt message length " + length + " in slot " + slot);
                    }
                    if (handler != null) {
                        handler.onMessage(p, b, slotAt + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, length);
                    } else {
                        dst.put(dst.position(), b, slotAt + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, length); // plain: ours
                        dst.position(dst.position() + length);
                    }
                } finally {
                    // release: the cell is ready for the sender of position h + capacity, after our read
                    MappedAccess.LONG.setRelease(b, cellAt, empty(h + capacity));
                    if (slot < maxMessages) {
                        giveBackSlot(slot); // volatile store, then signal not-full
                    }
                }
                return p;
            }
            return -1;
        }
    }

    /**
     * Delivers up to {@code limit} ready messages without waiting, highest priority first and oldest
     * first within a priority, without copying: {@code handler} reads each body in the queue's mapping
     * (the message's priority is passed as its {@code type}), the slot being given back as soon as it
     * returns. It is {@link #tryReceive(ByteBuffer)} repeated. If the handler throws, its message counts
     * as received (its slot is freed), the exception propagates, and the rest stay queued.
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
        // volatile CAS: the batch array is used by one thread at a time (this CAS acquires the previous
        // user's release below); a thread that finds it busy takes one message per claim instead
        if (!BATCH_BUSY.compareAndSet(this, 0, 1)) {
            int n = 0;
            while (n < limit && poll(null, handler) >= 0) {
                n++;
            }
            return n;
        }
        try {
            int n = 0;
            while (n < limit) {
                int cap = Math.min(limit - n, batchSlots.length);
                int got = pollBatch(handler, cap);
                n += got;
                if (got == 0) {
                    break;
                }
            }
            return n;
        } finally {
            BATCH_BUSY.setRelease(this, 0); // release: our array writes happen before the next user's CAS
        }
    }

    /**
     * Takes up to {@code max} consecutive messages of the highest-priority ready ring with one claim
     * (CAS head h -> h + k over the k FULL cells from h, after the same higher-priority re-check as
     * poll), hands each to {@code handler} and gives the k slots back with one claim of the free ring.
     * If the handler throws, its message counts as received and the rest of the batch are published
     * again at the ring's tail, in order (behind messages sent meanwhile), before the exception
     * propagates.
     */
    private int pollBatch(MessageHandler handler, int max) {
        final ByteBuffer b = buffer;
        final int[] slots = batchSlots;
        retry:
        while (true) {
            long bits = (long) MappedAccess.LONG.getAcquire(b, prioritiesAt); // acquire: as in poll
            while (bits != 0L) {
                int p = 63 - Long.numberOfLeadingZeros(bits);
                bits &= ~(1L << p);
                long h = readyHead(p);
                if (h < 0L) {
                    continue;
                }
                long higher = (long) MappedAccess.LONG.getAcquire(b, prioritiesAt) & (-1L << (p + 1)) & 0xFFFF_FFFFL;
                while (higher != 0L) { // as in poll
                    int q = 63 - Long.numberOfLeadingZeros(higher);
                    higher &= ~(1L << q);
                    if (readyHead(q) >= 0L) {
                        continue retry;
                    }
                }
                int k = 1;
                while (k < max) {
                    // acquire: each cell's publish, so its payload is visible once the CAS below claims it
                    long c = (long) MappedAccess.LONG.getAcquire(b, cellAt(p, h + k));
                    if (c != (empty(h + k) | FULL | (c & VALUE_MASK))) {
                        break;
                    }
                    k++;
                }
                // volatile CAS on a counter only receivers write: claims positions h .. h + k - 1
                if (!MappedAccess.LONG.compareAndSet(b, headAt(p), h, h + k)) {
                    continue retry;
                }
                for (int i = 0; i < k; i++) {
                    // acquire: ours now (read above, unchanged: only we release a claimed cell)
                    slots[i] = (int) ((long) MappedAccess.LONG.getAcquire(b, cellAt(p, h + i)) & VALUE_MASK);
                }
                int done = 0;
                try {
                    for (; done < k; done++) {
                        int slot = slots[done];
                        int slotAt = slotsBase + slot * slotStride;
                        // plain: written before the sender's publish, which we acquired
                        int length = slot >= maxMessages ? -1
                                : (int) MappedAccess.INT.get(b, slotAt + PriorityQueueDescriptor.SLOT_LENGTH_OFFSET);
                        if (length < 0 || length > maxMessageSize) {
                            throw new IllegalStateException("corrupt message length " + length + " in slot " + slot);
                        }
                        handler.onMessage(p, b, slotAt + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, length);
                    }
                } finally {
                    for (int i = 0; i < k; i++) {
                        // release: the cell is ready for the sender of the next lap, after our reads
                        MappedAccess.LONG.setRelease(b, cellAt(p, h + i), empty(h + i + capacity));
                    }
                    if (done < k) { // the handler threw at message done: it counts as received
                        for (int i = done + 1; i < k; i++) {
                            republish(p, slots[i]);
                        }
                        // the handled ones and the one that threw (a corrupt slot index is dropped)
                        giveBackSlots(slots, 0, slots[done] < maxMessages ? done + 1 : done);
                    }
                }
                giveBackSlots(slots, 0, k);
                return k;
            }
            return 0;
        }
    }

    /** Publishes slot {@code slot}'s message again at ring {@code p}'s tail (a batch whose handler threw). */
    private void republish(int p, int slot) {
        final ByteBuffer b = buffer;
        final int tailAt = tailAt(p);
        while (true) {
            long t = (long) MappedAccess.LONG.getVolatile(b, tailAt); // volatile: as in offer
            int cellAt = cellAt(p, t);
            if ((long) MappedAccess.LONG.getAcquire(b, cellAt) == empty(t) // acquire: as in offer
                    && MappedAccess.LONG.compareAndSet(b, tailAt, t, t + 1)) { // volatile CAS: as in offer
                MappedAccess.LONG.setVolatile(b, cellAt, empty(t) | FULL | slot); // volatile: as in offer
                WaitWord.signal(b, notEmptyAt);
                return;
            }
            Thread.onSpinWait(); // a stale tail, or the previous lap's cell not released yet: transient
        }
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Reclaims what dead processes held. Queue layout 2 does not record claims yet (see the class
     * comment, "Crash recovery"): it reclaims nothing.
     *
     * @return the number of claims reclaimed: 0
     */
    public int recover() {
        ensureOpen();
        return 0;
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
     * @return the count of published, untaken ring positions
     * @throws IllegalStateException if this handle is closed
     */
    public int size() {
        ensureOpen();
        final ByteBuffer b = buffer;
        int ready = 0;
        for (int p = 0; p <= MAX_PRIORITY; p++) {
            // opaque: a statistic
            long h = (long) MappedAccess.LONG.getOpaque(b, headAt(p));
            long t = (long) MappedAccess.LONG.getOpaque(b, tailAt(p));
            for (long n = h; n < t && n - h <= capacity; n++) {
                long c = (long) MappedAccess.LONG.getOpaque(b, cellAt(p, n));
                if (c == (empty(n) | FULL | (c & VALUE_MASK))) {
                    ready++;
                }
            }
        }
        return ready;
    }

    /**
     * Whether no message is ready (a snapshot, as {@link #size()} {@code == 0}, but it reads only the
     * head cells of the rings in use). It is the re-check a receiver makes after announcing a kernel
     * sleep, with the same volatile reads.
     *
     * @return {@code true} if no message was ready when the rings were read
     * @throws IllegalStateException if this handle is closed
     */
    public boolean isEmpty() {
        ensureOpen();
        return !anyReady();
    }

    /**
     * Whether no slot is free (a snapshot). It is the re-check a sender makes after announcing a kernel
     * sleep on a full queue, with the same volatile reads.
     *
     * @return {@code true} if no slot was free when the free ring was read
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
