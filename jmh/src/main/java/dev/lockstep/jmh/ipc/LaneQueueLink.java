package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import dev.lockstep.ipc.queue.lane.LaneQueue;
import dev.lockstep.ipc.shm.Participants;

/**
 * {@code SharedPriorityQueue}'s layout revision 2 as staged in {@link LaneQueue} (issue 12), over one
 * mapped file per direction of {@value #LANES} lanes, each holding {@value #MESSAGES} messages of
 * {@link IpcLink#MAX_MESSAGE} bytes (as {@link PriorityQueueLink}). Every message has priority 0. The
 * sink drains with the handler batch, as the channel links drain with {@code receive(handler,
 * Integer.MAX_VALUE)}; {@code -Dlockstep.bench.laneCopyDrain=true} drains by copying receives instead.
 */
final class LaneQueueLink extends SpinLink {
    static final String TO_PEER = "lq-to-peer";
    static final String TO_BENCH = "lq-to-bench";
    static final int MESSAGES = PriorityQueueLink.MESSAGES;
    static final int LANES = 4;

    private final LaneQueue out;
    private final LaneQueue in;
    private final ByteBuffer message = ByteBuffer.allocateDirect(MAX_MESSAGE).put(pattern(MAX_MESSAGE));
    private final ByteBuffer received = ByteBuffer.allocateDirect(MAX_MESSAGE);
    private static final boolean COPY_DRAIN = Boolean.getBoolean("lockstep.bench.laneCopyDrain");
    /** The sink's handler: counts (created once: nothing allocated per call). */
    private final dev.lockstep.ipc.channel.MessageHandler sink = this::onMessage;
    private long messages;

    private LaneQueueLink(LaneQueue out, LaneQueue in) {
        this.out = out;
        this.in = in;
    }

    private static LaneQueue map(Path file) throws IOException {
        long length = LaneQueue.structureLength(MESSAGES, MAX_MESSAGE, LANES);
        MappedByteBuffer b;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            b = ch.map(FileChannel.MapMode.READ_WRITE, 0, length);
        }
        b.order(ByteOrder.nativeOrder());
        return LaneQueue.wrap(b, 0, MESSAGES, MAX_MESSAGE, LANES, Participants.of(file));
    }

    /** The bench side: creates both files (zero-filled: every lane FREE). */
    static LaneQueueLink create(Path dir) throws IOException {
        return new LaneQueueLink(map(dir.resolve(TO_PEER)), map(dir.resolve(TO_BENCH)));
    }

    /** The peer side: maps the files the bench created. */
    static LaneQueueLink open(Path dir) throws IOException {
        return new LaneQueueLink(map(dir.resolve(TO_BENCH)), map(dir.resolve(TO_PEER)));
    }

    @Override
    void send(int length) throws IOException {
        message.limit(length).position(0);
        for (int turn = 0; !out.trySend(0, message); turn++) {
            spin(turn); // lane full: the sink has not caught up (back-pressure)
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

    private void onMessage(int priority, ByteBuffer buffer, int offset, int length) {
        messages++;
    }

    @Override
    boolean drain() throws IOException {
        if (!COPY_DRAIN) {
            for (int turn = 0; in.receive(sink, Integer.MAX_VALUE) == 0; turn++) {
                spin(turn);
            }
            return true;
        }
        int turn = 0;
        while (in.tryReceive(received.clear()) < 0) {
            spin(turn++);
        }
        while (in.tryReceive(received.clear()) >= 0) {
            // drain what arrived, as the channel links' receive(handler, Integer.MAX_VALUE)
        }
        return true;
    }

    @Override
    public void close() {
        out.close();
        in.close();
    }
}
