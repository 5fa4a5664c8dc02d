package dev.lockstep.ipc.channel;

import dev.lockstep.ipc.wait.WaitWord;

/**
 * Test code, not part of the library: lets the jcstress tests of {@code dev.lockstep.jcstress.ipc}
 * run one sleep-phase step of a blocking send on a full ring without sleeping: the futex
 * idle strategy's announce on the producers' wait word ({@code KernelIdle.idle}) followed by the
 * sender's own re-check ({@link Sender#spaceFreed}, package-private: it raises (one-to-one: places) the
 * space request, reads the consumer's acknowledgement and re-reads head). The mirror of
 * {@link SleepProbe}; it lives in the channel package for the same reason.
 */
public final class SpaceProbe {
    /** What {@link #step()} returns when the sender would not sleep (it polls, or head moved). */
    public static final long NO_SLEEP = -1L;

    private final Sender sender;

    /** @param sender the sender whose waiting step to run (its last claim failed: the ring is full) */
    public SpaceProbe(Sender sender) {
        this.sender = sender;
    }

    /**
     * One sleep-phase step of KernelIdle: announce, then the sender's re-check.
     *
     * @return the wait word's value the sender would {@code FUTEX_WAIT} on (unsigned), or
     *         {@link #NO_SLEEP}
     */
    public long step() {
        int seen = WaitWord.announce(sender.buffer, sender.channel.producerWaitOffset);
        return sender.spaceFreed() ? NO_SLEEP : seen & 0xFFFF_FFFFL;
    }

    /**
     * @return how many fenced releases in a row that find no sleeper make a many-to-one consumer
     *         withdraw the space request ({@code ManyToOneReceiver.WITHDRAW_AFTER_QUIET_RELEASES})
     */
    public static int quietReleasesBeforeWithdrawal() {
        return ManyToOneReceiver.WITHDRAW_AFTER_QUIET_RELEASES;
    }

    /** @return the producers' space request word now ({@code epoch << 1 | raised}) */
    public long spaceRequest() {
        return (long) dev.lockstep.ipc.shm.MappedAccess.LONG.getVolatile(sender.buffer,
                sender.channel.structureOffset + ChannelDescriptor.SPACE_REQUEST_OFFSET); // volatile: a snapshot
    }

    /** @return the producers' wait word now (unsigned) */
    public long word() {
        return WaitWord.value(sender.buffer, sender.channel.producerWaitOffset) & 0xFFFF_FFFFL;
    }
}
