package dev.lockstep.jmh.report;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JMH profiler that records where the hypervisor has put the machine's two vCPUs, once before and once after
 * every iteration: two threads hand one cache line back and forth ({@value #BATCHES} batches of
 * {@value #ROUND_TRIPS} round trips) and the fastest batch's mean round trip is reported, in ns, as the
 * secondary results {@value #BEFORE} and {@value #AFTER}. On this project's 2-vCPU VM it is bimodal (issue 12,
 * the cache-line floor cell): about 50-60 ns when the two vCPUs run on two cores that share a cache (not hyperthreads of one core: a
 * throughput-bound loop runs as fast on both vCPUs at once as alone in that mode, issue 12's twelfth round), 150-400 ns
 * across cores without one; cross-core benchmarks (queues between two threads, rings between two processes) follow that mode, and
 * it changes during a run, so {@link HeadlineReport} compares ours and the anchor per mode. The fastest batch
 * needs both threads on a CPU at once for only {@value #ROUND_TRIPS} round trips, so a busy guest does not
 * move it; between iterations the benchmark's threads are idle. Costs a few ms per iteration, outside the
 * measurement.
 */
public final class PlacementProbe implements InternalProfiler {
    static final String BEFORE = "placement.rtt.before";
    static final String AFTER = "placement.rtt.after";
    static final int BATCHES = 2_000;
    static final int ROUND_TRIPS = 16;
    /** A probe stops after this long even if the echo thread hardly ran (a very busy guest). */
    static final long PROBE_LIMIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private double before = Double.NaN;

    @Override
    public String getDescription() {
        return "cache-line round trip between two threads before and after each iteration (host placement mode)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        before = probe();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        double after = probe();
        return List.of(new ScalarResult(BEFORE, before, "ns", AggregationPolicy.AVG),
                new ScalarResult(AFTER, after, "ns", AggregationPolicy.AVG));
    }

    /** The shared line: the turn counter, padded off its neighbours. */
    static final class Line {
        long p0, p1, p2, p3, p4, p5, p6;
        long turn;
        long q0, q1, q2, q3, q4, q5, q6;
        volatile boolean stop;
    }

    private static final VarHandle TURN;

    static {
        try {
            TURN = MethodHandles.lookup().findVarHandle(Line.class, "turn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One probe: the fastest batch's mean round trip in ns (NaN if no batch completed in time). */
    static double probe() {
        Line line = new Line();
        Thread echo = new Thread(() -> echo(line), "placement-probe-echo");
        echo.setDaemon(true);
        echo.start();
        long best = Long.MAX_VALUE;
        long k = 0;
        long limit = System.nanoTime() + PROBE_LIMIT_NANOS;
        outer:
        for (int b = 0; b < BATCHES; b++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < ROUND_TRIPS; i++) {
                k += 2;
                TURN.setRelease(line, k - 1); // release: hands the line to the echo thread (nothing else to publish)
                if (!awaitTurn(line, k, limit)) {
                    break outer;
                }
            }
            long t = System.nanoTime() - t0;
            best = Math.min(best, t);
            if (t0 - limit > 0) {
                break;
            }
        }
        line.stop = true;
        try {
            echo.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return best == Long.MAX_VALUE ? Double.NaN : (double) best / ROUND_TRIPS;
    }

    /** Waits until the turn is {@code k}; false once {@code limit} (System.nanoTime) has passed. */
    private static boolean awaitTurn(Line line, long k, long limit) {
        int spins = 0;
        while ((long) TURN.getAcquire(line) != k) { // acquire: the echo's release store of k
            Thread.onSpinWait();
            if ((++spins & 0xFFFF) == 0 && System.nanoTime() - limit > 0) {
                return false;
            }
        }
        return true;
    }

    private static void echo(Line line) {
        long seen = 0;
        while (!line.stop) {
            long t = (long) TURN.getAcquire(line); // acquire: the prober's release store
            if (t > seen && (t & 1) == 1) {
                seen = t + 1;
                TURN.setRelease(line, seen); // release: hands the line back
            } else {
                Thread.onSpinWait();
            }
        }
    }
}
