package dev.lockstep.jcstress.ipc;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.channel.SpaceProbe;

/**
 * The steps the many-to-one space-handshake tests share: filling a ring until a claim fails (so the
 * sender's cached head is the current one), a producer's sleep-phase step as a result, and the
 * arbiter's lost-wake-up verdict.
 */
final class SpaceSteps {
    static final byte[] MESSAGE = new byte[8];
    static final MessageHandler IGNORE = (type, b, off, len) -> { };

    private SpaceSteps() {
    }

    /** Sends until a claim fails. */
    static void fill(Sender s) {
        while (s.trySend(1, MESSAGE, 0, MESSAGE.length)) {
            // until a claim fails
        }
    }

    /** A first sleep-phase step of {@code s} on its full ring, which must not sleep (no acknowledgement yet). */
    static void raise(Sender s) {
        fill(s);
        if (new SpaceProbe(s).step() != SpaceProbe.NO_SLEEP) {
            throw new IllegalStateException("slept before the receiver acknowledged");
        }
    }

    /** @return 1 if the producer would sleep ({@code seen} from {@link SpaceProbe#step()}), else 0 */
    static int sleeps(long seen) {
        return seen == SpaceProbe.NO_SLEEP ? 0 : 1;
    }

    /** @return 1 if a producer that would sleep on {@code seen} finds the word still there (lost wake-up), else 0 */
    static int lost(SpaceProbe probe, int sleeps, long seen) {
        return sleeps == 1 && probe.word() == seen ? 1 : 0;
    }
}
