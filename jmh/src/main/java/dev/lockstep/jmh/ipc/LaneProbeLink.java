package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.lockstep.ipc.shm.MappedAccess;

/**
 * Measurement only (issue 12, the {@code SharedPriorityQueue} cell, twenty-fifth round): the per-message
 * path of a priority queue built from one lane per sender, to learn its ceiling between two processes
 * before building it. Not a queue: no crash recovery, no sleeping, one sender, one receiver.
 *
 * <p>A lane is a ring of {@link #SLOTS} slots of {@code SLOT} bytes, each a state word, a length, a
 * copy of the READY word (what a recovery would restore a dead reader's claim to) and the body. The
 * sender owns its lane: it writes a slot the receiver freed with plain stores and publishes it with one
 * release store of {@code READY | priority << 56 | stamp}, where the stamp is one more than the largest
 * stamp published in any active lane (a Lamport clock that orders a send after every send that
 * completed before it began, with no read-modify-write), then release-stores the stamp in its lane entry
 * and reads a sleepers word (opaque). Per send: no locked instruction and no fence.
 *
 * <p>The receiver's batch receive first scans the run of READY slots from its head (as a priority queue
 * must, to know the best message before it claims one), then claims each by a CAS {@code READY ->
 * READING}, reads it and frees the slot with a release store.
 *
 * <p>Switches, all read once (give them through {@code JAVA_TOOL_OPTIONS}, which both processes see):
 * {@code lockstep.bench.laneClaim} = {@code cas} (default), {@code store} (a plain store, as one receiver
 * could), {@code batch} (one CAS of a receivers' head word per ready run, as a lane of one priority would
 * allow), {@code head} (receivers never write a slot, see {@link #CLAIM_HEAD}) or {@code ring} (a lane of
 * packed records, see {@link #CLAIM_RING}; {@code ringZero} with one receiver that zeroes and releases
 * as the channel's, see {@link #RING_ZERO}; {@code ringEach}, a head CAS per message, see {@link #RING_EACH}; {@code ringRelease}, see
 * {@link #RING_RELEASE}); {@code laneNoRead} (see
 * {@link #READ_BODY}); {@code laneNoStampWord} (see {@link #REC_HEADER}); {@code laneNoNextZero} (see {@link #NEXT_ZERO}); {@code laneSlots=N} (slots per lane), {@code laneRing=N}
 * ({@code ring}'s bytes); {@code laneNoScan} (claim as it reads, no counting scan first); {@code laneTailScan} (bound the
 * scan by a tail the sender stores per message); {@code laneNoCopy}, {@code laneNoStampStore} (drop those
 * stores); {@code laneLanes=N} (the Lamport read covers N lane entries); {@code laneSlot=N} (slot stride); {@code laneAhead=K} (wait for a run of K before scanning); {@code laneEmptyPause=N} (pause after an empty receive).
 * The echo peer's {@code receive} always claims one message by CAS.
 */
