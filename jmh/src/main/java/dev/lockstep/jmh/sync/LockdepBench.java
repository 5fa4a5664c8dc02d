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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The cost of {@link Lockdep}'s switch: uncontended {@link Mutex} lock/unlock of two nested Mutexes
 * (so that lockdep has an order to check), with {@code -Dlockstep.lockdep=off} (the default; the
 * baseline, first method) and in a separate fork with {@code -Dlockstep.lockdep=warn}. With the switch
 * off, the checks are dead code and {@code lockdepOff} runs at the speed of a build without them; the
 * {@code warn} fork shows what checking costs. Each method verifies in setup that its fork has the
 * policy it claims. No {@code impl} parameter: the baseline is the {@code lockdepOff} method.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
public class LockdepBench {

    @State(Scope.Thread)
    public static class Locks {
        final Mutex outer = new Mutex("outer");
        final Mutex inner = new Mutex("inner");
        long counter;
    }

    private static long nested(Locks s) {
        s.outer.lock();
        try {
            s.inner.lock();
            try {
                return ++s.counter;
            } finally {
                s.inner.unlock();
            }
        } finally {
            s.outer.unlock();
        }
    }

    @State(Scope.Thread)
    public static class Off extends Locks {
        @Setup(Level.Trial)
        public void check() {
            if (Lockdep.isEnabled()) {
                throw new IllegalStateException("expected lockdep off, is " + Lockdep.policy());
            }
        }
    }

    @State(Scope.Thread)
    public static class On extends Locks {
        @Setup(Level.Trial)
        public void check() {
            if (Lockdep.policy() != Lockdep.Policy.WARN) {
                throw new IllegalStateException("expected lockdep warn, is " + Lockdep.policy());
            }
        }
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dlockstep.lockdep=off")
    public long lockdepOff(Off s) {
        return nested(s);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = "-Dlockstep.lockdep=warn")
    public long lockdepWarn(On s) {
        return nested(s);
    }
}
