package dev.lockstep.jmh.sync;

import dev.lockstep.core.sync.Lockdep;
import dev.lockstep.core.sync.Mutex;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The cost of {@link Lockdep}'s switch: uncontended {@link Mutex} lock/unlock of two nested Mutexes
 * (so that lockdep has an order to check), with lockdep {@code off} (the default; the anchor, first
 * {@code impl}) and {@code warn}, so that the report shows warn as a ratio to off. JMH runs each
 * {@code impl} in its own fork; the setup sets {@code lockstep.lockdep} before the first Mutex is
 * created (Lockdep reads it once, when Mutex is initialised) and checks that the fork has the policy
 * it claims. With the switch off, the checks are dead code and {@code off} runs at the speed of a
 * build without them; {@code warn} shows what checking costs.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class LockdepBench {
    @Param({"off", "warn"})
    public String impl;

    private Mutex outer;
    private Mutex inner;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("lockstep.lockdep", impl);
        outer = new Mutex("outer");
        inner = new Mutex("inner");
        if (!Lockdep.policy().name().equalsIgnoreCase(impl)) {
            throw new IllegalStateException("expected lockdep " + impl + ", is " + Lockdep.policy()
                    + " (was Mutex initialised before the setup in this fork?)");
        }
    }

    @Benchmark
    public long nested() {
        outer.lock();
        try {
            inner.lock();
            try {
                return ++counter;
            } finally {
                inner.unlock();
            }
        } finally {
            outer.unlock();
        }
    }
}
