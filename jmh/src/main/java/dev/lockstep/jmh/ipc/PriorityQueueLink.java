package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.queue.SharedPriorityQueue;

/**
 * Lockstep's {@link SharedPriorityQueue}, one queue file per direction of {@value #LANES} lanes, each
 * holding {@value #MESSAGES} messages of {@link IpcLink#MAX_MESSAGE} bytes (the channels' 64 KiB ring
 * carries the same number of 1 KiB messages). Every message has priority 0: the benchmark measures the
 * transport, and one priority is the queue's FIFO case. The sink drains with the handler batch, as the
 * channel links drain with {@code receive(handler, Integer.MAX_VALUE)};
 * {@code -Dlockstep.bench.pqCopyDrain=true} drains by copying receives instead.
 */
final class PriorityQueueLink extends SpinLink {
    static final String TO_PEER = "pq-to-peer";
    static final String TO_BENCH = "pq-to-bench";
    static final int MESSAGES = 64;
    /** Lanes per queue: one sending thread at one priority needs one; a few spare for rebinding. */
    static final int LANES = 4;
    private static final boolean COPY_DRAIN = Boolean.getBoolean("lockstep.bench.pqCopyDrain");
    /**
     * Diagnostic (issue 12, thirty-second round): {@code -Dlockstep.bench.pqReceiveWork=N} adds N steps of
     * dependent arithmetic per message to the sink's handler (give it through {@code JAVA_TOOL_OPTIONS}: the
     * peer inherits the environment), to learn whether a sink slower per message than the sender moves the
     * two-process cell. Off by default (a static final the JIT folds).
     */
    private static final int RECEIVE_WORK = Integer.getInteger("lockstep.bench.pqReceiveWork", 0);
    private long work = 1;

    private final SharedPriorityQueue out;
    private final SharedPriorityQueue in;
    private final ByteBuffer message = ByteBuffer.allocateDirect(MAX_MESSAGE).put(pattern(MAX_MESSAGE));
    private final ByteBuffer received = ByteBuffer.allocateDirect(MAX_MESSAGE);
    /** The sink's handler: counts, as the channel link's does (created once: nothing allocated per call). */
    private final MessageHandler sink = this::onMessage;
    private long messages;

    /**
     * Diagnostics (issue 12, the cell's bimodal forks): with {@code -Dlockstep.bench.pqStats=DIR} (e.g.
     * through {@code JAVA_TOOL_OPTIONS}, which the peer inherits) each side appends its counters to
     * {@code DIR/<role>-<pid>.log} every {@value #STATS_MILLIS} ms: sends and failed trySends (queue full)
     * on the bench side, drain calls, empty drains and messages on the peer's. Off by default: the
     * static final flag folds the counting away.
     */
    static final String STATS_DIR = System.getProperty("lockstep.bench.pqStats");
    private static final boolean STATS = STATS_DIR != null;
    private static final long STATS_MILLIS = 250;
    private static final VarHandle COUNTS;

    static {
        try {
            COUNTS = MethodHandles.arrayElementVarHandle(long[].class);
        } catch (IllegalArgumentException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** [0] sends or drain calls, [1] failed trySends or empty drains, [2] messages drained. */
    private final long[] counts = new long[3];

    private PriorityQueueLink(SharedPriorityQueue out, SharedPriorityQueue in) {
        this.out = out;
        this.in = in;
    }

    private void startStats(String role) {
        if (!STATS) {
            return;
        }
        Path log = Path.of(STATS_DIR, role + "-" + ProcessHandle.current().pid() + ".log");
        Thread t = new Thread(() -> {
            try {
                Files.createDirectories(log.getParent());
                while (true) {
                    // opaque: racy statistics, written by the link's thread with opaque stores
                    String line = System.currentTimeMillis() + " " + (long) COUNTS.getOpaque(counts, 0) + " "
                            + (long) COUNTS.getOpaque(counts, 1) + " " + (long) COUNTS.getOpaque(counts, 2) + "\n";
                    Files.writeString(log, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                    Thread.sleep(STATS_MILLIS);
                }
            } catch (IOException | InterruptedException e) {
                // diagnostics only
            }
        }, "pq-stats");
        t.setDaemon(true);
        t.start();
    }

    private void count(int i, long delta) {
        // opaque: a statistic read by the stats thread; one writer, so get + set is exact
        COUNTS.setOpaque(counts, i, (long) COUNTS.getOpaque(counts, i) + delta);
    }

    /** The bench side: creates both queue files. */
    static PriorityQueueLink create(Path dir) throws IOException {
        PriorityQueueLink l = new PriorityQueueLink(SharedPriorityQueue.create(dir.resolve(TO_PEER), MESSAGES, MAX_MESSAGE, LANES),
                SharedPriorityQueue.create(dir.resolve(TO_BENCH), MESSAGES, MAX_MESSAGE, LANES));
        l.startStats("bench");
        return l;
    }

    /** The peer side: opens the files the bench created. */
    static PriorityQueueLink open(Path dir) throws IOException {
        PriorityQueueLink l = new PriorityQueueLink(SharedPriorityQueue.open(dir.resolve(TO_BENCH)),
                SharedPriorityQueue.open(dir.resolve(TO_PEER)));
        l.startStats("peer");
        return l;
    }

    @Override
    void send(int length) throws IOException {
        message.limit(length).position(0);
        int turn = 0;
        for (; !out.trySend(0, message); turn++) {
            spin(turn); // lane full: the sink has not caught up (back-pressure)
        }
        if (STATS) {
            count(0, 1);
            count(1, turn);
        }
    }

    @Override
    boolean receive(int length) throws IOException {
        received.clear();
        for (int turn = 0; in.tryReceive(received) < 0; turn++) {
            spin(turn);
        }
        return true;
    }

    @Override
    boolean drain() throws IOException {
        if (COPY_DRAIN) {
            int turn = 0;
            while (in.tryReceive(received.clear()) < 0) {
                spin(turn++);
            }
            while (in.tryReceive(received.clear()) >= 0) {
                // drain what arrived, as the channel links' receive(handler, Integer.MAX_VALUE)
            }
            return true;
        }
        // batch receive, as the channel links drain with receive(handler, Integer.MAX_VALUE): a run of
        // one lane per call, read in place
        int turn = 0;
        int n;
        for (; (n = in.receive(sink, Integer.MAX_VALUE)) == 0; turn++) {
            spin(turn);
        }
        if (STATS) {
            count(0, 1 + turn);
            count(1, turn);
            count(2, n);
        }
        return true;
    }

    private void onMessage(int priority, ByteBuffer buffer, int offset, int length) {
        if (RECEIVE_WORK != 0) {
            long w = work;
            for (int i = 0; i < RECEIVE_WORK; i++) {
                w = w * 6364136223846793005L + 1442695040888963407L; // one dependent multiply-add per step
            }
            work = w;
        }
        messages++;
    }

    @Override
    public void close() {
        out.close();
        in.close();
    }
}