final class LaneProbeLink extends SpinLink {
    static final String TO_PEER = "lane-to-peer";
    static final String TO_BENCH = "lane-to-bench";
    /**
     * Slots per lane, a power of two: {@code -Dlockstep.bench.laneSlots=N}, default 64 (the queue link's
     * {@code MESSAGES}); the channels hold about 1,600 records of 32 bytes in their 64 KiB.
     */
    static final int SLOTS = Integer.highestOneBit(Math.max(2, Integer.getInteger("lockstep.bench.laneSlots", 64)));
    /**
     * State word, length, READY copy, body: 24 + 1024 bytes, rounded up to whole 64-byte lines; with
     * {@code -Dlockstep.bench.laneSlot=N} (a multiple of 64) N bytes, for messages of at most N - 24 bytes
     * (the stride's effect: one line per 32-byte message, adjacent, instead of one line in seventeen).
     */
    static final int SLOT = Integer.getInteger("lockstep.bench.laneSlot", 1088);
    private static final int MASK = SLOTS - 1;
    /**
     * {@code ring}: the lane is a byte ring of {@code -Dlockstep.bench.laneRing=N} bytes (a power of two,
     * default 65536, the channels' capacity) holding records packed as the channel's are, each {header,
     * stamp, body} aligned to 8 bytes; the header {@code READY | tag(position) | length} is valid only at
     * its own position (the tag is the position in words), so a stale header from an earlier lap never
     * reads as ready, and before each publish the sender zeroes the next record's header word (when the
     * ring has room for it), so old body bytes there cannot either. A record that would cross the ring's
     * end is preceded by a padding record. Receivers never write the ring: they read a run of records (the
     * copy a receive makes), then claim it by one CAS of the head word; the sender reads that head only
     * when its cached copy says the ring is full.
     */
    private static final boolean CLAIM_RING = System.getProperty("lockstep.bench.laneClaim", "").startsWith("ring");
    /**
     * {@code ringZero}: as {@code ring}, but one receiver zeroes the run it read (one bulk fill after the
     * batch) and releases the head with a release store, as the {@code OneToOneChannel}'s receiver does;
     * the sender then does not zero the next header. Measures what the channel's write-back of consumed
     * lines is worth against a receive that never writes the ring.
     */
    private static final boolean RING_ZERO = "ringZero".equals(System.getProperty("lockstep.bench.laneClaim"));
    /**
     * {@code ringRelease}: as {@code ringZero} without the zeroing (one receiver, head released by a
     * release store, the ring never written by the receiver; the sender does not zero the next header
     * either, which is unsafe in general and kept only to bisect {@code ringZero}'s two differences from
     * {@code ring}: the write-back and the release store in place of the CAS).
     */
    private static final boolean RING_RELEASE = "ringRelease".equals(System.getProperty("lockstep.bench.laneClaim"));
    /**
     * {@code ringEach}: as {@code ring}, but the drain claims each message by its own head CAS right after
     * copying it (the copying receive of a lane design: no claim record, no crash window), instead of one
     * CAS per run.
     */
    private static final boolean RING_EACH = "ringEach".equals(System.getProperty("lockstep.bench.laneClaim"));
    /** {@code laneNoNextZero}: {@code ring}'s sender skips zeroing the next header (unsafe; cost only). */
    private static final boolean NEXT_ZERO = !RING_ZERO && !RING_RELEASE && !Boolean.getBoolean("lockstep.bench.laneNoNextZero");
    private static final byte[] ZEROS = new byte[4096];
    /**
     * {@code laneNoRead}: {@code ring}'s drain does not copy the body out (the channel link's sink handler
     * only counts; the queue link's batch receive hands the handler a view, no copy either).
     */
    private static final boolean READ_BODY = !Boolean.getBoolean("lockstep.bench.laneNoRead");
    /**
     * {@code laneNoStampWord}: {@code ring}'s records have no stamp word (header and body only, 40 bytes
     * for 32, as the channel's), to measure what the 8 extra bytes per record cost.
     */
    private static final int REC_HEADER = Boolean.getBoolean("lockstep.bench.laneNoStampWord") ? 8 : 16;
    static final int RING = Integer.highestOneBit(Math.max(4096, Integer.getInteger("lockstep.bench.laneRing", 65536)));
    private static final int RING_MASK = RING - 1;
    private static final long PAD = 1L << 61;
    private static final long TAG_MASK = ((1L << 40) - 1) << 16;
    /** A line after the slots: the word a sleeping receiver would announce itself in. */
    private static final int SLEEPERS = CLAIM_RING ? RING : SLOTS * SLOT;
    /**
     * Lane table after the head word: {@link #LANES} entries of 128 bytes {published stamp, tail}; entry 0
     * is this sender's lane, the others stand for idle senders whose stamps a send reads (the Lamport
     * clock's cost with that many active lanes): {@code -Dlockstep.bench.laneLanes}, default 1.
     */
    private static final int LANE_TABLE = SLEEPERS + 128;
    private static final int LANES = Math.max(1, Integer.getInteger("lockstep.bench.laneLanes", 1));
    private static final int FILE_BYTES = LANE_TABLE + 128 * LANES;
    private static final boolean TAIL_SCAN = Boolean.getBoolean("lockstep.bench.laneTailScan");
    /** Bisection switches (default on): the READY copy, the published stamp's store, the receiver's counting scan. */
    private static final boolean COPY = !Boolean.getBoolean("lockstep.bench.laneNoCopy");
    private static final boolean STAMP_STORE = !Boolean.getBoolean("lockstep.bench.laneNoStampStore");
    private static final boolean SCAN_FIRST = !Boolean.getBoolean("lockstep.bench.laneNoScan");
    /**
     * {@code lockstep.bench.laneAhead=K} (default 0: off): the receive polls slot head + K - 1, a line the
     * sender wrote K messages ago, and scans the run only once that one is READY (the lane publishes in
     * order, so the K before it are too), keeping the receiver off the line the sender writes next; after
     * {@value #AHEAD_POLLS} such polls fail it scans from the head as usual (a lane with fewer than K).
     */
    private static final int AHEAD = Math.max(0, Math.min(SLOTS, Integer.getInteger("lockstep.bench.laneAhead", 0)));
    private static final int AHEAD_POLLS = 64;
    private int aheadMisses;
    /**
     * {@code lockstep.bench.laneEmptyPause=N} (default 0): after an empty receive the drain loop spins N
     * {@code onSpinWait}s before it polls again (what a receiver's idle strategy decides), so a receiver
     * that has caught up stops pulling the line the sender is writing once per poll.
     */
    private static final int EMPTY_PAUSE = Math.max(0, Integer.getInteger("lockstep.bench.laneEmptyPause", 0));
    private static final long READY = 1L << 62;
    private static final long READING = 1L << 61;
    private static final long STAMP_MASK = (1L << 56) - 1;
    /** A line after the sleepers word: the lane's head, written by receivers only ({@code batch} claims). */
    private static final int HEAD = SLEEPERS + 64;
    private static final String CLAIM = System.getProperty("lockstep.bench.laneClaim", "cas");
    private static final boolean CLAIM_CAS = CLAIM.equals("cas");
    private static final boolean CLAIM_BATCH = CLAIM.equals("batch");
    /**
     * {@code head}: receivers never write a slot. A slot's state is {@code READY | position}, so a stale
     * one (a lap behind) never reads as ready; receivers claim a run with one CAS of the lane's head word
     * and leave the slots as they are; the sender learns the free space from that head, read (acquire)
     * only when its cached copy says the lane is full, as Agrona's producer does.
     */
    private static final boolean CLAIM_HEAD = CLAIM.equals("head");
    private long headCache;

