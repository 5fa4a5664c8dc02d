package dev.lockstep.jmh.ipc;

import java.io.IOException;

/**
 * Base of the shared-memory links, which wait by spinning: a spin loop polls {@link #peerGone} and its
 * thread's interrupt status once every {@value #CHECK_MASK}+1 turns, so a dead peer fails the benchmark
 * instead of hanging it, and a test whose timeout interrupts the spinning thread (JUnit's
 * {@code @Timeout}) fails instead of hanging the build.
 */
abstract class SpinLink extends IpcLink {
    /** Turns between two checks of {@link #peerGone}: rare enough to cost nothing measurable. */
    static final int CHECK_MASK = (1 << 16) - 1;

    /** Set by {@link IpcSession} when the peer process exits; read in spin loops only every 65536 turns. */
    volatile boolean peerGone; // volatile: written by the JDK's process-reaper thread, read by the benchmark thread

    /** Called once per spin turn with the turn count; throws when the peer has gone or the thread is interrupted. */
    final void spin(int turn) throws IOException {
        if ((turn & CHECK_MASK) == 0 && turn != 0) {
            if (peerGone) {
                throw new IOException("the peer process exited");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new java.io.InterruptedIOException("interrupted while waiting for the peer (turn " + turn + ")");
            }
        }
        Thread.onSpinWait();
    }
}
