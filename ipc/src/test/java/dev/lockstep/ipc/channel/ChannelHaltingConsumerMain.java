package dev.lockstep.ipc.channel;

import java.nio.file.Path;

/**
 * Child-JVM consumer of {@link ChannelProcessTest#aNewConsumerResumesAtOnceAfterOneKilledMidBatch}:
 * consumes a many-to-one channel in batches and dies (halt, no unregistering, no cleanup) inside the
 * handler of the first message of type 99, i.e. after delivering the earlier messages of that batch
 * but before zeroing them (issue 12: at the call's end) and releasing head past them. Prints
 * {@code READY}.
 */
public final class ChannelHaltingConsumerMain {
    public static void main(String[] args) throws Exception {
        ManyToOneChannel ch = ManyToOneChannel.open(Path.of(args[0]));
        Receiver in = ch.receiver();
        System.out.println("READY");
        System.out.flush();
        MessageHandler h = (type, b, off, len) -> {
            if (type == 99) {
                Runtime.getRuntime().halt(3);
            }
        };
        while (true) {
            in.awaitReceive(h, 64);
        }
    }
}
