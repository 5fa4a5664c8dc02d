package dev.lockstep.ipc.channel;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * Child-JVM producer of the multi-process tests.
 *
 * <p>Args: {@code file one|many producerId count mode}; count -1 = until killed; mode {@code copy}
 * (trySend of a prepared array), {@code claim} (zero-copy claim/commit) or {@code slow} (claim, write,
 * then hold the claim ~0.1-1 ms before committing, so a kill often lands inside a claim). Prints
 * {@code READY} once registered and {@code DONE n} at the end.
 */
public final class ChannelProducerMain {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        ShmChannel ch = args[1].equals("one") ? OneToOneChannel.open(file) : ManyToOneChannel.open(file);
        int producer = Integer.parseInt(args[2]);
        long count = Long.parseLong(args[3]);
        String mode = args[4];
        int max = ch.maxMessageLength();
        try (Sender out = ch.sender()) {
            System.out.println("READY");
            System.out.flush();
            ByteBuffer scratch = ByteBuffer.allocate(max).order(java.nio.ByteOrder.nativeOrder());
            for (int seq = 0; count < 0 || seq < count; ) {
                int len = ChannelMessages.length(producer, seq, max);
                if (mode.equals("copy")) {
                    ChannelMessages.write(scratch, 0, producer, seq, len);
                    out.send(1, scratch, 0, len);
                    seq++;
                    continue;
                }
                int at = out.tryClaim(1, len);
                if (at < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                ChannelMessages.write(out.buffer(), at, producer, seq, len);
                if (mode.equals("slow")) {
                    LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(100_000, 1_000_000));
                }
                if (out.commit(at)) {
                    seq++;
                }
            }
            System.out.println("DONE " + count);
        }
    }
}
