package dev.lockstep.ipc.queue;

import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.BOUND;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.EPOCH_SHIFT;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.SLEEPERS_MASK;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.FREE;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.FREEING;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.PAD;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.POSITION_MASK;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.RETIRED;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.SPARE;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.STATE_MASK;
import static dev.lockstep.ipc.queue.PriorityQueueDescriptor.TOKEN_MASK;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Path;
import java.util.Arrays;
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
import dev.lockstep.ipc.wait.KernelIdle;
import dev.lockstep.ipc.wait.Waiting;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * A bounded priority message queue in shared memory for many producer and many consumer processes
 * (and threads), in the manner of POSIX {@code mq_send}/{@code mq_receive} and Boost.Interprocess
 * {@code message_queue}, that survives the death of any producer or consumer, and whose sends take no
 * locked instruction: each (sending thread, priority) pair writes its own byte ring, a "lane".
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
 *   <li>The sizes (messages per lane, maximum message size, lanes) are fixed at creation and recorded
 *       in the file header; {@link #open} reads them from there. Priorities range over 0 ..
 *       {@value #MAX_PRIORITY} (POSIX's minimum {@code MQ_PRIO_MAX} is 32); larger is more urgent.
 *       Messages may be empty.</li>
 *   <li>A receive returns the message with the highest priority, and among those the oldest: it never
 *       passes over a waiting message of at least the same priority that was sent before the message it
 *       takes (sent before: the first send completed, in happens-before order, before the second
 *       began); in particular one consumer receives one producer's messages of one priority in send
 *       order. Concurrent sends are ordered by a Lamport stamp, then by lane.</li>
 *   <li>Capacity is per lane, in bytes: a lane holds at least {@code maxMessages} messages of the
 *       largest size, more small ones (a message takes {@code align8(8 + length)} bytes). A thread's
 *       first send at a priority binds a free lane. A thread keeps up to {@value #LANES_PER_THREAD} lanes
 *       while it lives: a first send at a further priority moves its oldest drained lane to that
 *       priority, or, none drained, binds another and marks its oldest lane beyond the budget
 *       <em>spare</em>; its next send at that lane's priority takes it back (and marks the next oldest),
 *       and the receive that drains a spare lane retires and frees it. So a thread that stops sending
 *       keeps at most {@value #LANES_PER_THREAD} lanes (the handle cannot take a lane from a live thread
 *       that may send into it: its tail is its own); lanes of ended threads (retired by the next bind
 *       that finds no lane free) and of closed handles are freed once drained. Size {@code lanes} for
 *       the live sending threads times the priorities each uses, up to {@value #LANES_PER_THREAD}, plus
 *       a lane per further priority whose messages still wait. A send waits while its own lane is full,
 *       or while no lane is free and none of its own is drained (the receive that drains or frees one
 *       wakes it): other senders are not held up by a full lane. {@link #isFull(int)} says whether the
 *       calling thread's send would wait.</li>
 *   <li>{@code send} blocks while it cannot proceed, {@code trySend} fails at once, the timed
 *       {@code trySend} waits up to its timeout; likewise {@code receive} / {@code tryReceive}.
 *       Blocking calls throw {@link InterruptedException} when interrupted. How they wait
 *       ({@link #waitMode()}): in {@link WaitMode#FUTEX} (Linux, JDK 22+, platform threads) a short
 *       spin, then sleeps in the kernel on the queue's not-empty / not-full futex word, woken by the
 *       send or receive that makes the call possible; each sleep is bounded by
 *       {@value dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS} ms. In {@link WaitMode#POLL} (JDK 17-21,
 *       {@code -Dlockstep.ipc.wait=poll}, virtual threads, or after {@link #setIdleStrategy}) they poll
 *       with an Agrona {@link IdleStrategy}, {@link Idle#backoff()} unless {@link #setIdleStrategy} says
 *       otherwise. A send makes no system call and no locked instruction unless a receiver sleeps.</li>
 *   <li>Receives copy into the caller's buffer: they return the priority, and the buffer's position
 *       advances by the message length. The buffer must have room for {@link #maxMessageSize()} bytes,
 *       as {@code mq_receive} requires (bytes past its position may be overwritten by an attempt that
 *       lost a race). {@link #receive(MessageHandler, int)} delivers up to {@code limit} waiting messages
 *       in that order without copying (the handler reads each body in the mapping, a run of one lane
 *       per call); it does not wait.</li>
 *   <li>Nothing is allocated per call once a thread has used the handle (its first call allocates its
 *       binding table); a waiting call borrows the handle's spare waiter for its side.</li>
 *   <li>Bad input (priority out of range, a message larger than the maximum, a too small or read-only
 *       receive buffer, sizes out of range, a file of another kind or layout) throws before anything
 *       is written.</li>
 * </ul>
 *
 * <h2>Crash recovery</h2>
 * A process killed at any moment loses nothing another process completed. A dead sender's lanes
 * (owner word BOUND(token), the token a {@link Participants} token) are retired once the registry finds
 * it certainly dead on two scans in a row ({@link Participants#isDead}: by pid and start time in our PID
 * namespace, by heartbeat age confirmed by the kernel's lock probe in another, so a process in another
 * container is never mistaken for dead): its published messages are still received, its unfinished
 * send is never delivered, not even in part (a record becomes visible only by the release store of its
 * header, after its last byte). A copying receive takes its message by one compare-and-set of the
 * lane's head and returns only after it: a receiver killed before it leaves the message waiting, one
 * killed after it has the message. A batch receiver killed inside its handler has the rest of its run
 * given back from the message it was handling (that one is delivered again: at-least-once for the
 * handler, which the queue cannot see finish); a given-back run is offered before the lane's newer
 * messages. A receiver killed in its sleep phase leaves a sleeper slot that recovery frees. Recovery
 * runs in waiting calls at most once per {@value #RECOVERY_INTERVAL_MICROS} µs per handle, and
 * {@link #recover()} runs it at once; every recovery step is a compare-and-set, so racing recoverers
 * agree.
 *
 * <h2>Stalled, not dead</h2>
 * A process stopped inside a send or a receive (SIGSTOP, a debugger, a throttled container, a long GC
 * pause) is alive: it keeps its lanes and its batch's run for as long as it is stopped, and no timeout
 * takes them away. The others go on with the other lanes. When it continues, its send publishes the
 * message (delivered once) and its batch delivers the rest of its run: nothing is lost, duplicated or
 * torn.
 *
 * <h2>Properties</h2>
 * Safety: no loss, no duplicate, no torn message among completed calls, across processes and crashes.
 * Progress: a send is wait-free while its lane has room (plain and release stores); receives are
 * lock-free among live processes (a failed head CAS means another receive succeeded). Fairness: none
 * among waiting senders or receivers. Space: {@link PriorityQueueDescriptor#structureLength} (per lane a
 * 512-byte entry and a ring of {@code nextPow2((maxMessages + 1) * align8(8 + maxMessageSize) + 8)}
 * bytes, at least 1 KiB). Time: a receive reads the active bits and the head record of every active
 * lane twice (scan and re-check): O(lanes in use).
 *
 * <h2>Implementation notes</h2>
 * Layout: {@link PriorityQueueDescriptor}. All shared words are accessed through {@link MappedAccess}.
 *
 * <p>Lanes. A lane's owner word goes FREE -> BOUND(token) by the CAS of a sending thread's first send
 * at a priority; a thread at its lane budget moves a drained lane of its own to a new priority in place
 * (one store of the priority word: no record waits in it, so its waiting records share the new priority
 * from then on, as after a free and a bind); BOUND -> BOUND|SPARE by that thread for its oldest lanes beyond
 * its budget, and back by its CAS before its next record there; BOUND|SPARE -> RETIRED by the receive
 * that finds it drained (its CAS and the sender's decide; the sender re-reads the head after marking,
 * the receive reads the owner after its head CAS, so one of them sees a lane drained around its mark);
 * RETIRED -> BOUND by that sender, which finds its spare lane retired and takes it back unless a freer's
 * CAS came first (the receive's CAS may have matched a later SPARE word than the one whose drained head
 * it read, and a lane with records is not free to bind anew);
 * BOUND -> RETIRED by that thread (drained lanes it no longer needs, {@link #close}); RETIRED ->
 * FREEING -> FREE by whoever finds it drained (the word at its head is 0, no hold up), found drained again
 * once FREEING is its own (the owner word has no generation: the RETIRED word it read may be a later
 * retirement's, of a lane bound again by the same token, with records in it), clearing its active bit in
 * between, so a binder's set, which follows its CAS on FREE, is never erased. A lane is used by the one
 * thread that bound it, so its tail, cached space bound and last stamp are plain state of this handle,
 * indexed by lane (a re-binding thread acquires the previous binder's state through the owner CAS).
 * Owner words carry the process's token, so the bindings of one process (its threads, and one thread's
 * tables in two handles over the queue) have equal words: the lane's binder word, written with the claim,
 * names the binding, and every take-back and retirement by a binding checks it with its owner CAS under a
 * process-wide lock of the lane ({@link #binderAt}); an entry a receive made stale (it retired and freed
 * a spare lane) then never takes, nor retires, the lane another binding claimed since.
 *
 * <p>Send (lane k): the body is copied with plain stores, the word after the record is zeroed (plain)
 * unless a hold zeroed it (below), then the header is stored with release semantics (publishing body and
 * zero together), then the lane's published stamp (release). No locked instruction and no fence:
 * measured on the channel, one per send costs a transport 0.26-0.33x of its throughput (design, section
 * 1). The zeroing rule: the word at position q is 0 when the record that ends at q is published: zeroed
 * by that publish, before its release, or, a lap before, by the hold that delivered the record then
 * covering it, which released the lane's zeroed word after its zeroes and before the space was the
 * sender's, the sender having acquired that word; a receiver that reached q did so by reading head == q,
 * after the publish's release, so it reads 0 or a newer header there, never an older lap's. Stamp = 1 + the largest published stamp of the active lanes of its priority
 * (acquire loads; a Lamport clock): a send that happened-before this one published its stamp before,
 * and set its lane's active bit before that, so this send's stamp is larger.
 *
 * <p>Receive: read the active bits, and per active lane its head word and the header there (acquire:
 * the header's release published the body); help past a padding record (head CAS); the best record is
 * the highest priority, then the oldest stamp (serial compare), then the lowest lane. A lane bound for a
 * priority below the best record found so far is skipped unread (its priority word, in the rarely
 * written first line of its entry, says what all its records carry). Re-check: every other active lane
 * bound for the candidate's priority or higher has its head record read again; a message sent before
 * the candidate was published before the candidate's header, which our acquire followed, so the re-read
 * sees it (or its consumption), and sees its lane's priority too (stored before that send). Copy the
 * body out, then CAS the head past the record (volatile): the CAS is the receive's linearization point;
 * if it fails, what was copied is discarded (another receive took the record, and the ring may have
 * been overwritten since) and the scan starts over. A head position recurs only after 2^48 words
 * through the lane, so the CAS has no ABA.
 *
 * <p>Handler batch (the hold). A batch takes the best lane's run of records of the best priority that
 * precede the other lanes' first records (so the run respects the order), up to its limit, and claims it
 * by the lane's hold: CAS of the hold owner 0 -> HOLDING(me) (one batch per lane; a batch that finds the
 * hold taken takes one message by copy instead), from word {@code from << 2 | HELD}, end word
 * {@code end << 1} (plain stores, published by the next step), then the head CAS to {@code end} with the
 * hold as claimer: one locked instruction to claim, one volatile store to end the hold. A receive that moves a head whose claimer is the hold first sets that bit if the end
 * word names the head's position, so a recoverer can always tell whether a dead holder's claim won: won
 * if the bit is set or the head still names the hold at the end. The sender's space stops at the
 * lane's zeroed word while a hold is up (at or before its from word). The holder calls the handler on
 * each record in place and advances the from word after each call (release); at the end of the receive
 * call (also after a handler's exception) it zeroes what it delivered and releases the zeroed word past
 * it, {@code position << 16 | words}: the words of the lane's current
 * zeroed run, which goes on from hold to hold while no copying receive moves the head in between (a
 * holder starts a new run, with no words, at its from word otherwise). The sender reads the word with
 * its space bound, once a lap, and skips the next-header store where the word before its position by
 * one ring lies in the run: the receivers, not the sender, then write the ring's lines after reading
 * them, which is what the two-process throughput needed (design, section 18). A holder killed between
 * its last from store and its zeroed store leaves records half zeroed behind the from word: nobody
 * reads them again, and the zeroed word still ends before them, so its sender zeroes there itself. Then the holder ends the hold (end
 * and from words reset, owner 0). A handler's exception: its message counts as received, the rest is given back: the from word's mode
 * GIVEN_BACK, then owner GIVEN_BACK (volatile stores, in that order: a takeover needs the owner, and must
 * find the from word given back), and the exception propagates. Receivers scan a given-back
 * run as the lane's first records (they are older than the head's) and claim them by CAS of the from
 * word (a copying receive) or take the run over as a hold (a batch: owner GIVEN_BACK -> HOLDING(me),
 * then the from word's mode back to HELD by CAS, so a copying receive's CAS of the old word fails); who
 * moves the from word to the end ends the hold (GIVEN_BACK -> CLEARING(me) by CAS, one clearer). A dead
 * holder (Participants, two scans): a won claim is given back from the record it was handling, a lost
 * one (or a dead clearer's hold) is ended; every step a CAS, so racing recoverers agree.
 *
 * <p>Waiting (the one-to-one channel's sleep request, generalised to lanes). A receive that must wait
 * announces itself on the not-empty wait word ({@code WaitWord}, through {@code KernelIdle}), then
 * re-checks: it joins the sleep request once per wait (it names itself by its token in a free sleeper
 * slot, then sets the slot's bit in the request by CAS; the epoch grows when the bits leave 0; with all
 * 32 slots taken it naps), and may sleep in the kernel only when every BOUND lane's acknowledgement
 * equals the epoch (volatile reads) and a volatile re-scan finds no message; while a lane has not
 * acknowledged it naps (100 us doubling to the sleep bound), since that lane's sender may not have seen
 * the request yet. A send reads the request (acquire; nobody writes it while no receiver waits, so the
 * fast path costs a read of a shared line): if a receiver is in its sleep phase, it fences (fullFence),
 * acknowledges the epoch for its lane (volatile store, once per epoch) and signals the word. No lost
 * wake-up: sends of lane k before its acknowledgement happen-before the receiver's read of it, hence
 * before its re-scan; a send after it reads the request after the acknowledging one did (coherence),
 * sees the receiver's bit, and its fence with the receiver's announce-and-fence is WaitWord's Dekker
 * pair. A lane bound while a receiver is joined: the binder's CAS and bit set, then its volatile read of
 * the request, against the receiver's join CAS, then its volatile read of the owner: one sees the
 * other, and a binder that sees the request acknowledges before its first send. A freer resets the
 * acknowledgement to 0 before the FREE store, so the next binder never inherits its predecessor's. A send
 * that waits for room raises its lane's space request (volatile) and re-reads the head (volatile); a
 * receive that moves a head (volatile CAS) reads the lane's request (volatile) and, if raised, clears it
 * and signals the not-full word. A send that waits for a lane sleeps until a FREE store (volatile,
 * then a signal of the not-full word).
 *
 * <p>Recovery. Waiting calls scan the sleeper slots and the lanes at most once a millisecond per handle:
 * a sleeper slot naming a dead receiver is taken by CAS (RECOVERING(me): one recoverer alone clears the
 * dead receiver's bit, and a new sleeper claims the slot only once it is freed after that); a lane BOUND by a
 * process that {@code Participants} finds certainly dead on two scans in a row is CASed to RETIRED (its
 * published records are still received; an unpublished one is invisible, its header still 0), then freed
 * once drained; a lane left FREEING by a dead freer is taken over by CAS and its free finished. A stalled
 * (SIGSTOP) sender keeps its lane; nothing times out.
 */
public final class SharedPriorityQueue implements AutoCloseable {
    /** The highest priority; priorities are 0 .. {@value}. */
    public static final int MAX_PRIORITY = 31;
    /** The default number of lanes. */
    public static final int DEFAULT_LANES = 64;
    /** The most lanes a queue may have. */
    public static final int MAX_LANES = 4096;
    /**
     * How many lanes one thread keeps bound through one handle: a send at a further priority moves its
     * oldest drained lane to that priority (none drained: it binds one more and marks its oldest spare,
     * which the receive that drains it retires unless the thread sends into it first).
     */
    public static final int LANES_PER_THREAD = 4;

    private static final long IN_MEMORY_TOKEN = 1L;
    /** How long a bind waits at most for a lane another thread is freeing (see {@code bind}). */
    private static final long FREEING_WAIT_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
    /** How many locks the lanes' binder words share ({@link #laneLock}); a power of two. */
    private static final int LANE_LOCK_STRIPES = 64;
    private static final Object[] LANE_LOCKS = new Object[LANE_LOCK_STRIPES];
    /** The last {@link Bindings#id} given out in this process (getAndAdd: each number once). */
    private static long nextBindingId;
    private static final VarHandle NEXT_BINDING_ID;

    static {
        Arrays.setAll(LANE_LOCKS, i -> new Object());
        try {
            NEXT_BINDING_ID = MethodHandles.lookup().findStaticVarHandle(SharedPriorityQueue.class, "nextBindingId", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** Zeroes for a hold's bulk puts over the records it delivered. */
    private static final byte[] ZEROS = new byte[4096];
    /** Runs up to this size (bytes) a hold zeroes by word stores rather than a bulk put (whose call costs more there). */
    private static final int SMALL_RECORD = 256;
    /** Minimum time between two automatic recovery scans of one handle, µs. */
    public static final long RECOVERY_INTERVAL_MICROS = 1000;
    private static final long RECOVERY_INTERVAL_NANOS = TimeUnit.MICROSECONDS.toNanos(RECOVERY_INTERVAL_MICROS);

    /**
     * A thread's lanes and scan results through this handle. Static, and holding nothing of the handle:
     * a thread-local value that referred to its handle would keep the handle's ThreadLocal, and so the
     * entry and the handle with its mapping, reachable from the thread for good (the jcstress run of
     * SharedPriorityQueueHoldTest ran out of direct memory that way).
     */
    private static final class Bindings {
        /** The lane bound for each priority, -1 if none. */
        final int[] laneOf = new int[MAX_PRIORITY + 1];
        /** The bound lanes' priorities, oldest binding first. */
        final int[] order = new int[MAX_PRIORITY + 1];
        int count;
        /** Bit p: the lane of priority p is SPARE (bound beyond the budget, not sent into since). */
        int spare;
        /** The last scan's result: the record's header, the word it was found by, its source, its run's end. */
        long header;
        long word;
        boolean hold;
        long to;
        /** The best other lane's first record of the scanned record's priority (0 if none), and its lane. */
        long other;
        int otherLane;
        /** A batch's run length after {@code cutRun}. */
        int runLength;
        /** A batch's copy buffer for a lane another batch holds, created when first needed. */
        ByteBuffer copy;

        /** The thread whose table this is (final: read by other threads through {@code lastBindings}). */
        final Thread owner = Thread.currentThread();
        /**
         * This binding's number in this process (handle and thread), never reused: what the lanes it
         * claims hold in their binder words ({@link #binderAt}).
         */
        final long id = (long) NEXT_BINDING_ID.getAndAdd(1L) + 1L;

        Bindings() {
            Arrays.fill(laneOf, -1);
        }
    }

    /**
     * One waiting call's reusable parts (a handle keeps one spare per side, as {@code WaitSpare} does; a
     * call that finds it lent out makes its own): its idle strategies and the state its re-check needs.
     * Plain fields: one borrower at a time.
     */
    private final class Waiter implements KernelIdle.Recheck {
        final boolean send;
        /** Made by the handle's idle factory when the waiter is made ({@link #setIdleStrategy} drops the spares). */
        final IdleStrategy poll = idleFactory.get();
        KernelIdle kernel;
        /** The waiting thread's bindings. */
        Bindings t;
        /** The sleeper slot this receive wait joined the sleep request with, -1 if none. */
        int slot = -1;
        /** The waiting send's priority and length. */
        int priority;
        int length;

        Waiter(boolean send) {
            this.send = send;
        }

        IdleStrategy arm(Bindings t, boolean timed, long deadline) {
            this.t = t;
            this.slot = -1;
            poll.reset();
            if (kernel != null) {
                return kernel.rearm(timed, deadline);
            }
            if (idleSet) {
                return poll; // an explicit strategy polls (waitMode() is POLL)
            }
            IdleStrategy s = KernelIdle.orPoll(buffer, send ? notFullAt : notEmptyAt, this, timed, deadline, poll);
            if (s instanceof KernelIdle) {
                kernel = (KernelIdle) s;
            }
            return s;
        }

        @Override
        public int recheck() {
            return send ? recheckSend(this) : recheckReceive(this);
        }
    }

    /** Borrows a side's spare waiter (volatile getAndSet: the borrower sees the last one's plain writes). */
    /**
     * The calling thread's binding table. Plain read of {@code lastBindings}: a table read by a thread
     * that is not its owner shows that thread its final {@code owner} field initialized (JLS 17.5, final
     * field semantics), so the check below is exact; only the owner touches the table's other fields.
     */
    private Bindings bindings() {
        Bindings t = lastBindings;
        if (t != null && t.owner == Thread.currentThread()) {
            return t;
        }
        Bindings mine = bindings.get();
        if (t == null || !t.owner.isAlive()) {
            lastBindings = mine; // plain: see above
        }
        return mine;
    }

    private Waiter borrow(boolean send) {
        Waiter w = send ? sendSpare.getAndSet(null) : receiveSpare.getAndSet(null);
        return w != null ? w : new Waiter(send);
    }

    /** Gives a waiter back as its side's spare unless another already is (volatile CAS). */
    private void giveBack(Waiter w) {
        w.t = null;
        (w.send ? sendSpare : receiveSpare).compareAndSet(null, w);
    }

    /** The mapped file; null for {@link #inMemory} and {@link #wrap} (the caller owns the mapping). */
    private final SharedFile file;
    private final ByteBuffer buffer;
    private final int maxMessages;
    private final int maxMessageSize;
    private final int lanes;
    private final int ringBytes;
    private final int ringMask;
    private final long ringWords;
    private final int activeAt;
    private final int laneTableAt;
    private final long ringsAt;
    private final int activeWords;
    private final long boundWord;
    private final long retiredWord;
    private final long spareWord;
    private final long freeingWord;
    private final long holdingWord;
    private final long clearingWord;
    private final int notEmptyAt;
    private final int notFullAt;
    private final int requestAt;
    private final int sleeperSlotsAt;
    /** Per sleeper slot, racy on purpose: the slot word the last recovery scan saw. */
    private final long[] seenSleepers = new long[PriorityQueueDescriptor.SLEEPER_SLOTS];
    /** Who is alive: null for an in-memory queue (one process, no one dies). */
    private final Participants participants;
    /** Per handle, racy on purpose: when the last automatic recovery scan ran. */
    private long lastRecoveryNanos;
    /** Per lane, racy on purpose: the owner word the last recovery scan saw (stuck detection). */
    private final long[] seenOwners;
    /** Per lane, racy on purpose: the hold owner word the last recovery scan saw. */
    private final long[] seenHolds;
    /** Per lane, as {@link #tails}: the last sleep-request epoch this lane acknowledged. */
    private final long[] acked;
    private final ThreadLocal<Bindings> bindings = ThreadLocal.withInitial(Bindings::new);
    /**
     * Racy on purpose (plain): the binding table of the first thread that used this handle (or of a later
     * one, once that thread ended), so that thread's calls skip the ThreadLocal lookup (JFR: ~11% of the
     * samples of a one-thread send and receive). Written only on a miss whose cached owner is gone, never
     * by turns, so threads sharing the handle do not pass this field's line around.
     */
    private Bindings lastBindings;
    private final java.util.concurrent.atomic.AtomicReference<Waiter> sendSpare = new java.util.concurrent.atomic.AtomicReference<>();
    private final java.util.concurrent.atomic.AtomicReference<Waiter> receiveSpare = new java.util.concurrent.atomic.AtomicReference<>();
    /** Per lane, used only by the thread that bound it: its next write position (words). */
    private final long[] tails;
    /** Per lane, as {@link #tails}: the receivers' head position last read (words). */
    private final long[] bounds;
    /**
     * Per lane, as {@link #tails}: from the lane's zeroed word, read with the bound: the sender position
     * one ring after the zeroed run's end; positions up to {@link #zeroedWords} words before it need no
     * zeroing (a hold zeroed the word a lap before).
     */
    private final long[] zeroedEnds;
    /** Per lane, as {@link #zeroedEnds}: the zeroed run's length in words (0: nothing known zeroed). */
    private final int[] zeroedWords;
    /** Per lane, as {@link #tails}: the stamp of the lane's last record. */
    private final int[] lastStamps;
    /**
     * Per lane: the binding (thread table) of this handle that claimed it, null if none; guarded by the
     * lane's lock ({@link #laneLock}). Only finds the lanes of this handle's ended threads and of its close;
     * whether such a lane is still that binding's is the lane's binder word's to say.
     */
    private final Bindings[] binders;
    /**
     * The idle strategy factory of blocking calls. Plain: set before the handle is shared between
     * threads (see {@link #setIdleStrategy}); publication of the handle publishes it.
     */
    private Supplier<? extends IdleStrategy> idleFactory = Idle::backoff;
    /** Whether {@link #setIdleStrategy} was called: blocking calls then poll with it. Plain, as idleFactory. */
    private boolean idleSet;
    private volatile boolean closed;

    private SharedPriorityQueue(SharedFile file, ByteBuffer buffer, int base, int maxMessages, int maxMessageSize, int lanes, long token,
                      Participants participants) {
        this.file = file;
        this.buffer = buffer;
        this.maxMessages = maxMessages;
        this.maxMessageSize = maxMessageSize;
        this.lanes = lanes;
        this.ringBytes = (int) PriorityQueueDescriptor.ringBytes(maxMessages, maxMessageSize);
        this.ringMask = ringBytes - 1;
        this.ringWords = ringBytes >>> 3;
        this.activeAt = base + PriorityQueueDescriptor.ACTIVE_BITS_OFFSET;
        this.laneTableAt = base + PriorityQueueDescriptor.laneTableOffset(lanes);
        this.ringsAt = base + PriorityQueueDescriptor.ringsOffset(lanes);
        this.activeWords = (lanes + 63) >>> 6;
        this.boundWord = BOUND | token;
        this.retiredWord = RETIRED | token;
        this.spareWord = BOUND | SPARE | token;
        this.freeingWord = FREEING | token;
        this.holdingWord = PriorityQueueDescriptor.HOLDING | token;
        this.clearingWord = PriorityQueueDescriptor.CLEARING | token;
        this.tails = new long[lanes];
        this.bounds = new long[lanes];
        this.zeroedEnds = new long[lanes];
        this.zeroedWords = new int[lanes];
        this.lastStamps = new int[lanes];
        this.binders = new Bindings[lanes];
        this.notEmptyAt = base + PriorityQueueDescriptor.NOT_EMPTY_WAIT_WORD_OFFSET;
        this.notFullAt = base + PriorityQueueDescriptor.NOT_FULL_WAIT_WORD_OFFSET;
        this.requestAt = base + PriorityQueueDescriptor.SLEEP_REQUEST_OFFSET;
        this.sleeperSlotsAt = base + PriorityQueueDescriptor.SLEEPER_SLOTS_OFFSET;
        this.participants = participants;
        this.seenOwners = new long[lanes];
        this.seenHolds = new long[lanes];
        this.acked = new long[lanes];
        this.lastRecoveryNanos = System.nanoTime();
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates the queue file {@code file} with {@value #DEFAULT_LANES} lanes; fails if it exists.
     *
     * @param file           the path of the new file
     * @param maxMessages    messages of the largest size one lane holds at least
     * @param maxMessageSize the largest message in bytes
     * @return the queue, mapped
     * @throws IllegalArgumentException if a size is out of range (see {@link #create(Path, int, int, int)})
     * @throws java.nio.file.FileAlreadyExistsException if it exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static SharedPriorityQueue create(Path file, int maxMessages, int maxMessageSize) throws IOException {
        return create(file, maxMessages, maxMessageSize, DEFAULT_LANES);
    }

    /**
     * Creates the queue file {@code file}; fails if it exists.
     *
     * @param file           the path of the new file
     * @param maxMessages    messages of the largest size one lane holds at least, &gt; 0
     * @param maxMessageSize the largest message in bytes, 1 .. 2^24 - 1
     * @param lanes          how many (sending thread, priority) pairs may send at once, 1 .. {@value #MAX_LANES}
     * @return the queue, mapped
     * @throws IllegalArgumentException if a size is out of range or the file would exceed 2 GiB
     * @throws java.nio.file.FileAlreadyExistsException if it exists
     * @throws IOException if the file cannot be created or mapped
     */
    public static SharedPriorityQueue create(Path file, int maxMessages, int maxMessageSize, int lanes)
            throws IOException {
        Objects.requireNonNull(file, "file");
        long length = checkSizes(maxMessages, maxMessageSize, lanes);
        // all zeros: every lane FREE, every head word 0 at a zero header, no sleeper
        SharedFile f = SharedFile.create(file, StructureKind.PRIORITY_QUEUE, length, b -> { },
                maxMessages, maxMessageSize, MAX_PRIORITY, lanes);
        return fromFile(f, Participants.of(file));
    }

    /**
     * Opens the existing queue file {@code file}, with the sizes it was created with.
     *
     * @param file the queue file
     * @return the queue, mapped
     * @throws java.nio.file.NoSuchFileException if it does not exist
     * @throws IncompatibleFileException         if it is not a priority queue file of this layout (it is
     *                                           left untouched)
     * @throws IOException                       if the file cannot be read or mapped
     */
    public static SharedPriorityQueue open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        SharedFile f = SharedFile.open(file, StructureKind.PRIORITY_QUEUE);
        return fromFile(f, null);
    }

    /**
     * Opens {@code file} if it exists, else creates it with {@value #DEFAULT_LANES} lanes; an existing
     * file must have the same sizes.
     *
     * @param file           the queue file
     * @param maxMessages    messages of the largest size one lane holds at least
     * @param maxMessageSize the largest message in bytes
     * @return the queue, mapped
     * @throws IllegalArgumentException  if a size is out of range (as for {@link #create(Path, int, int, int)})
     * @throws IncompatibleFileException if it exists with other sizes or holds another kind
     * @throws IOException               if the file cannot be created, read or mapped
     */
    public static SharedPriorityQueue openOrCreate(Path file, int maxMessages, int maxMessageSize) throws IOException {
        return openOrCreate(file, maxMessages, maxMessageSize, DEFAULT_LANES);
    }

    /**
     * Opens {@code file} if it exists, else creates it; an existing file must have the same sizes.
     *
     * @param file           the queue file
     * @param maxMessages    messages of the largest size one lane holds at least
     * @param maxMessageSize the largest message in bytes
     * @param lanes          the number of lanes
     * @return the queue, mapped
     * @throws IllegalArgumentException  if a size is out of range (as for {@link #create(Path, int, int, int)})
     * @throws IncompatibleFileException if it exists with other sizes or holds another kind
     * @throws IOException               if the file cannot be created, read or mapped
     */
    public static SharedPriorityQueue openOrCreate(Path file, int maxMessages, int maxMessageSize, int lanes)
            throws IOException {
        Objects.requireNonNull(file, "file");
        long length = checkSizes(maxMessages, maxMessageSize, lanes);
        SharedFile f = SharedFile.openOrCreate(file, StructureKind.PRIORITY_QUEUE, length, b -> { },
                maxMessages, maxMessageSize, MAX_PRIORITY, lanes);
        return fromFile(f, null);
    }

    /** The handle of a mapped file, its sizes checked against the header; closes {@code f} on failure. */
    private static SharedPriorityQueue fromFile(SharedFile f, Participants known) throws IOException {
        try {
            FileLayout.Header h = f.header();
            long maxMessages = h.param(PriorityQueueDescriptor.PARAM_MAX_MESSAGES);
            long maxMessageSize = h.param(PriorityQueueDescriptor.PARAM_MAX_MESSAGE_SIZE);
            long lanes = h.param(PriorityQueueDescriptor.PARAM_LANES);
            f.requireParam(PriorityQueueDescriptor.PARAM_MAX_PRIORITY, "maximum priority", MAX_PRIORITY);
            if (maxMessages < 1 || maxMessages > Integer.MAX_VALUE || maxMessageSize < 1
                    || maxMessageSize > PriorityQueueDescriptor.MAX_LENGTH || lanes < 1 || lanes > MAX_LANES) {
                throw new IncompatibleFileException(f.path(), "bad sizes: maxMessages " + maxMessages
                        + ", maxMessageSize " + maxMessageSize + ", lanes " + lanes);
            }
            long expected = SharedFile.STRUCTURE_OFFSET + MappedAccess.align(
                    checkSizes((int) maxMessages, (int) maxMessageSize, (int) lanes), MappedAccess.LINE);
            if (h.fileLength() != expected) {
                throw new IncompatibleFileException(f.path(), "file is " + h.fileLength() + " bytes, a queue of "
                        + lanes + " lanes of " + maxMessages + " x " + maxMessageSize + " needs " + expected);
            }
            Participants participants = known != null ? known : Participants.of(f.path());
            long token = participants.token(); // 0 in a ReadOnlyInspection: the handle then only reads
            if ((token & ~TOKEN_MASK) != 0L) {
                throw new IllegalStateException("participant token " + Long.toHexString(token) + " cannot own lanes");
            }
            return new SharedPriorityQueue(f, f.buffer(), SharedFile.STRUCTURE_OFFSET, (int) maxMessages,
                    (int) maxMessageSize, (int) lanes, token, participants);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * As {@link #inMemory(int, int, int)} with {@value #DEFAULT_LANES} lanes.
     *
     * @param maxMessages    messages of the largest size one lane holds at least
     * @param maxMessageSize the largest message in bytes
     * @return a new, empty queue
     * @throws IllegalArgumentException if a size is out of range
     */
    public static SharedPriorityQueue inMemory(int maxMessages, int maxMessageSize) {
        return inMemory(maxMessages, maxMessageSize, DEFAULT_LANES);
    }

    /**
     * A queue in this process's memory (a direct buffer, no file): the same code over the same layout,
     * for tests, benchmarks and threads of one process.
     *
     * @param maxMessages    messages of the largest size one lane holds at least
     * @param maxMessageSize the largest message in bytes
     * @param lanes          how many (thread, priority) pairs may send at once
     * @return a new, empty queue
     * @throws IllegalArgumentException if a size is out of range
     */
    public static SharedPriorityQueue inMemory(int maxMessages, int maxMessageSize, int lanes) {
        long length = checkSizes(maxMessages, maxMessageSize, lanes);
        // aligned to a line only: pages matter to a file's tmpfs pages, not to this buffer
        ByteBuffer b = ByteBuffer.allocateDirect((int) length + MappedAccess.LINE)
                .alignedSlice(MappedAccess.LINE).order(ByteOrder.nativeOrder());
        return new SharedPriorityQueue(null, b, 0, maxMessages, maxMessageSize, lanes, IN_MEMORY_TOKEN, null);
    }

    /**
     * A queue laid out in a region of a mapping shared by other means, all zero before first use: every
     * process must wrap it with the same sizes and name itself by its token in one registry.
     *
     * @param buffer         a direct, native-order buffer over the shared mapping
     * @param offset         where the structure starts (a multiple of 4096 from a page-aligned address)
     * @param maxMessages    messages of the largest size one lane holds at least
     * @param maxMessageSize the largest message in bytes
     * @param lanes          how many (thread, priority) pairs may send at once
     * @param participants   the registry that names this process
     * @return a queue over that region
     * @throws IllegalArgumentException if a size is out of range, or the buffer or region unfit
     */
    public static SharedPriorityQueue wrap(ByteBuffer buffer, int offset, int maxMessages, int maxMessageSize, int lanes,
                                 Participants participants) {
        Objects.requireNonNull(buffer, "buffer");
        Objects.requireNonNull(participants, "participants");
        long length = checkSizes(maxMessages, maxMessageSize, lanes);
        if (!buffer.isDirect() || buffer.order() != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException("the buffer must be direct and in native byte order: " + buffer);
        }
        if (offset < 0 || offset + length > buffer.capacity() || buffer.alignmentOffset(offset, 8) != 0
                || offset % MappedAccess.LINE != 0) {
            throw new IllegalArgumentException("region [" + offset + ", " + (offset + length)
                    + ") is misaligned or outside the buffer of " + buffer.capacity() + " bytes");
        }
        long token = participants.token();
        if (token == 0L || (token & ~TOKEN_MASK) != 0L) {
            throw new IllegalArgumentException("participant token " + Long.toHexString(token) + " cannot own lanes");
        }
        return new SharedPriorityQueue(null, buffer, offset, maxMessages, maxMessageSize, lanes, token, participants);
    }

    /**
     * The bytes {@link #wrap} needs.
     *
     * @param maxMessages    messages of the largest size one lane holds at least
     * @param maxMessageSize the largest message in bytes
     * @param lanes          the number of lanes
     * @return the structure's length
     * @throws IllegalArgumentException if a size is out of range
     */
    public static long structureLength(int maxMessages, int maxMessageSize, int lanes) {
        return checkSizes(maxMessages, maxMessageSize, lanes);
    }

    private static long checkSizes(int maxMessages, int maxMessageSize, int lanes) {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("maxMessages must be > 0: " + maxMessages);
        }
        if (maxMessageSize < 1 || maxMessageSize > PriorityQueueDescriptor.MAX_LENGTH) {
            throw new IllegalArgumentException("maxMessageSize must be in 1.." + PriorityQueueDescriptor.MAX_LENGTH
                    + ": " + maxMessageSize);
        }
        if (lanes < 1 || lanes > MAX_LANES) {
            throw new IllegalArgumentException("lanes must be in 1.." + MAX_LANES + ": " + lanes);
        }
        long ring = (long) maxMessages * PriorityQueueDescriptor.recordBytes(maxMessageSize);
        long length = ring > Integer.MAX_VALUE ? Long.MAX_VALUE
                : PriorityQueueDescriptor.structureLength(maxMessages, maxMessageSize, lanes);
        if (length > Integer.MAX_VALUE - 2L * PriorityQueueDescriptor.RING_ALIGNMENT) {
            throw new IllegalArgumentException(lanes + " lanes of " + maxMessages + " messages of " + maxMessageSize
                    + " bytes need more than 2 GiB");
        }
        return length;
    }

    /**
     * Sets how blocking calls of this handle idle between polls of shared memory (default
     * {@link Idle#backoff()}; see {@link Idle} for the latency / CPU trade-off of each strategy, e.g.
     * {@code Idle::busySpin} for the lowest latency at the price of a core per waiter). The factory is
     * called when a blocking call has to wait and the handle keeps no spare waiter for that side: about
     * once per thread of this process that waits on it at the same time as another; a strategy is reset
     * before each wait it serves and reused by later waits. Call it before sharing the handle between
     * threads. A handle with an explicit strategy polls with it, also where kernel sleeps are available
     * ({@link #waitMode()} is then {@link WaitMode#POLL}); its sends still wake other handles' sleepers.
     *
     * @param factory makes the idle strategy of one waiting call
     * @throws NullPointerException if {@code factory} is null
     */
    public void setIdleStrategy(Supplier<? extends IdleStrategy> factory) {
        this.idleFactory = Objects.requireNonNull(factory, "factory");
        this.idleSet = true;
        sendSpare.set(null); // later waits make their waiters with the new factory
        receiveSpare.set(null);
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

    // ---------------------------------------------------------------- send

    /**
     * Sends a message (the bytes between {@code src}'s position and limit; the position advances),
     * waiting while the calling thread's lane for {@code priority} is full or no lane is free.
     *
     * @param priority 0 .. {@value #MAX_PRIORITY}
     * @param src      the message
     * @throws IllegalArgumentException if the priority is out of range or the message too large
     * @throws InterruptedException     if interrupted while waiting (nothing sent)
     */
    public void send(int priority, ByteBuffer src) throws InterruptedException {
        int length = checkSend(priority, src);
        Waits.checkInterrupt();
        if (!offer(priority, src, length)) {
            awaitSend(priority, src, length, Waits.INTERRUPTIBLE, 0L);
        }
    }

    /**
     * Sends a message if there is room now: its lane has room, or a lane is free to bind (a lane another
     * thread is freeing at that moment is waited for: a thread of this process's until it has freed it,
     * another process's up to 100 µs).
     *
     * @param priority 0 .. {@value #MAX_PRIORITY}
     * @param src      the message
     * @return whether it was sent ({@code src} unchanged if not)
     * @throws IllegalArgumentException if the priority is out of range or the message too large
     */
    public boolean trySend(int priority, ByteBuffer src) {
        return offer(priority, src, checkSend(priority, src));
    }

    /**
     * Sends a message, waiting up to {@code timeout} for room.
     *
     * @param priority 0 .. {@value #MAX_PRIORITY}
     * @param src      the message
     * @param timeout  how long to wait at most
     * @param unit     its unit
     * @return whether it was sent ({@code src} unchanged if not)
     * @throws IllegalArgumentException if the priority is out of range or the message too large
     * @throws InterruptedException     if interrupted while waiting (nothing sent)
     */
    public boolean trySend(int priority, ByteBuffer src, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        int length = checkSend(priority, src);
        Waits.checkInterrupt();
        return offer(priority, src, length)
                || awaitSend(priority, src, length, Waits.TIMED, Waits.deadline(timeout, unit));
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

    private boolean awaitSend(int priority, ByteBuffer src, int length, int mode, long deadline)
            throws InterruptedException {
        Waiter w = borrow(true);
        w.priority = priority;
        w.length = length;
        IdleStrategy idle = w.arm(bindings(), mode == Waits.TIMED, deadline);
        try {
            while (true) {
                if (Waits.shouldGiveUp(mode, deadline)) {
                    return false;
                }
                idle.idle();
                ensureOpen();
                maybeRecover();
                if (offer(priority, src, length)) {
                    return true;
                }
            }
        } finally {
            giveBack(w);
        }
    }

    /**
     * A waiting send's re-check after it announced itself on the not-full word (KernelIdle's fence
     * orders these reads after the announce). Without a lane: whether one is FREE (a freer stores FREE
     * with a volatile store and then signals), or one of this thread's lanes is drained, which the send
     * then moves to its priority (each lane's space request is raised first, as below, so the receive
     * that drains it signals). With a lane: raises the lane's space request (volatile),
     * then re-reads its head (volatile): a receive moves the head by a volatile CAS and then reads the
     * request (volatile), so of the two pairs one sees the other: we see the room, or it sees the request
     * and signals the word we announced on.
     */
    private int recheckSend(Waiter w) {
        final ByteBuffer b = buffer;
        int k = w.t.laneOf[w.priority];
        if (k < 0) {
            for (int j = 0; j < lanes; j++) {
                // volatile: see above
                if ((long) MappedAccess.LONG.getVolatile(b, laneAt(j) + PriorityQueueDescriptor.LANE_OWNER_OFFSET) == FREE) {
                    return KernelIdle.READY;
                }
            }
            for (int i = 0; i < w.t.count; i++) {
                int own = w.t.laneOf[w.t.order[i]];
                // volatile: the Dekker pair below, per lane of ours
                MappedAccess.INT.setVolatile(b, laneAt(own) + PriorityQueueDescriptor.LANE_SPACE_REQUEST_OFFSET, 1);
                if (spaceBound(own, true) == tails[own]) {
                    return KernelIdle.READY;
                }
            }
            return KernelIdle.SLEEP;
        }
        // volatile: the first half of the Dekker pair with the receive's head CAS and request read
        MappedAccess.INT.setVolatile(b, laneAt(k) + PriorityQueueDescriptor.LANE_SPACE_REQUEST_OFFSET, 1);
        return hasRoom(k, spaceBound(k, true), w.length) ? KernelIdle.READY : KernelIdle.SLEEP;
    }

    /** Whether lane {@code k}, its receivers' head at {@code head}, has room for a {@code length}-byte record. */
    private boolean hasRoom(int k, long head, int length) {
        int recordBytes = PriorityQueueDescriptor.recordBytes(length);
        int at = (int) (tails[k] << 3) & ringMask;
        int pad = at + recordBytes > ringBytes ? ringBytes - at : 0;
        return ((tails[k] - head) & POSITION_MASK) + ((pad + recordBytes) >>> 3) + 1 <= ringWords;
    }

    private boolean offer(int priority, ByteBuffer src, int length) {
        Bindings t = bindings();
        int k = t.laneOf[priority];
        // a spare lane is taken back (CAS) before a record goes in: t.spare is 0 unless over budget
        if ((k < 0 || (t.spare & (1 << priority)) != 0) && (k = bind(t, priority)) < 0) {
            return false;
        }
        final ByteBuffer b = buffer;
        final int recordBytes = PriorityQueueDescriptor.recordBytes(length);
        long tail = tails[k];
        int at = (int) (tail << 3) & ringMask;
        int pad = at + recordBytes > ringBytes ? ringBytes - at : 0;
        long words = (pad + recordBytes >>> 3) + 1; // + 1: the next header, zeroed by this send
        if (((tail - bounds[k]) & POSITION_MASK) + words > ringWords) {
            // acquire: the receivers' head CAS that moved past a record follows their reads of it, so the
            // space it frees is ours to overwrite only after those reads (read only when the cache says full)
            bounds[k] = spaceBound(k, false);
            // acquire: pairs with the holder's release after its zeroing, so the zeroes it claims are
            // seen by this thread's later stores and, through their release, by receivers
            long zeroed = (long) MappedAccess.LONG.getAcquire(b, zeroedAt(k));
            zeroedEnds[k] = ((zeroed >>> PriorityQueueDescriptor.ZEROED_WORDS_BITS) + ringWords) & POSITION_MASK;
            zeroedWords[k] = (int) (zeroed & PriorityQueueDescriptor.ZEROED_WORDS_MAX);
            if (((tail - bounds[k]) & POSITION_MASK) + words > ringWords) {
                return false;
            }
        }
        int stamp = nextStamp(k, priority);
        long ring = ringsAt + (long) k * ringBytes;
        if (pad > 0) {
            // plain: the header word at the ring's start, published by the padding's release below
            MappedAccess.LONG.set(b, (int) ring, 0L);
            // release: a receiver that reads the padding (acquire) and moves past it reads the zero above
            MappedAccess.LONG.setRelease(b, (int) (ring + at), PriorityQueueDescriptor.padHeader(pad));
            tail = (tail + (pad >>> 3)) & POSITION_MASK;
            at = 0;
        }
        // plain: the bytes are this lane's free space, published by the header's release below
        b.put((int) (ring + at + 8), src, src.position(), length);
        long next = (tail + (recordBytes >>> 3)) & POSITION_MASK;
        long zeroedBefore = (zeroedEnds[k] - next) & POSITION_MASK;
        if (zeroedBefore == 0L || zeroedBefore > zeroedWords[k]) {
            // plain: the next record's header is "none yet" (the zeroing rule, see the notes), published
            // with the body; not needed where the hold that delivered the word's last record zeroed it
            MappedAccess.LONG.set(b, (int) (ring + ((at + recordBytes) & ringMask)), 0L);
        }
        // release: publishes the body and the zero above to a receiver that acquires this header
        MappedAccess.LONG.setRelease(b, (int) (ring + at), PriorityQueueDescriptor.header(priority, stamp, length));
        // release: the Lamport clock's input; a later send that acquires it sees every write above
        MappedAccess.LONG.setRelease(b, laneAt(k) + PriorityQueueDescriptor.LANE_PUBLISHED_STAMP_OFFSET, (long) stamp);
        tails[k] = next;
        lastStamps[k] = stamp;
        src.position(src.position() + length);
        // acquire: a line written only when a receiver joins or leaves its sleep phase; no receiver in it
        // (no sleeper bit) is the common case, and the send then ends here with no fence and no locked instruction
        long request = (long) MappedAccess.LONG.getAcquire(b, requestAt);
        if ((request & SLEEPERS_MASK) != 0L) {
            wakeReceivers(k, request);
        }
        return true;
    }

    /**
     * The send's half of the sleep handshake (see the notes, Waiting), once it has seen a receiver in its
     * sleep phase: acknowledges the request's epoch for its lane, and signals the not-empty word.
     */
    private void wakeReceivers(int k, long request) {
        // full fence: our header's release store above is not reordered with the loads below
        // (VarHandle.fullFence: loads and stores before the fence are not reordered with loads and
        // stores after it); with the receiver's announce and fence, the Dekker pair of WaitWord
        VarHandle.fullFence();
        long epoch = request >>> EPOCH_SHIFT;
        if (acked[k] != epoch) {
            // volatile: a receiver that reads this epoch here (volatile) then sees every record this
            // lane published before, and knows this lane's later sends will signal
            MappedAccess.LONG.setVolatile(buffer, laneAt(k) + PriorityQueueDescriptor.LANE_ACK_OFFSET, epoch);
            acked[k] = epoch;
        }
        WaitWord.signal(buffer, notEmptyAt);
    }

    /**
     * Where lane {@code k}'s free space ends: the receivers' head, or while a hold is up the end of what
     * its holder has zeroed (the zeroed word, at or before the hold's from word: records a batch has
     * claimed but not yet delivered and zeroed, or gave back). Acquire loads (volatile for a waiter's
     * re-check): the head first; a hold sets its zeroed word before the head CAS that made it matter.
     */
    private long spaceBound(int k, boolean volatileReads) {
        final ByteBuffer b = buffer;
        long head = PriorityQueueDescriptor.position(volatileReads ? (long) MappedAccess.LONG.getVolatile(b, headAt(k))
                : (long) MappedAccess.LONG.getAcquire(b, headAt(k)));
        long owner = volatileReads ? (long) MappedAccess.LONG.getVolatile(b, holdOwnerAt(k))
                : (long) MappedAccess.LONG.getAcquire(b, holdOwnerAt(k));
        if (owner == 0L) {
            return head;
        }
        long zeroed = volatileReads ? (long) MappedAccess.LONG.getVolatile(b, zeroedAt(k))
                : (long) MappedAccess.LONG.getAcquire(b, zeroedAt(k));
        long end = zeroed >>> PriorityQueueDescriptor.ZEROED_WORDS_BITS;
        // never after the head (a holder's word is at or before its from word, which is at or before the
        // head); more than a ring before it is a previous hold's word, read while this one is set up,
        // whose run starts at or after the head read above
        return ((head - end) & POSITION_MASK) <= ringWords ? end : head;
    }

    /** 1 + the largest stamp published by the active lanes of {@code priority} (serial order), ours included. */
    private int nextStamp(int k, int priority) {
        final ByteBuffer b = buffer;
        int stamp = lastStamps[k];
        for (int w = 0; w < activeWords; w++) {
            // acquire: a lane bound before a send that happened-before ours set its bit before that send
            long bits = (long) MappedAccess.LONG.getAcquire(b, activeAt + 8 * w);
            if (w == k >>> 6) {
                bits &= ~(1L << k); // our own lane: its last stamp is lastStamps[k] (a lone sender reads no lane)
            }
            while (bits != 0L) {
                int j = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                int laneAt = laneAt(j);
                // opaque: only selects the lanes whose stamps matter; another priority's stamp is harmless
                if ((int) MappedAccess.INT.getOpaque(b, laneAt + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET) != priority) {
                    continue;
                }
                // acquire: pairs with the publishing send's release (see the notes)
                int s = (int) (long) MappedAccess.LONG.getAcquire(b, laneAt + PriorityQueueDescriptor.LANE_PUBLISHED_STAMP_OFFSET);
                if (s - stamp > 0) {
                    stamp = s;
                }
            }
        }
        return stamp + 1;
    }

    // ---------------------------------------------------------------- lanes

    private int laneAt(int k) {
        return laneTableAt + PriorityQueueDescriptor.LANE_ENTRY_LENGTH * k;
    }

    private int headAt(int k) {
        return laneAt(k) + PriorityQueueDescriptor.LANE_HEAD_OFFSET;
    }

    /**
     * Lane {@code k}'s binder word: the {@link Bindings#id} of the binding of the owner's process that
     * claimed it. Owner words carry a process's token, so two bindings of one process (two threads, or one
     * thread's tables in two handles over this queue) have equal words, and an entry a receive made stale
     * (it retired and freed the lane) would pass for the binding that claimed the lane since; the binder
     * word tells them apart. Written by the claimer and read by that process only, always under the lane's
     * lock ({@link #laneLock}) together with the owner CAS that decides. Opaque accesses: bitwise atomic,
     * and the lock orders them within the process. Another process's claim writes its own number, before
     * (in its program order) any step that moves the lane out of that claim, so it happens-before our
     * next claim's write through the owner CASes that bring the lane back to us; and while the owner word
     * is another's, our owner CAS fails whatever number we read.
     */
    private int binderAt(int k) {
        return laneAt(k) + PriorityQueueDescriptor.LANE_BINDER_OFFSET;
    }

    /** Lane {@code k}'s binder word (opaque: see {@link #binderAt}); call under the lane's lock. */
    private long binderOf(int k) {
        return (long) MappedAccess.LONG.getOpaque(buffer, binderAt(k));
    }

    /**
     * The lock of lane {@code k}'s binder word, shared by every handle of this process over any queue (lane
     * index modulo {@value #LANE_LOCK_STRIPES}): two handles of one queue must agree on it, and only a
     * claim, a take-back and a retirement by the binder take it.
     */
    private static Object laneLock(int k) {
        return LANE_LOCKS[k & (LANE_LOCK_STRIPES - 1)];
    }

    private int bind(Bindings t, int priority) {
        int k = t.laneOf[priority];
        if (k >= 0 && reclaimSpare(t, priority, k)) {
            return k;
        }
        if (t.count - Integer.bitCount(t.spare) >= LANES_PER_THREAD && (k = rebindDrained(t, priority)) >= 0) {
            return k;
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            k = claimFreeLane(t, priority);
            if (k >= 0) {
                return bound(t, priority, k);
            }
            // no lane free: retire the lanes of this handle's ended threads, then take a drained lane of
            // ours for this priority; none: free the retired lanes that are drained and claim again
            if (attempt == 0) {
                retireEndedThreads();
                if ((k = rebindDrained(t, priority)) >= 0) {
                    return k;
                }
            }
            retireDrained(t, t.count, priority);
            for (int j = 0; j < lanes; j++) {
                tryFree(j);
            }
        }
        // a lane another thread is freeing (FREEING: three stores from FREE) is waited for: a receive that
        // retired our own spare lane a moment ago must not make this send fail (jcstress
        // SharedPriorityQueueSpareTakeBackTest, SharedPriorityQueueLaneTest). A freer of this process is a
        // running thread of ours three stores from done, waited for as long as it takes (as a lock held by a
        // preempted thread is; it cannot be stopped apart from us); another process's, which a SIGSTOP may
        // hold there, for 100 us at most, then the send fails. The look comes BEFORE each claim: a free that
        // ends between our last claim and the look reads FREE there, not FREEING, so a look after the claim
        // would give up on a lane just freed (the first form of this wait did)
        long deadline = System.nanoTime() + FREEING_WAIT_NANOS;
        while (true) {
            int freeing = freeing();
            if ((k = claimFreeLane(t, priority)) >= 0) {
                return bound(t, priority, k);
            }
            if (freeing == 0 || (freeing & FREEING_HERE) == 0 && System.nanoTime() - deadline >= 0) {
                return -1;
            }
            Thread.yield(); // the freer may be a thread of ours waiting for a core
        }
    }

    /** Records lane {@code k}, just claimed, as the thread's lane for {@code priority}; returns {@code k}. */
    private int bound(Bindings t, int priority, int k) {
        t.laneOf[priority] = k;
        t.order[t.count++] = priority;
        spareBeyondBudget(t, priority);
        return k;
    }

    /** {@link #freeing()}: a lane is FREEING by this process (its token). */
    private static final int FREEING_HERE = 1;
    /** {@link #freeing()}: a lane is FREEING by another process. */
    private static final int FREEING_ELSEWHERE = 2;

    /**
     * Which lanes' owner words are FREEING: {@link #FREEING_HERE} and / or {@link #FREEING_ELSEWHERE} by the
     * freer's token, 0 if none (volatile reads: a freer's CAS and FREE store are volatile).
     */
    private int freeing() {
        int found = 0;
        for (int j = 0; j < lanes; j++) {
            long owner = (long) MappedAccess.LONG.getVolatile(buffer, laneAt(j) + PriorityQueueDescriptor.LANE_OWNER_OFFSET);
            if ((owner & STATE_MASK) == FREEING) {
                found |= owner == freeingWord ? FREEING_HERE : FREEING_ELSEWHERE;
            }
        }
        return found;
    }

    private int claimFreeLane(Bindings t, int priority) {
        final ByteBuffer b = buffer;
        for (int k = 0; k < lanes; k++) {
            int ownerAt = laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET;
            if ((long) MappedAccess.LONG.getOpaque(b, ownerAt) != FREE) { // opaque: a pre-check, the CAS decides
                continue;
            }
            boolean claimed;
            synchronized (laneLock(k)) {
                // volatile CAS: acquires the freer's release of the lane (its reads of the ring end before
                // our writes) and, if this handle bound the lane before, the plain per-lane state's last
                // writes. Under the lane's lock with the binder word, so no stale entry of another binding
                // of this process (a spare lane a receiver retired and freed under it; a handle's closed or
                // ended thread's) takes this binding for its own (reclaimSpare, retire)
                claimed = MappedAccess.LONG.compareAndSet(b, ownerAt, FREE, boundWord);
                if (claimed) {
                    // opaque: see binderAt
                    MappedAccess.LONG.setOpaque(b, binderAt(k), t.id);
                    binders[k] = t;
                }
            }
            if (claimed) {
                forget(t, k); // a stale entry of ours for this lane (a spare lane retired by a receiver)
                // plain: published by the active bit's atomic or below
                MappedAccess.INT.set(b, laneAt(k) + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET, priority);
                // atomic or (volatile): after our CAS on FREE, so a freer's clear (before its FREE store,
                // which our CAS read) is never ordered after it
                MappedAccess.LONG.getAndBitwiseOr(b, activeAt + 8 * (k >>> 6), 1L << k);
                // acquire: the lane is drained (freed only drained), so its head is where we write next
                long head = PriorityQueueDescriptor.position((long) MappedAccess.LONG.getAcquire(b, headAt(k)));
                tails[k] = head;
                bounds[k] = head;
                zeroedWords[k] = 0; // nothing known zeroed until the first bound read
                // acquire: continue the lane's own stamps (any value works; the clock takes the max)
                lastStamps[k] = (int) (long) MappedAccess.LONG.getAcquire(b,
                        laneAt(k) + PriorityQueueDescriptor.LANE_PUBLISHED_STAMP_OFFSET);
                acked[k] = 0L; // the freer reset the lane's acknowledgement to 0 (none)
                acknowledgeJoined(k);
                return k;
            }
        }
        return -1;
    }

    /**
     * After lane {@code k} became BOUND to us (a claim of a FREE lane, or a RETIRED one taken back): volatile
     * read, after our owner CAS (and bit set): a receiver that joined the sleep request before this read is
     * seen here and acknowledged now, and one that joins after it sees the lane BOUND and waits for its
     * acknowledgement, which this send gives before its first record (the request's epoch, volatile store).
     */
    private void acknowledgeJoined(int k) {
        long request = (long) MappedAccess.LONG.getVolatile(buffer, requestAt);
        long epoch = request >>> EPOCH_SHIFT;
        if ((request & SLEEPERS_MASK) != 0L && acked[k] != epoch) {
            MappedAccess.LONG.setVolatile(buffer, laneAt(k) + PriorityQueueDescriptor.LANE_ACK_OFFSET, epoch);
            acked[k] = epoch;
        }
    }

    /**
     * Rebinds {@code t}'s oldest drained lane, in place, for {@code priority}; -1 if none is drained. The
     * lane stays BOUND to this thread (its tail, stamps and sleep acknowledgement go on), and only its
     * priority word changes: what retiring it, freeing it and binding a FREE lane would do with five
     * locked instructions and a scan of the owner words. Drained means no record waits and none is held
     * (the space bound is the tail), so from here on every waiting record of the lane has the new
     * priority, as after a free and a bind.
     */
    private int rebindDrained(Bindings t, int priority) {
        for (int i = 0; i < t.count; i++) {
            int p = t.order[i];
            int k = t.laneOf[p];
            if ((t.spare & (1 << p)) == 0 && drainedBySender(k)) { // a spare lane is the receivers' to retire
                // opaque: receivers and senders read the word as a hint (see lanePriority, nextStamp); the
                // next record's header release publishes it with the record, as the bit set does for a bind
                MappedAccess.INT.setOpaque(buffer, laneAt(k) + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET, priority);
                t.laneOf[p] = -1;
                System.arraycopy(t.order, i + 1, t.order, i, t.count - i - 1);
                t.order[t.count - 1] = priority;
                t.laneOf[priority] = k;
                return k;
            }
        }
        return -1;
    }

    /** Retires up to {@code max} of {@code t}'s drained lanes, oldest first, keeping the one of {@code keep}. */
    private void retireDrained(Bindings t, int max, int keep) {
        int retired = 0;
        for (int i = 0; i < t.count && retired < max; ) {
            int p = t.order[i];
            int k = t.laneOf[p];
            if (p != keep && drainedBySender(k)) { // a stale spare entry reads another's tail: only a read
                retire(t, k);
                drop(t, i);
                retired++;
            } else {
                i++;
            }
        }
    }

    /** Removes {@code t}'s entry at {@code i} of its order (the lane is no longer its own). */
    private static void drop(Bindings t, int i) {
        int p = t.order[i];
        t.laneOf[p] = -1;
        t.spare &= ~(1 << p);
        System.arraycopy(t.order, i + 1, t.order, i, t.count - i - 1);
        t.count--;
    }

    /** Removes a stale entry of {@code t} for lane {@code k}, if any. */
    private static void forget(Bindings t, int k) {
        for (int i = 0; i < t.count; i++) {
            if (t.laneOf[t.order[i]] == k) {
                drop(t, i);
                return;
            }
        }
    }

    /**
     * Marks {@code t}'s oldest lanes SPARE while more than {@value #LANES_PER_THREAD} of them are not,
     * keeping the one of {@code keep} (the lane just bound or taken back): BOUND(me) -> BOUND|SPARE(me).
     * Only this thread moves its BOUND lane (recovery moves only a dead process's), so the CAS succeeds;
     * it is a CAS for its volatile order. A receive that drained the lane before it sees BOUND and leaves
     * it, so the lane is re-checked here: the receive's head CAS precedes its owner read (both volatile,
     * {@link #freeIfRetired}) and our CAS precedes our head read (volatile), so one of the two sees the
     * other's write, and a drained spare lane is retired by one of us.
     */
    private void spareBeyondBudget(Bindings t, int keep) {
        int notSpare = t.count - Integer.bitCount(t.spare);
        for (int i = 0; i < t.count && notSpare > LANES_PER_THREAD; ) {
            int p = t.order[i];
            if (p == keep || (t.spare & (1 << p)) != 0) {
                i++;
                continue;
            }
            int k = t.laneOf[p];
            MappedAccess.LONG.compareAndSet(buffer, laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET, boundWord, spareWord);
            t.spare |= 1 << p;
            notSpare--;
            if (spaceBound(k, true) == tails[k]) { // volatile reads: the pair above
                retire(t, k);
                drop(t, i);
            } else {
                i++;
            }
        }
    }

    /**
     * Takes {@code t}'s spare lane {@code k} back for a send at {@code p}: BOUND|SPARE(me) -> BOUND(me),
     * unless a receiver retired it (it was drained) first; then the entry is dropped and the send binds
     * anew. Under the lane's lock, and only if the lane's binder word still names {@code t}: a binding of
     * this process that claimed the lane since (its owner words equal ours: a thread of this handle or of
     * another handle of this process) writes its own there in the same lock as its claim, so a stale entry
     * never takes another binding's lane. Then the lane is this thread's newest.
     */
    private boolean reclaimSpare(Bindings t, int p, int k) {
        boolean ok;
        boolean unretired = false;
        int ownerAt = laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET;
        synchronized (laneLock(k)) {
            boolean mine = binderOf(k) == t.id;
            // volatile CAS: against a receiver's retiring CAS; one of the two wins
            ok = mine && MappedAccess.LONG.compareAndSet(buffer, ownerAt, spareWord, boundWord);
            if (!ok && mine) {
                // A receiver retired it. Not always drained: its CAS may match a later SPARE word than the one
                // whose drained head it read (we took the lane back, sent, and marked it spare again in
                // between), and a lane with records is freed only by the receive that drains it. Binding
                // anew would then fail for want of a lane while our own waits for its records to go
                // (SharedPriorityQueueLaneTest failed so, once, in CI). RETIRED(our token) with us its binder
                // is still our lane, its records ours and its tail tails[k]: we take it back unless a freer's
                // CAS (RETIRED -> FREEING, volatile) wins; one of the two CASes wins
                ok = unretired = MappedAccess.LONG.compareAndSet(buffer, ownerAt, retiredWord, boundWord);
            }
            if (!ok && binders[k] == t) {
                binders[k] = null;
            }
        }
        if (unretired) {
            acknowledgeJoined(k);
        }
        int i = 0;
        while (t.order[i] != p) {
            i++;
        }
        if (!ok) {
            drop(t, i);
            return false;
        }
        t.spare &= ~(1 << p);
        System.arraycopy(t.order, i + 1, t.order, i, t.count - i - 1);
        t.order[t.count - 1] = p;
        spareBeyondBudget(t, p);
        return true;
    }

    private boolean drainedBySender(int k) {
        return spaceBound(k, false) == tails[k]; // no record waits, none is held
    }

    private void retireEndedThreads() {
        for (int k = 0; k < lanes; k++) {
            Bindings bd;
            synchronized (laneLock(k)) {
                bd = binders[k];
            }
            if (bd != null && !bd.owner.isAlive()) {
                retire(bd, k);
            }
        }
    }

    /**
     * BOUND(me) or BOUND|SPARE(me) -> RETIRED(me) for lane {@code k} if binding {@code bd} (the calling
     * thread's, an ended thread's of this handle, or any of this handle's at close) is still its binder, then
     * freed at once if drained; nothing if a receiver retired the lane first or another binding of this
     * process claimed it since (the entry is stale). Checked under the lane's lock, as {@link #reclaimSpare}.
     */
    private void retire(Bindings bd, int k) {
        boolean retired;
        int ownerAt = laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET;
        synchronized (laneLock(k)) {
            // volatile CASes: release the lane's records (a freer acquires this word before reading the head)
            retired = binderOf(k) == bd.id && (MappedAccess.LONG.compareAndSet(buffer, ownerAt, boundWord, retiredWord)
                    || MappedAccess.LONG.compareAndSet(buffer, ownerAt, spareWord, retiredWord));
            if (binders[k] == bd) {
                binders[k] = null;
            }
        }
        if (retired) {
            tryFree(k);
        }
    }

    /**
     * Frees lane {@code k} if it is RETIRED and drained: RETIRED(t) -> FREEING(me), clear its active bit,
     * FREE. Helps past a padding record at the head first.
     */
    private void tryFree(int k) {
        final ByteBuffer b = buffer;
        int ownerAt = laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET;
        // volatile, BEFORE the head and header reads: a retired lane receives no more records, and this
        // read follows the retiring CAS, which followed the lane's last publish; the head read below is
        // volatile too, so it sees the last head CAS before it in the synchronization order, and the
        // header at that position is then either a record published there (which happens-before this
        // read) or 0 for good
        long owner = (long) MappedAccess.LONG.getVolatile(b, ownerAt);
        if ((owner & STATE_MASK) != RETIRED || !drained(k)) {
            return;
        }
        Runnable hook = beforeFreeingCas;
        if (hook != null) {
            hook.run();
        }
        // volatile CAS: one freer at a time
        if (!MappedAccess.LONG.compareAndSet(b, ownerAt, owner, freeingWord)) {
            return;
        }
        // The owner word has no generation: RETIRED(t) recurs whenever a lane of token t is freed, bound by t
        // again (claimFreeLane scans from lane 0, so a thread's lanes come back to it) and retired again, so the
        // CAS above may have matched a later retirement than the one whose drained lane we read, of a lane with
        // records in it; freeing that lane cleared its active bit and lost its records to the next binder
        // (SharedPriorityQueueFaultTest lost two so, once; SharedPriorityQueueLaneTest
        // .aFreeThatRacesTheLanesRebindAndRetireLosesNothing replays it). With FREEING ours the lane is fixed: no
        // thread owns it, so no record can be added; so the check is made again, now, and a lane found not
        // drained goes back to the word we read (volatile CAS: ours alone, a FREEING word changes hands only by
        // recovery after our death), to be freed by the receive that drains it (freeIfRetired)
        if (!drained(k)) {
            MappedAccess.LONG.compareAndSet(b, ownerAt, freeingWord, owner);
            return;
        }
        finishFree(k, ownerAt);
    }

    /**
     * Whether lane {@code k} is drained: the word at its head is 0 (after helping the head past a padding
     * record) and no hold is up (a run being delivered or given back). Volatile reads of the head and the hold:
     * see {@link #tryFree}.
     */
    private boolean drained(int k) {
        while (true) {
            long head = (long) MappedAccess.LONG.getVolatile(buffer, headAt(k)); // volatile: see tryFree
            long header = headerAt(k, PriorityQueueDescriptor.position(head));
            if (header == 0L || (header & PAD) == 0L || !skipPad(k, head, header)) {
                return header == 0L && (long) MappedAccess.LONG.getVolatile(buffer, holdOwnerAt(k)) == 0L;
            }
        }
    }

    /**
     * Test hook (SharedPriorityQueueLaneTest): run by {@link #tryFree} between its drained check and its
     * FREEING CAS, to replay the race that check's second reading closes. Null outside that test.
     */
    Runnable beforeFreeingCas;

    /**
     * Test hook (SharedPriorityQueueLaneTest): run by {@link #freeIfRetired} between its drained read of a spare
     * lane and its retiring CAS, to replay a CAS that matches a later SPARE word. Null outside that test.
     */
    Runnable beforeSpareRetiringCas;

    /** The end of a free, by the process that set FREEING: clear the bit, reset the acknowledgement, FREE. */
    private void finishFree(int k, int ownerAt) {
        final ByteBuffer b = buffer;
        // atomic and (volatile): before the FREE store below, so a binder that CASes FREE sets its bit after
        MappedAccess.LONG.getAndBitwiseAnd(b, activeAt + 8 * (k >>> 6), ~(1L << k));
        // plain: published by the FREE store; a receiver that sees the next binder's BOUND then reads 0
        // here, not an epoch the previous binder acknowledged
        MappedAccess.LONG.set(b, laneAt(k) + PriorityQueueDescriptor.LANE_ACK_OFFSET, 0L);
        // volatile: releases the lane (our reads end before a binder's writes, its CAS acquires this), and
        // precedes the signal's volatile read (WaitWord step (a)): a send waiting for a lane wakes
        MappedAccess.LONG.setVolatile(b, ownerAt, FREE);
        WaitWord.signal(b, notFullAt);
    }

    private long headerAt(int k, long position) {
        // acquire: pairs with the sender's release of the header (body and next zero visible)
        return (long) MappedAccess.LONG.getAcquire(buffer, (int) (ringsAt + (long) k * ringBytes + ((position << 3) & ringMask)));
    }

    /** Moves the head past a padding record; whether the head moved (by us or another receiver). */
    private boolean skipPad(int k, long head, long header) {
        long to = PriorityQueueDescriptor.position(head) + ((PriorityQueueDescriptor.length(header) + 8) >>> 3);
        markWon(k, head);
        // volatile CAS: a padding record carries no message; its bytes are free once the head passes
        if (MappedAccess.LONG.compareAndSet(buffer, headAt(k), head, PriorityQueueDescriptor.headWord(to, 0))) {
            spaceFreed(k);
        }
        return true;
    }

    // ---------------------------------------------------------------- receive

    /**
     * Receives the highest-priority, oldest message into {@code dst}, waiting while the queue is empty.
     *
     * @param dst where the message is copied; needs {@link #maxMessageSize()} bytes remaining
     * @return the message's priority
     * @throws IllegalArgumentException if {@code dst} is too small
     * @throws InterruptedException     if interrupted while waiting (nothing taken)
     */
    public int receive(ByteBuffer dst) throws InterruptedException {
        checkReceive(dst);
        Waits.checkInterrupt();
        int p = poll(dst);
        return p >= 0 ? p : awaitReceive(dst, Waits.INTERRUPTIBLE, 0L);
    }

    /**
     * Receives a message if one is ready now.
     *
     * @param dst where the message is copied; needs {@link #maxMessageSize()} bytes remaining
     * @return its priority, or -1 if the queue is empty
     * @throws IllegalArgumentException if {@code dst} is too small
     */
    public int tryReceive(ByteBuffer dst) {
        checkReceive(dst);
        int p = poll(dst);
        return p >= 0 || !maybeRecover() ? p : poll(dst);
    }

    /**
     * Receives a message, waiting up to {@code timeout}.
     *
     * @param dst     where the message is copied; needs {@link #maxMessageSize()} bytes remaining
     * @param timeout how long to wait at most
     * @param unit    its unit
     * @return its priority, or -1 on timeout
     * @throws IllegalArgumentException if {@code dst} is too small
     * @throws InterruptedException     if interrupted while waiting (nothing taken)
     */
    public int tryReceive(ByteBuffer dst, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        checkReceive(dst);
        Waits.checkInterrupt();
        int p = poll(dst);
        return p >= 0 ? p : awaitReceive(dst, Waits.TIMED, Waits.deadline(timeout, unit));
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

    private int awaitReceive(ByteBuffer dst, int mode, long deadline) throws InterruptedException {
        Waiter w = borrow(false);
        IdleStrategy idle = w.arm(bindings(), mode == Waits.TIMED, deadline);
        try {
            while (true) {
                if (Waits.shouldGiveUp(mode, deadline)) {
                    return -1;
                }
                idle.idle();
                ensureOpen();
                maybeRecover();
                int p = poll(dst);
                if (p >= 0) {
                    return p;
                }
            }
        } finally {
            if (w.slot >= 0) {
                leave(w.slot);
                w.slot = -1;
            }
            giveBack(w);
        }
    }

    /**
     * A waiting receive's re-check after it announced itself on the not-empty word (see the notes,
     * Waiting): READY if a message is there; else it joins the sleep request (once per wait) and may
     * SLEEP only when every BOUND lane has acknowledged the request's epoch, else it NAPs (a sender that
     * has not seen the request yet will not signal, but its next send will).
     */
    private int recheckReceive(Waiter t) {
        final ByteBuffer b = buffer;
        if (anyMessage()) {
            return KernelIdle.READY;
        }
        long request;
        if (t.slot >= 0) {
            request = (long) MappedAccess.LONG.getVolatile(b, requestAt); // volatile: as join's CAS
        } else {
            t.slot = claimSleeperSlot();
            if (t.slot < 0) {
                return KernelIdle.NAP; // all slots taken: nap, the sleep bound's cadence at worst
            }
            request = join(t.slot);
        }
        long epoch = request >>> EPOCH_SHIFT;
        for (int k = 0; k < lanes; k++) {
            int laneAt = laneAt(k);
            // volatile: a lane bound after this read reads the request after its CAS and acknowledges
            long owner = (long) MappedAccess.LONG.getVolatile(b, laneAt + PriorityQueueDescriptor.LANE_OWNER_OFFSET);
            if ((owner & STATE_MASK) == BOUND
                    // volatile: seeing the epoch here, we see every record the lane published before it
                    && (long) MappedAccess.LONG.getVolatile(b, laneAt + PriorityQueueDescriptor.LANE_ACK_OFFSET) != epoch) {
                return anyMessage() ? KernelIdle.READY : KernelIdle.NAP;
            }
        }
        return anyMessage() ? KernelIdle.READY : KernelIdle.SLEEP;
    }

    private int sleeperSlotAt(int i) {
        return sleeperSlotsAt + 8 * i;
    }

    /** Claims a free sleeper slot with this process's token (volatile CAS); -1 if all are taken. */
    private int claimSleeperSlot() {
        final ByteBuffer b = buffer;
        long me = boundWord & TOKEN_MASK;
        for (int i = 0; i < PriorityQueueDescriptor.SLEEPER_SLOTS; i++) {
            if ((long) MappedAccess.LONG.getOpaque(b, sleeperSlotAt(i)) == 0L // opaque: a pre-check, the CAS decides
                    && MappedAccess.LONG.compareAndSet(b, sleeperSlotAt(i), 0L, me)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Sets slot {@code i}'s bit in the sleep request (the slot already names us, so a recoverer can tell
     * whose bit it is); the epoch grows when the bits leave 0, so a lane's acknowledgement of an earlier
     * sleep phase is not taken for this one.
     *
     * @return the new request word
     */
    private long join(int i) {
        final ByteBuffer b = buffer;
        while (true) {
            long r = (long) MappedAccess.LONG.getVolatile(b, requestAt);
            long epoch = r >>> EPOCH_SHIFT;
            if ((r & SLEEPERS_MASK) == 0L) {
                epoch++;
            }
            long next = epoch << EPOCH_SHIFT | (r & SLEEPERS_MASK) | 1L << i;
            // volatile CAS: a synchronization action before this receiver's volatile reads of the owner
            // and acknowledgement words (the Dekker pair with a binder's CAS and request read)
            if (MappedAccess.LONG.compareAndSet(b, requestAt, r, next)) {
                return next;
            }
        }
    }

    /** Clears slot {@code i}'s bit (volatile CAS), then frees the slot (volatile store). */
    private void leave(int i) {
        clearSleeperBit(i);
        MappedAccess.LONG.setVolatile(buffer, sleeperSlotAt(i), 0L);
    }

    private void clearSleeperBit(int i) {
        final ByteBuffer b = buffer;
        while (true) {
            long r = (long) MappedAccess.LONG.getVolatile(b, requestAt);
            if ((r & 1L << i) == 0L
                    || MappedAccess.LONG.compareAndSet(b, requestAt, r, r & ~(1L << i))) { // volatile CAS
                return;
            }
        }
    }

    /**
     * Recovers the sleeper slots of dead receivers (a receiver killed in its sleep phase would leave its
     * bit set for good, and every send would then fence): a slot naming a dead process on two scans in a
     * row is CASed to RECOVERING(me), so that one recoverer alone clears its bit, then freed.
     */
    private int recoverSleepers(boolean onlyStuck, long me) {
        final ByteBuffer b = buffer;
        int recovered = 0;
        for (int i = 0; i < PriorityQueueDescriptor.SLEEPER_SLOTS; i++) {
            long slot = (long) MappedAccess.LONG.getVolatile(b, sleeperSlotAt(i)); // volatile: compared by CAS
            long token = slot & TOKEN_MASK;
            if (slot == 0L || token == me) {
                seenSleepers[i] = 0L;
                continue;
            }
            boolean stuck = seenSleepers[i] == slot;
            seenSleepers[i] = slot;
            if ((onlyStuck && !stuck) || !participants.isDead(token)) {
                continue;
            }
            seenSleepers[i] = 0L;
            // volatile CAS: one recoverer takes the slot; a new sleeper can claim it only once it is 0, so
            // the bit we clear below is the dead one's (also a dead recoverer's RECOVERING is taken over)
            if (MappedAccess.LONG.compareAndSet(b, sleeperSlotAt(i), slot, PriorityQueueDescriptor.SLOT_RECOVERING | me)) {
                clearSleeperBit(i);
                MappedAccess.LONG.setVolatile(b, sleeperSlotAt(i), 0L); // volatile: frees it after the clear
                recovered++;
            }
        }
        return recovered;
    }

    /**
     * The receivers in their sleep phase, as the sleep request's bits say (a snapshot, for tests and
     * inspection).
     *
     * @return how many bits are set
     */
    public int sleepersJoined() {
        return Long.bitCount((long) MappedAccess.LONG.getVolatile(buffer, requestAt) & SLEEPERS_MASK);
    }

    /** Whether some active lane's head holds a message: volatile reads (a waiter's re-check). */
    private boolean anyMessage() {
        final ByteBuffer b = buffer;
        for (int w = 0; w < activeWords; w++) {
            long bits = (long) MappedAccess.LONG.getVolatile(b, activeAt + 8 * w);
            while (bits != 0L) {
                int k = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (givenBack(k)) {
                    return true;
                }
                long position = PriorityQueueDescriptor.position((long) MappedAccess.LONG.getVolatile(b, headAt(k)));
                long header = getVolatileHeader(k, position);
                if ((header & PAD) != 0L) {
                    header = getVolatileHeader(k, position + ((PriorityQueueDescriptor.length(header) + 8) >>> 3));
                }
                if (header != 0L && (header & PAD) == 0L) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether lane {@code k} has a given-back run with records left (volatile reads). */
    private boolean givenBack(int k) {
        long fromWord = (long) MappedAccess.LONG.getVolatile(buffer, holdFromAt(k));
        return (fromWord & PriorityQueueDescriptor.FROM_MODE_MASK) == PriorityQueueDescriptor.FROM_GIVEN_BACK
                && (fromWord >>> PriorityQueueDescriptor.FROM_MODE_BITS)
                != (long) MappedAccess.LONG.getVolatile(buffer, holdEndAt(k)) >>> 1;
    }

    private long getVolatileHeader(int k, long position) {
        return (long) MappedAccess.LONG.getVolatile(buffer, (int) (ringsAt + (long) k * ringBytes + ((position << 3) & ringMask)));
    }

    // ---------------------------------------------------------------- recovery

    /**
     * Recovers the lanes of dead processes now: a lane BOUND by a dead sender is retired (its published
     * records are still delivered, then it is freed), a lane a dead process was freeing is freed.
     *
     * @return the number of lanes recovered
     */
    public int recover() {
        ensureOpen();
        return recoverScan(false);
    }

    private boolean maybeRecover() {
        long now = System.nanoTime();
        if (participants == null || now - lastRecoveryNanos < RECOVERY_INTERVAL_NANOS) { // plain: racy on purpose
            return false;
        }
        lastRecoveryNanos = now;
        return recoverScan(true) > 0;
    }

    private int recoverScan(boolean onlyStuck) {
        final ByteBuffer b = buffer;
        int recovered = 0;
        long me = boundWord & TOKEN_MASK;
        if (participants != null) {
            recovered += recoverSleepers(onlyStuck, me);
        }
        for (int k = 0; k < lanes; k++) {
            int ownerAt = laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET;
            long owner = (long) MappedAccess.LONG.getVolatile(b, ownerAt); // volatile: compared by CAS below
            long state = owner & STATE_MASK;
            long token = owner & TOKEN_MASK;
            recovered += recoverHold(k, onlyStuck, me);
            if (participants == null || (state != BOUND && state != FREEING) || token == me) {
                seenOwners[k] = 0L;
                continue;
            }
            boolean stuck = seenOwners[k] == owner;
            seenOwners[k] = owner;
            if ((onlyStuck && !stuck) || !participants.isDead(token)) {
                continue;
            }
            if (state == BOUND) {
                // volatile CAS: a dead sender sends no more; its published records stay to be received
                if (MappedAccess.LONG.compareAndSet(b, ownerAt, owner, RETIRED | token)) {
                    recovered++;
                    tryFree(k);
                }
            } else if (MappedAccess.LONG.compareAndSet(b, ownerAt, owner, freeingWord)) {
                // volatile CAS: we take over the dead freer's FREEING (one recoverer wins), then finish it if
                // the lane is drained; the freer may have died before the second check of tryFree, whose
                // first one may have read an earlier retirement (see tryFree): a lane found not drained is
                // retired again (any token: a retired lane is freed by whoever drains it)
                recovered++;
                if (drained(k)) {
                    finishFree(k, ownerAt);
                } else {
                    MappedAccess.LONG.compareAndSet(b, ownerAt, freeingWord, RETIRED | token);
                }
            }
            seenOwners[k] = 0L;
        }
        return recovered;
    }

    /**
     * Recovers lane {@code k}'s hold if its owner (HOLDING or CLEARING) is a dead process: a HOLDING
     * claim that won (the end word's won bit, or the head word still naming the hold at the end's
     * position) has the rest of its run given back (from word to GIVEN_BACK mode, then the owner word);
     * one that did not win, and a CLEARING, is ended. Every step is a CAS, so racing recoverers agree.
     */
    private int recoverHold(int k, boolean onlyStuck, long me) {
        final ByteBuffer b = buffer;
        if (participants == null) {
            return 0;
        }
        long owner = (long) MappedAccess.LONG.getVolatile(b, holdOwnerAt(k));
        long state = owner & STATE_MASK;
        long token = owner & TOKEN_MASK;
        if ((state != PriorityQueueDescriptor.HOLDING && state != PriorityQueueDescriptor.CLEARING) || token == me
                || token == 0L) {
            seenHolds[k] = 0L;
            return 0;
        }
        boolean stuck = seenHolds[k] == owner;
        seenHolds[k] = owner;
        if ((onlyStuck && !stuck) || !participants.isDead(token)) {
            return 0;
        }
        seenHolds[k] = 0L;
        if (state == PriorityQueueDescriptor.CLEARING) {
            // volatile CAS: take the dead clearer's place, then end the hold as it would have
            if (MappedAccess.LONG.compareAndSet(b, holdOwnerAt(k), owner, clearingWord)) {
                endHold(k);
                return 1;
            }
            return 0;
        }
        long end = (long) MappedAccess.LONG.getVolatile(b, holdEndAt(k));
        long to = end >>> 1;
        boolean won = (end & 1L) != 0L || (end != 0L
                && (long) MappedAccess.LONG.getVolatile(b, headAt(k)) == PriorityQueueDescriptor.headWord(to, PriorityQueueDescriptor.HOLD_CLAIMER));
        if (!won) {
            // the claim never moved the head (a receive that moves it from the hold's word marks it won
            // first): nothing was taken, the records are still the head's
            if (MappedAccess.LONG.compareAndSet(b, holdOwnerAt(k), owner, clearingWord)) {
                endHold(k);
                return 1;
            }
            return 0;
        }
        long fromWord = (long) MappedAccess.LONG.getVolatile(b, holdFromAt(k));
        if ((fromWord & PriorityQueueDescriptor.FROM_MODE_MASK) == PriorityQueueDescriptor.FROM_HELD) {
            // volatile CAS: opens the undelivered records (from the one the dead holder was handling on)
            MappedAccess.LONG.compareAndSet(b, holdFromAt(k), fromWord,
                    fromWord(fromWord >>> PriorityQueueDescriptor.FROM_MODE_BITS, PriorityQueueDescriptor.FROM_GIVEN_BACK));
        }
        // volatile CAS: the run is given back; a scan ends it once its from word reaches its end
        if (MappedAccess.LONG.compareAndSet(b, holdOwnerAt(k), owner, PriorityQueueDescriptor.GIVEN_BACK)) {
            WaitWord.signal(b, notEmptyAt); // after the volatile CAS (WaitWord step (a))
            return 1;
        }
        return 0;
    }

    /** The best record's key: priority, then the oldest stamp; compared by {@link #better}. */
    private static boolean better(long header, int lane, long bestHeader, int bestLane) {
        int p = PriorityQueueDescriptor.priority(header);
        int bp = PriorityQueueDescriptor.priority(bestHeader);
        if (p != bp) {
            return p > bp;
        }
        int d = PriorityQueueDescriptor.stamp(header) - PriorityQueueDescriptor.stamp(bestHeader);
        return d != 0 ? d < 0 : lane < bestLane;
    }

    private int holdOwnerAt(int k) {
        return laneAt(k) + PriorityQueueDescriptor.LANE_HOLD_OWNER_OFFSET;
    }

    private int holdFromAt(int k) {
        return laneAt(k) + PriorityQueueDescriptor.LANE_HOLD_FROM_OFFSET;
    }

    private int zeroedAt(int k) {
        return laneAt(k) + PriorityQueueDescriptor.LANE_ZEROED_OFFSET;
    }

    private int holdEndAt(int k) {
        return laneAt(k) + PriorityQueueDescriptor.LANE_HOLD_END_OFFSET;
    }

    /**
     * Lane {@code k}'s first waiting record, 0 if none: the first record of a given-back run if there is
     * one (older than the head's), else the record at the head, after helping the head past a padding
     * record. Sets {@code t.word} (the from word or the head word the record was found by), {@code t.hold}
     * (whether it is a given-back run's) and {@code t.to} (that run's end). Acquire loads (or volatile,
     * for a waiter's re-check): each record's header was published by a release store.
     */
    private long laneCandidate(Bindings t, int k, boolean volatileReads) {
        final ByteBuffer b = buffer;
        // acquire: a hold's words were written before the head CAS or give-back that made them matter
        long fromWord = volatileReads ? (long) MappedAccess.LONG.getVolatile(b, holdFromAt(k))
                : (long) MappedAccess.LONG.getAcquire(b, holdFromAt(k));
        if ((fromWord & PriorityQueueDescriptor.FROM_MODE_MASK) == PriorityQueueDescriptor.FROM_GIVEN_BACK) {
            long to = (long) MappedAccess.LONG.getAcquire(b, holdEndAt(k)) >>> 1;
            long from = fromWord >>> PriorityQueueDescriptor.FROM_MODE_BITS;
            if (from != to && to != 0L) {
                long header = volatileReads ? getVolatileHeader(k, from) : headerAt(k, from);
                if (header != 0L && (header & PAD) == 0L) {
                    t.word = fromWord;
                    t.hold = true;
                    t.to = to;
                    return header;
                }
            } else if (from == to) {
                clearGivenBack(k, fromWord);
            }
        }
        while (true) {
            long head = volatileReads ? (long) MappedAccess.LONG.getVolatile(b, headAt(k))
                    : (long) MappedAccess.LONG.getAcquire(b, headAt(k));
            long header = volatileReads ? getVolatileHeader(k, PriorityQueueDescriptor.position(head))
                    : headerAt(k, PriorityQueueDescriptor.position(head));
            if (header == 0L) {
                return 0L;
            }
            if ((header & PAD) != 0L) {
                skipPad(k, head, header);
                continue;
            }
            t.word = head;
            t.hold = false;
            return header;
        }
    }

    /**
     * Scans every active lane for the best waiting record (see the notes, Receive), then re-checks the
     * other lanes. Returns its lane, -1 if the queue is empty; the record's header, word, source and (for a
     * batch) the best other lane's header of the same priority are left in {@code t}.
     */
    private int scan(Bindings t) {
        final ByteBuffer b = buffer;
        while (true) {
            long bestHeader = 0L;
            long bestWord = 0L;
            long bestTo = 0L;
            boolean bestHold = false;
            int best = -1;
            int bestPriority = -1;
            for (int w = 0; w < activeWords; w++) {
                // acquire: the bits only select lanes; acquire so a lane bound before a send that
                // happened-before the candidate's is seen by the re-check
                long bits = (long) MappedAccess.LONG.getAcquire(b, activeAt + 8 * w);
                while (bits != 0L) {
                    int j = (w << 6) + Long.numberOfTrailingZeros(bits);
                    bits &= bits - 1;
                    if (lanePriority(j) < bestPriority) {
                        continue; // its records cannot beat the best found (see lanePriority)
                    }
                    long header = laneCandidate(t, j, false);
                    if (header == 0L) {
                        tryFree(j);
                        continue;
                    }
                    if (best < 0 || better(header, j, bestHeader, best)) {
                        best = j;
                        bestPriority = PriorityQueueDescriptor.priority(header);
                        bestHeader = header;
                        bestWord = t.word;
                        bestHold = t.hold;
                        bestTo = t.to;
                    }
                }
            }
            if (best < 0) {
                return -1;
            }
            // the re-check also with one lane seen: a lane bound after our read of its bit may hold an older message
            long other = betterElsewhere(t, best, bestHeader);
            int otherLaneOf = t.otherLane;
            if (other == RESCAN) {
                continue;
            }
            t.header = bestHeader;
            t.word = bestWord;
            t.hold = bestHold;
            t.to = bestTo;
            t.other = other;
            t.otherLane = otherLaneOf;
            return best;
        }
    }

    /**
     * The priority lane {@code k} is bound for (opaque), which every record waiting in it has: a lane
     * holds only its current binding's records (it is freed only drained, rebound only FREE, and moved
     * to another priority only drained), all sent at the priority its binder stored before setting the
     * active bit (or its mover before its next send). A scan skips a lane whose priority is below the
     * best record found so far without reading its head or header: the lane table's first line is
     * written only when the lane changes hands or priority, so this read mostly stays in the reader's
     * cache, where a head and a header are lines the other side writes. A stale value is harmless in the scan, whose
     * re-check reads it again: a send that happened-before the candidate's publish happened after its
     * lane's binding stored the priority, so the re-check's read, which follows the acquire of the
     * candidate's header, sees that priority or a later binding's (the lane then drained of that send).
     */
    private int lanePriority(int k) {
        // opaque: a selection hint, ordered after the caller's acquire loads (the bits, the candidate)
        return (int) MappedAccess.INT.getOpaque(buffer, laneAt(k) + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET);
    }

    /** {@link #betterElsewhere}'s answer when a better record showed up: scan again. */
    private static final long RESCAN = -1L;

    /**
     * The order re-check: {@link #RESCAN} if another active lane's first record is better than the
     * candidate, else the best other lane's first record of the candidate's priority (0 if none), which
     * bounds a batch's run.
     */
    private long betterElsewhere(Bindings t, int best, long bestHeader) {
        long other = bestOtherFirst(t, best, PriorityQueueDescriptor.priority(bestHeader));
        if (t.otherLane >= 0 && better(other, t.otherLane, bestHeader, best)) {
            return RESCAN;
        }
        if (t.otherLane < 0 || PriorityQueueDescriptor.priority(other) != PriorityQueueDescriptor.priority(bestHeader)) {
            t.otherLane = -1;
            return 0L; // every other lane's first record has a lower priority
        }
        return other;
    }

    /**
     * The best first record of the active lanes other than {@code k} bound for {@code minPriority} or
     * higher (acquire loads), 0 if none; its lane is left in {@code t.otherLane} (-1 if none). Both callers
     * compare it only with records of {@code minPriority}, which a lower lane's record never beats nor
     * bounds. Overwrites {@code t}'s word, source and run end.
     */
    private long bestOtherFirst(Bindings t, int k, int minPriority) {
        final ByteBuffer b = buffer;
        long other = 0L;
        int otherLane = -1;
        for (int w = 0; w < activeWords; w++) {
            // acquire: as in scan
            long bits = (long) MappedAccess.LONG.getAcquire(b, activeAt + 8 * w);
            while (bits != 0L) {
                int j = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (j == k || lanePriority(j) < minPriority) {
                    continue;
                }
                long header = laneCandidate(t, j, false);
                if (header != 0L && (otherLane < 0 || better(header, j, other, otherLane))) {
                    other = header;
                    otherLane = j;
                }
            }
        }
        t.otherLane = otherLane;
        return other;
    }

    private int poll(ByteBuffer dst) {
        Bindings t = bindings();
        while (true) {
            int k = scan(t);
            if (k < 0) {
                return -1;
            }
            int p = takeCopy(t, k, dst, dst.position());
            if (p >= 0) {
                dst.position(dst.position() + PriorityQueueDescriptor.length(t.header));
                return p;
            }
        }
    }

    /**
     * Takes the scanned record of lane {@code k} by copying it to {@code dst} at {@code at}, then claiming
     * it: the head CAS (or, from a given-back run, the from word's CAS). Returns its priority, or -1 if
     * the claim failed (another receive took it; what was copied is discarded).
     */
    private int takeCopy(Bindings t, int k, ByteBuffer dst, int at) {
        final ByteBuffer b = buffer;
        long header = t.header;
        int length = PriorityQueueDescriptor.length(header);
        int recordBytes = PriorityQueueDescriptor.recordBytes(length);
        long position = t.hold ? t.word >>> PriorityQueueDescriptor.FROM_MODE_BITS : PriorityQueueDescriptor.position(t.word);
        int off = (int) (position << 3) & ringMask;
        int claimAt = t.hold ? holdFromAt(k) : headAt(k);
        if (length > maxMessageSize || off + recordBytes > ringBytes) {
            // a header read after the ring lapped under us, or a foreign write to the file
            if ((long) MappedAccess.LONG.getVolatile(b, claimAt) == t.word) {
                throw new IllegalStateException("corrupt record header " + Long.toHexString(header)
                        + " in lane " + k + " at position " + position);
            }
            return -1;
        }
        long ring = ringsAt + (long) k * ringBytes;
        // plain: published by the header's release, which the scan acquired; validated by the CAS below
        dst.put(at, b, (int) (ring + off + 8), length);
        long next = (position + (recordBytes >>> 3)) & POSITION_MASK;
        if (t.hold) {
            // volatile CAS on the given-back from word: fails if another receive took the record or a
            // batch took the run over (its from word then has the HELD mode)
            if (!MappedAccess.LONG.compareAndSet(b, claimAt, t.word, fromWord(next, PriorityQueueDescriptor.FROM_GIVEN_BACK))) {
                return -1;
            }
            if (next == t.to) {
                clearGivenBack(k, fromWord(next, PriorityQueueDescriptor.FROM_GIVEN_BACK));
            }
            return PriorityQueueDescriptor.priority(header);
        }
        markWon(k, t.word);
        // volatile CAS: the receive's linearization point; releases our reads of the record to the
        // sender, whose space check acquires the head
        if (!MappedAccess.LONG.compareAndSet(b, claimAt, t.word, PriorityQueueDescriptor.headWord(next, 0))) {
            return -1;
        }
        spaceFreed(k);
        freeIfRetired(k);
        return PriorityQueueDescriptor.priority(header);
    }

    private static long fromWord(long position, long mode) {
        return position << PriorityQueueDescriptor.FROM_MODE_BITS | mode;
    }

    /**
     * Before moving a head that a batch's claim set ({@code headWord}'s claimer is the hold): records in
     * the hold's end word that the claim won, if the end word still names this position, so a recoverer
     * of a dead batch receiver knows its run was taken after the head moved on.
     */
    private void markWon(int k, long headWord) {
        if ((headWord & ((1L << PriorityQueueDescriptor.CLAIMER_BITS) - 1)) != PriorityQueueDescriptor.HOLD_CLAIMER) {
            return;
        }
        long end = (long) MappedAccess.LONG.getVolatile(buffer, holdEndAt(k));
        if (end == PriorityQueueDescriptor.position(headWord) << 1) {
            // volatile CAS: fails if the holder (or another receive) marked it first, or the hold ended
            MappedAccess.LONG.compareAndSet(buffer, holdEndAt(k), end, end | 1L);
        }
    }

    /**
     * Ends a given-back run whose from word reached its end ({@code fromWord}): GIVEN_BACK -> CLEARING(me)
     * by CAS (one clearer), then {@link #endHold}.
     */
    private void clearGivenBack(int k, long fromWord) {
        final ByteBuffer b = buffer;
        // volatile CAS: one clearer; a batch that took the run over holds the owner word instead
        if ((long) MappedAccess.LONG.getVolatile(b, holdFromAt(k)) == fromWord
                && MappedAccess.LONG.compareAndSet(b, holdOwnerAt(k), PriorityQueueDescriptor.GIVEN_BACK, clearingWord)) {
            endHold(k);
        }
    }

    /**
     * The end of a hold by its owner (HOLDING or CLEARING): end word, then from word, reset (plain, published
     * by the volatile owner store), owner 0; then the sender, whose space stopped at the hold's from, may
     * be waiting for room.
     */
    private void endHold(int k) {
        final ByteBuffer b = buffer;
        MappedAccess.LONG.set(b, holdEndAt(k), 0L);
        MappedAccess.LONG.set(b, holdFromAt(k), 0L);
        // volatile: releases the resets to the next holder (its owner CAS acquires) and to senders
        MappedAccess.LONG.setVolatile(b, holdOwnerAt(k), 0L);
        spaceFreedAlways(k);
    }

    /**
     * After a head CAS of lane {@code k} (volatile): the receive's half of the space handshake. Reads the
     * lane's space request (volatile; a line only a waiting sender writes, so a shared read, no transfer);
     * if raised, clears it and signals the not-full word.
     */
    private void spaceFreed(int k) {
        int at = laneAt(k) + PriorityQueueDescriptor.LANE_SPACE_REQUEST_OFFSET;
        if ((int) MappedAccess.INT.getVolatile(buffer, at) != 0) {
            MappedAccess.INT.setVolatile(buffer, at, 0); // volatile: before the signal's read (WaitWord (a))
            WaitWord.signal(buffer, notFullAt);
        }
    }

    /** {@link #spaceFreed} after a hold ends (the sender's bound moves only then). */
    private void spaceFreedAlways(int k) {
        spaceFreed(k);
        freeIfRetired(k);
    }

    /**
     * After a receive moved lane {@code k}'s head or ended its hold: if the lane is retired, frees it once
     * drained ({@link #tryFree}), whose FREE store is followed by a signal of the not-full word, so a send
     * waiting for a lane wakes now rather than at its sleep bound. Volatile read, after our volatile head
     * CAS or owner store: a retirer whose own tryFree read the head before that (and so found the lane
     * not drained) made its retiring CAS before that read, hence before our read in the synchronization
     * order, and we see RETIRED. One load of line A, which changes hands only when the lane does.
     */
    private void freeIfRetired(int k) {
        int ownerAt = laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET;
        long owner = (long) MappedAccess.LONG.getVolatile(buffer, ownerAt);
        long state = owner & STATE_MASK;
        if (state == RETIRED) {
            tryFree(k);
        } else if (state == BOUND && (owner & SPARE) != 0L) {
            // a spare lane: retired if no record waits at its head (volatile reads, as tryFree's; a padding
            // record may hide one past the ring's end, which tryFree looks for). Its sender takes a spare
            // lane back by CAS before sending into it, so of the two CASes one wins; if a stale read here
            // retires a lane its sender took back and marked spare again since, its records are still
            // received, and its sender takes it back from RETIRED (reclaimSpare) unless a freer drained it
            // first: retiring a lane never loses a record, nor its sender's lane
            long header = headerAt(k, PriorityQueueDescriptor.position((long) MappedAccess.LONG.getVolatile(buffer, headAt(k))));
            if (header != 0L && (header & PAD) == 0L) {
                return;
            }
            Runnable hook = beforeSpareRetiringCas;
            if (hook != null) {
                hook.run();
            }
            if (MappedAccess.LONG.compareAndSet(buffer, ownerAt, owner, RETIRED | (owner & TOKEN_MASK))) {
                tryFree(k);
            }
        }
    }

    // ---------------------------------------------------------------- handler batch

    /**
     * Delivers up to {@code limit} waiting messages without waiting, highest priority first and oldest
     * first within a priority, without copying: {@code handler} reads each body in the queue's mapping
     * (its {@code type} is the message's priority). A run of one lane's records is claimed at once by
     * the lane's hold (the sender's space stops at the run until it is delivered), the rest of the queue
     * stays open to other receivers meanwhile. If the handler throws, its message counts as received,
     * the rest of the run is given back (received next, before the lane's newer messages) and the
     * exception propagates. If this process dies inside the handler, the run from the message being
     * handled on is given back by recovery.
     *
     * @param handler called once per message, on this thread, with a view of its body (valid during the
     *                call only: read it with absolute gets, do not write to it)
     * @param limit   the most messages to deliver, {@code >= 1}
     * @return the number delivered (0 if none is waiting)
     * @throws IllegalArgumentException if {@code limit < 1}
     */
    public int receive(MessageHandler handler, int limit) {
        Objects.requireNonNull(handler, "handler");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
        ensureOpen();
        Bindings t = bindings();
        int n = 0;
        while (n < limit) {
            int k = scan(t);
            if (k < 0) {
                if (n == 0 && participants != null && maybeRecover()) {
                    continue;
                }
                break;
            }
            n += t.hold ? takeOver(t, k, handler, limit - n) : hold(t, k, handler, limit - n);
        }
        return n;
    }

    /** Claims a run of lane {@code k} from its head by the lane's hold and delivers it; 0 if it lost a race. */
    private int hold(Bindings t, int k, MessageHandler handler, int limit) {
        final ByteBuffer b = buffer;
        long head = t.word;
        long from = PriorityQueueDescriptor.position(head);
        // the run: records of the candidate's priority, older than the best other lane's first record
        long end = from;
        int n = 0;
        int priority = PriorityQueueDescriptor.priority(t.header);
        while (n < limit) {
            long header = headerAt(k, end);
            if (header == 0L || (header & PAD) != 0L || PriorityQueueDescriptor.priority(header) != priority
                    || (n > 0 && t.other != 0L && !better(header, k, t.other, t.otherLane))) {
                break; // the first record is the scan's, re-checked; the next ones must precede the other lanes'
            }
            int length = PriorityQueueDescriptor.length(header);
            int off = (int) (end << 3) & ringMask;
            if (length > maxMessageSize || off + PriorityQueueDescriptor.recordBytes(length) > ringBytes) {
                break; // read across a lap; the first record is validated again below
            }
            end = (end + (PriorityQueueDescriptor.recordBytes(length) >>> 3)) & POSITION_MASK;
            n++;
        }
        if (n == 0) {
            return takeCopyToHandler(t, k, handler);
        }
        if (n > 1) {
            end = cutRun(t, k, from, end, n);
            n = t.runLength;
        }
        int ownerAt = holdOwnerAt(k);
        // volatile CAS: one batch per lane at a time; acquires the previous holder's resets
        if (!MappedAccess.LONG.compareAndSet(b, ownerAt, 0L, holdingWord)) {
            return takeCopyToHandler(t, k, handler); // another batch holds this lane: one message by copy
        }
        // plain: published by the head CAS below (a sender that acquires the moved head sees it)
        MappedAccess.LONG.set(b, holdFromAt(k), fromWord(from, PriorityQueueDescriptor.FROM_HELD));
        // plain: the claim's end, published by the head CAS below (volatile, so it releases this store):
        // whoever reads the head naming the hold (a receive's markWon, a recoverer) reads this end; a
        // recoverer that reads the head before the CAS judges the claim lost whatever it reads here, and
        // a dead holder's CAS never comes
        MappedAccess.LONG.set(b, holdEndAt(k), end << 1);
        int run = startZeroedRun(k, from);
        markWon(k, head);
        // volatile CAS: claims [from, end); the claimer field names the hold, so the head word tells a
        // recoverer who moved it last
        if (!MappedAccess.LONG.compareAndSet(b, headAt(k), head, PriorityQueueDescriptor.headWord(end, PriorityQueueDescriptor.HOLD_CLAIMER))) {
            endHold(k);
            return 0;
        }
        // no mark of our own: while the head still names the hold at our end, a recoverer reads the claim
        // as won from the head, and a receive that moves it on sets the won bit first (markWon)
        return deliver(k, from, end, n, run, handler);
    }

    /**
     * The run's order re-check (jcstress {@code SharedPriorityQueueBatchFifoTest}): the scan's re-check
     * validated only the run's first record; the others were read after it, and a message of another lane
     * sent before one of them (so published before it, and visible after our acquire of its header) may
     * have been published after the scan's re-check. So the other active lanes' first records are read
     * again, now, after the walk's acquire of the run's last header: the best of them bounds the run,
     * which is cut before its first record that record beats (a lane's records share its priority and
     * their stamps grow, so a record beaten there is followed only by beaten ones). Returns the run's new
     * end and leaves its length in {@code t.runLength} (at least 1: the first record stands).
     */
    private long cutRun(Bindings t, int k, long from, long end, int n) {
        // laneCandidate leaves each lane's word, source and run end in t: keep the scan's, which a
        // fallback to a copying receive (takeCopyToHandler) still claims by
        long word = t.word;
        boolean hold = t.hold;
        long to = t.to;
        // acquire loads, after the walk's; only lanes of the run's priority or higher can cut it
        long other = bestOtherFirst(t, k, PriorityQueueDescriptor.priority(t.header));
        int otherLane = t.otherLane;
        t.word = word;
        t.hold = hold;
        t.to = to;
        if (otherLane < 0) {
            t.runLength = n; // no other lane's record of this priority or higher: nothing cuts the run
            return end;
        }
        long p = from;
        int i = 0;
        for (; i < n; i++) {
            long header = headerAt(k, p);
            if (i > 0 && otherLane >= 0 && better(other, otherLane, header, k)) {
                break;
            }
            p = (p + (PriorityQueueDescriptor.recordBytes(PriorityQueueDescriptor.length(header)) >>> 3)) & POSITION_MASK;
        }
        t.runLength = i;
        return p;
    }

    /** Takes over a given-back run of lane {@code k} as a hold and delivers it; 0 if it lost a race. */
    private int takeOver(Bindings t, int k, MessageHandler handler, int limit) {
        final ByteBuffer b = buffer;
        // volatile CAS: one batch takes the run over
        if (!MappedAccess.LONG.compareAndSet(b, holdOwnerAt(k), PriorityQueueDescriptor.GIVEN_BACK, holdingWord)) {
            return takeCopyToHandler(t, k, handler);
        }
        while (true) {
            long fromWord = (long) MappedAccess.LONG.getVolatile(b, holdFromAt(k));
            long from = fromWord >>> PriorityQueueDescriptor.FROM_MODE_BITS;
            long to = (long) MappedAccess.LONG.getVolatile(b, holdEndAt(k)) >>> 1;
            if (from == to) {
                endHold(k);
                return 0;
            }
            // volatile CAS: from given back to held; fails while copying receives still take records (the
            // owner word turns GIVEN_BACK only after the from word did, so this word is GIVEN_BACK here)
            if (MappedAccess.LONG.compareAndSet(b, holdFromAt(k), fromWord, fromWord(from, PriorityQueueDescriptor.FROM_HELD))) {
                int n = 0;
                long end = from;
                while (end != to && n < limit) {
                    end = (end + (PriorityQueueDescriptor.recordBytes(PriorityQueueDescriptor.length(headerAt(k, end))) >>> 3)) & POSITION_MASK;
                    n++;
                }
                return deliver(k, from, end, n, startZeroedRun(k, from), handler);
            }
        }
    }

    /**
     * A new holder's zeroed run: the run goes on if the lane's zeroed word ends at the hold's from word
     * (no copying receive moved the head between two holds), else it restarts there with no words. Returns
     * the run's length. The word is written only by holders: our owner CAS acquired the last holder's
     * stores, so the plain read is current.
     */
    private int startZeroedRun(int k, long from) {
        long zeroed = (long) MappedAccess.LONG.get(buffer, zeroedAt(k));
        if (zeroed >>> PriorityQueueDescriptor.ZEROED_WORDS_BITS == from) {
            return (int) (zeroed & PriorityQueueDescriptor.ZEROED_WORDS_MAX);
        }
        // release: claims no zeroed word, and ends the sender's space at our from word: what lies before
        // it was taken by receives whose reads precede their claim CAS, which our acquire of the head
        // (a new hold, in the scan) or our CAS of the from word (a takeover) followed
        MappedAccess.LONG.setRelease(buffer, zeroedAt(k), from << PriorityQueueDescriptor.ZEROED_WORDS_BITS);
        return 0;
    }

    /**
     * Delivers the held records {@code [from, end)} ({@code n} of them) of lane {@code k} in place, advancing
     * the hold's from word after each handler call; then ends the hold, or gives back what is left of it
     * (the hold's run may end after {@code end}: a taken-over run longer than the limit).
     */
    private int deliver(int k, long from, long end, int n, int run, MessageHandler handler) {
        final ByteBuffer b = buffer;
        long ring = ringsAt + (long) k * ringBytes;
        long p = from;
        int delivered = 0;
        try {
            while (delivered < n) {
                long header = (long) MappedAccess.LONG.get(b, (int) (ring + ((p << 3) & ringMask))); // plain: acquired by the scan
                int length = PriorityQueueDescriptor.length(header);
                int off = (int) (p << 3) & ringMask;
                p = (p + (PriorityQueueDescriptor.recordBytes(length) >>> 3)) & POSITION_MASK;
                delivered++;
                try {
                    handler.onMessage(PriorityQueueDescriptor.priority(header), b, (int) (ring + off + 8), length);
                } finally {
                    // release: the message counts as received (also if the handler threw); a recoverer of
                    // this hold redelivers from here
                    MappedAccess.LONG.setRelease(b, holdFromAt(k), fromWord(p, PriorityQueueDescriptor.FROM_HELD));
                }
            }
        } finally {
            zeroDelivered(k, from, p, run);
            long to = (long) MappedAccess.LONG.getVolatile(b, holdEndAt(k)) >>> 1;
            if (p == to) {
                endHold(k);
            } else {
                // give back the rest: the from word's mode first, which opens the records to copying
                // receives, then the owner, which opens the run to a batch's takeover; in the other order a
                // takeover between the two stores would deliver from a HELD word that the give-back's
                // second store then opens to copying receives as well: a duplicate. Until the owner store
                // a copying receive that takes the last record cannot end the hold (it needs GIVEN_BACK);
                // the next scan does (laneCandidate)
                MappedAccess.LONG.setVolatile(b, holdFromAt(k), fromWord(p, PriorityQueueDescriptor.FROM_GIVEN_BACK));
                MappedAccess.LONG.setVolatile(b, holdOwnerAt(k), PriorityQueueDescriptor.GIVEN_BACK);
                WaitWord.signal(b, notEmptyAt); // after the volatile stores (WaitWord step (a))
            }
        }
        return delivered;
    }

    /**
     * A holder's zeroing of the records it delivered, {@code [from, to)} of lane {@code k}, then the
     * release of the zeroed word past them ({@code run}: the zeroed run's words before {@code from}). The
     * bytes are still ours: the sender's space ends at the zeroed word, and no reader reads them again
     * (they are before the from word). Once per call, as Agrona's consumer clears a batch.
     */
    private void zeroDelivered(int k, long from, long to, int run) {
        if (to == from) {
            return;
        }
        final ByteBuffer b = buffer;
        long ring = ringsAt + (long) k * ringBytes;
        int bytes = (int) ((to - from) & POSITION_MASK) << 3;
        int at = (int) (from << 3) & ringMask;
        int first = Math.min(bytes, ringBytes - at); // a run may go on at the ring's start (no record crosses its end)
        zero(b, (int) (ring + at), first);
        zero(b, (int) ring, bytes - first);
        // release: publishes the zeroes to the sender (its bound read acquires this word) and frees the
        // space; a holder killed before it leaves the space to the hold's end, and its sender zeroes there
        MappedAccess.LONG.setRelease(b, zeroedAt(k),
                to << PriorityQueueDescriptor.ZEROED_WORDS_BITS | Math.min(run + (bytes >>> 3), PriorityQueueDescriptor.ZEROED_WORDS_MAX));
    }

    /** Plain zero stores over {@code [at, at + bytes)}: word stores up to {@link #SMALL_RECORD} bytes, bulk puts above. */
    private static void zero(ByteBuffer b, int at, int bytes) {
        if (bytes <= SMALL_RECORD) {
            for (int z = 0; z < bytes; z += 8) {
                MappedAccess.LONG.set(b, at + z, 0L); // plain: see zeroDelivered
            }
        } else {
            for (int z = 0; z < bytes; z += ZEROS.length) {
                b.put(at + z, ZEROS, 0, Math.min(ZEROS.length, bytes - z)); // plain: see zeroDelivered
            }
        }
    }

    /** One message of lane {@code k} by copy into this thread's buffer, then the handler; 0 if the claim lost. */
    private int takeCopyToHandler(Bindings t, int k, MessageHandler handler) {
        ByteBuffer copy = t.copy;
        if (copy == null) {
            copy = t.copy = ByteBuffer.allocateDirect(maxMessageSize).order(ByteOrder.nativeOrder());
        }
        int p = takeCopy(t, k, copy, 0);
        if (p < 0) {
            return 0;
        }
        handler.onMessage(p, copy, 0, PriorityQueueDescriptor.length(t.header));
        return 1;
    }

    // ---------------------------------------------------------------- queries

    /**
     * The number of messages waiting (a snapshot, exact only while no one operates): walks the records of
     * every active lane.
     *
     * @return the count
     */
    public int size() {
        ensureOpen();
        int n = 0;
        for (int k = 0; k < lanes; k++) {
            // opaque: a statistic
            if (((long) MappedAccess.LONG.getOpaque(buffer, activeAt + 8 * (k >>> 6)) & (1L << k)) == 0L) {
                continue;
            }
            long fromWord = (long) MappedAccess.LONG.getAcquire(buffer, holdFromAt(k));
            if ((fromWord & PriorityQueueDescriptor.FROM_MODE_MASK) == PriorityQueueDescriptor.FROM_GIVEN_BACK) {
                long to = (long) MappedAccess.LONG.getAcquire(buffer, holdEndAt(k)) >>> 1;
                for (long p = fromWord >>> PriorityQueueDescriptor.FROM_MODE_BITS, walked = 0; p != to && walked < ringWords; ) {
                    long words = (PriorityQueueDescriptor.length(headerAt(k, p)) + 15) >>> 3;
                    n++;
                    p = (p + words) & POSITION_MASK;
                    walked += words;
                }
            }
            long position = PriorityQueueDescriptor.position((long) MappedAccess.LONG.getAcquire(buffer, headAt(k)));
            for (long walked = 0; walked < ringWords; ) {
                long header = headerAt(k, position);
                if (header == 0L) {
                    break;
                }
                long words = (PriorityQueueDescriptor.length(header) + 15) >>> 3;
                if ((header & PAD) == 0L) {
                    n++;
                }
                position = (position + words) & POSITION_MASK;
                walked += words;
            }
        }
        return n;
    }

    /**
     * Whether no message is waiting (a snapshot).
     *
     * @return {@code true} if every active lane's head holds no record
     */
    public boolean isEmpty() {
        ensureOpen();
        return !anyMessage();
    }

    /**
     * Whether a send of a maximum-size message at {@code priority} by the calling thread would find no
     * room now: its lane for that priority is full, or it has none, no lane is free and none of its own is
     * drained (a drained one would be moved to the priority).
     *
     * @param priority 0 .. {@value #MAX_PRIORITY}
     * @return {@code true} if such a send would wait
     * @throws IllegalArgumentException if the priority is out of range
     */
    public boolean isFull(int priority) {
        if (priority < 0 || priority > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be in 0.." + MAX_PRIORITY + ": " + priority);
        }
        ensureOpen();
        Bindings t = bindings();
        int k = t.laneOf[priority];
        if (k >= 0 && !stillOurs(t, priority, k)) {
            k = -1; // our spare lane of this priority was retired and freed (or bound since): the send binds anew
        }
        if (k < 0) {
            for (int j = 0; j < lanes; j++) {
                if ((long) MappedAccess.LONG.getAcquire(buffer, laneAt(j) + PriorityQueueDescriptor.LANE_OWNER_OFFSET) == FREE) {
                    return false;
                }
            }
            for (int i = 0; i < t.count; i++) {
                int p = t.order[i];
                if (stillOurs(t, p, t.laneOf[p]) && drainedBySender(t.laneOf[p])) {
                    return false; // the send would move this drained lane of ours to the priority (or free it)
                }
            }
            return true;
        }
        return !hasRoom(k, spaceBound(k, false), maxMessageSize);
    }

    /**
     * Whether {@code t}'s lane {@code k} of priority {@code p} is still its own, as {@link #reclaimSpare} would
     * find it: not a spare lane a receiver retired and a freer freed (or another binding claimed since). Only a
     * spare lane can be taken from its live sender; one a receiver retired but nobody freed is still taken back.
     */
    private boolean stillOurs(Bindings t, int p, int k) {
        if ((t.spare & (1 << p)) == 0) {
            return true;
        }
        synchronized (laneLock(k)) {
            // acquire: a snapshot for isFull; the binder word under its lock, as reclaimSpare reads it
            long owner = (long) MappedAccess.LONG.getAcquire(buffer, laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET);
            return binderOf(k) == t.id && (owner == spareWord || owner == retiredWord);
        }
    }

    /**
     * The lanes not FREE (bound, retired or being freed): a snapshot.
     *
     * @return their count
     */
    public int lanesInUse() {
        int n = 0;
        for (int w = 0; w < activeWords; w++) {
            n += Long.bitCount((long) MappedAccess.LONG.getOpaque(buffer, activeAt + 8 * w)); // opaque: a statistic
        }
        return n;
    }

    /**
     * Whether a send of a maximum-size message by the calling thread would wait now at every priority:
     * {@link #isFull(int)} for each (a snapshot).
     *
     * @return {@code true} if no priority has room for the calling thread
     */
    public boolean isFull() {
        for (int p = 0; p <= MAX_PRIORITY; p++) {
            if (!isFull(p)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The queue file.
     *
     * @return its path, or {@code null} for an {@link #inMemory} or {@link #wrap}ped queue
     */
    public Path path() {
        return file == null ? null : file.path();
    }

    /** @return the number of lanes */
    public int lanes() {
        return lanes;
    }

    /** @return the maximum message size in bytes */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** @return the maximum-size messages one lane holds at least */
    public int maxMessages() {
        return maxMessages;
    }

    /** Test hook (jcstress, same package): one re-check of a waiting receive, as KernelIdle makes it after announcing. */
    int recheckReceiveOnce() {
        Waiter w = new Waiter(false);
        w.t = bindings();
        return recheckReceive(w);
    }

    /**
     * Test hook (jcstress, same package): one re-check of a send waiting for room for a {@code length}-byte
     * message at {@code priority}, as KernelIdle makes it after announcing on the not-full word (with a
     * lane: raises its space request, then re-reads its head and hold).
     */
    int recheckSendOnce(int priority, int length) {
        Waiter w = new Waiter(true);
        w.t = bindings();
        w.priority = priority;
        w.length = length;
        return recheckSend(w);
    }

    /** Test hook: lane {@code k}'s owner word's absolute offset. */
    int laneOwnerAt(int k) {
        return laneAt(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET;
    }

    /** Test hook: the not-full wait word's absolute offset. */
    int notFullWordAt() {
        return notFullAt;
    }

    /** Test hook: the mapping. */
    ByteBuffer buffer() {
        return buffer;
    }

    /**
     * Test hook (jcstress, same package): a second handle over this queue's memory, as another handle of
     * this process would be (same token); closing it retires the lanes its threads bound.
     */
    SharedPriorityQueue sibling() {
        return new SharedPriorityQueue(null, buffer, activeAt - PriorityQueueDescriptor.ACTIVE_BITS_OFFSET,
                maxMessages, maxMessageSize, lanes, boundWord & TOKEN_MASK, participants);
    }

    /** Test hook: the not-empty wait word's absolute offset. */
    int notEmptyWordAt() {
        return notEmptyAt;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /**
     * Closes this handle: the lanes its threads bound are retired (their messages are still delivered,
     * then the lanes are freed). Call it when no thread of this handle is inside a call.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int k = 0; k < lanes; k++) {
            Bindings bd;
            synchronized (laneLock(k)) {
                bd = binders[k];
            }
            if (bd != null) {
                retire(bd, k);
            }
        }
        if (file != null) {
            file.close();
        }
    }

    @Override
    public String toString() {
        return "SharedPriorityQueue[" + lanes + " lanes of " + ringBytes + " bytes, max message " + maxMessageSize + "]";
    }
}
