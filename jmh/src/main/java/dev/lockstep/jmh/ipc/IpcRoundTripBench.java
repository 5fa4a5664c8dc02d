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
 * Round-trip latency between two processes: one {@value #SIZE}-byte message to a peer JVM
 * ({@link IpcPeer}, echo mode) and back, sampled per operation (JMH {@code SampleTime}: the JSON has
 * p50, p99, p99.9 in {@code primaryMetric.scorePercentiles}).
 *
 * <p>{@code mechanism}: {@code agrona} (the anchor, first), {@code floor} (one mapped {@code long}
 * ping-ponged: the hardware floor, reported as measured, not as a competitor), {@code pipe},
 * {@code fifo}, {@code uds}, {@code tcp} (see {@link Mechanism}). Lockstep's {@code lockstep} is
 * added when the channel lands.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar IpcRoundTripBench -prof gc
 * java -jar jmh/target/benchmarks.jar IpcRoundTripBench -p mechanism=agrona,floor
 * </pre>
 *
 * Both processes spin (shared memory) or block in the kernel (the others); on a machine with fewer
 * than two free cores the shared-memory numbers show scheduling, not the transport.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class IpcRoundTripBench {
    /** Message length in bytes. */
    public static final int SIZE = 32;

    @Param({"agrona", "lockstep", "lockstepPriorityQueue", "floor", "pipe", "fifo", "uds", "tcp"})
    public String mechanism;

    private IpcSession session;
    private IpcLink link;

    @Setup(Level.Trial)
    public void start() throws IOException {
        session = IpcSession.start(mechanism, IpcPeer.ECHO, SIZE);
        link = session.link();
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        session.close();
    }

    @Benchmark
    public boolean roundTrip() throws IOException {
        link.send(SIZE);
        return link.receive(SIZE);
    }
}
