package dev.lockstep.ipc.examples;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastReceiver;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * The README's broadcast example, subscriber side (run any number): receives prices from
 * {@link PricesPublisher} through the broadcast mailbox "prices" until the end mark, and says how many
 * it got and how many were overwritten before it could read them.
 */
public final class PricesSubscriber {
    private PricesSubscriber() {
    }

    public static void main(String[] args) throws Exception {
        Mailboxes boxes = Mailboxes.openDefault();
        try (BroadcastChannel prices = boxes.broadcast("prices", 1 << 20);
             BroadcastReceiver in = prices.receiver()) {              // from the next price on
            System.out.println("subscriber: ready");
            long[] seen = new long[3];                                 // prices, last number, ended
            MessageHandler handler = (type, buffer, offset, length) -> {
                if (type == PricesPublisher.END) {
                    seen[2] = 1;
                    return;
                }
                seen[0]++;                                             // a validated private copy:
                seen[1] = buffer.getLong(offset);                      // never torn, even when lapped
            };
            while (seen[2] == 0) {
                in.awaitReceive(handler, 64);                          // blocks until a message arrives
            }
            System.out.println("subscriber: " + seen[0] + " prices, last #" + seen[1] + ", lapped "
                    + in.lappedCount() + " times, " + in.lostMessages() + " overwritten before read");
        }
    }
}
