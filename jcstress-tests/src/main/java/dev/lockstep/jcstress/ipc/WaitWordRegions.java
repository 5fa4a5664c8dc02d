package dev.lockstep.jcstress.ipc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.wait.WaitWord;

/**
 * Regions of one direct buffer for the {@link WaitWord} tests, each laid out as an
 * {@code IpcEvent}'s structure area: a state word (long) in its own line, the wait word in the next.
 * The pool is larger than the states of one jcstress batch (quick mode: 40 strides x 256), so a region
 * is reused only after the states that last used it have finished. (No file per state: creating
 * thousands of mapped files dominated the run; the protocol's accesses are the same on any direct
 * buffer, and {@code IpcEventFutexTest} covers the file mapping across processes.)
 */
final class WaitWordRegions {
    static final int STATE = 0;
    static final int WORD = MappedAccess.LINE;
    private static final int REGION = 2 * MappedAccess.LINE;
    private static final int POOL = 1 << 14;
    private static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(REGION * POOL + 64).order(ByteOrder.nativeOrder());
    /** First 64-byte aligned index of the buffer. */
    private static final int ALIGN = (64 - BUFFER.alignmentOffset(0, 64)) & 63;
    private static final AtomicInteger NEXT = new AtomicInteger();

    private WaitWordRegions() {
    }

    static ByteBuffer buffer() {
        return BUFFER;
    }

    /** The base offset of the next region (64-byte aligned), its state cleared. */
    static int next() {
        int base = ALIGN + (NEXT.getAndIncrement() & (POOL - 1)) * REGION;
        MappedAccess.LONG.setVolatile(BUFFER, base + STATE, 0L); // published by jcstress's state hand-off anyway
        return base;
    }
}
