package dev.lockstep.ipc.channel;

import static dev.lockstep.ipc.channel.ChannelDescriptor.*;
import static dev.lockstep.ipc.channel.RecordDescriptor.*;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.core.internal.jfr.Jfr;
import dev.lockstep.ipc.shm.MappedAccess;

/**
 * The consumer of a {@link ManyToOneChannel}: delivers records in ring order and recovers claims of
 * dead producers (padding) and of live producers stalled past the claim timeout once their header is
 * written (fences: the space is not reused until the owner commits or aborts, or dies), as described
 * in {@link ShmChannel}'s notes. A claim whose header is not yet written is waited for while any
 * process whose intent covers it may be alive (issue 12: the header store is not a CAS, so such a
 * claim cannot be revoked). A fenced claim whose owner commits late is delivered then: after the
 * messages claimed after it, before any later message of the same sender.
 *
 * <p>A receive call delivers its batch first and zeroes the delivered records afterwards, each in the
 * crash-safe order (padding header, body, zero header), also when a handler throws (in a
 * {@code finally}), then releases head once. A batch ends at the caller's limit, at the first record
 * not yet committed, or once it holds a quarter of the ring's capacity ({@link #BATCH_SHIFT}; at least
 * one record), so senders get space back at least every quarter of a lap. After each delivery it stores its delivery cursor (the
 * position after the record; {@link ChannelDescriptor#CONSUMER_CURSOR_OFFSET}), so a successor taking
 * over after this consumer died inside a call zeroes the records the call delivered and starts after
 * them: it delivers again at most the record that was in the handler ({@link ManyToOneChannel}'s
 * contract). While a fence holds head back (a stalled producer's revoked claim, rare), records are
 * zeroed as they are delivered, as before issue 12's sixteenth round, and the cursor stays put.
 */
public final class ManyToOneReceiver extends Receiver {
    /**
     * Consecutive empty polls at one position (no record delivered in between) before the tail is read.
     * Issue 12: counted since the last delivery, not over all polls, so a consumer that keeps up with
     * a stream (a few empty polls between two records) never reads the producers' tail line; it read
     * it every 64th empty poll before, and each read made the next tail CAS wait for the line to come
     * back (two processes only: the one-process bench moves no line).
     */
    static final int EMPTY_POLLS_PER_TAIL_CHECK = 256;
    /** Polls of a waiting awaitReceive after which every poll reads the tail (see waiting). */
    static final int SPIN_PHASE_POLLS = 64;
    /**
     * A receive call ends its batch once the batch holds {@code capacity >>> BATCH_SHIFT} bytes of
     * records (it always takes the first one). Issue 12, forty-fourth round: the batch used to run for
     * up to a whole lap, and since its records are zeroed and head released only when the call ends,
     * a sender that kept pace filled the ring, then spun on a full ring while the consumer zeroed the
     * lap (two processes, 1 KiB messages, 64 KiB ring: the sender spun 20% of its time, the consumer
     * never idled). Agrona's read ends its batch at the ring's end, about half a lap on average. Half,
     * a quarter, an eighth and a sixteenth of the ring were measured against the lap in alternated
     * rounds over five windows (`IpcThroughputBench.send`, 32 B and 1 KiB, 64 KiB ring): a quarter
     * was the steadiest, 1.07-1.57x Agrona's rate at 1 KiB (the lap 0.71-1.17x); an eighth was best
     * at 32 B in fast windows but fell to 0.52-0.95x at 1 KiB in slow ones (eight records a batch).
     */
    static final int BATCH_SHIFT = 2;
    private final int slotsOffset;
    private final int producerSlots;
    /** Absolute offset of the delivery cursor (consumer identity line). */
    private final int cursorOffset;
    private final long claimTimeoutNanos;
    /** Liveness checks of a stuck claim at most this often: 1 ms, or the claim timeout if shorter. */
    private final long checkIntervalNanos;
    /** Empty polls since the last delivery or tail read (plain: this thread only). */
    private int emptyPolls;
    /** Force a tail read at the next empty poll (after a skip, a fence, or when idle). */
    private boolean checkTail = true;
    /**
     * Fences in ring order (oldest first): revoked claims of live producers, whose space is not
     * released until the owner commits or aborts over them, or dies. Position, extent, and the owner's identity
     * token recorded when fencing (0: the claim is judged by the intents that cover it; -1: none).
     */
    private long[] fencePos = new long[0];
    private int[] fenceLength = new int[0];
    private long[] fenceOwner = new long[0];
    /** fenceOwner value of a fence whose record was delivered (or skipped) and zeroed: resolved. */
    private static final long DELIVERED = Long.MIN_VALUE;
    private int fences;
    private long lastFenceCheck;
    /**
     * While a fence holds head, the readable ring ends one capacity past the oldest fence (where we
     * would read that fence again as if it were the next lap's record); else unbounded here, and a
     * quarter of a capacity past the receive call's start in poll (BATCH_SHIFT).
     */
    private long readLimit = Long.MAX_VALUE;
    /** Position where we are stuck behind a claim, when we first saw it, when we last checked. */
    private long stuckPosition = -1;
    private long stuckSince;
    private long lastCheck;
    /**
     * Polls that found the claim at stuckPosition unfinished before its timer was started, or -1 once
     * it is started (plain: this thread only).
     */
    private int stuckPolls;
    /** Polls of a claim in progress before the clock is read (see stuck). */
    static final int STUCK_POLLS_BEFORE_CLOCK = 64;
    /**
     * STUCK_POLLS_BEFORE_CLOCK, or 1 (the clock at first sight, as before issue 12) with a claim
     * timeout below the liveness check interval: a caller who asks for revocation within less than
     * a millisecond (tests: jcstress ManyToOneChannelRevocationTest revokes on the second look) gets
     * it without a 64-poll delay.
     */
    private final int stuckPollsBeforeClock;
    /** This poll comes from a waiting awaitReceive past its spin phase (plain: this thread only). */
    private boolean slowPolls;

