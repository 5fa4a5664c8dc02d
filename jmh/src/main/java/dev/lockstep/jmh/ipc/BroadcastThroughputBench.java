package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;
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
import org.openjdk.jmh.annotations.Warmup;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.broadcast.BroadcastSender;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * Broadcast throughput to 1, 2 and 4 consumer processes ({@link BroadcastBenchPeer}): one operation =
 * one {@code size}-byte message delivered to every consumer. A broadcast producer never waits, so the
 * bench paces it against the slowest consumer (it stays at most half a ring of messages ahead, read
 * from the consumers' counters every 64 sends): the score is the rate every consumer sustains without
 * loss, in messages/µs. Any loss fails the trial (tear-down).
 *
 * <p>{@code impl}: {@code agrona} (the anchor: Agrona {@code BroadcastTransmitter} /
 * {@code CopyBroadcastReceiver} over a mapped file with a ring of the same size), {@code lockstep}
 * ({@link BroadcastChannel}, copy-then-validate receive), {@code oneToOne} (one Lockstep
 * {@link OneToOneChannel} per consumer, the message sent to each: fan-out by point-to-point channels).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar BroadcastThroughputBench -foe true
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class BroadcastThroughputBench {
    @Param({"agrona", "lockstep", "oneToOne"})
    public String impl;
    @Param({"1", "2", "4"})
    public int consumers;
    @Param({"32"})
    public int size;

    private Path dir;
    private final List<Process> peers = new ArrayList<>();
    private SharedFile counters;
    private ByteBuffer c;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private BroadcastSender lockstep;
    private BroadcastTransmitter agrona;
    private Sender[] oneToOne;
    private byte[] message;
    private UnsafeBuffer agronaMessage;
    private long sent;
    private long window;
    /** How the paced producer waits (backoff: on a shared machine a spinning producer starves its consumers). */
    private final org.agrona.concurrent.IdleStrategy idle = dev.lockstep.ipc.shm.Idle.backoff();

    @Setup(Level.Trial)
    public void start() throws Exception {
        dir = Files.createTempDirectory(Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(
                System.getProperty("java.io.tmpdir")), "lockstep-broadcastbench-");
        message = new byte[size];
        agronaMessage = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        counters = SharedFile.create(dir.resolve(BroadcastBenchPeer.COUNTERS), StructureKind.RAW,
                (long) MappedAccess.LINE * consumers, b -> { });
        c = counters.buffer();
        int capacity = IpcSession.RING_CAPACITY;
        window = capacity / 2 / (MappedAccess.align(size, 8) + 16);
        switch (impl) {
            case "lockstep": {
                BroadcastChannel ch = BroadcastChannel.create(dir.resolve(BroadcastBenchPeer.RING), capacity);
                closeables.add(ch);
                lockstep = ch.sender();
                break;
            }
            case "agrona": {
                SharedFile f = SharedFile.create(dir.resolve(BroadcastBenchPeer.RING), StructureKind.RAW,
                        capacity + BroadcastBufferDescriptor.TRAILER_LENGTH, b -> { }, capacity);
                closeables.add(f);
                agrona = new BroadcastTransmitter(new UnsafeBuffer(f.buffer(), SharedFile.STRUCTURE_OFFSET,
                        capacity + BroadcastBufferDescriptor.TRAILER_LENGTH));
                break;
            }
            case "oneToOne": {
                oneToOne = new Sender[consumers];
                for (int i = 0; i < consumers; i++) {
                    OneToOneChannel ch = OneToOneChannel.create(dir.resolve(BroadcastBenchPeer.RING + i), capacity);
                    closeables.add(ch);
                    oneToOne[i] = ch.sender();
                }
                break;
            }
            default:
                throw new IllegalArgumentException("impl: " + impl);
        }
        for (int i = 0; i < consumers; i++) {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    IpcSession.AGRONA_FLAG, "-XX:+UseSerialGC", "-Xmx64m", "-Dlockstep.ipc.dir=" + dir,
                    "-cp", System.getProperty("java.class.path"), BroadcastBenchPeer.class.getName(), impl, dir.toString(),
                    Integer.toString(i)));
            peers.add(new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("peer" + i + ".log").toFile()).start());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < consumers; i++) {
            // Acquire: pairs with the peer's release of its ready flag (its receiver is positioned).
            while ((long) MappedAccess.LONG.getAcquire(c, line(i) + BroadcastBenchPeer.READY) == 0) {
                if (!peers.get(i).isAlive() || System.nanoTime() - deadline > 0) {
                    throw new IOException("consumer " + i + " not ready: " + Files.readString(dir.resolve("peer" + i + ".log")));
                }
                Thread.sleep(1);
            }
        }
    }

    private static int line(int i) {
        return SharedFile.STRUCTURE_OFFSET + MappedAccess.LINE * i;
    }

    @Benchmark
    public long broadcast() {
        if ((sent & 63) == 0 && oneToOne == null) {
            pace();
        }
        switch (impl) {
            case "lockstep":
                lockstep.send(1, message, 0, size);
                break;
            case "agrona":
                agrona.transmit(1, agronaMessage, 0, size);
                break;
            default:
                for (Sender s : oneToOne) {
                    try {
                        s.send(1, message, 0, size); // blocks while that consumer's ring is full
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
        }
        return ++sent;
    }

    /** Waits until the slowest consumer is at most {@link #window} messages behind. */
    private void pace() {
        idle.reset();
        for (int i = 0; i < consumers; i++) {
            // Opaque: the consumer's count, untorn and recent; it orders nothing.
            while (sent - (long) MappedAccess.LONG.getOpaque(c, line(i) + BroadcastBenchPeer.RECEIVED) > window) {
                if (!peers.get(i).isAlive()) {
                    throw new IllegalStateException("consumer " + i + " died");
                }
                idle.idle();
            }
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        long lost = 0;
        for (int i = 0; i < consumers; i++) {
            // Opaque: as in pace().
            lost += (long) MappedAccess.LONG.getOpaque(c, line(i) + BroadcastBenchPeer.LOST);
        }
        for (Process p : peers) {
            p.destroyForcibly().waitFor();
        }
        for (AutoCloseable a : closeables) {
            a.close();
        }
        counters.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        if (lost > 0) {
            throw new IllegalStateException(impl + ": a consumer was lapped (lost " + lost + "): the pacing failed");
        }
    }
}
