package dev.lockstep.jmh.ipc;

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

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One-way throughput between two processes: the JMH thread sends {@code size}-byte messages, one per
 * operation, to a peer JVM ({@link IpcPeer}, sink mode) that drains and discards them. Every
 * transport is bounded, so a sender faster than the sink waits (back-pressure) and the score is the
 * sustained rate, in messages/µs; × {@code size} it is MB/s (the report shows both).
 *
 * <p>{@code mechanism}: {@code agrona} (the anchor, first: Agrona {@code OneToOneRingBuffer}),
 * {@code agronaManyToOne} (Agrona {@code ManyToOneRingBuffer}, one producer), {@code pipe},
 * {@code fifo}, {@code uds}, {@code tcp} (see {@link Mechanism}); the stream transports make one
 * system call per message (no batching), as a message-at-a-time sender would. Lockstep's
 * {@code lockstep} and {@code lockstepManyToOne} are added when the channel lands.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar IpcThroughputBench -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class IpcThroughputBench {
    @Param({"agrona", "lockstep", "agronaManyToOne", "lockstepManyToOne", "lockstepPriorityQueue", "pipe", "fifo", "uds", "tcp"})
    public String mechanism;

    /** Message length in bytes. */
    @Param({"32", "1024"})
    public int size;

    private IpcSession session;
    private IpcLink link;

    @Setup(Level.Trial)
    public void start() throws IOException {
        session = IpcSession.start(mechanism, IpcPeer.SINK, size);
        link = session.link();
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        session.close();
    }

    @Benchmark
    public void send() throws IOException {
        link.send(size);
    }
}
