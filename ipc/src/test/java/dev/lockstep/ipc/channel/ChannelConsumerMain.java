package dev.lockstep.ipc.channel;

import java.nio.file.Path;

/**
 * Child-JVM consumer of the take-over and stall tests. Args: {@code file count [many]}: registers as
 * the consumer of a one-to-one (or many-to-one) channel, prints {@code READY}, receives {@code count}
 * checked messages one at a time, prints {@code STOPPED <last seq> bad <n>} and then waits to be
 * killed without unregistering.
 */
public final class ChannelConsumerMain {
    public static void main(String[] args) throws Exception {
        ShmChannel ch = args.length > 2 && args[2].equals("many") ? ManyToOneChannel.open(Path.of(args[0]))
                : OneToOneChannel.open(Path.of(args[0]));
        long count = Long.parseLong(args[1]);
        Receiver in = ch.receiver();
        System.out.println("READY");
        System.out.flush();
        ChannelProcessTest.Checker checker = new ChannelProcessTest.Checker(ch.maxMessageLength(), 1);
        while (checker.received < count) {
            in.awaitReceive(checker, 1);
        }
        System.out.println("STOPPED " + (checker.next[0] - 1) + " bad " + checker.bad);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
