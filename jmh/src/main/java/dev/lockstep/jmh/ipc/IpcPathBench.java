package dev.lockstep.jmh.ipc;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The code path of one {@link IpcRoundTripBench} round trip without the two processes: both ends of
 * the same links ({@link LockstepLink}, {@link AgronaLink}) in one thread, so the four operations
 * (send, receive, echo send, echo receive) run back to back and no cache line moves between cores.
 * What it measures is the instructions and fences of the send and receive paths; the difference to
 * the two-process round trip is the cost of the cache-line transfers.
 *
 * <p>CPU time per operation does not depend on how loaded the machine is (the round trip's latency
 * does): read it with {@code -prof perfnorm:events=task-clock}.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar IpcPathBench -prof perfnorm:events=task-clock,context-switches
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class IpcPathBench {
    @Param({"agrona", "lockstep", "lockstepPriorityQueue"})
    public String mechanism;

    /** Messages per {@link #burst} invocation: half a priority-queue lane of {@link PriorityQueueLink}. */
    static final int BURST = 32;

    private Path dir;
    private IpcLink bench;
    private IpcLink peer;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = Files.createTempDirectory(Path.of(Files.isWritable(Path.of("/dev/shm")) ? "/dev/shm"
                : System.getProperty("java.io.tmpdir")), "lockstep-ipcpath-");
        switch (mechanism) {
            case "agrona":
                bench = AgronaLink.create(dir.resolve(IpcSession.FILE), false, IpcSession.RING_CAPACITY);
                peer = AgronaLink.open(dir.resolve(IpcSession.FILE), false, IpcSession.RING_CAPACITY);
                break;
            case "lockstep":
                bench = LockstepLink.create(dir, false, IpcSession.RING_CAPACITY);
                peer = LockstepLink.open(dir, false);
                break;
            case "lockstepPriorityQueue":
                bench = PriorityQueueLink.create(dir);
                peer = PriorityQueueLink.open(dir);
                break;
            default:
                throw new IllegalArgumentException("mechanism must be agrona, lockstep or lockstepPriorityQueue: " + mechanism);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        peer.close();
        bench.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** One round trip's four operations, as IpcRoundTripBench and IpcPeer's echo loop run them. */
    @Benchmark
    public boolean roundTrip() throws IOException {
        bench.send(IpcRoundTripBench.SIZE);
        peer.receive(IpcRoundTripBench.SIZE);
        peer.send(IpcRoundTripBench.SIZE);
        return bench.receive(IpcRoundTripBench.SIZE);
    }

    /**
     * {@link IpcThroughputBench}'s shape in one thread: {@value #BURST} sends of
     * {@link IpcRoundTripBench#SIZE} bytes, then the sink's drain (one batch receive), per message. The
     * instructions of the throughput cell's sender and sink without its line transfers (issue 12: the
     * priority queue's sender against the channel's).
     */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public boolean burst() throws IOException {
        for (int i = 0; i < BURST; i++) {
            bench.send(IpcRoundTripBench.SIZE);
        }
        return peer.drain();
    }
}
