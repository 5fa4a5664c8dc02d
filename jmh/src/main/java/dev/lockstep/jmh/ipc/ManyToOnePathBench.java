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
import java.util.concurrent.TimeUnit;

/**
 * The per-message code path of {@link IpcThroughputBench}'s many-to-one cells without the two
 * processes: the sending and the draining end of the same ring ({@link LockstepLink} over a
 * {@code ManyToOneChannel}, {@link AgronaLink} over a {@code ManyToOneRingBuffer}) in one thread, so no
 * cache line moves between cores and the CPU time per message ({@code -prof perfnorm:events=task-clock})
 * does not depend on where the scheduler puts the two spinning processes (issue 12).
 * {@code sendReceive}: one send, then one receive of it (a consumer that keeps up: batches of one);
 * {@code burst}: {@value #BURST} sends, then one drain of them all (a consumer that lags: one batch).
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar ManyToOnePathBench -prof perfnorm:events=task-clock -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
@State(Scope.Thread)
public class ManyToOnePathBench {
    /** Messages per {@code burst} invocation: well below the ring's capacity at the largest size. */
    static final int BURST = 16;

    @Param({"agronaManyToOne", "lockstepManyToOne"})
    public String mechanism;

    /** Message length in bytes, as {@link IpcThroughputBench}'s. */
    @Param({"32", "1024"})
    public int size;

    private Path dir;
    private IpcLink bench;
    private IpcLink peer;

    @Setup(Level.Trial)
    public void start() throws IOException {
        dir = Files.createTempDirectory(IpcSession.baseDir(), "lockstep-m2opath-");
        if (mechanism.equals("agronaManyToOne")) {
            bench = AgronaLink.create(dir.resolve(IpcSession.FILE), true, IpcSession.RING_CAPACITY);
            peer = AgronaLink.open(dir.resolve(IpcSession.FILE), true, IpcSession.RING_CAPACITY);
        } else if (mechanism.equals("lockstepManyToOne")) {
            bench = LockstepLink.create(dir, true, IpcSession.RING_CAPACITY);
            peer = LockstepLink.open(dir, true);
        } else {
            throw new IllegalArgumentException("mechanism must be agronaManyToOne or lockstepManyToOne: " + mechanism);
        }
    }

    @TearDown(Level.Trial)
    public void stop() throws IOException {
        peer.close();
        bench.close();
        IpcSession.deleteTree(dir);
    }

    /** One send, then the sink's drain of it: the path of one message when the consumer keeps up. */
    @Benchmark
    public boolean sendReceive() throws IOException {
        bench.send(size);
        return peer.drain();
    }

    /** {@value #BURST} sends, then one drain of them: the path when the consumer lags (one batch). */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public boolean burst() throws IOException {
        for (int i = 0; i < BURST; i++) {
            bench.send(size);
        }
        return peer.drain();
    }
}
