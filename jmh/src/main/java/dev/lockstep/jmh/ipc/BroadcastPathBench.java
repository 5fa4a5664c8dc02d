package dev.lockstep.jmh.ipc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.broadcast.BroadcastBufferDescriptor;
import org.agrona.concurrent.broadcast.BroadcastTransmitter;
import org.agrona.concurrent.broadcast.CopyBroadcastReceiver;
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
import dev.lockstep.ipc.broadcast.BroadcastReceiver;
import dev.lockstep.ipc.broadcast.BroadcastSender;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * The code path of one {@link BroadcastThroughputBench} message without the processes: producer and
 * one consumer of the same mapped ring in one thread ({@code sendReceive}: one send, then one receive
 * of that message), or the producer alone ({@code send}: the ring wraps, nobody reads). No cache line
 * moves between cores, so what it measures is the instructions, fences and bytes of the two paths;
 * the difference to the throughput bench is the cache-line transfers and the scheduling.
 *
 * <p>{@code impl}: {@code agrona} ({@code BroadcastTransmitter} / {@code CopyBroadcastReceiver} over a
 * mapped file, as {@link BroadcastThroughputBench}'s anchor), {@code lockstep} ({@link BroadcastChannel},
 * copy-then-validate receive). Same ring size and message size as the throughput bench. CPU time per
 * operation does not depend on how loaded the machine is: read it with
 * {@code -prof perfnorm:events=task-clock}, and alternate runs of the two implementations.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar BroadcastPathBench -prof perfnorm:events=task-clock
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class BroadcastPathBench {
    @Param({"agrona", "lockstep"})
    public String impl;
    @Param({"32"})
    public int size;

    private Path dir;
    private BroadcastChannel channel;
    private BroadcastSender sender;
    private BroadcastReceiver receiver;
    private SharedFile agronaFile;
    private BroadcastTransmitter transmitter;
    private CopyBroadcastReceiver agronaReceiver;
    private byte[] message;
    private UnsafeBuffer agronaMessage;
    private long received;
    private final MessageHandler handler = (t, b, o, l) -> received += l;
    private final org.agrona.concurrent.MessageHandler agronaHandler = (t, b, o, l) -> received += l;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = Files.createTempDirectory(Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(
                System.getProperty("java.io.tmpdir")), "lockstep-broadcastpath-");
        message = new byte[size];
        agronaMessage = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
        int capacity = IpcSession.RING_CAPACITY;
        switch (impl) {
            case "lockstep":
                channel = BroadcastChannel.create(dir.resolve(BroadcastBenchPeer.RING), capacity);
                sender = channel.sender();
                receiver = channel.receiver();
                break;
            case "agrona":
                agronaFile = SharedFile.create(dir.resolve(BroadcastBenchPeer.RING), StructureKind.RAW,
                        capacity + BroadcastBufferDescriptor.TRAILER_LENGTH, b -> { }, capacity);
                UnsafeBuffer ring = new UnsafeBuffer(agronaFile.buffer(), SharedFile.STRUCTURE_OFFSET,
                        capacity + BroadcastBufferDescriptor.TRAILER_LENGTH);
                transmitter = new BroadcastTransmitter(ring);
                agronaReceiver = new CopyBroadcastReceiver(new org.agrona.concurrent.broadcast.BroadcastReceiver(ring));
                break;
            default:
                throw new IllegalArgumentException("impl must be agrona or lockstep: " + impl);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        if (channel != null) {
            receiver.close();
            sender.close();
            channel.close();
        }
        if (agronaFile != null) {
            agronaFile.close();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One message through both paths: send it, then receive it (a private copy, validated). */
    @Benchmark
    public long sendReceive() {
        if (sender != null) {
            sender.send(1, message, 0, size);
            receiver.receive(handler, 1);
        } else {
            transmitter.transmit(1, agronaMessage, 0, size);
            agronaReceiver.receive(agronaHandler);
        }
        return received;
    }

    /** The send path alone (the ring wraps; no consumer). */
    @Benchmark
    public long send() {
        if (sender != null) {
            sender.send(1, message, 0, size);
            return sender.position();
        }
        transmitter.transmit(1, agronaMessage, 0, size);
        return 0;
    }
}
