package dev.lockstep.ipc.queue;

import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.BufferedOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

/**
 * Child-process mains for the multi-process {@link SharedPriorityQueue} tests.
 *
 * <p>Message format: int producer id, int index, int priority, int length, then {@code length - 16}
 * filler bytes derived from (id, index), so a torn or mixed message is detected by {@link #check}.
 * Producer id -1 is the STOP message.
 */
final class SharedPriorityQueueChildren {
    private SharedPriorityQueueChildren() {
    }

    static int priorityOf(int id, int index) {
        return (index * 7 + id * 13 + (index >>> 3)) % (SharedPriorityQueue.MAX_PRIORITY + 1);
    }

    static byte filler(int id, int index, int k) {
        return (byte) (id * 31 + index * 17 + k);
    }

    static void encode(ByteBuffer b, int id, int index, int priority, int length) {
        b.clear();
        b.putInt(0, id).putInt(4, index).putInt(8, priority).putInt(12, length);
        for (int k = 16; k < length; k++) {
            b.put(k, filler(id, index, k));
        }
        b.limit(length);
    }

    /** Null if {@code b[0, length)} (received with {@code priority}) is a whole, untorn message, else why not. */
    static String check(ByteBuffer b, int length, int priority) {
        if (length < 16) {
            return "short message: " + length;
        }
        int id = b.getInt(0);
        int index = b.getInt(4);
        if (b.getInt(12) != length) {
            return "length " + length + ", message says " + b.getInt(12);
        }
        if (b.getInt(8) != priority) {
            return "priority " + priority + ", message says " + b.getInt(8);
        }
        for (int k = 16; k < length; k++) {
            if (b.get(k) != filler(id, index, k)) {
                return "torn at byte " + k + " of message " + id + "/" + index;
            }
        }
        return null;
    }

    /** args: file, producer id, count (-1: forever), message length, message length jitter. */
    static final class Producer {
        public static void main(String[] args) throws Exception {
            int id = Integer.parseInt(args[1]);
            long count = Long.parseLong(args[2]);
            int length = Integer.parseInt(args[3]);
            int jitter = Integer.parseInt(args[4]);
            Random rnd = new Random(id);
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                ByteBuffer src = ByteBuffer.allocateDirect(q.maxMessageSize());
                System.out.println("READY");
                for (int i = 0; count < 0 || i < count; i++) {
                    int len = length + (jitter > 0 ? rnd.nextInt(jitter) : 0);
                    int p = priorityOf(id, i);
                    encode(src, id, i, p, len);
                    q.send(p, src);
                }
            }
            System.out.println("DONE");
        }
    }

    /**
     * args: file, output file ("-" for none). Receives until a STOP message, checking every message;
     * prints "TORN ..." for a bad one; writes (id, index, priority) of each message in receive order.
     */
    static final class Consumer {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]));
                 DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                         args[1].equals("-") ? java.io.OutputStream.nullOutputStream() : new FileOutputStream(args[1])))) {
                ByteBuffer dst = ByteBuffer.allocateDirect(q.maxMessageSize());
                System.out.println("READY");
                long n = 0;
                while (true) {
                    int p = q.receive(dst.clear());
                    int length = dst.position();
                    if (length >= 16 && dst.getInt(0) == -1) {
                        break;
                    }
                    String bad = check(dst, length, p);
                    if (bad != null) {
                        System.out.println("TORN " + bad);
                        System.out.flush();
                    }
                    out.writeInt(dst.getInt(0));
                    out.writeInt(dst.getInt(4));
                    out.writeInt(p);
                    n++;
                }
                System.out.println("RECEIVED " + n);
            }
        }
    }
}
