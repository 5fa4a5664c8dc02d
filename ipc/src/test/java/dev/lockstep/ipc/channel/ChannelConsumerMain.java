package dev.lockstep.ipc.channel;

import java.nio.file.Path;

/**
 * Child-JVM consumer of the take-over test. Args: {@code file count}: registers as the consumer of a
 * one-to-one channel, prints {@code READY}, receives {@code count} checked messages one at a time,
 * prints {@code STOPPED <last seq>} and then waits to be killed without unregistering.
 */
public final class ChannelConsumerMain {
    public static void main(String[] args) throws Exception {
        OneToOneChannel ch = OneToOneChannel.open(Path.of(args[0]));
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
