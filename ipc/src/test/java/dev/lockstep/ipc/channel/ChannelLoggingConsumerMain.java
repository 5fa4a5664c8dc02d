package dev.lockstep.ipc.channel;

import java.nio.file.Path;

import dev.lockstep.ipc.test.KillSafeLog;

/**
 * Child-JVM consumer of {@link ChannelConsumerCrashTest}. Args: {@code file log limit many|one
 * handlerNanos}: registers as the consumer (replacing a dead one), prints {@code READY}, then receives
 * forever with {@code awaitReceive(handler, limit)}; the handler checks each message, spends
 * {@code handlerNanos} (so the producers stay ahead: full batches, a kill mostly inside one) and
 * appends (producer, seq) to the kill-safe log before it returns, so the log says which deliveries
 * completed even after SIGKILL. Prints {@code TORN} for a bad message.
 */
public final class ChannelLoggingConsumerMain {
    public static void main(String[] args) throws Exception {
        boolean many = args[3].equals("many");
        ShmChannel ch = many ? ManyToOneChannel.open(Path.of(args[0])) : OneToOneChannel.open(Path.of(args[0]));
        int limit = Integer.parseInt(args[2]);
        long handlerNanos = Long.parseLong(args[4]);
        int max = ch.maxMessageLength();
        try (KillSafeLog log = KillSafeLog.open(Path.of(args[1])); Receiver in = ch.receiver()) {
            MessageHandler handler = (type, buffer, offset, length) -> {
                if (!ChannelMessages.check(buffer, offset, length, max)) {
                    System.out.println("TORN message of length " + length);
                    System.out.flush();
                }
                for (long t0 = System.nanoTime(); System.nanoTime() - t0 < handlerNanos; ) {
                    Thread.onSpinWait(); // a handler that does some work
                }
                log.append(buffer.getInt(offset), buffer.getInt(offset + 4), 0);
            };
            System.out.println("READY");
            System.out.flush();
            while (true) {
                in.awaitReceive(handler, limit);
            }
        }
    }

    private ChannelLoggingConsumerMain() {
    }
}
