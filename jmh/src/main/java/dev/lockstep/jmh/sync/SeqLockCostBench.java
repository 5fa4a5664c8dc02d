package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.SeqLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The uncontended costs of {@link SeqLock}'s two sides, one thread, separately (ReadMostlyBench mixes
 * them 9:1): a write of a two-field record, and an optimistic read of it. Average time per operation;
 * used to check that parking waiters (issue 12) left the uncontended writer and reader costs alone.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class SeqLockCostBench {
    private final SeqLock seq = new SeqLock();
    private long x;
    private long y;

    @Benchmark
    public long write() {
        seq.writeLock();
        try {
            x++;
            return --y;
        } finally {
            seq.writeUnlock();
        }
    }

    @Benchmark
    public long read() {
        long s;
        long a;
        long b;
        do {
            s = seq.readBegin();
            a = x;
            b = y;
        } while (!seq.readValidate(s));
        return a + b;
    }
}
