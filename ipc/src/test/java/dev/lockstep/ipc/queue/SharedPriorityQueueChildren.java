package dev.lockstep.ipc.queue;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * Child-process mains for the multi-process {@link SharedPriorityQueue} tests, and the tests' reads of
 * the lane table (layout revision 2: the lanes' owner words and hold owner words, through
 * {@link PriorityQueueDescriptor}'s offsets).
 *
 * <p>Message format: int producer id, int index, int priority, int length, then {@code length - 16}
 * filler bytes derived from (id, index), so a torn or mixed message is detected by {@link #check}.
 * Producer id -1 is the STOP message. The ints are big-endian (heap buffers); a batch handler reads
 * the body in the mapping, which is in native order, so the children copy it to a heap buffer first.
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

    /** Copies a batch handler's view of a body into {@code into} (big-endian, from 0), limit = length. */
    static ByteBuffer copyOut(ByteBuffer into, ByteBuffer mapping, int offset, int length) {
        into.clear();
        into.put(0, mapping, offset, length);
        into.limit(length);
        return into;
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
    // ------------------------------------------------------------ crash-test format
    // int id, int index, int length, int CRC-32C of bytes [16, length), then random filler: large
    // messages whose copy takes long compared with producing and checking them, so that a kill often
    // lands inside a send or a receive.

    static void encodeCrash(ByteBuffer b, byte[] filler, int id, int index, int length, int fillerOffset) {
        b.clear();
        b.putInt(0, id).putInt(4, index).putInt(8, length);
        b.put(16, filler, fillerOffset, length - 16);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.duplicate().position(16).limit(length));
        b.putInt(12, (int) crc.getValue());
        b.limit(length);
    }

    /** Null if {@code b[0, length)} is a whole crash-format message, else why not. */
    static String checkCrash(ByteBuffer b, int length) {
        if (length < 16 || b.getInt(8) != length) {
            return "length " + length + ", message says " + (length >= 12 ? b.getInt(8) : -1);
        }
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b.duplicate().position(16).limit(length));
        return (int) crc.getValue() == b.getInt(12) ? null
                : "torn message " + b.getInt(0) + "/" + b.getInt(4) + " of " + length + " bytes (CRC mismatch)";
    }

    /** args: file, producer id, priorities. Sends crash-format messages of random length (priority i % priorities) until killed. */
    static final class CrashProducer {
        public static void main(String[] args) throws Exception {
            int id = Integer.parseInt(args[1]);
            int priorities = Integer.parseInt(args[2]);
            Random rnd = new Random(id);
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                byte[] filler = new byte[q.maxMessageSize() + 4096];
                rnd.nextBytes(filler);
                ByteBuffer src = ByteBuffer.allocate(q.maxMessageSize());
                System.out.println("READY");
                for (int i = 0; ; i++) {
                    encodeCrash(src, filler, id, i, 16 + rnd.nextInt(q.maxMessageSize() - 15), rnd.nextInt(4096));
                    q.send(i % priorities, src);
                }
            }
        }
    }

    /**
     * args: file, mode ("copy" or "batch"). Receives and checks crash-format messages until killed,
     * by copying receives or by handler batches (the body checked in place, through a copy); prints
     * "TORN ..." for a bad one.
     */
    static final class CrashConsumer {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                ByteBuffer dst = ByteBuffer.allocate(q.maxMessageSize());
                MessageHandler h = (type, b, off, len) -> {
                    String bad = checkCrash(copyOut(dst, b, off, len), len);
                    if (bad != null) {
                        System.out.println("TORN " + bad);
                        System.out.flush();
                    }
                };
                boolean batch = args.length > 1 && args[1].equals("batch");
                System.out.println("READY");
                while (true) {
                    if (batch) {
                        if (q.receive(h, 8) == 0) {
                            Thread.onSpinWait();
                        }
                        continue;
                    }
                    q.receive(dst.clear());
                    String bad = checkCrash(dst, dst.position());
                    if (bad != null) {
                        System.out.println("TORN " + bad);
                        System.out.flush();
                    }
                }
            }
        }
    }

    /**
     * args: file, own priority, [messages]. Plays a process that owns a lane and dies inside a batch
     * handler: sends {@code messages} (default 1) messages (id 70, index 0, 1, ...) at the own priority
     * (binding a lane), then takes the
     * best waiting message by a handler batch of limit 1 (the test sent it at the higher held priority)
     * and, inside the handler, prints "TOKEN t" (its Participants token), "HOLDING id index" and waits
     * to be killed.
     */
    static final class LaneClaimer {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            int own = Integer.parseInt(args[1]);
            try (SharedPriorityQueue q = SharedPriorityQueue.open(file)) {
                ByteBuffer src = ByteBuffer.allocate(64);
                int messages = args.length > 2 ? Integer.parseInt(args[2]) : 1;
                for (int i = 0; i < messages; i++) {
                    encode(src, 70, i, own, 64);
                    if (!q.trySend(own, src)) {
                        throw new IllegalStateException("no lane for the claimer");
                    }
                }
                long token = dev.lockstep.ipc.shm.Participants.of(file).token();
                ByteBuffer copy = ByteBuffer.allocate(q.maxMessageSize());
                int n = q.receive((type, b, off, len) -> {
                    copyOut(copy, b, off, len);
                    System.out.println("TOKEN " + token);
                    System.out.println("HOLDING " + copy.getInt(0) + " " + copy.getInt(4) + " " + type);
                    try {
                        Thread.sleep(600_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, 1);
                System.out.println("NOTHING HELD " + n);
            }
        }
    }

    // ------------------------------------------------------------ fault-test children (logged)
    // Crash format (CRC-checked), priority priorityOf(id, index); sends and receives that returned are
    // recorded in a KillSafeLog, which survives the child's SIGKILL.

    static dev.lockstep.ipc.test.KillSafeLog log(String path) throws java.io.IOException {
        return dev.lockstep.ipc.test.KillSafeLog.open(Path.of(path));
    }

    static org.agrona.concurrent.IdleStrategy idle(String name) {
        return switch (name) {
            case "busySpin" -> dev.lockstep.ipc.shm.Idle.busySpin();
            case "sleeping" -> dev.lockstep.ipc.shm.Idle.sleeping();
            default -> dev.lockstep.ipc.shm.Idle.backoff();
        };
    }

    /**
     * args: file, log, producer id, message count, max length, idle strategy name ("default": the
     * queue's own wait). Sends crash-format messages (length 16 .. max, random) with priority
     * priorityOf(id, i); appends i to the log after each send returned. Prints "TOKEN t" (its
     * Participants token) and "READY".
     */
    static final class LoggedProducer {
        public static void main(String[] args) throws Exception {
            int id = Integer.parseInt(args[2]);
            long count = Long.parseLong(args[3]);
            int maxLength = Integer.parseInt(args[4]);
            Random rnd = new Random(id);
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]));
                 dev.lockstep.ipc.test.KillSafeLog log = log(args[1])) {
                if (!args[5].equals("default")) {
                    q.setIdleStrategy(() -> idle(args[5]));
                }
                byte[] filler = new byte[maxLength + 4096];
                rnd.nextBytes(filler);
                ByteBuffer src = ByteBuffer.allocate(maxLength);
                System.out.println("TOKEN " + dev.lockstep.ipc.shm.Participants.of(Path.of(args[0])).token());
                System.out.println("READY");
                for (int i = 0; i < count; i++) {
                    encodeCrash(src, filler, id, i, 16 + rnd.nextInt(maxLength - 15), rnd.nextInt(4096));
                    q.send(priorityOf(id, i), src);
                    log.append(i, 0, 0);
                }
            }
            System.out.println("DONE");
        }
    }

    /**
     * args: file, log, mode ("copy" or "batch"), optional idle strategy name. Receives into the log's
     * scratch area (so a message in hand when killed is still there; a batch handler copies the body
     * there first), checks it, appends (id, index, priority); prints "TORN ..." for a bad message,
     * "TOKEN t" and "READY" at start.
     */
    static final class LoggedConsumer {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]));
                 dev.lockstep.ipc.test.KillSafeLog log = log(args[1])) {
                boolean batch = args[2].equals("batch");
                if (args.length > 3) {
                    q.setIdleStrategy(() -> idle(args[3]));
                }
                ByteBuffer dst = log.scratch();
                MessageHandler h = (type, b, off, len) -> {
                    dst.putLong(0, 0L).putLong(8, 0L); // nothing in hand
                    copyOut(dst, b, off, len);
                    String bad = checkCrash(dst, len);
                    if (bad != null) {
                        System.out.println("TORN " + bad);
                        System.out.flush();
                    }
                    log.append(dst.getInt(0), dst.getInt(4), type);
                };
                System.out.println("TOKEN " + dev.lockstep.ipc.shm.Participants.of(Path.of(args[0])).token());
                System.out.println("READY");
                while (true) {
                    if (batch) {
                        if (q.receive(h, 8) == 0) {
                            Thread.sleep(0, 100_000); // the batch does not wait: a short park when empty
                        }
                        continue;
                    }
                    dst.putLong(0, 0L).putLong(8, 0L); // nothing in hand
                    int p = q.receive(dst.clear());
                    String bad = checkCrash(dst, dst.position());
                    if (bad != null) {
                        System.out.println("TORN " + bad);
                        System.out.flush();
                    }
                    log.append(dst.getInt(0), dst.getInt(4), p);
                }
            }
        }
    }

    /** args: file, pause µs. Calls recover() in a loop: a dedicated recoverer racing the others. */
    static final class Recoverer {
        public static void main(String[] args) throws Exception {
            long pause = Long.parseLong(args[1]) * 1000L;
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                System.out.println("READY");
                while (true) {
                    q.recover();
                    java.util.concurrent.locks.LockSupport.parkNanos(pause);
                }
            }
        }
    }

    /**
     * args: file, producer id, count, mode. Mode "write" plays a sender that dies in the middle of a
     * send: it sends {@code count} crash-format messages of priorityOf(id, i) (printing "SENT i" after
     * each returned), then writes half a body past its last lane's tail, where its next record would go,
     * without publishing a header (as a send killed inside its copy leaves it; only if the lane has room,
     * as a real send would wait), and prints "CLAIMED 1". Mode "hold" plays a receiver that dies inside
     * a batch handler: handler batches (limit 8) print "GOT id index priority" for each message whose
     * handler returned, until the {@code count}-th handler call, which prints "HELD id index" and waits
     * (up to 3 s for messages; "CLAIMED 0" if none came). Prints "TOKEN t" first, then waits to be killed.
     */
    static final class HalfSender {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            int id = Integer.parseInt(args[1]);
            int count = Integer.parseInt(args[2]);
            boolean hold = args[3].equals("hold");
            long token = dev.lockstep.ipc.shm.Participants.of(file).token();
            System.out.println("TOKEN " + token);
            try (SharedPriorityQueue q = SharedPriorityQueue.open(file)) {
                if (hold) {
                    ByteBuffer copy = ByteBuffer.allocate(q.maxMessageSize());
                    int[] calls = {0};
                    long deadline = System.nanoTime() + 3_000_000_000L;
                    while (System.nanoTime() - deadline < 0) {
                        q.receive((type, b, off, len) -> {
                            copyOut(copy, b, off, len);
                            if (calls[0]++ == count) {
                                System.out.println("HELD " + copy.getInt(0) + " " + copy.getInt(4));
                                System.out.println("CLAIMED 1");
                                System.out.flush();
                                try {
                                    Thread.sleep(600_000);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            }
                            System.out.println("GOT " + copy.getInt(0) + " " + copy.getInt(4) + " " + type);
                        }, 8);
                        Thread.sleep(0, 200_000);
                    }
                    System.out.println("CLAIMED 0");
                    Thread.sleep(600_000);
                    return;
                }
                Random rnd = new Random(id);
                int maxLength = q.maxMessageSize();
                byte[] filler = new byte[maxLength + 4096];
                rnd.nextBytes(filler);
                ByteBuffer src = ByteBuffer.allocate(maxLength);
                int last = 0;
                for (int i = 0; i < count; i++) {
                    encodeCrash(src, filler, id, i, 16 + rnd.nextInt(maxLength - 15), rnd.nextInt(4096));
                    last = priorityOf(id, i);
                    q.send(last, src);
                    System.out.println("SENT " + i);
                }
                System.out.println("CLAIMED " + writeUnpublished(file, token, last));
                Thread.sleep(600_000);
            }
        }

        /** Writes a torn body after the tail of the lane this process bound for {@code priority}; 1 if written. */
        private static int writeUnpublished(Path file, long token, int priority) throws Exception {
            try (SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
                LaneTable t = new LaneTable(raw);
                ByteBuffer b = raw.buffer();
                for (int k = 0; k < t.lanes; k++) {
                    long owner = t.owner(k);
                    if (owner != (PriorityQueueDescriptor.BOUND | token)
                            || b.getInt(t.lane(k) + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET) != priority) {
                        continue;
                    }
                    long head = PriorityQueueDescriptor.position((long) MappedAccess.LONG.getVolatile(b,
                            t.lane(k) + PriorityQueueDescriptor.LANE_HEAD_OFFSET));
                    long tail = head;
                    long header;
                    while ((header = t.header(k, tail)) != 0L) {
                        tail += (PriorityQueueDescriptor.length(header) + 15) >>> 3;
                    }
                    int at = (int) (tail << 3) & (t.ringBytes - 1);
                    int body = Math.min(64, t.ringBytes - at - 8);
                    long used = tail - head; // words
                    if (body <= 0 || used + 1 + (8 + body) / 8 + 1 > t.ringBytes / 8) {
                        return 0; // full: a real send would wait here, not write
                    }
                    for (int i = 0; i < body; i++) {
                        b.put(t.ring(k) + at + 8 + i, (byte) 0xBA); // header stays 0: never published
                    }
                    return 1;
                }
                return 0;
            }
        }
    }

    /** The lane table of a queue file, read as the layout describes it (volatile reads). */
    static final class LaneTable {
        final ByteBuffer b;
        final int lanes;
        final int ringBytes;
        private final int base = SharedFile.STRUCTURE_OFFSET;

        LaneTable(SharedFile raw) {
            this.b = raw.buffer();
            this.lanes = (int) raw.header().param(PriorityQueueDescriptor.PARAM_LANES);
            this.ringBytes = (int) PriorityQueueDescriptor.ringBytes(
                    (int) raw.header().param(PriorityQueueDescriptor.PARAM_MAX_MESSAGES),
                    (int) raw.header().param(PriorityQueueDescriptor.PARAM_MAX_MESSAGE_SIZE));
        }

        int lane(int k) {
            return base + PriorityQueueDescriptor.laneOffset(lanes, k);
        }

        int ring(int k) {
            return (int) (base + PriorityQueueDescriptor.ringsOffset(lanes) + (long) k * ringBytes);
        }

        long header(int k, long position) {
            return (long) MappedAccess.LONG.getVolatile(b, ring(k) + ((int) (position << 3) & (ringBytes - 1)));
        }

        /**
         * A failure's diagnosis: every lane's words (owner, active bit, priority, head, hold owner / from /
         * end, zeroed word) and, for each lost message {@code (id, index)}, where a crash-format record of
         * it still lies in some lane's ring (position, and whether its lane's head is before it), or that
         * it lies nowhere (overwritten).
         */
        String dump(java.util.List<long[]> lost) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < lanes; k++) {
                long bits = (long) MappedAccess.LONG.getVolatile(b, base + PriorityQueueDescriptor.ACTIVE_BITS_OFFSET + 8 * (k >>> 6));
                int l = lane(k);
                long head = (long) MappedAccess.LONG.getVolatile(b, l + PriorityQueueDescriptor.LANE_HEAD_OFFSET);
                long pos = PriorityQueueDescriptor.position(head);
                sb.append(String.format("lane %d owner %x active %d priority %d head %x (pos %d, header %x) hold %x from %x end %x zeroed %x%n",
                        k, owner(k), (bits >>> (k & 63)) & 1, (int) MappedAccess.INT.getVolatile(b, l + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET),
                        head, pos, header(k, pos), holdOwner(k),
                        (long) MappedAccess.LONG.getVolatile(b, l + PriorityQueueDescriptor.LANE_HOLD_FROM_OFFSET),
                        (long) MappedAccess.LONG.getVolatile(b, l + PriorityQueueDescriptor.LANE_HOLD_END_OFFSET),
                        (long) MappedAccess.LONG.getVolatile(b, l + PriorityQueueDescriptor.LANE_ZEROED_OFFSET)));
            }
            ByteBuffer be = b.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN); // the children encode with a heap buffer's order
            for (long[] m : lost) {
                boolean found = false;
                for (int k = 0; k < lanes; k++) {
                    long headPos = PriorityQueueDescriptor.position((long) MappedAccess.LONG.getVolatile(b, lane(k) + PriorityQueueDescriptor.LANE_HEAD_OFFSET));
                    for (int off = 0; off + 16 <= ringBytes; off += 8) {
                        long h = (long) MappedAccess.LONG.getVolatile(b, ring(k) + off);
                        if (h < 0L && be.getInt(ring(k) + off + 8) == (int) m[0] && be.getInt(ring(k) + off + 12) == (int) m[1]) {
                            found = true;
                            sb.append(String.format("lost %d/%d: in lane %d at ring offset %d (word %d), header %x; head at ring word %d%n",
                                    m[0], m[1], k, off, off >>> 3, h, (headPos << 3 & (ringBytes - 1)) >>> 3));
                        }
                    }
                }
                if (!found) {
                    sb.append(String.format("lost %d/%d: in no lane's ring (overwritten)%n", m[0], m[1]));
                }
            }
            return sb.toString();
        }

        /** Lane {@code k}'s owner word. */
        long owner(int k) {
            return (long) MappedAccess.LONG.getVolatile(b, lane(k) + PriorityQueueDescriptor.LANE_OWNER_OFFSET);
        }

        /** Lane {@code k}'s hold owner word. */
        long holdOwner(int k) {
            return (long) MappedAccess.LONG.getVolatile(b, lane(k) + PriorityQueueDescriptor.LANE_HOLD_OWNER_OFFSET);
        }

        /** The lanes BOUND by {@code token}, as a bit set (lanes < 64) or count. */
        long boundBy(long token) {
            long set = 0;
            for (int k = 0; k < lanes; k++) {
                if (owner(k) == (PriorityQueueDescriptor.BOUND | token)) {
                    set |= 1L << (k & 63);
                }
            }
            return set;
        }

        /** The lane whose hold {@code token} owns (HOLDING or CLEARING), -1 if none. */
        int heldBy(long token) {
            for (int k = 0; k < lanes; k++) {
                long h = holdOwner(k);
                long state = h & PriorityQueueDescriptor.STATE_MASK;
                if ((h & PriorityQueueDescriptor.TOKEN_MASK) == token
                        && (state == PriorityQueueDescriptor.HOLDING || state == PriorityQueueDescriptor.CLEARING)) {
                    return k;
                }
            }
            return -1;
        }

        /** Lanes BOUND by {@code token} plus holds it owns: the claims a dead process leaves. */
        int claimsOf(long token) {
            return Long.bitCount(boundBy(token)) + (heldBy(token) >= 0 ? 1 : 0);
        }

        /** Hold owner words that are not 0: runs held, given back or being ended. */
        int holdsUp() {
            int n = 0;
            for (int k = 0; k < lanes; k++) {
                if (holdOwner(k) != 0L) {
                    n++;
                }
            }
            return n;
        }

        /** A readable dump of the owner and hold words, for failure messages. */
        String describe() {
            StringBuilder s = new StringBuilder();
            for (int k = 0; k < lanes; k++) {
                if (owner(k) != 0L || holdOwner(k) != 0L) {
                    s.append(" lane ").append(k).append(": owner ").append(Long.toHexString(owner(k)))
                            .append(" hold ").append(Long.toHexString(holdOwner(k)));
                }
            }
            return s.length() == 0 ? " all lanes free" : s.toString();
        }
    }
}
