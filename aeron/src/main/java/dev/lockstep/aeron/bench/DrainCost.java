package dev.lockstep.aeron.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.channel.ShmChannel;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * The outbound bridge's ring hop in isolation: the CPU time (this thread's, so the machine's load changes
 * little) per message of draining a filled many-to-one mailbox with a loop of single-message
 * {@code receive(handler, 1)} calls (the outbound bridge before issue 15's last round) against one
 * {@code receive(handler, 64)} call per batch (after), alternating, one thread, no producer running
 * while the drain is timed.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp aeron/target/lockstep-aeron.jar dev.lockstep.aeron.bench.DrainCost [rounds=30] [messages=50000] [size=32]
 * </pre>
 */
public final class DrainCost {
    private DrainCost() {
    }

    /**
     * Runs the comparison and prints the median CPU ns per message of each way.
     *
     * @param args optional {@code rounds}, {@code messages} per round, message {@code size}
     * @throws Exception if the temporary mailbox cannot be made
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        Path dir = Files.createTempDirectory(Path.of(Files.isWritable(Path.of("/dev/shm")) ? "/dev/shm" : "/tmp"), "lockstep-drain-");
        long[] sum = {0};
        MessageHandler h = (type, buf, off, len) -> sum[0] += len;
        double[] single = new double[rounds];
        double[] batched = new double[rounds];
        try (ShmChannel ch = Mailboxes.open(dir).manyToOne("drain", 1 << 22);
             Sender tx = ch.sender();
             Receiver rx = ch.receiver()) {
            byte[] msg = new byte[size];
            for (int r = 0; r < 2 * rounds; r++) {
                for (int i = 0; i < messages; i++) {
                    if (!tx.trySend(1, msg, 0, size)) {
                        throw new IllegalStateException("ring full: use fewer messages");
                    }
                }
                boolean one = (r & 1) == 0;
                long t0 = threadCpuNanos();
                int got = 0;
                if (one) {
                    while (got < messages) {
                        got += rx.receive(h, 1);
                    }
                } else {
                    while (got < messages) {
                        got += rx.receive(h, 64);
                    }
                }
                double ns = (double) (threadCpuNanos() - t0) / messages;
                (one ? single : batched)[r / 2] = ns;
            }
        } finally {
            BridgeBenchmark.deleteTree(dir);
        }
        // The first third is warm-up (interpreter, C1): medians of the rest.
        double s = median(Arrays.copyOfRange(single, rounds / 3, rounds));
        double b = median(Arrays.copyOfRange(batched, rounds / 3, rounds));
        System.out.printf("drain %d x %d B, CPU per message (median of %d rounds): receive(h, 1) loop %.1f ns, "
                + "receive(h, 64) %.1f ns, ratio %.2f (checksum %d)%n", messages, size, rounds - rounds / 3, s, b, b / s, sum[0]);
    }

    /**
     * This thread's CPU time so far, ns: {@code ThreadMXBean.getCurrentThreadCpuTime()} (clock_gettime of the
     * thread's CPU clock, precise; /proc's schedstat is updated only at scheduler events), called
     * reflectively so that the module need not require {@code java.management} (run from the class path).
     */
    private static long threadCpuNanos() {
        try {
            return (long) CPU_TIME.invoke(MX_BEAN);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Object MX_BEAN;
    private static final java.lang.reflect.Method CPU_TIME;

    static {
        try {
            MX_BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            CPU_TIME = Class.forName("java.lang.management.ThreadMXBean").getMethod("getCurrentThreadCpuTime");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static double median(double[] v) {
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
