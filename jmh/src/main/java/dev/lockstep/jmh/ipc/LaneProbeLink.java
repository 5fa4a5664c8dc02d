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
 * <p>A lane is a ring of {@value #SLOTS} slots of {@value #SLOT} bytes, each a state word, a length
 * and the body. The sender owns its lane: it writes a slot the receiver freed with plain stores and
 * publishes it with one release store of {@code READY | priority << 56 | stamp}, where the stamp is
 * one more than the largest stamp published in any lane (here: its own, the one lane) — a Lamport clock
 * that orders a send after every send that completed before it began, with no read-modify-write. The
 * receiver claims each message it takes ({@code -Dlockstep.bench.laneClaim=cas}, the default: a CAS
 * {@code READY -> READING}, as many receivers would need; {@code store}: a plain store, as one receiver
 * could; {@code batch}: one CAS of a receivers' head word per run of ready messages, as a lane of one
 * priority would allow; {@code drain} only: the echo peer's {@code receive} claims by CAS), reads it, and frees the slot with a release store. Per send: no locked instruction and no
 * fence, one opaque read of a sleepers word (where a queue would learn whether to wake a receiver).
 */
final class LaneProbeLink extends SpinLink {
    static final String TO_PEER = "lane-to-peer";
    static final String TO_BENCH = "lane-to-bench";
    static final int SLOTS = 64;
    /** State word, length, body: 16 + 1024 bytes, rounded up to whole 64-byte lines. */
    static final int SLOT = 1088;
    private static final int MASK = SLOTS - 1;
    /** A line after the slots: the word a sleeping receiver would announce itself in. */
    private static final int SLEEPERS = SLOTS * SLOT;
    private static final int FILE_BYTES = SLEEPERS + 192;
    private static final long READY = 1L << 62;
    private static final long READING = 1L << 61;
    private static final long STAMP_MASK = (1L << 56) - 1;
    /** A line after the sleepers word: the lane's head, written by receivers only ({@code batch} claims). */
    private static final int HEAD = SLEEPERS + 64;
    private static final String CLAIM = System.getProperty("lockstep.bench.laneClaim", "cas");
    private static final boolean CLAIM_CAS = CLAIM.equals("cas");
    private static final boolean CLAIM_BATCH = CLAIM.equals("batch");

    private final ByteBuffer out;
    private final ByteBuffer in;
    private final byte[] message = pattern(MAX_MESSAGE);
    private final byte[] received = new byte[MAX_MESSAGE];
    private long tail;
    private long stamp;
    private long head;
    private long sleepers;
    private long messages;

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

    private boolean trySend(int priority, int length) {
        int at = (int) (tail & MASK) * SLOT;
        // Acquire: the receiver's release store of FREE follows its reads of the old body, so our
        // writes below cannot overtake them.
        if ((long) MappedAccess.LONG.getAcquire(out, at) != 0L) {
            return false; // the lane is full
        }
        out.put(at + 16, message, 0, length); // plain: the slot is ours until published
        MappedAccess.INT.set(out, at + 8, length); // plain, as the body
        long s = ++stamp; // the Lamport stamp: one lane, so one more than our own last
        // Release: body and length are visible to whoever acquires the READY word.
        MappedAccess.LONG.setRelease(out, at, READY | ((long) priority << 56) | s);
        tail++;
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

    /** Takes every message ready at the head, in order (one priority: the lane's order is the stamp order). */
    private int drainOnce() {
        return CLAIM_BATCH ? drainBatch() : take(SLOTS);
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
            in.get(at + 16, received, 0, Math.min(length, 64)); // the handler's read of the message
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
            in.get(at + 16, received, 0, Math.min(length, 64)); // the handler's read of the message
            // Release: our reads of the body are done before the sender can see the slot FREE.
            MappedAccess.LONG.setRelease(in, at, 0L);
            messages++;
        }
        head = h + n;
        return n;
    }

    @Override
    boolean receive(int length) throws IOException {
        for (int turn = 0; take(1) == 0; turn++) {
            spin(turn);
        }
        return true;
    }

    @Override
    boolean drain() throws IOException {
        for (int turn = 0; drainOnce() == 0; turn++) {
            spin(turn);
        }
        return true;
    }

    @Override
    public void close() {
        // mappings are released with the process
    }
}