    /**
     * The space request is withdrawn after this many releases in a row that paid the fenced path and
     * found no producer announced on the wait word (see {@link #releaseHead}). Bounds what a requester
     * that died or stopped with its request raised costs: this many fenced releases, once.
     */
    static final int WITHDRAW_AFTER_QUIET_RELEASES = 64;
    /** Fenced releases in a row that found no sleeper announced (plain: this thread only). */
    private int quietReleases;

    ManyToOneReceiver(ManyToOneChannel channel, long claimTimeoutNanos, IdleStrategy idle) {
        super(channel, idle);
        this.slotsOffset = channel.structureOffset + PRODUCER_TABLE_OFFSET;
        this.producerSlots = channel.producerSlots;
        this.claimTimeoutNanos = claimTimeoutNanos;
        this.checkIntervalNanos = Math.min(ShmChannel.CHECK_INTERVAL_NANOS, claimTimeoutNanos);
        this.stuckPollsBeforeClock = claimTimeoutNanos < ShmChannel.CHECK_INTERVAL_NANOS ? 1 : STUCK_POLLS_BEFORE_CLOCK;
        this.cursorOffset = channel.structureOffset + CONSUMER_CURSOR_OFFSET;
        skipDelivered();
    }

    /**
     * Taking over from a consumer that died inside a receive call: zeroes, without delivering them, the
     * records in {@code [head, cursor)} that it delivered but did not zero before dying, and releases
     * head past them. Nothing to do after an orderly predecessor (its calls zeroed what they delivered
     * and released head to at least the cursor) or on a new file (cursor 0).
     *
     * <p>The walk trusts only what a delivered record leaves: a positive header (the record, or its
     * padding header if the predecessor died while zeroing it: zeroed again) or a zero word (a record
     * zeroed before head was released). It stops at anything else, and at a cursor past the tail or more
     * than a capacity past head (not one a consumer of this file stored): from there the ring is read as
     * before, so a bad cursor can cost a re-delivery, never a record.
     */
    private void skipDelivered() {
        // Acquire, after our registering CAS (a synchronization action): read before the records it
        // covers. Its writer is dead (a take-over needs that), so every store it completed is in the
        // file, the cursor store after each record's delivery among them.
        long cursor = (long) MappedAccess.LONG.getAcquire(buffer, cursorOffset);
        if (cursor <= head || cursor - head > capacity
                || cursor > (long) MappedAccess.LONG.getAcquire(buffer, tailOffset)) { // acquire: as above
            return;
        }
        long p = zeroDelivered(head, cursor);
        readPos = p;
        releaseHead(p);
    }

