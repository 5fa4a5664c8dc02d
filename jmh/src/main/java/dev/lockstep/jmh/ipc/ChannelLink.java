package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * An {@link IpcLink} over blocking NIO channels (FIFO, Unix socket, TCP, and the peer's end of the
 * anonymous pipes), with direct buffers so that the JDK copies nothing through a temporary buffer.
 */
final class ChannelLink extends IpcLink {
    private static final int DRAIN_BUFFER = 64 * 1024;

    private final ReadableByteChannel in;
    private final WritableByteChannel out;
    private final ByteBuffer outBuf = ByteBuffer.allocateDirect(MAX_MESSAGE);
    private final ByteBuffer inBuf = ByteBuffer.allocateDirect(DRAIN_BUFFER);
    private final AutoCloseable[] resources;

    /** {@code in} or {@code out} may be {@code null} for a one-way link; {@code resources} are closed with it. */
    ChannelLink(ReadableByteChannel in, WritableByteChannel out, AutoCloseable... resources) {
        this.in = in;
        this.out = out;
        this.resources = resources;
        outBuf.put(pattern(MAX_MESSAGE)).clear();
    }

    @Override
    void send(int length) throws IOException {
        outBuf.clear().limit(length);
        while (outBuf.hasRemaining()) {
            out.write(outBuf);
        }
    }

    @Override
    boolean receive(int length) throws IOException {
        inBuf.clear().limit(length);
        while (inBuf.hasRemaining()) {
            if (in.read(inBuf) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    boolean drain() throws IOException {
        inBuf.clear();
        return in.read(inBuf) >= 0; // blocking channel: at least one byte, or end of stream
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (AutoCloseable c : new AutoCloseable[] {in, out}) {
            first = closeQuietly(c, first);
        }
        for (AutoCloseable c : resources) {
            first = closeQuietly(c, first);
        }
        if (first != null) {
            throw first;
        }
    }

    static IOException closeQuietly(AutoCloseable c, IOException first) {
        if (c == null) {
            return first;
        }
        try {
            c.close();
        } catch (Exception e) {
            if (first == null) {
                first = e instanceof IOException ? (IOException) e : new IOException(e);
            }
        }
        return first;
    }
}
