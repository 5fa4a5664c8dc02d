package dev.lockstep.aeron;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.locks.LockSupport;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * Child-JVM producer: {@code name count capacity maxLength} sends the {@link Messages} 0 .. count-1 into
 * the many-to-one mailbox {@code name} of its folder with {@code trySend} (retrying on a full ring, so it
 * also rides out an outbound bridge's restart). Prints {@code READY}, then {@code DONE <times the ring
 * was full>}.
 */
public final class ProducerMain {
    private ProducerMain() {
    }

    public static void main(String[] args) throws Exception {
        String name = args[0];
        long count = Long.parseLong(args[1]);
        int capacity = Integer.parseInt(args[2]);
        int maxLength = Integer.parseInt(args[3]);
        try (ManyToOneChannel ch = Mailboxes.openDefault().manyToOne(name, capacity);
             Sender out = ch.sender()) {
            System.out.println("READY");
            System.out.flush();
            ByteBuffer scratch = ByteBuffer.allocate(maxLength).order(ByteOrder.nativeOrder());
            long full = 0;
            for (long seq = 0; seq < count; seq++) {
                int len = Messages.length(seq, maxLength);
                Messages.write(scratch, 0, seq, len);
                if (!out.trySend(Messages.type(seq), scratch, 0, len)) {
                    full++;
                    do {
                        LockSupport.parkNanos(20_000);
                    } while (!out.trySend(Messages.type(seq), scratch, 0, len));
                }
            }
            System.out.println("DONE " + full);
            System.out.flush();
        }
    }
}