    private final ByteBuffer out;
    private final ByteBuffer in;
    private final byte[] message = pattern(MAX_MESSAGE);
    private final byte[] received = new byte[MAX_MESSAGE];
    private long tail;
    private long stamp;
    private long head;
    private long sleepers;
    private long messages;
    private long keys;

    private LaneProbeLink(ByteBuffer out, ByteBuffer in) {
        this.out = out;
        this.in = in;
    }

    private static MappedByteBuffer map(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, FILE_BYTES);
        }
    }

    /** The bench side: creates both files (zero-filled: every slot FREE). */
    static LaneProbeLink create(Path dir) throws IOException {
        return new LaneProbeLink(map(dir.resolve(TO_PEER)), map(dir.resolve(TO_BENCH)));
    }

    /** The peer side: maps the files the bench created. */
    static LaneProbeLink open(Path dir) throws IOException {
        return new LaneProbeLink(map(dir.resolve(TO_BENCH)), map(dir.resolve(TO_PEER)));
    }

    /** The tag a header at absolute position {@code p} carries: the position in words, 40 bits. */
    private static long tag(long p) {
        return ((p >>> 3) << 16) & TAG_MASK;
    }

    /** {@code ring}: see {@link #CLAIM_RING}. */
    private boolean trySendRing(int length) {
        int rec = (REC_HEADER + length + 7) & ~7;
        long p = tail;
        int at = (int) (p & RING_MASK);
        int toEnd = RING - at;
        long need = rec <= toEnd ? rec : toEnd + rec;
        if (p + need - headCache > RING) {
            // Acquire: pairs with the receivers' head CAS, which follows their reads of the records below it.
            headCache = (long) MappedAccess.LONG.getAcquire(out, HEAD);
            if (p + need - headCache > RING) {
                return false; // the lane is full
            }
        }
        if (rec > toEnd) {
            // Release: a padding record to the ring's end (its bytes are not read).
            MappedAccess.LONG.setRelease(out, at, READY | PAD | tag(p) | toEnd);
            p += toEnd;
            at = 0;
        }
        out.put(at + REC_HEADER, message, 0, length); // plain: ours until published
        long s = stamp;
        for (int k = 1; k < LANES; k++) {
            // Acquire: the Lamport read, as in trySend.
            s = Math.max(s, (long) MappedAccess.LONG.getAcquire(out, LANE_TABLE + 128 * k));
        }
        s++;
        stamp = s;
        if (REC_HEADER == 16) {
            MappedAccess.LONG.set(out, at + 8, s); // plain: published by the header's release
        }
        long next = p + rec;
        if (NEXT_ZERO && next + 8 - headCache <= RING) {
            // Plain: the next record's header word reads "not ready" to whoever acquires ours, whatever
            // body bytes of an earlier lap it held (published by the release below).
            MappedAccess.LONG.set(out, (int) (next & RING_MASK), 0L);
        }
        // Release: body, stamp and the zeroed next header are visible to whoever acquires this header.
        MappedAccess.LONG.setRelease(out, at, READY | tag(p) | length);
        tail = next;
        if (STAMP_STORE) {
            MappedAccess.LONG.setRelease(out, LANE_TABLE, s); // release: the next sender's Lamport read
        }
        sleepers += (long) MappedAccess.LONG.getOpaque(out, SLEEPERS); // opaque: no fence per send
        return true;
    }

    /** {@code ring}: read the run of records at the head (copying each), then claim it by one head CAS. */
    private int drainRing(int limit) {
        long h = (long) MappedAccess.LONG.getVolatile(in, HEAD); // volatile: the CAS's expected value
        long p = h;
        int n = 0;
        while (n < limit) {
            int at = (int) (p & RING_MASK);
            // Acquire: pairs with the sender's release of this header (body, stamp, next header visible).
            long w = (long) MappedAccess.LONG.getAcquire(in, at);
            if ((w & READY) == 0 || (w & TAG_MASK) != tag(p)) {
                break;
            }
            int length = (int) (w & 0xFFFF);
            if ((w & PAD) != 0) {
                p += length;
                continue;
            }
            if (REC_HEADER == 16) {
                keys += (long) MappedAccess.LONG.get(in, at + 8); // plain: the merge key a priority receive compares
            }
            if (READ_BODY) {
                in.get(at + REC_HEADER, received, 0, Math.min(length, 64)); // the receive's copy of the message
            }
            p += (REC_HEADER + length + 7) & ~7;
            n++;
        }
        if (RING_ZERO || RING_RELEASE) {
            if (p == h) {
                return 0;
            }
            for (long z = h; RING_ZERO && z < p; ) { // plain: zero what we read, in pieces that stop at the ring's end
                int at = (int) (z & RING_MASK);
                int len = (int) Math.min(Math.min(p - z, RING - at), ZEROS.length);
                in.put(at, ZEROS, 0, len);
                z += len;
            }
            // Release: our reads (and zeroing, ringZero) happen-before the sender's acquire of head.
            MappedAccess.LONG.setRelease(in, HEAD, p);
            messages += n;
            return n;
        }
        // Volatile CAS: releases the run to the sender (our reads above happen-before its acquire of head);
        // a receiver that loses it discards what it copied.
        if (p == h || !MappedAccess.LONG.compareAndSet(in, HEAD, h, p)) {
            return 0;
        }
        messages += n;
        return n;
    }

    private boolean trySend(int priority, int length) {
        if (CLAIM_RING) {
            return trySendRing(length);
        }
        if (length > SLOT - 24) {
            throw new IllegalArgumentException("message of " + length + " bytes: lockstep.bench.laneSlot=" + SLOT + " holds at most " + (SLOT - 24));
        }
        int at = (int) (tail & MASK) * SLOT;
        if (CLAIM_HEAD) {
            if (tail - headCache >= SLOTS) {
                // Acquire: pairs with the receivers' head CAS, after their reads of the slots below it.
                headCache = (long) MappedAccess.LONG.getAcquire(out, HEAD);
                if (tail - headCache >= SLOTS) {
                    return false; // the lane is full
                }
            }
            out.put(at + 24, message, 0, length); // plain: the slot is ours until published
            MappedAccess.INT.set(out, at + 8, length);
            // Release: body and length visible to whoever acquires this READY word.
            MappedAccess.LONG.setRelease(out, at, READY | (tail & STAMP_MASK));
            tail++;
            sleepers += (long) MappedAccess.LONG.getOpaque(out, SLEEPERS); // opaque, as below
            return true;
        }
        // Acquire: the receiver's release store of FREE follows its reads of the old body, so our
        // writes below cannot overtake them.
        if ((long) MappedAccess.LONG.getAcquire(out, at) != 0L) {
            return false; // the lane is full
        }
        out.put(at + 24, message, 0, length); // plain: the slot is ours until published
        MappedAccess.INT.set(out, at + 8, length); // plain, as the body
        // The Lamport stamp: one more than the largest published in any active lane (acquire: a send
        // that completed before this one began stored its stamp before returning).
        long s = stamp;
        for (int k = 1; k < LANES; k++) {
            s = Math.max(s, (long) MappedAccess.LONG.getAcquire(out, LANE_TABLE + 128 * k));
        }
        s++;
        stamp = s;
        long ready = READY | ((long) priority << 56) | s;
        if (COPY) {
            MappedAccess.LONG.set(out, at + 16, ready); // plain: the copy a recovery restores a dead reader's claim to
        }
        // Release: body, length and copy are visible to whoever acquires the READY word.
        MappedAccess.LONG.setRelease(out, at, ready);
        tail++;
        // Release store of the lane entry's published stamp (the next sender's Lamport read); and, only
        // for the laneTailScan variant, of the tail that bounds the receivers' scan.
        if (STAMP_STORE) {
            MappedAccess.LONG.setRelease(out, LANE_TABLE, s);
        }
        if (TAIL_SCAN) {
            MappedAccess.LONG.setRelease(out, LANE_TABLE + 8, tail);
        }
        // Opaque: a queue would read whether a receiver sleeps (and wake it); no fence here.
        sleepers += (long) MappedAccess.LONG.getOpaque(out, SLEEPERS);
        return true;
    }

    @Override
    void send(int length) throws IOException {
        for (int turn = 0; !trySend(0, length); turn++) {
            spin(turn); // lane full: the sink has not caught up (back-pressure)
        }
    }

    /**
     * A batch receive: scan the slots from the head once for READY words, up to the first slot that is
     * not READY ({@code -Dlockstep.bench.laneTailScan=true}: up to the lane's tail, read first with
     * acquire: a line the sender writes per message, which the receiver's polling then pulls away from it
     * once per message), then claim each, read it and free it. (A queue would sort them by priority and
     * stamp; one priority here, so the order is the scan's.)
     */
    private int drainOnce() {
        if (CLAIM_BATCH) {
            return drainBatch();
        }
        if (CLAIM_HEAD) {
            return drainHead();
        }
        if (RING_EACH) {
            int n = 0;
            while (drainRing(1) == 1) { // one CAS per message
                n++;
            }
            return n;
        }
        if (CLAIM_RING) {
            return drainRing(Integer.MAX_VALUE);
        }
        if (!SCAN_FIRST) {
            return take(SLOTS);
        }
        if (AHEAD > 1 && aheadMisses < AHEAD_POLLS) {
            // Acquire: pairs with the sender's release of READY (and, the lane being in order, every
            // earlier slot's: those were published before it).
            if (((long) MappedAccess.LONG.getAcquire(in, (int) ((head + AHEAD - 1) & MASK) * SLOT) & READY) == 0) {
                aheadMisses++;
                return 0;
            }
            aheadMisses = 0;
            int n = 0;
            while (n < AHEAD && ((long) MappedAccess.LONG.getAcquire(in, (int) ((head + n) & MASK) * SLOT) & READY) != 0) {
                n++; // acquire, as above: the scan a priority receive makes of the run before claiming
            }
            return take(n);
        }
        aheadMisses = 0;
        int ready = 0;
        if (TAIL_SCAN) {
            long t = (long) MappedAccess.LONG.getAcquire(in, LANE_TABLE + 8); // acquire: pairs with the tail's release
            for (long i = head; i < t && ready < SLOTS; i++) {
                // Acquire: pairs with the sender's release of READY.
                if (((long) MappedAccess.LONG.getAcquire(in, (int) (i & MASK) * SLOT) & READY) != 0) {
                    ready++;
                }
            }
        } else {
            // Acquire: pairs with the sender's release of READY.
            while (ready < SLOTS && ((long) MappedAccess.LONG.getAcquire(in, (int) ((head + ready) & MASK) * SLOT) & READY) != 0) {
                ready++;
            }
        }
        return ready == 0 ? 0 : take(ready);
    }

    /** Takes up to {@code limit} messages one by one, as {@code cas} or {@code store} say (never {@code batch}). */
    private int take(int limit) {
        int n = 0;
        while (n < limit) {
            int at = (int) (head & MASK) * SLOT;
            // Acquire: pairs with the sender's release of READY (body and length visible).
            long state = (long) MappedAccess.LONG.getAcquire(in, at);
            if ((state & READY) == 0) {
                return n;
            }
            if (!CLAIM_BATCH && !CLAIM_CAS) {
                MappedAccess.LONG.setOpaque(in, at, READING | (state & STAMP_MASK)); // one receiver
            } else if (!MappedAccess.LONG.compareAndSet(in, at, state, READING | (state & STAMP_MASK))) {
                // Volatile CAS: what several receivers would need to take a message exactly once.
                return n;
            }
            int length = (int) MappedAccess.INT.get(in, at + 8);
            in.get(at + 24, received, 0, Math.min(length, 64)); // the handler's read of the message
            // Release: our reads of the body are done before the sender can see the slot FREE.
            MappedAccess.LONG.setRelease(in, at, 0L);
            head++;
            messages++;
            n++;
        }
        return n;
    }

    /**
     * {@code batch}: count the ready run at the head, claim it with one CAS of the head word (a line only
     * receivers write), then read and free each slot: a lane of one priority, taken in order.
     */
    private int drainBatch() {
        long h = (long) MappedAccess.LONG.getVolatile(in, HEAD); // volatile: the claim CAS's expected value
        int n = 0;
        // Acquire: pairs with the sender's release of READY (body and length visible).
        while (n < SLOTS && ((long) MappedAccess.LONG.getAcquire(in, (int) ((h + n) & MASK) * SLOT) & READY) != 0) {
            n++;
        }
        if (n == 0 || !MappedAccess.LONG.compareAndSet(in, HEAD, h, h + n)) {
            return 0;
        }
        for (int k = 0; k < n; k++) {
            int at = (int) ((h + k) & MASK) * SLOT;
            int length = (int) MappedAccess.INT.get(in, at + 8);
            in.get(at + 24, received, 0, Math.min(length, 64)); // the handler's read of the message
            // Release: our reads of the body are done before the sender can see the slot FREE.
            MappedAccess.LONG.setRelease(in, at, 0L);
            messages++;
        }
        head = h + n;
        return n;
    }

    /** {@code head}: count the run of slots whose state is READY with their own position, claim it by one head CAS, read it. */
    private int drainHead() {
        long h = (long) MappedAccess.LONG.getVolatile(in, HEAD); // volatile: the CAS's expected value
        int n = 0;
        // Acquire: pairs with the sender's release of READY | position.
        while (n < SLOTS && (long) MappedAccess.LONG.getAcquire(in, (int) ((h + n) & MASK) * SLOT) == (READY | ((h + n) & STAMP_MASK))) {
            n++;
        }
        // The run is read before the head CAS, so the sender (whose acquire read of head follows the
        // CAS) cannot reuse a slot before it was read. One receiver only: several would need to claim
        // first and advance a delivered cursor after reading, as the many-to-one channel's consumer.
        if (n == 0) {
            return 0;
        }
        for (int k = 0; k < n; k++) {
            int at = (int) ((h + k) & MASK) * SLOT;
            int length = (int) MappedAccess.INT.get(in, at + 8);
            in.get(at + 24, received, 0, Math.min(length, 64)); // the handler's read of the message
        }
        // Volatile CAS: releases the run to the sender (our reads above happen-before its acquire of head).
        if (!MappedAccess.LONG.compareAndSet(in, HEAD, h, h + n)) {
            return 0;
        }
        messages += n;
        head = h + n;
        return n;
    }

    @Override
    boolean receive(int length) throws IOException {
        for (int turn = 0; (CLAIM_RING ? drainRing(1) : take(1)) == 0; turn++) {
            spin(turn);
        }
        return true;
    }

    @Override
    boolean drain() throws IOException {
        for (int turn = 0; drainOnce() == 0; turn++) {
            spin(turn);
            for (int k = 0; k < EMPTY_PAUSE; k++) {
                Thread.onSpinWait();
            }
        }
        return true;
    }

    @Override
    public void close() {
        // mappings are released with the process
    }
}