    /**
     * The many-to-one withdrawal (ManyToOneSender's notes): after
     * {@link #WITHDRAW_AFTER_QUIET_RELEASES} fenced releases in a row whose check of the wait word found
     * nobody announced, withdraw the request. Before issue 12's eleventh round every release paid the
     * fenced path (a full fence that waits for the batch's zeroing stores, lines last written by the
     * producers); Agrona's consumer stores head with an ordered store.
     */
    @Override
    void signalled(long request, boolean woke) {
        if (woke) {
            quietReleases = 0;
        } else if (++quietReleases >= WITHDRAW_AFTER_QUIET_RELEASES) {
            quietReleases = 0;
            withdrawSpace(request);
        }
    }

    /**
     * Withdraws the raised request {@code request} (nobody announced on the wait word for
     * {@link #WITHDRAW_AFTER_QUIET_RELEASES} fenced releases: its requesters run, stopped or died), then
     * checks the wait word once more (P2'), so that a producer that read the request raised before this
     * withdrawal and sleeps on it is woken (case (iv) of ManyToOneSender's notes).
     */
    private void withdrawSpace(long request) {
        // Volatile CAS (a volatile store would do: while the bit is set nobody but us writes the word,
        // producers raise only from a clear bit; the CAS withdraws exactly the request we read). A
        // synchronization action, before P2' below in program order: a producer's volatile read of the
        // request that saw it raised precedes this CAS in the synchronization order, and so its
        // announcement precedes P2'.
        if (MappedAccess.LONG.compareAndSet(buffer, spaceRequestOffset, request, request & ~1L)) {
            dev.lockstep.ipc.wait.WaitWord.signal(buffer, producerWaitOffset);
        }
    }

