package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.ipc.shm.Heartbeats;
import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * A shared-memory message channel: a ring of variable-length records in a memory-mapped file, written
 * by producers ({@link Sender}) and read by exactly one consumer ({@link Receiver}), possibly in other
 * processes. The two kinds, {@link OneToOneChannel} and {@link ManyToOneChannel}, share this API and
 * the robust claim protocol described here.
 *
 * <pre>{@code
 * try (ManyToOneChannel ch = ManyToOneChannel.openOrCreate(dir.resolve("orders"), 1 << 20);
 *      Sender out = ch.sender()) {
 *     byte[] order = ...;
 *     out.send(7, order, 0, order.length);            // blocks while the ring is full
 * }
 * // in the consumer process
 * try (ManyToOneChannel ch = ManyToOneChannel.open(dir.resolve("orders"));
 *      Receiver in = ch.receiver()) {
 *     in.awaitReceive((type, buf, off, len) -> handle(type, buf, off, len), 64);
 * }
 * }</pre>
 *
 * <h2>Algorithm</h2>
 * The ring follows Agrona's {@code ManyToOneRingBuffer} (Thompson et al.): producers claim space by
 * moving the tail with a compare-and-set, write a record, and publish it by a releasing store of its
 * length; the consumer reads records at the head in order, and frees them by advancing the head. To
 * survive a producer process killed at any instruction, this channel adds (see the implementation
 * notes): a claimed record header naming the claimant's slot, a per-producer claim intent, and
 * consumer-side recovery that turns a dead producer's claim into padding.
 *
 * <h2>Properties</h2>
 * <ul>
 *   <li>Safety: a message is delivered whole or not at all, once, in the order of the claims (except
 *       a many-to-one claim revoked after its header was written: delivered when it is committed);
 *       per sender the order is the send order.</li>
 *   <li>Progress: senders are lock-free among themselves (a failed tail CAS means another sender
 *       succeeded); the consumer is wait-free per poll. A dead producer's claim is skipped about one
 *       liveness check (~1 ms) after its death is visible. A live producer that holds a claim longer
 *       than the claim timeout (default 5 s; a stopped process, a long GC pause) has it revoked: the
 *       consumer reads on past it, and its late commit is delivered then (after the messages claimed
 *       after it, before its sender's next one); whatever it still writes into the claim lands in
 *       space that is not reused until it commits or aborts, or dies. Exception (issue 12): a
 *       producer stopped in the few instructions between its tail CAS and its header store is waited
 *       for however long, as by Agrona's consumer (it is skipped only once certainly dead). Meanwhile the consumer delivers what follows the claim, up to one ring's
 *       capacity; then the ring is full until the stalled producer resumes or dies.</li>
 *   <li>Liveness of registered processes is decided by {@link dev.lockstep.ipc.shm.Participants}:
 *       across PID namespaces, and a stopped process is never judged dead.</li>
 *   <li>Back-pressure: non-blocking sends return {@code false} when the ring is full.</li>
 *   <li>Waiting ({@link dev.lockstep.ipc.shm.WaitMode}): {@code awaitReceive} on an empty ring (a
 *       one-to-one receiver once its sender acknowledged its request to sleep, or while no sender is
 *       registered: it polls until the sender's next send or attach; see the implementation notes) and
 *       the blocking {@code send} on a full one spin briefly, then, in {@code FUTEX} mode (Linux, JDK
 *       22+, endpoints made without an explicit idle strategy), sleep in the kernel on a futex word of
 *       the file until a peer's publish (receiver) or consumption (sender) wakes them; each sleep is
 *       bounded (100 ms; the caller's deadline, interrupt and peer liveness are re-checked after each). A sender or receiver pays
 *       no system call unless its peer sleeps. {@code POLL} mode, explicit idle strategies and virtual
 *       threads poll as before. {@code waitMode()} on each endpoint says which.</li>
 *   <li>Space: header + (4 + slots) lines of 128 bytes + capacity. Sending and receiving allocate
 *       nothing.</li>
 * </ul>
 */
public abstract sealed class ShmChannel implements AutoCloseable permits OneToOneChannel, ManyToOneChannel {
    /*
     * Implementation notes.
     *
     * Positions: head <= every claimed position < tail <= head + capacity. The consumer also has a
     * private read position r, head <= r <= tail. [head, r) holds fences (see below) and records the
     * consumer delivered and zeroed; [r, tail) holds records (committed, claimed, padding), fences
     * found again after a consumer take-over, or zero words of claims whose header is not yet
     * written; [tail, head + capacity) is all zero (one-to-one: or consumed marks, below) (I1: "free space is zero"; the consumer zeroes what
     * it consumes before releasing head past it; a producer reads head with acquire before writing
     * into freed space).
     *
     * Claim (Sender.claim):
     *  1. compute the needed space (a wrap needs a padding record to the ring's end too);
     *  2. write the intent {position = tail, length = needed} into the sender's slot (release stores);
     *  3. CAS tail -> tail + needed (volatile: also publishes the intent before the tail moves);
     *  4. the producer's FIRST stores into its claim are release stores (issue 12; a CAS from 0
     *     before): the wrap padding header, then the record header {-alignedLength, CLAIMED_FLAG |
     *     slot} (one 8-byte word: the consumer sees the full extent and the claimant together), then
     *     a release fence, so the header is ordered before any body byte. They always land on zero:
     *     the consumer writes a zero word of a claim only once every intent covering it is certainly
     *     dead (below), and ours covers the claim until step 5;
     *  5. withdraw the intent by a release store of its negated length (a store, not a CAS: the hot
     *     path has 1 CAS, the claim, as Agrona's). Negated, so takeSlot still reads the end of
     *     the slot's last claim; a consumer that reads it (acquire) then sees the header of step 4;
     *  6. the caller writes the body with plain stores;
     *  7. commit = release store of the header {8 + length, type} (issue 12; was a CAS): it releases
     *     the body. abort = the same store of a padding header. It lands on our claimed header or, if
     *     the claim was revoked after step 4, on the consumer's fence of the same extent, whose range
     *     is not reused while we may live (I3): the consumer then delivers the record late (or skips
     *     the padding); while it holds fences it re-reads them before each delivery, so the late
     *     record precedes our next one (see ManyToOneSender.publish, ManyToOneReceiver).
     *
     * One-to-one (Sender.claimSingle / publishSingle): the single producer skips steps 2-5 and the
     * CASes. Claim only reserves space locally; commit stores the header with release (body visible
     * first), then a wrap's padding header, then the tail with release. Nothing uncommitted is ever
     * visible, so a header word with length <= 0 at head is simply "empty" and the consumer never
     * reads the tail. A producer killed mid-claim leaves body bytes in free space and, if it died
     * between header and tail, published records beyond the stored tail: its successor walks forward
     * from max(tail, head) to find the real tail, then zeroes the free space, before its first claim.
     *
     * Consumed marks (one-to-one only). The consumer zeroes a consumed record as above, except that
     * the header's last store writes the mark M(p, a) = {length -a, type = lap(p)} (a = aligned extent,
     * lap(p) = p / capacity, low 32 bits) instead of zero: one store either way, now opaque (bitwise
     * atomic). So I1 reads, for one-to-one: every word of [tail, head + capacity) is zero or
     * M(p - capacity, a) for its own position p (the header of a record consumed one lap earlier at
     * that index), and every such word reads as "empty" (length <= 0). Why at most one lap old: the
     * consumer rewrites every word of every position below head in each lap (a mark on headers, zero
     * on body words), and the producer writes at p only after head passed p - capacity.
     * The successor producer's walk at pos, reading head (acquire) BEFORE the header word w:
     *  - head > pos: continue from head (all below it is consumed and released);
     *  - length(w) > 0: a record nobody counted in the tail, or one the consumer is zeroing (its header
     *    is padding of the same extent meanwhile): skip its extent;
     *  - w = M(pos, a) with lap(pos): the consumer consumed a record here in this lap but had not yet
     *    released head past it when we read head (it does so at its batch end, or died first): skip a;
     *  - otherwise (zero, or a mark of lap(pos) - 1): free space, the real tail. Stop.
     * The mark survives until the producer overwrites it a lap later, so the walk's answer no longer
     * depends on WHEN the consumer releases head: a consumer that is stopped (SIGSTOP) between zeroing
     * and releasing head, or dies there, leaves the mark, and the successor's tail is exactly where
     * the consumer's (or its successor's) head release will land: never inside the successor's first
     * record (no misframing), and no wait on the consumer. A mark of lap(pos) at pos can only come
     * from a record published at pos in this lap (same index and lap = same position), so the walk
     * never steps past the real tail; a mark of a later lap cannot exist there (only this producer
     * writes past the real tail). A successor consumer resumes at head, which may lie before records
     * its predecessor consumed and marked: it steps over marks of their own lap the same way, also
     * past a stored tail that a dead producer left short (else, the successor producer having
     * stepped over the mark, the consumer would read the mark as "empty" forever). The consumer never writes a word after releasing head past it, so the
     * lap-reuse rule is unchanged. Cost on the hot path: none beyond composing the mark (a shift and
     * an or) and a predictable branch; no RMW, no new fence, same store count. Revocation does not
     * exist here: the single producer is never revoked (the consumer never writes a word the
     * producer is about to write).
     *
     * Consumer at r, header word w (many-to-one):
     *  - length > 0: a message (deliver) or padding (skip); at the end of the receive call (after its
     *    last delivery, also when a handler threw; issue 12: zeroing right after reading took back the
     *    line the producer was writing the next record into) each record it delivered is zeroed -
     *    header turned into padding, store-store fence, body zeroed, store-store fence, header zeroed -
     *    so a successor never finds a zero header in front of nonzero body words (I2); then head is
     *    released once. After each delivery the consumer stores its delivery cursor (the position
     *    after the record; layout version 6), so a successor zeroes the dead consumer's delivered but
     *    unzeroed records instead of delivering them again. While a fence holds head (below) records
     *    are zeroed as they are delivered and the cursor is not moved.
     *  - claimed by slot s (length < 0): wait; every ~1 ms while stuck, judge s's owner token
     *    (Participants): certainly dead -> CAS the header to padding (a dead process writes nothing
     *    more, the space is reused at once); alive and stuck longer than the claim timeout -> FENCE it:
     *    CAS the header to {-extent, CLAIMED_FLAG | REVOKED_FLAG | s}, record {position, extent, owner
     *    token}, and read on at r + extent.
     *  - zero and r < tail (the tail is read after 256 empty polls in a row at one position, at once
     *    after a recovery step, and on every poll of a waiting awaitReceive past its spin phase; a
     *    consumer that keeps up with a stream never reads it, issue 12): collect the intents with
     *    positive length covering r. None: the word is a record a dead predecessor consumer zeroed
     *    without releasing head (claims keep their intent until their header is written, and the
     *    re-read of w after the acquire of the intents sees a header written meanwhile): step over it.
     *    All covering claimants dead: pad [r, e) by CAS from 0. Any covering claimant that may be
     *    alive (running, stopped, in another PID namespace): wait, however long, as Agrona's consumer
     *    does -- never fenced (issue 12): its header store is not a CAS and could not see a fence,
     *    and no fence could match the extent it will write (stale intents of losers of the tail CAS
     *    may end inside its claim, and the consumer cannot tell the winner among the covering
     *    intents). The claim timeout applies once the header is written (above). e is the smallest
     *    end of the covering intents, cut at the start of any other intent after r, at the tail and at
     *    the first nonzero word after r. Why e never passes the real claim: the claim that moved the
     *    tail from r (the "winner") is one of the covering intents, so e <= its end; it has written
     *    nothing visible (its first store is the header at r, ordered before its body by the release
     *    fence), so its range is all zero and contains no other claim's start; stale intents of
     *    losers (producers that stalled or died before their tail CAS failed) can only make e
     *    smaller. A range padded short of the winner's end leaves a zero word still covered by the
     *    winner's intent: handled again. Cost of waiting for covers that may be alive: a dead
     *    winner's claim covered also by the stale intent of a stopped loser is padded only once the
     *    loser runs again (or dies).
     *  - a fence word (REVOKED): found again after a consumer take-over: record it, read on.
     *
     * Fences (defect 1 of issue 11). A live producer that stalled past the claim timeout may resume
     * at any instruction and then store into its claimed range: body bytes through the zero-copy
     * buffer or trySend's copy, its commit store (its header store precedes any revocation: below). So the range must not be reused while
     * the owner may still do that. Invariant I3: head <= the position of every unresolved fence; the
     * consumer releases head only up to the oldest fence (and reads at most one capacity past it).
     * By I1 and the producers' capacity check (tail + needed - head <= capacity), no claim ever
     * overlaps a fenced range, so nothing the late producer stores can land in another message, and
     * no late store lands on a reused word. Only claims whose header is written are revoked (issue
     * 12); their owner never learns of it: its commit/abort store replaces the fence (step 7). A fence is resolved when
     * its word has a positive length (committed: delivered; padding: skipped; the consumer's acquire
     * read then orders the zeroing after the producer's last store), or its recorded owner token is certainly dead; the consumer then zeroes the range (restoring I1) and releases
     * head to the next fence or r. Cost: while a revoked producer stays stopped, the ring carries at
     * most one capacity of other producers' messages past its claim, then is full until the owner
     * resumes (and commits or aborts) or dies: a stalled producer blocks reuse of its own
     * range, which is the only way to make its late stores harmless without copying. Nothing is added
     * to the hot path: fences cost only on revocation.
     *
     * Slots: owner field 0 = free, else the owner's Participants token (one CAS to register; tokens
     * are never reissued, so a dead owner's token can be CASed away without ABA). A dead owner's slot
     * is taken over only once the end of its last claim (intent position + |length|) is at or before
     * head, so a claim or fence naming slot s is always judged by the process that made it; and head
     * never passes a fence, so a fenced claim's slot stays with its owner until resolved. Handles
     * closed normally release their slot; handles of a live process that are never closed keep it.
     *
     * Consumer take-over: a new consumer starts at r = head. Fences there are found again (their word
     * is still the fence or the acknowledging padding); zero words a dead predecessor zeroed without
     * releasing head are stepped over (no intent covers them; by I2 they are never in front of body
     * bytes). Messages the dead consumer delivered but had not yet zeroed are delivered again
     * (at-least-once across a consumer crash; exactly-once otherwise): at most the one whose handler
     * was running. Many-to-one, the successor first zeroes the records in [head, delivery cursor)
     * (delivered, not yet zeroed: a call zeroes its records at its end, issue 12) and starts after them.
     *
     * Kernel waiting (issue 13). Two WaitWords (dev.lockstep.ipc.wait.WaitWord: an eventcount with a
     * sleepers bit), in bytes of layout version 3 that were spare and zero: the consumer's next to
     * the tail, the producers' next to head (ChannelDescriptor), so each waker's check reads the line
     * it has just written. The pairs below are Dekker pairs in the synchronization order (JLS 17.4.4:
     * volatile accesses are totally ordered consistently with program order, and a volatile read
     * sees the last write before it in that order): W1: waiter's announcing CAS on the word, W2: its
     * volatile re-read of the position; P1: the waker's volatile write of the position, P2: its
     * volatile read of the word. If W2 misses P1, W2 precedes P1, so W1 < W2 < P1 < P2 and P2 sees the
     * announcement (or a later value, advanced by another waker: then the FUTEX_WAIT returns at once).
     *  - Consumer waits (empty ring): announce, then hasWork re-reads the tail (volatile). Many-to-one:
     *    P1 is the sender's tail CAS, P2 its read of the word after its commit CAS (no extra fence: two
     *    CASes precede it); reading after the commit, not the claim, means a woken consumer finds the
     *    record. A consumer that sees tail != its position (a claim in progress, committed or not) or
     *    a fence at head does not sleep: it polls as before, so a dead claimant is recovered within
     *    the liveness check interval, never a 100 ms sleep late.
     *  - One-to-one consumer waits (empty ring): the sleep handshake. Its P1 would be the tail store,
     *    which is a release store (a volatile one on every message, a StoreLoad barrier each, halved
     *    the throughput: IpcThroughputBench 32 B, 4 forks x 2 runs, quiet machine, 27.6 -> 13.0
     *    msgs/us). So the producer pays the barrier only while the consumer asked to sleep and the
     *    producer acknowledged that. Two words in the tail's line (spare zero bytes of layout v3):
     *    REQUEST = epoch << 1 | wantsSleep (consumer only writes it) and ACK = the last epoch the
     *    producer acknowledged (producer only writes it).
     *      Producer, per publication: r = acquire read of REQUEST, before its tail store. No
     *      wantsSleep: release store of the tail, nothing else (the hot path: one read of its own
     *      line more). wantsSleep: volatile store of the tail (P1); if epoch(r) is not the epoch it
     *      last acknowledged, volatile store ACK = epoch(r); then the volatile read of the consumer's
     *      word (P2) and FUTEX_WAKE if a sleeper announced itself. Attaching (after its registering
     *      CAS and its tail recovery, whose tail store is volatile): a volatile read of REQUEST, and
     *      the acknowledgement if wantsSleep; then a P2 (it wakes a consumer asleep in front of records
     *      a dead predecessor published without waking it).
     *      Consumer, in its sleep phase (the futex idle strategy's step, after announcing W1): if it
     *      has no request out, epoch++ and volatile store REQUEST = epoch << 1 | 1. It may sleep only if
     *      an acquire read of ACK returns its epoch (remembered until withdrawn), or a volatile read of
     *      the producer slot's owner returns 0 (no producer: not remembered); else it answers NAP
     *      (or READY if the tail moved) and the idle strategy polls briefly, then sleeps in bounded,
     *      doubling naps (KernelIdle), which the acknowledging send's signal ends. If it may: W2, the
     *      volatile re-read of the tail.
     *    Why no wake-up is lost, for a consumer sleeping in epoch e after reading ACK = e: let j be the
     *    producer's first send (or its attach) that read REQUEST = e|1; it stored ACK = e after its
     *    tail. (i) Sends before j in program order stored their tails before that ACK store (volatile:
     *    earlier accesses are not reordered after it), and the consumer's acquire read of ACK then
     *    orders them before W2 (happens-before): W2 sees their tails or later ones. (ii) Sends after j:
     *    coherence (read-read, guaranteed for opaque and stronger reads of one variable) makes their
     *    reads of REQUEST return e|1 or a later value; a later value is a withdrawal or a new epoch,
     *    which the consumer writes only after this sleep (it withdraws only while awake), so those
     *    sends follow W2 and the sleep is over. Sends that read e|1 do P1 then P2: the Dekker pair
     *    above, so either W2 sees the tail or P2 sees the announcement. Without any producer
     *    registered (owner read 0 after the request store, all volatile): a producer registering later
     *    does its CAS after that read in the synchronization order and its attach read of REQUEST
     *    after it, so it acknowledges e before any send (case (ii) for all its sends) and wakes us; one
     *    that closed before released the slot by a volatile CAS to 0, which our read saw, so its
     *    last tail happens-before W2. A successor producer after a dead one: the dead one writes
     *    nothing more; the successor's attach reads REQUEST (volatile) and acknowledges. Epochs only
     *    grow (a successor consumer continues after the REQUEST it finds and withdraws it), so an old
     *    ACK never matches a new request.
     *    Withdrawal: the consumer stores REQUEST = epoch << 1 (volatile) when no waiting call reached
     *    its sleep phase for 10 ms while calls kept finding messages (OneToOneReceiver.WITHDRAW_*,
     *    the clock read every 64th such call), on close, and a successor consumer withdraws its dead
     *    predecessor's request. The producer returns to release stores at its next send that reads it.
     *    Compatibility: an older producer never reads REQUEST nor acknowledges, so a newer consumer
     *    polls as before (its owner is registered); an older consumer never requests, so the producer
     *    stays on release stores; an older consumer taking over from a newer dead one leaves the
     *    request set: the producer keeps its barrier (correct, slower) until a newer consumer comes.
     *    Proven by jcstress OneToOneChannelConsumerNoLostWakeupTest (acknowledged: the real trySend
     *    against the real sleep step) and OneToOneChannelSleepRequestRaceTest (the request racing with
     *    two sends in flight). hasWork uses tail > position (not !=): after a producer died between its
     *    header and tail stores the consumer may be past the stored tail; a successor's first commit
     *    moves the tail past it.
     *  - Producer waits (full ring): announce, then spaceFreed re-reads head (volatile) and compares it
     *    with the head its failed claim read (only head moving frees space). Many-to-one (layout
     *    version 5): the space handshake for many producers (ManyToOneSender's notes): a producer about
     *    to sleep raises or joins the shared request and sleeps once the consumer acknowledged it; the
     *    consumer pays P1 (volatile head store) and P2 (read of the producers' word) once per poll batch
     *    (releaseHead) only while a request is raised, and withdraws it itself after 64 such releases
     *    found nobody announced; otherwise a release store after an acquire read of the request.
     *    One-to-one: the space handshake, the
     *    mirror image of the sleep handshake above (the consumer pays P1 as a volatile store and P2 only
     *    while the producer asked to sleep and it acknowledged; otherwise a release store of head after
     *    an acquire read of the request): OneToOneSender's notes, layout version 4. A sleeping sender checks its consumer's liveness after
     *    each sleep (<= 100 ms) instead of every 10 ms: those /proc reads cost as much CPU as polling.
     * Proven by jcstress ManyToOneChannelConsumerNoLostWakeupTest,
     * ManyToOneChannelProducerNoLostWakeupTest, ManyToOneChannelSpaceRequestRaceTest,
     * ManyToOneChannelSpaceWithdrawalTest, OneToOneChannelProducerNoLostWakeupTest, OneToOneChannelSpaceRequestRaceTest and the two one-to-one tests above (real sender / receiver code against the waiter's
     * step; forbidden: the waiter would sleep on a word nobody advanced). Crash safety is WaitWord's:
     * a killed sleeper leaves its bit, which the next waker clears (one extra FUTEX_WAKE); a waker
     * killed between P1 and P2 strands a sleeper for at most its bound. The wait only decides when
     * to poll again: every state change is still found by poll, exactly as before.
     */
    static final long CHECK_INTERVAL_NANOS = 1_000_000L;
    /** Default claim timeout (see {@link Receiver}). */
    public static final Duration DEFAULT_CLAIM_TIMEOUT = Duration.ofSeconds(5);
    /** A heartbeat older than this many ms makes {@link #isConsumerAlive()} false. */
    public static final long STALE_HEARTBEAT_MILLIS = Math.max(1_000L, 20 * Heartbeats.PERIOD_MILLIS);

    /** The file, or null for a channel wrapped around a caller's region. */
    final SharedFile file;
    final String name;
    final ByteBuffer buffer;
    final int capacity;
    final int mask;
    final int maxMessageLength;
    final int producerSlots;
    /** Absolute offsets in {@link #buffer}. */
    final int headOffset;
    final int tailOffset;
    /** Absolute offset of the producers' wait word (a producer sleeps there while the ring is full). */
    final int producerWaitOffset;
    /** Absolute offset of the consumer's wait word (the consumer sleeps there while the ring is empty). */
    final int consumerWaitOffset;
    /** One-to-one: absolute offsets of the consumer's sleep request and the producer's acknowledgement. */
    final int sleepRequestOffset;
    final int sleepAckOffset;
    final int consumerOwnerOffset;
    final int dataOffset;
    final int structureOffset;
    /** The folder's process registry: owner tokens and liveness verdicts (see ChannelDescriptor). */
    final Participants participants;
    private final List<AutoCloseable> handles = new CopyOnWriteArrayList<>();

    ShmChannel(SharedFile file) throws IOException {
        this(file, file.buffer(), SharedFile.STRUCTURE_OFFSET, file.header().param(PARAM_CAPACITY),
                file.header().param(PARAM_PRODUCER_SLOTS));
        file.requireParam(PARAM_MAX_MESSAGE_LENGTH, "maximum message length", maxMessageLength);
    }

    /** A channel over {@code buffer} whose structure area starts at {@code structureOffset}. */
    ShmChannel(SharedFile file, ByteBuffer buffer, int structureOffset, long cap, long slots) throws IOException {
        this.file = file;
        this.buffer = buffer;
        this.name = file != null ? file.path().toString() : "buffer region at " + structureOffset;
        // A wrapped region has no folder of its own: its processes share the default folder's registry.
        this.participants = file != null ? Participants.of(file.path())
                : Participants.ofFolder(ShmDirectory.openDefault().path());
        if (cap < MIN_CAPACITY || cap > MAX_CAPACITY || Long.bitCount(cap) != 1 || slots < 1
                || slots > MAX_PRODUCER_SLOTS) {
            throw new dev.lockstep.ipc.shm.IncompatibleFileException(file == null ? null : file.path(),
                    "bad channel parameters: capacity " + cap + ", producer slots " + slots);
        }
        this.capacity = (int) cap;
        this.mask = capacity - 1;
        this.producerSlots = (int) slots;
        this.maxMessageLength = RecordDescriptor.maxMessageLength(capacity);
        this.structureOffset = structureOffset;
        this.headOffset = structureOffset + HEAD_OFFSET;
        this.tailOffset = structureOffset + TAIL_OFFSET;
        this.producerWaitOffset = structureOffset + PRODUCER_WAIT_OFFSET;
        this.consumerWaitOffset = structureOffset + CONSUMER_WAIT_OFFSET;
        this.sleepRequestOffset = structureOffset + SLEEP_REQUEST_OFFSET;
        this.sleepAckOffset = structureOffset + SLEEP_ACK_OFFSET;
        this.consumerOwnerOffset = structureOffset + CONSUMER_OWNER_OFFSET;
        this.dataOffset = structureOffset + ChannelDescriptor.dataOffset(producerSlots);
        if ((long) dataOffset + capacity > buffer.capacity()) {
            throw new dev.lockstep.ipc.shm.IncompatibleFileException(file == null ? null : file.path(),
                    "too short for its ring");
        }
    }

    /** Checks the arguments of the {@code wrap} factories. */
    static ByteBuffer checkRegion(ByteBuffer buffer, int offset, int capacity, int slots) {
        Objects.requireNonNull(buffer, "buffer");
        checkCapacity(capacity);
        checkProducerSlots(slots);
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("buffer must be direct (a mapping): " + buffer);
        }
        if (offset < 0 || (offset & (MappedAccess.LINE - 1)) != 0
                || (long) offset + structureLength(capacity, slots) > buffer.capacity()) {
            throw new IllegalArgumentException("region [" + offset + ", +" + structureLength(capacity, slots)
                    + ") must be 128-byte aligned and inside the buffer of " + buffer.capacity() + " bytes: " + offset);
        }
        return buffer.duplicate().order(java.nio.ByteOrder.nativeOrder());
    }

    static SharedFile createFile(Path file, StructureKind kind, int capacity, int slots, boolean openExisting)
            throws IOException {
        Objects.requireNonNull(file, "file");
        checkCapacity(capacity);
        checkProducerSlots(slots);
        long length = structureLength(capacity, slots);
        long[] params = {capacity, RecordDescriptor.maxMessageLength(capacity), slots};
        // The structure area is all zero after creation: head = tail = 0, no registrations.
        return openExisting
                ? SharedFile.openOrCreate(file, kind, length, b -> { }, params)
                : SharedFile.create(file, kind, length, b -> { }, params);
    }

    // ------------------------------------------------------------------ public API

    /**
     * Registers a new sender (producer handle). A sender is used by one thread at a time.
     *
     * @throws IllegalStateException if no producer slot is free (one-to-one: if a live producer is
     *                               registered), naming the file and the owner
     * @return the new sender, holding its producer slot until closed
     */
    public Sender sender() {
        Sender s = sender(Idle.backoff());
        s.kernelWait = true; // before the handle is shared: only the creating thread has seen it
        return s;
    }

    /**
     * As {@link #sender()}, waiting in the blocking sends with {@code idle} (default
     * {@link Idle#backoff()}; see {@link Idle}). A sender with an explicit idle strategy polls with it
     * ({@link Sender#waitMode()} is {@link dev.lockstep.ipc.shm.WaitMode#POLL}); one from
     * {@link #sender()} sleeps in the kernel in {@link dev.lockstep.ipc.shm.WaitMode#FUTEX} mode.
     *
     * @param idle how the sender waits while the ring is full
     * @return the new sender, holding its producer slot until closed
     * @throws IllegalStateException if no producer slot is free
     */
    public abstract Sender sender(IdleStrategy idle);

    /**
     * Registers this process as the channel's consumer, with the {@linkplain #DEFAULT_CLAIM_TIMEOUT
     * default claim timeout}.
     *
     * @throws IllegalStateException if a live consumer is registered (naming the file and its pid); a
     *                               dead one is replaced
     * @return the consumer endpoint, registered until closed
     */
    public Receiver receiver() {
        return receiver(DEFAULT_CLAIM_TIMEOUT);
    }

    /**
     * As {@link #receiver()}, with the time after which a claim held by a live producer is revoked.
     *
     * @param claimTimeout how long a live producer may hold a claim before the consumer revokes it
     * @return the consumer endpoint, registered until closed
     * @throws IllegalArgumentException if the timeout is not positive
     * @throws IllegalStateException if a live consumer is registered
     */
    public Receiver receiver(Duration claimTimeout) {
        Receiver r = receiver(claimTimeout, Idle.backoff());
        r.kernelWait = receiverSleeps(); // before the handle is shared: only the creating thread has seen it
        return r;
    }

    /**
     * Whether a default receiver ({@link #receiver()}) sleeps in the kernel in
     * {@link dev.lockstep.ipc.shm.WaitMode#FUTEX} mode: both kinds do. Many-to-one: its senders' claim
     * and commit CASes order their publication before their read of the receiver's wait word at no
     * extra cost. One-to-one: once its sender acknowledged its sleep request (or while no sender is
     * registered); until then it naps: bounded, doubling kernel sleeps (see the notes).
     */
    abstract boolean receiverSleeps();

    /**
     * As {@link #receiver(Duration)}, waiting in {@code awaitReceive} with {@code idle} (default
     * {@link Idle#backoff()}; see {@link Idle} for the latency / CPU trade-off). A receiver with an
     * explicit idle strategy polls with it ({@link Receiver#waitMode()} is
     * {@link dev.lockstep.ipc.shm.WaitMode#POLL}); one from {@link #receiver()} or
     * {@link #receiver(Duration)} sleeps in the kernel in {@link dev.lockstep.ipc.shm.WaitMode#FUTEX} mode.
     *
     * @param claimTimeout how long a live producer may hold a claim before the consumer revokes it
     * @param idle         how the receiver waits while the ring is empty
     * @return the consumer endpoint, registered until closed
     * @throws IllegalArgumentException if the timeout is not positive
     * @throws IllegalStateException if a live consumer is registered
     */
    public Receiver receiver(Duration claimTimeout, IdleStrategy idle) {
        Objects.requireNonNull(claimTimeout, "claimTimeout");
        Objects.requireNonNull(idle, "idle");
        if (claimTimeout.isNegative() || claimTimeout.isZero()) {
            throw new IllegalArgumentException("claim timeout must be > 0: " + claimTimeout);
        }
        registerEndpoint(consumerOwnerOffset, "consumer", true);
        return track(newReceiver(claimTimeout.toNanos(), idle));
    }

    /**
     * The registered consumer if its process is certainly dead (described for a message), else null
     * (alive, stopped, or none registered).
     */
    String deadConsumer() {
        // Acquire: pairs with the registering CAS of the token.
        long token = (long) MappedAccess.LONG.getAcquire(buffer, consumerOwnerOffset);
        if (token == 0 || participants.mayBeAlive(token)) {
            return null;
        }
        return participants.describeForMessage(token);
    }

    /** The protocol's receiver (the consumer endpoint is registered). */
    abstract Receiver newReceiver(long claimTimeoutNanos, IdleStrategy idle);

    /** "one-to-one" or "many-to-one" (statistics). */
    abstract String kind();

    /**
     * Whether a consumer is registered, its process is running, and its heartbeat is recent.
     *
     * @return {@code true} if all three hold
     */
    public boolean isConsumerAlive() {
        return endpointAlive(consumerOwnerOffset)
                && Heartbeats.age(buffer, structureOffset + CONSUMER_HEARTBEAT_OFFSET) <= STALE_HEARTBEAT_MILLIS;
    }

    /**
     * Whether at least one registered producer's process is running with a recent heartbeat.
     *
     * @return {@code true} if some producer slot has such an owner
     */
    public boolean isProducerAlive() {
        for (int s = 0; s < producerSlots; s++) {
            int slot = structureOffset + slotOffset(s);
            if (endpointAlive(slot + SLOT_OWNER_OFFSET)
                    && Heartbeats.age(buffer, slot + SLOT_HEARTBEAT_OFFSET) <= STALE_HEARTBEAT_MILLIS) {
                return true;
            }
        }
        return false;
    }

    /**
     * A snapshot of positions, statistics and endpoints.
     *
     * @return the values read now (each field individually current, not one atomic snapshot)
     */
    public ChannelStats stats() {
        List<ChannelStats.Endpoint> producers = new ArrayList<>();
        for (int s = 0; s < producerSlots; s++) {
            ChannelStats.Endpoint e = endpoint(s, structureOffset + slotOffset(s) + SLOT_OWNER_OFFSET,
                    structureOffset + slotOffset(s) + SLOT_HEARTBEAT_OFFSET);
            if (e != null) {
                producers.add(e);
            }
        }
        return new ChannelStats(name, kind(),
                capacity, maxMessageLength,
                // Opaque reads: a monitoring snapshot needs untorn, recent values, no ordering.
                (long) MappedAccess.LONG.getOpaque(buffer, headOffset),
                (long) MappedAccess.LONG.getOpaque(buffer, tailOffset),
                stat(RECOVERED_CLAIMS_OFFSET), stat(RECOVERED_BYTES_OFFSET), stat(TIMEOUT_RECOVERIES_OFFSET),
                stat(CONSUMER_TAKEOVERS_OFFSET),
                endpoint(-1, consumerOwnerOffset, structureOffset + CONSUMER_HEARTBEAT_OFFSET), List.copyOf(producers));
    }

    /**
     * Ring capacity in bytes.
     *
     * @return the capacity, a power of two
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Largest message body: {@code capacity / 8}.
     *
     * @return the maximum message length in bytes
     */
    public int maxMessageLength() {
        return maxMessageLength;
    }

    /**
     * Number of producer slots (1 for a one-to-one channel).
     *
     * @return the slot count fixed at creation
     */
    public int producerSlots() {
        return producerSlots;
    }

    /**
     * The channel file ({@code null} for a {@code wrap}ped region).
     *
     * @return the file's path, or {@code null}
     */
    public Path path() {
        return file == null ? null : file.path();
    }

    /** Closes every sender and receiver made by this object, then the mapping. */
    @Override
    public void close() {
        for (AutoCloseable h : handles) {
            try {
                h.close();
            } catch (Exception ignored) {
                // handles' close does not throw
            }
        }
        handles.clear();
        if (file != null) {
            file.close();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name + ", capacity " + capacity + "]";
    }

    // ------------------------------------------------------------------ shared machinery

    void forget(AutoCloseable handle) {
        handles.remove(handle);
    }

    /** Tracks a handle so that {@link #close()} closes it. */
    <T extends AutoCloseable> T track(T handle) {
        handles.add(handle);
        return handle;
    }

    private long stat(int offset) {
        // Opaque: statistics are written by the consumer only and order nothing.
        return (long) MappedAccess.LONG.getOpaque(buffer, structureOffset + offset);
    }

    void addStat(int offset, long delta) {
        int at = structureOffset + offset;
        // Only the consumer writes statistics: plain read, opaque store so readers see an untorn value.
        MappedAccess.LONG.setOpaque(buffer, at, (long) MappedAccess.LONG.get(buffer, at) + delta);
    }

    private ChannelStats.Endpoint endpoint(int slot, int ownerOffset, int heartbeatOffset) {
        // Acquire: pairs with the registering CAS of the token.
        long token = (long) MappedAccess.LONG.getAcquire(buffer, ownerOffset);
        if (token == 0) {
            return null;
        }
        Participants.Participant who = participants.describe(token).orElse(null);
        return new ChannelStats.Endpoint(slot, who == null ? 0L : who.pid(), who == null ? 0L : who.startTime(),
                participants.mayBeAlive(token), Heartbeats.age(buffer, heartbeatOffset));
    }

    /**
     * Whether the endpoint whose owner field is at {@code ownerOffset} may be alive: registered, and
     * its process not certainly dead ({@link Participants#mayBeAlive}: pid + start time in our PID
     * namespace, heartbeat and kernel lock in another; a stopped process is never judged dead).
     */
    boolean endpointAlive(int ownerOffset) {
        // Acquire: pairs with the registering CAS of the token.
        long token = (long) MappedAccess.LONG.getAcquire(buffer, ownerOffset);
        return token != 0 && participants.mayBeAlive(token);
    }

    /**
     * Takes the endpoint whose owner field is at {@code ownerOffset} if it is free or its owner is
     * dead.
     *
     * @param mustTake throw if it is held by a live process (else return false)
     * @return whether this process now owns it
     */
    boolean registerEndpoint(int ownerOffset, String role, boolean mustTake) {
        long me = participants.token();
        while (true) {
            // Volatile: the value the CAS below compares against.
            long owner = (long) MappedAccess.LONG.getVolatile(buffer, ownerOffset);
            if (owner != 0 && participants.mayBeAlive(owner)) {
                if (mustTake) {
                    throw new IllegalStateException(name + ": a live " + role + " is registered: "
                            + participants.describeForMessage(owner) + (owner == me ? " (this process)" : ""));
                }
                return false;
            }
            // Volatile CAS: exactly one process wins a free or dead endpoint, in one step (a token is
            // the whole identity: no "registering" state a registrant could die in; a dead owner's
            // token is never reissued, so the CAS from it has no ABA problem).
            if (MappedAccess.LONG.compareAndSet(buffer, ownerOffset, owner, me)) {
                if (owner != 0 && ownerOffset == consumerOwnerOffset) {
                    addStat(CONSUMER_TAKEOVERS_OFFSET, 1);
                    Jfr.ipcRecovery(this, name, "consumer take-over", participants.pidOf(owner));
                }
                return true;
            }
        }
    }

    /** Frees an endpoint this process owns. */
    void releaseEndpoint(int ownerOffset) {
        // Volatile CAS (release): everything this endpoint wrote (records, intent) happens-before a new
        // owner sees 0.
        MappedAccess.LONG.compareAndSet(buffer, ownerOffset, participants.token(), 0L);
    }

    /**
     * Takes a free producer slot, or a dead producer's slot whose last claim the consumer has passed.
     *
     * @return the slot index, or -1 if none
     */
    int takeSlot() {
        for (int s = 0; s < producerSlots; s++) {
            int slot = structureOffset + slotOffset(s);
            // Acquire: pairs with the token CAS of registration/release.
            long owner = (long) MappedAccess.LONG.getAcquire(buffer, slot + SLOT_OWNER_OFFSET);
            if (owner != 0) {
                if (endpointAlive(slot + SLOT_OWNER_OFFSET)) {
                    continue;
                }
                // Dead owner: its claim (if any) must be behind the consumer first, else the consumer would
                // judge that claim by our liveness. Opaque reads: the dead writer wrote them long ago.
                // The intent length is negated once the claim's header is written; its magnitude still
                // gives the end of the slot's last claim.
                long end = (long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_POSITION_OFFSET)
                        + Math.abs((long) MappedAccess.LONG.getOpaque(buffer, slot + SLOT_INTENT_LENGTH_OFFSET));
                if (end > (long) MappedAccess.LONG.getAcquire(buffer, headOffset)) { // acquire: see Sender
                    continue;
                }
            }
            if (registerEndpoint(slot + SLOT_OWNER_OFFSET, "producer", false)) {
                return s;
            }
        }
        return -1;
    }
}
