package dev.lockstep.ipc.examples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastSender;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * The README's broadcast example, publisher side: sends {@code args[0]} (default 100000) prices to the
 * broadcast mailbox "prices", then an end mark, never waiting for the subscribers.
 */
public final class PricesPublisher {
    /** Message type of a price: number (long), price (double). */
    public static final int PRICE = 1;
    /** Message type of the end mark. */
    public static final int END = 2;

    private PricesPublisher() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        Mailboxes boxes = Mailboxes.openDefault();
        try (BroadcastChannel prices = boxes.broadcast("prices", 1 << 20);
             BroadcastSender out = prices.sender()) {                  // the one publisher
            ByteBuffer tick = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            for (int i = 0; i < count; i++) {
                tick.putLong(0, i).putDouble(8, 100.0 + (i % 100) / 100.0); // number, price
                out.send(PRICE, tick, 0, 16);                          // never waits for subscribers
            }
            out.send(END, tick, 0, 0);
            System.out.println("publisher: sent " + count + " prices");
        }
    }
}
