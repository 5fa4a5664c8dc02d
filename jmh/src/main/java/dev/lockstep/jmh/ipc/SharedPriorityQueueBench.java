package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.shm.ShmDirectory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link SharedPriorityQueue} (over a mapped file in the shared-memory folder) against the JDK's
 * {@link PriorityBlockingQueue} (the in-process anchor, first {@code impl}) ordered by (priority
 * descending, sequence ascending), i.e. the same semantics, carrying the same {@value #SIZE}-byte
 * payloads copied in on send and out on receive (the anchor recycles pre-allocated message objects).
 *
 * <p>Shape: the queue holds {@value #PREFILL} messages of mixed priorities in {@code capacity}
 * slots (default 64); each operation receives the head (copying its payload out) and sends a message with the
 * next priority of a per-thread rotation over 0..31, so the size stays constant. Score: receive+send
 * round trips per microsecond, 1 and 2 threads of one process. 0 B/op for ours with {@code -prof gc}.
 * For ours (layout revision 2, a lane per sending thread and priority) this is the worst shape: every
 * message sits alone in its lane, so a receive reads the head of every lane in use ({@value #LANES}
 * lanes, of which 48-80 are in use), where revision 1 read one ready-bits word.
 * (A cross-process comparison with the one-to-one channel is to be added.)
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class SharedPriorityQueueBench {
    static final int PREFILL = 16;
    static final int SIZE = 64;
    /** Lanes of ours: 2 threads x 32 priorities + the prefill's lanes, rounded up. */
    static final int LANES = 128;

    /** The anchor's message: mutable and recycled, so the anchor allocates nothing either. */
    static final class Msg {
        int priority;
        long seq;
        final byte[] payload = new byte[SIZE];
        int length;
    }

    static final Comparator<Msg> PRIORITY_THEN_FIFO =
            Comparator.comparingInt((Msg m) -> -m.priority).thenComparingLong(m -> m.seq);

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"PriorityBlockingQueue", "SharedPriorityQueue"})
        public String impl;
        /** Messages per lane of ours (its lanes hold one message each in this shape). */
        @Param({"64"})
        public int capacity;
        PriorityBlockingQueue<Msg> jdk;
        final AtomicLong seq = new AtomicLong();
        SharedPriorityQueue ours;
        Path file;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            if (impl.equals("PriorityBlockingQueue")) {
                jdk = new PriorityBlockingQueue<>(capacity, PRIORITY_THEN_FIFO);
                for (int i = 0; i < PREFILL; i++) {
                    Msg m = new Msg();
                    m.priority = (i * 7) & 31;
                    m.seq = seq.getAndIncrement();
                    m.length = SIZE;
                    jdk.offer(m);
                }
            } else {
                ShmDirectory dir = ShmDirectory.openDefault();
                file = dir.resolve("bench-spq-" + ProcessHandle.current().pid());
                Files.deleteIfExists(file);
                // lanes: each thread sends at all 32 priorities (a lane each), plus the prefill's 16: 128
                // leaves none short, so no send of the measured loop fails for want of a lane
                ours = SharedPriorityQueue.create(file, capacity, SIZE, LANES);
                ByteBuffer src = ByteBuffer.allocateDirect(SIZE);
                for (int i = 0; i < PREFILL; i++) {
                    ours.trySend((i * 7) & 31, src.clear());
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            if (ours != null) {
                ours.close();
                Files.deleteIfExists(file);
            }
        }
    }

    /** Each thread's priority rotation and buffers. */
    @State(Scope.Thread)
    public static class PerThread {
        int next;
        final ByteBuffer src = ByteBuffer.allocateDirect(SIZE);
        final ByteBuffer dst = ByteBuffer.allocateDirect(SIZE);
        final byte[] in = new byte[SIZE];
        final byte[] out = new byte[SIZE];
    }

    static int cycle(Shared s, PerThread t) {
        int priority = (t.next += 13) & 31;
        if (s.jdk != null) {
            Msg m = s.jdk.poll(); // never null: PREFILL messages, at most one out per thread
            System.arraycopy(m.payload, 0, t.out, 0, m.length);
            m.priority = priority;
            m.seq = s.seq.getAndIncrement();
            System.arraycopy(t.in, 0, m.payload, 0, SIZE);
            m.length = SIZE;
            s.jdk.offer(m);
            return m.length;
        }
        SharedPriorityQueue q = s.ours;
        int p = q.tryReceive(t.dst.clear()); // never empty, as above
        q.trySend(priority, t.src.clear());
        return p;
    }

    @Benchmark
    @Threads(1)
    public int receiveSend1(Shared s, PerThread t) {
        return cycle(s, t);
    }

    @Benchmark
    @Threads(2)
    public int receiveSend2(Shared s, PerThread t) {
        return cycle(s, t);
    }
}
