package dev.lockstep.ipc.broadcast;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import dev.lockstep.ipc.channel.MessageHandler;

/**
 * A consumer process for {@link BroadcastProcessTest}: receives (copy mode) until it sees message
 * {@code args[2]} or an END message, checking every message, then prints one {@code result} line.
 * Args: file, "normal" or "slow" (sleeps 1 ms after every batch of at most 8: it gets lapped), last value.
 */
public final class BroadcastConsumerMain {
    /** Type of data messages; body = 1..8 longs, all equal to the message's number. */
    static final int DATA = 1;
    /** Type of the message that ends a run (body: one long, its number). */
    static final int END = 2;

    private BroadcastConsumerMain() {
    }

    /** Checks each message: whole, strictly increasing, gaps summed. */
    static final class Check implements MessageHandler {
        final long last;
        long previous = -1;
        long first = -1;
        long torn;
        long backwards;
        long gaps;
        long gapSum;
        long messages;
        boolean done;

        Check(long last) {
            this.last = last;
        }

        @Override
        public void onMessage(int type, ByteBuffer b, int off, int len) {
            messages++;
            long v = len >= 8 ? b.getLong(off) : -1;
            boolean whole = type == END ? len == 8 : type == DATA && len == 8 * (1 + (int) (v & 7));
            for (int i = 8; whole && i < len; i += 8) {
                whole = b.getLong(off + i) == v;
            }
            if (!whole) {
                torn++;
                return;
            }
            if (first < 0) {
                first = v;
            }
            if (v <= previous) {
                backwards++;
            } else if (previous >= 0 && v > previous + 1) {
                gaps++;
                gapSum += v - previous - 1;
            }
            previous = Math.max(previous, v);
            if (type == END || v >= last) {
                done = true;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        boolean slow = args[1].equals("slow");
        long last = Long.parseLong(args[2]);
        try (BroadcastChannel ch = BroadcastChannel.open(file);
             BroadcastReceiver in = args.length > 3 && args[3].equals("oldest") ? ch.receiver(StartPosition.OLDEST)
                     : ch.receiver()) {
            System.out.println("ready " + ProcessHandle.current().pid());
            System.out.flush();
            Check check = new Check(last);
            while (!check.done) {
                if (in.awaitReceive(check, slow ? 8 : 256, 60, TimeUnit.SECONDS) == 0) {
                    System.out.println("timeout at " + check.previous);
                    System.exit(3);
                }
                if (slow) {
                    Thread.sleep(1);
                }
            }
            System.out.println("result messages=" + check.messages + " received=" + in.receivedMessages()
                    + " lapped=" + in.lappedCount() + " lost=" + in.lostMessages() + " torn=" + check.torn
                    + " backwards=" + check.backwards + " gaps=" + check.gaps + " gapSum=" + check.gapSum
                    + " first=" + check.first + " last=" + check.previous);
        }
    }
}
