package dev.lockstep.ipc.examples;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * The README's two-process example, producer side: sends {@code args[0]} (default 1000) orders to the
 * mailbox "orders", each a quantity and a text.
 */
public final class OrdersProducer {
    private OrdersProducer() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Mailboxes boxes = Mailboxes.openDefault();
        try (ManyToOneChannel orders = ManyToOneChannel.openOrCreate(boxes.path("orders"), 1 << 20);
             Sender out = orders.sender()) {                       // one of many producers
            ByteBuffer order = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
            for (int i = 1; i <= count; i++) {
                byte[] text = ("order " + i + " from pid " + ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8);
                order.clear();
                order.putInt(1).put(text);                         // quantity 1, then the text
                out.send(1, order, 0, order.position());           // blocks while the ring is full
            }
            System.out.println("producer: sent " + count + " orders");
        }
    }
}
