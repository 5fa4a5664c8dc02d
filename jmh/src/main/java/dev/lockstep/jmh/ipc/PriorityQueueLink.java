package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.queue.SharedPriorityQueue;

/**
 * Lockstep's {@link SharedPriorityQueue}, one queue file per direction of {@value #MESSAGES} slots of
 * {@link IpcLink#MAX_MESSAGE} bytes (the channels' 64 KiB ring carries the same number of 1 KiB
 * messages). Every message has priority 0: the benchmark measures the transport, and one priority is
 * the queue's FIFO case.
 */
final class PriorityQueueLink extends SpinLink {
    static final String TO_PEER = "pq-to-peer";
    static final String TO_BENCH = "pq-to-bench";
    static final int MESSAGES = 64;

    private final SharedPriorityQueue out;
    private final SharedPriorityQueue in;
    private final ByteBuffer message = ByteBuffer.allocateDirect(MAX_MESSAGE).put(pattern(MAX_MESSAGE));
    private final ByteBuffer received = ByteBuffer.allocateDirect(MAX_MESSAGE);
    /** The sink's handler: counts, as the channel link's does (created once: nothing allocated per call). */
    private final MessageHandler sink = this::onMessage;
    private long messages;

    private PriorityQueueLink(SharedPriorityQueue out, SharedPriorityQueue in) {
        this.out = out;
        this.in = in;
    }

    /** The bench side: creates both queue files. */
    static PriorityQueueLink create(Path dir) throws IOException {
        return new PriorityQueueLink(SharedPriorityQueue.create(dir.resolve(TO_PEER), MESSAGES, MAX_MESSAGE),
                SharedPriorityQueue.create(dir.resolve(TO_BENCH), MESSAGES, MAX_MESSAGE));
    }

    /** The peer side: opens the files the bench created. */
    static PriorityQueueLink open(Path dir) throws IOException {
        return new PriorityQueueLink(SharedPriorityQueue.open(dir.resolve(TO_BENCH)),
                SharedPriorityQueue.open(dir.resolve(TO_PEER)));
    }

    @Override
    void send(int length) throws IOException {
        message.limit(length).position(0);
        for (int turn = 0; !out.trySend(0, message); turn++) {
            spin(turn); // queue full: the sink has not caught up (back-pressure)
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
        // batch receive, as the channel links drain with receive(handler, Integer.MAX_VALUE): one scan
        // of the slots selects up to 64 messages
        for (int turn = 0; in.receive(sink, Integer.MAX_VALUE) == 0; turn++) {
            spin(turn);
        }
        return true;
    }

    private void onMessage(int priority, ByteBuffer buffer, int offset, int length) {
        messages++;
    }

    @Override
    public void close() {
        out.close();
        in.close();
    }
}
