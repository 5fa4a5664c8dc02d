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

    /** args: file, producer id. Sends crash-format messages of random length until killed. */
    static final class CrashProducer {
        public static void main(String[] args) throws Exception {
            int id = Integer.parseInt(args[1]);
            Random rnd = new Random(id);
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                byte[] filler = new byte[q.maxMessageSize() + 4096];
                rnd.nextBytes(filler);
                ByteBuffer src = ByteBuffer.allocate(q.maxMessageSize());
                System.out.println("READY");
                for (int i = 0; ; i++) {
                    encodeCrash(src, filler, id, i, 16 + rnd.nextInt(q.maxMessageSize() - 15), rnd.nextInt(4096));
                    q.send(i % (SharedPriorityQueue.MAX_PRIORITY + 1), src);
                }
            }
        }
    }

    /** args: file. Receives and checks crash-format messages until killed; prints "TORN ..." for a bad one. */
    static final class CrashConsumer {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]))) {
                ByteBuffer dst = ByteBuffer.allocate(q.maxMessageSize());
                System.out.println("READY");
                while (true) {
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
     * args: file. Plays a process that dies inside a receive and inside a send: claims the READY
     * message in slot 0 (READY -> READING(me)) and the free slot 1 (FREE -> WRITING(me), half a payload
     * written), with its own real identity, prints "CLAIMED" and waits to be killed.
     */
    static final class Claimer {
        public static void main(String[] args) throws Exception {
            try (dev.lockstep.ipc.shm.SharedFile raw = dev.lockstep.ipc.shm.SharedFile.open(Path.of(args[0]),
                    dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE)) {
                ByteBuffer b = raw.buffer();
                long me = dev.lockstep.ipc.shm.Participants.of(Path.of(args[0])).token();
                int states = dev.lockstep.ipc.shm.SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.statesOffset(2);
                long ready = (long) dev.lockstep.ipc.shm.MappedAccess.LONG.getVolatile(b, states);
                if (!dev.lockstep.ipc.shm.MappedAccess.LONG.compareAndSet(b, states, ready,
                        PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.READING, me))) {
                    throw new IllegalStateException("slot 0 changed");
                }
                dev.lockstep.ipc.shm.MappedAccess.LONG.getAndBitwiseAnd(b,
                        dev.lockstep.ipc.shm.SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.READY_BITS_OFFSET, ~1L);
                if (!dev.lockstep.ipc.shm.MappedAccess.LONG.compareAndSet(b, states + 8, PriorityQueueDescriptor.FREE,
                        PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.WRITING, me))) {
                    throw new IllegalStateException("slot 1 not free");
                }
                System.out.println("CLAIMED");
                Thread.sleep(60_000);
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
     * args: file, log, producer id, message count, max length, idle strategy name. Sends crash-format
     * messages (length 16 .. max, random) with priority priorityOf(id, i); appends i to the log after
     * each send returned. Prints "TOKEN t" (its Participants token) and "READY".
     */
    static final class LoggedProducer {
        public static void main(String[] args) throws Exception {
            int id = Integer.parseInt(args[2]);
            long count = Long.parseLong(args[3]);
            int maxLength = Integer.parseInt(args[4]);
            Random rnd = new Random(id);
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]));
                 dev.lockstep.ipc.test.KillSafeLog log = log(args[1])) {
                q.setIdleStrategy(() -> idle(args[5]));
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
     * args: file, log. Receives into the log's scratch area (so a message in hand when killed is still
     * there), checks it, appends (id, index, priority); prints "TORN ..." for a bad message, "TOKEN t"
     * and "READY" at start. Optional args[2]: idle strategy name.
     */
    static final class LoggedConsumer {
        public static void main(String[] args) throws Exception {
            try (SharedPriorityQueue q = SharedPriorityQueue.open(Path.of(args[0]));
                 dev.lockstep.ipc.test.KillSafeLog log = log(args[1])) {
                if (args.length > 2) {
                    q.setIdleStrategy(() -> idle(args[2]));
                }
                ByteBuffer dst = log.scratch();
                System.out.println("TOKEN " + dev.lockstep.ipc.shm.Participants.of(Path.of(args[0])).token());
                System.out.println("READY");
                while (true) {
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
     * args: file, count, mode. Mode "write" plays a sender that dies in the middle of its send, in up
     * to {@code count} slots at once (taking them as they become free, for up to 3 s): claims each
     * (FREE -> WRITING(its token)), writes half a payload and sets the slot's ready bit (the last step
     * before the publish). Mode "read" plays a receiver that dies in the middle of its receive: claims
     * up to {@code count} READY messages (READY -> READING(its token)) and clears their ready bits (as a
     * receive does right after its claim), printing "HELD id index" for each. Prints "TOKEN t" first,
     * "CLAIMED n" last, then waits to be killed.
     */
    static final class HalfSender {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            int count = Integer.parseInt(args[1]);
            boolean read = args.length > 2 && args[2].equals("read");
            try (dev.lockstep.ipc.shm.SharedFile raw = dev.lockstep.ipc.shm.SharedFile.open(file,
                    dev.lockstep.ipc.shm.StructureKind.PRIORITY_QUEUE)) {
                ByteBuffer b = raw.buffer();
                int max = (int) raw.header().param(PriorityQueueDescriptor.PARAM_MAX_MESSAGES);
                int size = (int) raw.header().param(PriorityQueueDescriptor.PARAM_MAX_MESSAGE_SIZE);
                int base = dev.lockstep.ipc.shm.SharedFile.STRUCTURE_OFFSET;
                long token = dev.lockstep.ipc.shm.Participants.of(file).token();
                long me = PriorityQueueDescriptor.ownerWord(read ? PriorityQueueDescriptor.READING : PriorityQueueDescriptor.WRITING, token);
                ByteBuffer payloads = b.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN); // messages are big-endian
                System.out.println("TOKEN " + token);
                int claimed = 0;
                long deadline = System.nanoTime() + 3_000_000_000L; // a full queue frees slots as receivers take messages
                for (int i = 0; claimed < count && System.nanoTime() - deadline < 0; i = (i + 1) % max) {
                    int at = base + PriorityQueueDescriptor.stateOffset(max, i);
                    if (read) {
                        long w = (long) dev.lockstep.ipc.shm.MappedAccess.LONG.getVolatile(b, at);
                        if ((w & PriorityQueueDescriptor.STATE_MASK) == PriorityQueueDescriptor.READY
                                && dev.lockstep.ipc.shm.MappedAccess.LONG.compareAndSet(b, at, w, me)) {
                            dev.lockstep.ipc.shm.MappedAccess.LONG.getAndBitwiseAnd(b,
                                    base + PriorityQueueDescriptor.readyBitsOffset(i), ~(1L << i));
                            int slot = base + (int) PriorityQueueDescriptor.slotsOffset(max) + i * PriorityQueueDescriptor.slotStride(size);
                            int payload = slot + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET;
                            System.out.println("HELD " + payloads.getInt(payload) + " " + payloads.getInt(payload + 4));
                            claimed++;
                        }
                        continue;
                    }
                    if (dev.lockstep.ipc.shm.MappedAccess.LONG.compareAndSet(b, at, PriorityQueueDescriptor.FREE, me)) {
                        int slot = base + (int) PriorityQueueDescriptor.slotsOffset(max) + i * PriorityQueueDescriptor.slotStride(size);
                        b.putInt(slot + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, 0xBAD);
                        dev.lockstep.ipc.shm.MappedAccess.LONG.getAndBitwiseOr(b,
                                base + PriorityQueueDescriptor.readyBitsOffset(i), 1L << i);
                        claimed++;
                    }
                }
                System.out.println("CLAIMED " + claimed);
                Thread.sleep(600_000);
            }
        }
    }

    /** args: file. Registers in the folder's Participants registry, prints "TOKEN t" and exits: a dead owner. */
    static final class Registrant {
        public static void main(String[] args) throws Exception {
            System.out.println("TOKEN " + dev.lockstep.ipc.shm.Participants.of(Path.of(args[0])).token());
        }
    }
}
