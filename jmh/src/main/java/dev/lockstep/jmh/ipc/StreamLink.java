package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * An {@link IpcLink} over the streams of a child process (the bench's end of the anonymous pipes):
 * {@link Process} exposes its pipes only as (buffered) streams, so each send is a write and a flush.
 */
final class StreamLink extends IpcLink {
    private static final int DRAIN_BUFFER = 64 * 1024;

    private final InputStream in;
    private final OutputStream out;
    private final byte[] outBuf = pattern(MAX_MESSAGE);
    private final byte[] inBuf = new byte[DRAIN_BUFFER];

    StreamLink(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    @Override
    void send(int length) throws IOException {
        out.write(outBuf, 0, length);
        out.flush(); // the process stream is buffered: flush, or the message sits in our buffer
    }

    @Override
    boolean receive(int length) throws IOException {
        for (int got = 0; got < length; ) {
            int n = in.read(inBuf, got, length - got);
            if (n < 0) {
                return false;
            }
            got += n;
        }
        return true;
    }

    @Override
    boolean drain() throws IOException {
        return in.read(inBuf, 0, inBuf.length) >= 0;
    }

    @Override
    public void close() throws IOException {
        IOException first = ChannelLink.closeQuietly(out, null);
        first = ChannelLink.closeQuietly(in, first);
        if (first != null) {
            throw first;
        }
    }
}
