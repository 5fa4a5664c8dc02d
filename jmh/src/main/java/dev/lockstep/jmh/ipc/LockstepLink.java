package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.file.Path;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.channel.ShmChannel;

/**
 * Lockstep's own channels ({@link OneToOneChannel} or {@link ManyToOneChannel}), one channel file per
 * direction ({@value #TO_PEER}, {@value #TO_BENCH}), each with a ring of
 * {@link IpcSession#RING_CAPACITY} bytes like the Agrona anchor. No JVM flag needed.
 */
final class LockstepLink extends SpinLink {
    static final String TO_PEER = "to-peer";
    static final String TO_BENCH = "to-bench";
    private static final int MSG_TYPE = 1;

    private final ShmChannel outChannel;
    private final ShmChannel inChannel;
    private final Sender out;
    private final Receiver in;
    /**
     * Diagnostic (issue 12, the many-to-one 1 KiB cell, seventeenth round): with
     * {@code -Dlockstep.bench.directSource=true} in the forks, the bench side sends from a direct
     * {@link java.nio.ByteBuffer} (as the Agrona anchor's {@code UnsafeBuffer} over direct memory) instead
     * of a heap {@code byte[]}: splits the cell's gap into the body copy's source and the rest. Off by
     * default (a static final the JIT folds).
     */
    static final boolean DIRECT_SOURCE = Boolean.getBoolean("lockstep.bench.directSource");

    /**
     * Diagnostic (issue 12, the {@code SharedPriorityQueue} cell, twenty-fifth round): what one extra
     * operation per message costs the one-to-one channel between processes, to decide what a priority
     * queue's send and receive may afford. {@code -Dlockstep.bench.sendExtra=} {@code cas} (a locked
     * {@code getAndAdd} on a line only the sending thread writes), {@code fence} ({@code fullFence}),
     * {@code clock} ({@code System.nanoTime()}); {@code -Dlockstep.bench.receiveExtra=cas|fence|clock}
     * the same per message in the sink's handler (give it through {@code JAVA_TOOL_OPTIONS}: the peer
     * inherits the environment, not the fork's properties). Off by default (static finals the JIT folds).
     */
    static final int SEND_EXTRA = extra("lockstep.bench.sendExtra");
    static final int RECEIVE_EXTRA = extra("lockstep.bench.receiveExtra");
    private static final int EXTRA_CAS = 1;
    private static final int EXTRA_FENCE = 2;
    private static final int EXTRA_CLOCK = 3;
    private static final java.lang.invoke.VarHandle WORDS = java.lang.invoke.MethodHandles.arrayElementVarHandle(long[].class);
    /** Index 8 of 17 longs: its own cache line, written by one thread only. */
    private final long[] word = new long[17];
    private long stamps;

    private static int extra(String property) {
        String v = System.getProperty(property, "none");
        switch (v) {
            case "none": return 0;
            case "cas": return EXTRA_CAS;
            case "fence": return EXTRA_FENCE;
            case "clock": return EXTRA_CLOCK;
            default: throw new IllegalArgumentException(property + "=" + v + ": expected none, cas, fence or clock");
        }
    }

    private void extra(int kind) {
        if (kind == EXTRA_CAS) {
            WORDS.getAndAdd(word, 8, 1L); // volatile getAndAdd: the locked RMW under test
        } else if (kind == EXTRA_FENCE) {
            java.lang.invoke.VarHandle.fullFence();
        } else if (kind == EXTRA_CLOCK) {
            stamps += System.nanoTime();
        }
    }

    private final byte[] message = pattern(MAX_MESSAGE);
    private final java.nio.ByteBuffer directMessage = DIRECT_SOURCE
            ? java.nio.ByteBuffer.allocateDirect(MAX_MESSAGE).put(pattern(MAX_MESSAGE)).clear() : null;
    private final MessageHandler counter = this::onMessage; // created once: the hot path allocates nothing
    private long messages;

    private LockstepLink(ShmChannel outChannel, ShmChannel inChannel) {
        this.outChannel = outChannel;
        this.inChannel = inChannel;
        this.out = outChannel.sender();
        this.in = inChannel.receiver();
    }

    /** The bench side: creates both channel files. */
    static LockstepLink create(Path dir, boolean manyToOne, int capacity) throws IOException {
        ShmChannel toPeer = manyToOne ? ManyToOneChannel.create(dir.resolve(TO_PEER), capacity)
                : OneToOneChannel.create(dir.resolve(TO_PEER), capacity);
        ShmChannel toBench = manyToOne ? ManyToOneChannel.create(dir.resolve(TO_BENCH), capacity)
                : OneToOneChannel.create(dir.resolve(TO_BENCH), capacity);
        return new LockstepLink(toPeer, toBench);
    }

    /** The peer side: opens the files the bench created. */
    static LockstepLink open(Path dir, boolean manyToOne) throws IOException {
        ShmChannel toPeer = manyToOne ? ManyToOneChannel.open(dir.resolve(TO_PEER)) : OneToOneChannel.open(dir.resolve(TO_PEER));
        ShmChannel toBench = manyToOne ? ManyToOneChannel.open(dir.resolve(TO_BENCH)) : OneToOneChannel.open(dir.resolve(TO_BENCH));
        return new LockstepLink(toBench, toPeer);
    }

    private void onMessage(int type, java.nio.ByteBuffer buffer, int offset, int length) {
        if (RECEIVE_EXTRA != 0) {
            extra(RECEIVE_EXTRA);
        }
        messages++;
    }

    @Override
    void send(int length) throws IOException {
        if (DIRECT_SOURCE) {
            for (int turn = 0; !out.trySend(MSG_TYPE, directMessage, 0, length); turn++) {
                spin(turn); // as below
            }
            return;
        }
        for (int turn = 0; !out.trySend(MSG_TYPE, message, 0, length); turn++) {
            spin(turn); // ring full: the sink has not caught up (back-pressure)
        }
        if (SEND_EXTRA != 0) {
            extra(SEND_EXTRA);
        }
    }

    @Override
    boolean receive(int length) throws IOException {
        for (int turn = 0; !in.tryReceive(counter); turn++) {
            spin(turn);
        }
        return true;
    }

    @Override
    boolean drain() throws IOException {
        for (int turn = 0; in.receive(counter, Integer.MAX_VALUE) == 0; turn++) {
            spin(turn);
        }
        return true;
    }

    /** Messages received so far (for the peer's sanity checks). */
    long messages() {
        return messages;
    }

    @Override
    public void close() {
        out.close();
        in.close();
        outChannel.close();
        inChannel.close();
    }
}