    @Override
    int poll(MessageHandler handler, int limit) {
        long pos = readPos;
        int count = 0;
        // End of the records this call delivered and left for zeroDelivered: [readPos, deferredEnd).
        // Deferred only while no fence is held; fences only grow within the loop (resolveFences, before
        // it, is the only pop), so the deferred records are a prefix of the call's and hold no fence.
        long deferredEnd = pos;
        try {
            if (fences > 0) {
                count = resolveFences(handler, limit);
            }
            // The batch ends a quarter of the ring past the call's start (BATCH_SHIFT: senders get
            // that space back when this call ends). This also keeps the call short of one capacity
            // past its start, where it would read its own first record again (head stays there until
            // the call ends and its records are zeroed: zeroDelivered).
            long batchEnd = pos + (capacity >>> BATCH_SHIFT);
            while (count < limit && pos < readLimit && pos < batchEnd) {
                int at = dataOffset + (int) (pos & mask);
                // Acquire: pairs with the producer's commit (release store), so the body is visible whole.
                long word = (long) MappedAccess.LONG.getAcquire(buffer, at);
                int length = length(word);
                if (length > 0) {
                    if (isMessage(word)) {
                        if (fences > 0) {
                            // A fenced claim committed late must come before any later message of its
                            // sender: this record may be one. Read the fences after (acquire) this
                            // header: if its sender committed a fenced claim before publishing this
                            // record, that commit happens-before this read and is seen here.
                            count += deliverCommittedFences(handler, limit - count);
                            if (count >= limit) {
                                break;
                            }
                        }
                        count++;
                    }
                    boolean defer = fences == 0;
                    long next = pos;
                    try {
                        if (defer) {
                            // Not zeroed here: at the end of the call (zeroDelivered).
                            next = deliverDeferred(handler, pos, at, word);
                            // Opaque: an untorn long, no ordering needed. Read only by a successor
                            // once this process is dead (every store it completed visible, none of a
                            // later instruction), so program order alone puts it after the handler's
                            // return. A consumer-owned line: no producer reads or writes it.
                            MappedAccess.LONG.setOpaque(buffer, cursorOffset, next);
                        } else {
                            next = deliver(handler, pos, at, word); // zeroed at once (see the class notes)
                        }
                    } finally {
                        pos = next == pos ? pos + ((length + ALIGNMENT - 1) & -ALIGNMENT) : next;
                        if (defer) {
                            deferredEnd = pos; // the record whose handler threw is zeroed with the rest
                        }
                    }
                    continue;
                }
                if (word == 0) {
                    // Zero is usually "empty"; only a claim between its tail CAS and its header store
                    // (or a producer that died there) looks the same. Reading the tail on every empty
                    // poll would pull the producers' tail line across cores each time, so look only
                    // after EMPTY_POLLS_PER_TAIL_CHECK empty polls in a row, or at once when told to
                    // (checkTail: after a recovery step, and on every poll of a waiting awaitReceive
                    // past its spin phase).
                    if (!checkTail && ++emptyPolls < EMPTY_POLLS_PER_TAIL_CHECK) {
                        break;
                    }
                    checkTail = false;
                    emptyPolls = 0;
                    // Acquire: if tail moved past pos, the claimant's intent (written before its tail CAS)
                    // is visible to the recovery in stuck().
                    long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
                    if (tail == pos) {
                        break; // empty
                    }
                } else if (length < 0 && (type(word) & REVOKED_FLAG) != 0 && (type(word) & CLAIMED_FLAG) != 0) {
                    // A fence we (or a dead predecessor consumer) left: the claim's owner was alive
                    // when it was revoked. Hold head here again and read on past it.
                    int slot = type(word) & SLOT_MASK;
                    addFence(pos, -length, slot);
                    pos += -length;
                    continue;
                }
                // A claim in progress at head (header written or not yet): wait, recover if it is dead.
                long next = stuck(pos, at, word);
                if (next < 0) {
                    break;
                }
                pos = next;
            }
        } finally {
            slowPolls = false;
            // Zero what this poll delivered (also the record whose handler threw, and those before
            // it), record by record in the crash-safe order, before head is released below.
            zeroDelivered(readPos, deferredEnd);
            if (pos != readPos) {
                emptyPolls = 0; // progress: the tail is read only after EMPTY_POLLS_PER_TAIL_CHECK empty polls in a row
            }
            readPos = pos;
            // Never past a fence: a revoked claim's space stays out of use while its owner may still
            // write into it.
            releaseHead(fences > 0 ? fencePos[0] : pos);
        }
        return count;
    }

    /**
     * Zeroes the records this call delivered (or skipped: padding) in {@code [from, to)}, each in
     * {@link #consume}'s crash-safe order, walking their headers from {@code from}, stepping over zero
     * words (a dead predecessor's zeroing, stepped over word by word in the loop too). The range holds no
     * fence (poll defers only while none is held). Also a successor's take-over ({@link #skipDelivered}):
     * the range below a dead consumer's cursor, where the walk trusts only what a delivered record
     * leaves (a positive header: the record, or its padding header if the predecessor died while
     * zeroing it; a zero word) and stops at anything else.
     *
     * @return where the walk ended: {@code to}, or the first word it did not trust
     *
     * <p>Issue 12: the loop used to zero each record right after delivering it, i.e. store into the
     * line the producer was writing the next record into (two 32 B records per line), and the
     * producer's tail CAS waited for that line to come back. Deferring the same per-record stores to
     * the end of the call is Agrona's timing (deliver the batch, zero it, release head). Crash
     * semantics: a consumer that dies before or during this walk leaves the call's unzeroed records
     * behind, and its successor zeroes those below the delivery cursor ({@link #skipDelivered}), so it
     * delivers again at most the record whose handler was running; a record zeroed part-way reads as
     * padding or as zero words in front of zero words, as before.
     */
    private long zeroDelivered(long from, long to) {
        long p = from;
        while (p < to) {
            // Acquire: as in poll (for a successor, skipDelivered, the first read of these words). At the
            // end of a call nobody but this consumer writes a committed record below the tail before
            // head passes it, and a zero word there (covered by no claim) stays zero until then.
            long word = (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (p & mask));
            int length = length(word);
            if (length > 0) {
                int aligned = (length + ALIGNMENT - 1) & -ALIGNMENT;
                if (to - p < aligned) {
                    break; // a record across the end: not one of [from, to) (a successor's bad cursor)
                }
                consume(p, aligned);
                p += aligned;
            } else if (word == 0) {
                p += ALIGNMENT;
            } else {
                break; // not what a delivered record leaves (a successor's bad cursor)
            }
        }
        return p;
    }

