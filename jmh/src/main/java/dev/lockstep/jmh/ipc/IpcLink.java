package dev.lockstep.jmh.ipc;

import java.io.Closeable;
import java.io.IOException;

/**
 * One end of a two-process link, as the IPC benchmarks use it: send a message of a given length,
 * wait for one, or drain whatever arrived. Every implementation pre-allocates its buffers, so the
 * three operations allocate nothing (checked with JMH {@code -prof gc}).
 *
 * <p>Message contents are a fixed pattern written once: the benchmarks measure transport, not
 * serialization. Stream transports carry no framing; both ends know the message length.
 */
abstract class IpcLink implements Closeable {
    /** Largest message a link must carry (the throughput benchmark's biggest {@code size}). */
    static final int MAX_MESSAGE = 1024;

    /** Sends one message of {@code length} bytes; blocks (or spins, for shared memory) while the link is full. */
    abstract void send(int length) throws IOException;

    /** Waits for one message of {@code length} bytes; {@code false} if the other side has gone (end of stream). */
    abstract boolean receive(int length) throws IOException;

    /** Sink side: waits until something arrived and consumes all of it; {@code false} at end of stream. */
    abstract boolean drain() throws IOException;

    /** A buffer of {@code length} bytes filled with a recognisable pattern. */
    static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }
}
