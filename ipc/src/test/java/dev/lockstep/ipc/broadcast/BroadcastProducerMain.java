package dev.lockstep.ipc.broadcast;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A producer process for {@link BroadcastProcessTest}: sends data messages numbered from the channel's
 * next sequence number (body: 1..8 longs equal to the number) up to {@code args[1]} (exclusive; -1:
 * forever). The producer never waits for the channel, but this TEST producer paces itself against the
 * consumers whose pids are listed in {@code args[2]} (comma-separated, "-" for none), keeping at most
 * half a ring ahead of them (read from their consumer slots), so those consumers must receive
 * everything while unlisted ones (slow, killed) are lapped.
 */
public final class BroadcastProducerMain {
    private BroadcastProducerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long count = Long.parseLong(args[1]);
        Set<Long> paced = args[2].equals("-") ? Set.of()
                : Arrays.stream(args[2].split(",")).map(Long::valueOf).collect(Collectors.toSet());
        try (BroadcastChannel ch = BroadcastChannel.open(file);
             BroadcastSender out = ch.sender()) {
            System.out.println("sending from " + out.sequence());
            System.out.flush();
            ByteBuffer body = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
            for (long m = out.sequence(); count < 0 || m < count; m++) {
                if ((m & 63) == 0 && !paced.isEmpty()) {
                    pace(ch, out, paced);
                }
                int length = 8 * (1 + (int) (m & 7));
                for (int i = 0; i < length; i += 8) {
                    body.putLong(i, m);
                }
                out.send(BroadcastConsumerMain.DATA, body, 0, length);
            }
            System.out.println("sent " + out.sequence());
        }
    }

    private static void pace(BroadcastChannel ch, BroadcastSender out, Set<Long> paced) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            long behind = 0;
            int seen = 0;
            for (BroadcastStats.Consumer c : ch.stats().consumers()) {
                if (paced.contains(c.pid())) {
                    seen++;
                    behind = Math.max(behind, out.position() - c.position());
                }
            }
            if (seen == paced.size() && behind <= ch.capacity() / 2) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("paced consumers stuck: " + ch.stats());
            }
            Thread.sleep(0, 100_000);
        }
    }
}