    // ------------------------------------------------------------------ many-to-one recovery

    /**
     * Handles a word at {@code pos} (below the tail) that is neither a record nor a fence: a claim in
     * progress (header written: {@code word} claimed; or not yet: zero), a zero a dead predecessor
     * consumer left, or a corrupt word.
     *
     * @return the position to read next ({@code pos} to re-read the word), or -1 to stop polling
     */
    private long stuck(long pos, int at, long word) {
        if (word == 0) {
            // Acquire: intents are written before the tail CAS; a claimant that stopped covering pos
            // did so with a release store after writing its header, which the re-read below then sees.
            long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset);
            scanIntents(pos, tail, false);
            if (coverCount == 0) {
                // Acquire: see above. Still zero, below the tail, and no claim covers it: a record a
                // dead consumer zeroed without releasing head (claims keep their intent until their
                // header is written). Step over it.
                if ((long) MappedAccess.LONG.getAcquire(buffer, at) != 0L) {
                    return pos;
                }
                checkTail = true;
                return pos + ALIGNMENT;
            }
        }
        if (pos != stuckPosition) {
            stuckPosition = pos;
            stuckPolls = 0;
        }
        if (stuckPolls >= 0) {
            // The timer is not started yet. A claim in progress at our position is the common case
            // when we have caught up with the producers (profile of IpcThroughputBench 32 B: the
            // consumer's System.nanoTime here was ~4% of both processes' samples, more than the rest
            // of the recovery path). Nearly every such claim is committed within a few polls, so the
            // clock is read only once the claim has been seen STUCK_POLLS_BEFORE_CLOCK times (1 with a
            // sub-millisecond claim timeout, see stuckPollsBeforeClock), or at
            // once in a waiting awaitReceive past its spin phase (polls are then slow, so a dead
            // claimant is still noticed within about one liveness check interval). Starting the timer
            // that many polls late only makes the claim timeout longer, never shorter.
            if (++stuckPolls < stuckPollsBeforeClock && !slowPolls) {
                return -1;
            }
            long now = System.nanoTime();
            stuckPolls = -1;
            stuckSince = now;
            lastCheck = now;
            return -1;
        }
        long now = System.nanoTime();
        if (now - lastCheck < checkIntervalNanos) {
            return -1;
        }
        lastCheck = now;
        boolean timedOut = now - stuckSince >= claimTimeoutNanos;
        int length = length(word);
        int type = type(word);
        if (length < 0 && (type & CLAIMED_FLAG) != 0) {
            int slot = type & SLOT_MASK;
            int slotAt = slotsOffset + slot * SLOT_LENGTH;
            // Acquire: pairs with the registering CAS of the owner's token.
            long owner = slot < producerSlots ? (long) MappedAccess.LONG.getAcquire(buffer, slotAt + SLOT_OWNER_OFFSET) : 0L;
            boolean dead = owner == 0 || channel.participants.isDead(owner);
            if (!dead && !timedOut) {
                return -1;
            }
            if (dead) {
                // Volatile CAS: fails if the producer committed or aborted meanwhile (then deliver that).
                // A dead process writes nothing more: its space can be reused at once.
                if (MappedAccess.LONG.compareAndSet(buffer, at, word, header(-length, PADDING_TYPE))) {
                    recovered(-length, false);
                }
                return pos;
            }
            // Alive but past the timeout: fence the claim (same extent, so we know exactly where the
            // next record starts, and read on there). Volatile CAS: fails if the producer committed
            // meanwhile (then deliver that). On success the producer's commit or abort, a release
            // store, later overwrites the fence with its record header: deliverCommittedFences then
            // delivers it late (or skips it); until then, or until the owner dies, the range is not
            // reused (I3), so nothing the owner still writes there can land in another message.
            if (MappedAccess.LONG.compareAndSet(buffer, at, word, header(length, CLAIMED_FLAG | REVOKED_FLAG | slot))) {
                recovered(-length, true);
                pushFence(pos, -length, owner);
                checkTail = true;
                return pos - length;
            }
            return pos;
        }
        if (word != 0) {
            // Neither a record nor a claim: corrupt; skip it only after the timeout.
            if (!timedOut) {
                return -1;
            }
            long end = Math.min(pos + ALIGNMENT, pos + (capacity - (pos & mask)));
            // Volatile CAS: fails if the word changed meanwhile (then re-read it).
            if (MappedAccess.LONG.compareAndSet(buffer, at, word, header((int) (end - pos), PADDING_TYPE))) {
                recovered((int) (end - pos), true);
            }
            return pos;
        }
        // Zero header covered by intents: a claim between its tail CAS and its header store (or a
        // stale intent of a producer that stalled or died before its tail CAS failed).
        long tail = (long) MappedAccess.LONG.getAcquire(buffer, tailOffset); // acquire: as above
        scanIntents(pos, tail, true);
        if (coverCount == 0) {
            return pos; // the claimant wrote its header meanwhile: re-read
        }
        if (liveCovers > 0) {
            // A claimant that may be alive (running, stopped, paused): wait for it, however long, as
            // Agrona's consumer does (issue 12). Never revoked: its header store is a plain release
            // store, not a CAS from zero, so it cannot learn of a revocation; and we cannot know the
            // claim's extent (stale intents of losers of the tail CAS may end inside it), so no fence
            // of ours could be made to match what it will write. The claim timeout applies from its
            // header on (the fence above). Cost of the wait: while a stale intent of a stopped loser
            // covers a dead winner's claim, that claim is padded only once the loser runs again.
            return -1;
        }
        long end = recoveryEnd(pos, tail);
        int extent = (int) (end - pos);
        // Every claimant covering pos is certainly dead (Participants: never a live or stopped
        // process), the winner of the tail CAS from pos among them (its intent covers pos until after
        // its header store, and a release store of the negated length is what uncovers it): nothing
        // will be written into [pos, end) (see the notes for why end never passes the real claim's
        // end or another claim's start). Volatile CAS from 0: fails if a header appeared meanwhile
        // (then handle that).
        if (MappedAccess.LONG.compareAndSet(buffer, at, 0L, header(extent, PADDING_TYPE))) {
            recovered(extent, false);
            stuckPosition = -1;
        }
        return pos;
    }

    /** Results of scanIntents (plain: this thread only). */
    private int coverCount;
    private int liveCovers;
    private long minCoverEnd;
    private long minStartAfter;

    /**
     * Reads every slot's intent: how many cover {@code pos} (and, if {@code liveness}, how many of
     * those are alive), the smallest end among them, and the smallest start of an intent after pos.
     */
    private void scanIntents(long pos, long tail, boolean liveness) {
        int count = 0;
        int live = 0;
        long minEnd = Long.MAX_VALUE;
        long minStart = Long.MAX_VALUE;
        for (int s = 0; s < producerSlots; s++) {
            int slot = slotsOffset + s * SLOT_LENGTH;
            // Acquire (length first): pairs with the producer's release stores of its intent (see
            // Sender.claim); the position read after it is at least as recent.
            long ilen = (long) MappedAccess.LONG.getAcquire(buffer, slot + SLOT_INTENT_LENGTH_OFFSET);
            long ipos = (long) MappedAccess.LONG.getAcquire(buffer, slot + SLOT_INTENT_POSITION_OFFSET);
            if (ilen <= 0) {
                continue;
            }
            if (ipos <= pos && pos < ipos + ilen) {
                count++;
                minEnd = Math.min(minEnd, ipos + ilen);
                if (liveness && channel.endpointAlive(slot + SLOT_OWNER_OFFSET)) {
                    live++;
                }
            } else if (ipos > pos && ipos < tail) {
                minStart = Math.min(minStart, ipos);
            }
        }
        coverCount = count;
        liveCovers = live;
        minCoverEnd = minEnd;
        minStartAfter = minStart;
    }

    /**
     * How far a recovery (padding or fence) at a zero word {@code pos} may reach: the smallest end of
     * the intents covering pos, but never past the start of another intent, the tail, or the first
     * nonzero word after pos (a header: the claim being recovered has written nothing, so its range
     * is all zero; a range that meets a nonzero word was not one claim). (If the nonzero word is a
     * body word of the claim at pos after all, that claim's header store precedes it (its producer's
     * release fence) and the padding CAS from 0 at pos, after the acquire read of that word, fails.)
     */
    private long recoveryEnd(long pos, long tail) {
        long limit = Math.min(Math.min(minCoverEnd, minStartAfter), tail);
        long end = pos + ALIGNMENT;
        // Acquire: a nonzero word seen here is a header published by a producer's release store.
        while (end < limit && (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (end & mask)) == 0L) {
            end += ALIGNMENT;
        }
        return Math.max(end, pos + ALIGNMENT);
    }

    private void addFence(long pos, int extent, int slot) {
        long owner = 0L;
        if (slot < producerSlots) {
            // Acquire: pairs with the registering CAS of the token. The slot still has the fenced
            // claim's owner: a dead owner's slot is taken over only once its last claim's end (kept in
            // its intent) is behind head, and head never passes a fence.
            owner = (long) MappedAccess.LONG.getAcquire(buffer, slotsOffset + slot * SLOT_LENGTH + SLOT_OWNER_OFFSET);
            if (owner == 0L) {
                owner = -1L; // no owner: judged dead
            }
        }
        pushFence(pos, extent, owner);
    }

    private void pushFence(long pos, int extent, long owner) {
        if (fences == fencePos.length) {
            int n = Math.max(4, 2 * fences); // allocates only when a claim is revoked
            fencePos = java.util.Arrays.copyOf(fencePos, n);
            fenceLength = java.util.Arrays.copyOf(fenceLength, n);
            fenceOwner = java.util.Arrays.copyOf(fenceOwner, n);
        }
        fencePos[fences] = pos;
        fenceLength[fences] = extent;
        fenceOwner[fences] = owner;
        fences++;
        readLimit = fencePos[0] + capacity;
    }

    /**
     * Delivers (or, for an abort's or an acknowledgement's padding, zeroes) every fenced claim whose
     * owner has since stored a record header over the fence, oldest first, at most {@code budget}
     * messages; they are then resolved ({@link #DELIVERED}) and popped by resolveFences in ring order.
     *
     * @return the number of messages delivered
     */
    private int deliverCommittedFences(MessageHandler handler, int budget) {
        int count = 0;
        for (int i = 0; i < fences && count < budget; i++) {
            if (fenceOwner[i] == DELIVERED) {
                continue;
            }
            long pos = fencePos[i];
            int at = dataOffset + (int) (pos & mask);
            // Acquire: pairs with the owner's release store of the header (commit, abort) or its
            // acknowledging CAS, so the body it wrote is visible whole and every store it made into the
            // fenced space happens-before our zeroing in deliver.
            long word = (long) MappedAccess.LONG.getAcquire(buffer, at);
            if (length(word) <= 0) {
                continue; // still the fence (or our zero after a take-over): owner not done yet
            }
            if (isMessage(word)) {
                count++;
            }
            fenceOwner[i] = DELIVERED; // before delivering: if the handler throws, the record is
            deliver(handler, pos, at, word); // consumed all the same (deliver zeroes it in finally)
        }
        return count;
    }

    /**
     * Delivers the fenced claims committed meanwhile (up to {@code limit} messages), then frees the
     * oldest fences that are resolved: delivered or skipped above, or whose owner is dead (judged
     * by the identity recorded at fencing, or, for a claim fenced before its header was written, by
     * the intents still covering it), in ring order; head follows in poll.
     *
     * @return the number of messages delivered
     */
    private int resolveFences(MessageHandler handler, int limit) {
        int count = deliverCommittedFences(handler, limit);
        while (fences > 0) {
            long pos = fencePos[0];
            if (fenceOwner[0] != DELIVERED) {
                // Acquire: as in deliverCommittedFences. Not positive (else delivered above, unless the
                // budget ran out: then it is delivered at the next poll): still the fence.
                long word = (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (pos & mask));
                if (length(word) > 0) {
                    return count;
                }
                long now = System.nanoTime();
                if (now - lastFenceCheck < checkIntervalNanos) {
                    return count;
                }
                lastFenceCheck = now;
                boolean gone;
                long owner = fenceOwner[0];
                if (owner == 0L) {
                    scanIntents(pos, Long.MAX_VALUE, true);
                    gone = liveCovers == 0;
                } else {
                    // Tokens are never reissued: the recorded owner's verdict, whoever holds the slot now.
                    gone = owner < 0 || channel.participants.isDead(owner);
                }
                if (!gone) {
                    return count;
                }
                // A dead owner writes nothing more; re-read in case it committed or acknowledged just
                // before dying (acquire: as above): a committed record is delivered, not dropped.
                word = (long) MappedAccess.LONG.getAcquire(buffer, dataOffset + (int) (pos & mask));
                if (length(word) > 0) {
                    return count; // delivered (or skipped) by deliverCommittedFences at the next poll
                }
                consume(pos, fenceLength[0]);
            }
            fences--;
            System.arraycopy(fencePos, 1, fencePos, 0, fences);
            System.arraycopy(fenceLength, 1, fenceLength, 0, fences);
            System.arraycopy(fenceOwner, 1, fenceOwner, 0, fences);
            readLimit = fences > 0 ? fencePos[0] + capacity : Long.MAX_VALUE;
        }
        return count;
    }

    private void recovered(int bytes, boolean byTimeout) {
        Jfr.ipcRecovery(this, channel.name, byTimeout ? "claim of a stalled producer (timeout)" : "claim of a dead producer", -1);
        channel.addStat(RECOVERED_CLAIMS_OFFSET, 1);
        channel.addStat(RECOVERED_BYTES_OFFSET, bytes);
        if (byTimeout) {
            channel.addStat(TIMEOUT_RECOVERIES_OFFSET, 1);
        }
        stuckPosition = -1;
    }

    /**
     * A poll of a waiting consumer: past the first {@value #SPIN_PHASE_POLLS} polls (the
     * idle strategy's spin phase; then it yields or parks, which costs far more than a tail read),
     * read the tail on every poll, so a dead claim with an unwritten header is noticed within one
     * liveness check interval (~1 ms) instead of 64 parks.
     */
    @Override
    void waiting(int polls) {
        if (polls >= SPIN_PHASE_POLLS) {
            checkTail = true;
            slowPolls = true; // cleared at the end of the poll
        }
    }

    /**
     * The re-check after announcing a sleeper: is anything claimed past our position (committed or
     * not: a claim in progress is waited for by polling, so its producer's death is noticed within a
     * liveness check interval), or does a fence hold head (it is resolved by polling)? Volatile read of
     * the tail: a producer moves it with a volatile CAS and later (after its commit) reads our wait
     * word with a volatile read, so by the synchronization order either this read sees its claim or
     * its read of the word sees our announcement (WaitWord's protocol).
     */
    @Override
    boolean hasWork() {
        return fences > 0 || (long) MappedAccess.LONG.getVolatile(buffer, tailOffset) != readPos;
    }
}
