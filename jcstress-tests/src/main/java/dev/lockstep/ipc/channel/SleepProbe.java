package dev.lockstep.ipc.channel;

import dev.lockstep.ipc.wait.WaitWord;

/**
 * Test code, not part of the library: lets the jcstress tests of {@code dev.lockstep.jcstress.ipc}
 * run one sleep-phase step of a waiting {@code awaitReceive} without sleeping: the futex idle
 * strategy's announce on the consumer's wait word ({@code KernelIdle.idle}) followed by the
 * receiver's own re-check ({@link Receiver#hasWork}, package-private: for a one-to-one receiver it
 * places the sleep request, waits for the producer's acknowledgement and re-reads the tail). It lives
 * in the channel package (in the jcstress-tests module, on the class path) because that re-check is
 * package-private: the library's API stays as it is.
 */
public final class SleepProbe {
    /** What {@link #step()} returns when the receiver would not sleep (it polls, or has work). */
    public static final long NO_SLEEP = -1L;

    private final Receiver receiver;

    /** @param receiver the receiver whose waiting step to run */
    public SleepProbe(Receiver receiver) {
        this.receiver = receiver;
    }

    /**
     * One sleep-phase step of KernelIdle: announce, then the receiver's re-check.
     *
     * @return the wait word's value the receiver would {@code FUTEX_WAIT} on (unsigned), or
     *         {@link #NO_SLEEP}
     */
    public long step() {
        int seen = WaitWord.announce(receiver.buffer, receiver.waitWordOffset);
        return receiver.hasWork() ? NO_SLEEP : seen & 0xFFFF_FFFFL;
    }

    /** @return the consumer's wait word now (unsigned) */
    public long word() {
        return WaitWord.value(receiver.buffer, receiver.waitWordOffset) & 0xFFFF_FFFFL;
    }
}
