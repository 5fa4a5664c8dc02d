package dev.lockstep.ipc.examples;

import java.nio.charset.StandardCharsets;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * The README's two-process example, consumer side: receives orders from any number of
 * {@link OrdersProducer} processes through the mailbox "orders" until it has {@code args[0]} (default
 * 1000) of them.
 */
public final class OrdersConsumer {
    private OrdersConsumer() {
    }

    public static void main(String[] args) throws Exception {
        int expected = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Mailboxes boxes = Mailboxes.openDefault();                 // /dev/shm/lockstep-<user>
        try (ManyToOneChannel orders = ManyToOneChannel.openOrCreate(boxes.path("orders"), 1 << 20);
             Receiver in = orders.receiver()) {                    // the one consumer
            long[] total = new long[2];                            // orders, sum of quantities
            MessageHandler handler = (type, buffer, offset, length) -> {
                total[0]++;                                        // buffer is the shared mapping:
                total[1] += buffer.getInt(offset);                 // read in place, no copy needed
                if (total[0] % 250 == 0) {
                    byte[] text = new byte[length - 4];
                    buffer.get(offset + 4, text);
                    System.out.println("received " + new String(text, StandardCharsets.UTF_8));
                }
            };
            while (total[0] < expected) {
                in.awaitReceive(handler, 64);                      // blocks until at least one message
            }
            System.out.println("consumer: " + total[0] + " orders, quantity " + total[1]);
        }
    }
}
