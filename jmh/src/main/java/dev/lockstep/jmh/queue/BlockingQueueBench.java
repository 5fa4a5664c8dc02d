package dev.lockstep.jmh.queue;

import dev.lockstep.core.queue.MpmcBlockingQueue;
import dev.lockstep.core.queue.MpscBlockingQueue;
import dev.lockstep.core.queue.SpmcBlockingQueue;
import dev.lockstep.core.queue.SpscBlockingQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Lockstep's blocking queues ({@code Spsc/Mpsc/Spmc/MpmcBlockingQueue}) against
 * {@link ArrayBlockingQueue} (the anchor, first {@code impl}), {@link LinkedTransferQueue} and the JCTools
 * queue of the same kind driven by a spin loop (no blocking: the upper bound of what a non-blocking
 * ring gives), capacity {@value #CAPACITY}, one group per kind with its thread discipline:
 * {@code spsc} 1 producer / 1 consumer, {@code mpsc} 2/1, {@code spmc} 1/2, {@code mpmc} 2/2, and
 * {@code spscUncontended} one thread that puts then takes (the fast path's own cost), and
 * {@code mpmcOversubscribed} 4/4 (issue 12: eight threads, more than this machine's cores, so that
 * waiters park and the waiting layer's wake-ups are measured, not only the spinning).
 * The SPSC states also take {@code LockstepRing} (Lockstep's {@code SpscArrayQueue} in the spin loop)
 * and {@code LockstepSpin} ({@code SpscBlockingQueue}'s non-blocking {@code offer}/{@code poll} in the
 * spin loop): with JCTools and Lockstep they split the SPSC cell's gap into the ring, the adapter's
 * per-operation checks, and the waiting (issue 12, fourteenth round).
 *
 * <p>Producers put, consumers take, as fast as they can; the score is puts + takes per microsecond (the
 * {@code :take} sub-score is the transfer rate). So that an iteration can end while a thread waits, put
 * and take are called as {@code offer(e, 1 ms)} / {@code poll(1 ms)} retried until they succeed: under
 * load they never time out, and they run the same spin-then-park path as put/take (the deadline costs
 * one {@code System.nanoTime()} per call, in every implementation alike).
 *
 * <p>{@link LinkedTransferQueue} is unbounded: a {@link Semaphore} of {@value #CAPACITY} permits bounds it
 * (acquired before the put, released after the take), as a user needing back-pressure would do.
 *
 * <p>Elements are one pre-allocated {@code Integer}: with {@code -prof gc}, Lockstep, JCTools and
 * ArrayBlockingQueue show (about) 0 B/op; LinkedTransferQueue allocates a node per element, and any
 * blocking queue may allocate a little when threads park (Lockstep: a thread's node of the waiting
 * layer on its first wait only, reused afterwards; ArrayBlockingQueue: AQS condition nodes).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BlockingQueueBench {
    static final int CAPACITY = 1024;
    static final Integer ELEMENT = 42;
    static final long TIMEOUT_NS = 1_000_000L;
    /**
     * Diagnostic (issue 12, fourteenth round): with {@code -Dlockstep.bench.countSpins=true} in the forks
     * ({@code -jvmArgsAppend}), each side counts its operations and, in the spin loops (JCTools,
     * LockstepRing, LockstepSpin), the operations whose first attempt failed (an empty poll, a full offer:
     * an episode), every failed attempt and the episodes' lengths, and prints them at the end of the trial
     * (warm-up included); the blocking queues' waits are counted by Lockstep's own
     * {@code -Dlockstep.queue.countWaits}. Off: a static final the JIT folds, no code.
     */
    static final boolean COUNT_SPINS = Boolean.getBoolean("lockstep.bench.countSpins");

    /** The queue under test, shared by the threads of one group. */
    public abstract static class Shared {
        BlockingQueue<Integer> blocking;
        Queue<Integer> spinning;
        Semaphore permits;
        /**
         * {@link #COUNT_SPINS}: index 8 operations, 9 episodes, 10 failed attempts (spin loops), 16 + b the
         * spin loops' episodes of 2^(b-1) .. 2^b - 1 failed attempts (a log2 histogram); padded.
         */
        final long[] producerCounts = COUNT_SPINS ? new long[64] : null;
        final long[] consumerCounts = COUNT_SPINS ? new long[64] : null;

        abstract String impl();

        abstract String kind();

        @Setup(Level.Trial)
        public void setUp() {
            switch (impl()) {
                case "ArrayBlockingQueue":
                    blocking = new ArrayBlockingQueue<>(CAPACITY);
                    break;
                case "LinkedTransferQueue":
                    blocking = new LinkedTransferQueue<>();
                    permits = new Semaphore(CAPACITY);
                    break;
                case "JCTools":
                    spinning = switch (kind()) {
                        case "Spsc" -> new org.jctools.queues.SpscArrayQueue<>(CAPACITY);
                        case "Mpsc" -> new org.jctools.queues.MpscArrayQueue<>(CAPACITY);
                        case "Spmc" -> new org.jctools.queues.SpmcArrayQueue<>(CAPACITY);
                        default -> new org.jctools.queues.MpmcArrayQueue<>(CAPACITY);
                    };
                    break;
                case "LockstepRing":
                    // Issue 12 (SPSC cell, fourteenth round): Lockstep's bare ring in JCTools' spin loop.
                    spinning = switch (kind()) {
                        case "Spsc" -> new dev.lockstep.core.queue.SpscArrayQueue<>(CAPACITY);
                        default -> throw new IllegalArgumentException("LockstepRing: SPSC only");
                    };
                    break;
                case "LockstepSpin":
                    // The blocking adapter's non-blocking offer/poll (ring + signal checks, never a wait) in
                    // JCTools' spin loop: with LockstepRing, splits the cell's gap into ring, adapter
                    // checks, and the waiting (timed calls, spins, parks).
                    spinning = switch (kind()) {
                        case "Spsc" -> new SpscBlockingQueue<>(CAPACITY);
                        default -> throw new IllegalArgumentException("LockstepSpin: SPSC only");
                    };
                    break;
                case "Lockstep":
                    blocking = switch (kind()) {
                        case "Spsc" -> new SpscBlockingQueue<>(CAPACITY);
                        case "Mpsc" -> new MpscBlockingQueue<>(CAPACITY);
                        case "Spmc" -> new SpmcBlockingQueue<>(CAPACITY);
                        default -> new MpmcBlockingQueue<>(CAPACITY);
                    };
                    break;
                default:
                    throw new IllegalArgumentException("unknown impl " + impl());
            }
        }

        /**
         * The counting build (issue 12, thirteenth round): with {@code -Dlockstep.queue.countWaits=true}
         * in the forks ({@code -jvmArgsAppend}), prints each Lockstep queue's per-side wait counters at the
         * end of the trial (warm-up included), read through the adapter's package-private
         * {@code waitCounts} by reflection (diagnostic only: no public API for it).
         */
        @TearDown(Level.Trial)
        public void printWaitCounts() throws ReflectiveOperationException {
            if (COUNT_SPINS) {
                System.out.println("SPINCOUNTS " + kind() + " " + impl() + " producer ops/episodes/fails "
                        + producerCounts[8] + " " + producerCounts[9] + " " + producerCounts[10]
                        + " consumer " + consumerCounts[8] + " " + consumerCounts[9] + " " + consumerCounts[10]
                        + " producer-hist " + Arrays.toString(Arrays.copyOfRange(producerCounts, 16, 48))
                        + " consumer-hist " + Arrays.toString(Arrays.copyOfRange(consumerCounts, 16, 48)));
            }
            if (blocking == null || !Boolean.getBoolean("lockstep.queue.countWaits")) {
                return;
            }
            Class<?> c = blocking.getClass();
            while (c != null && !c.getSimpleName().equals("BlockingQueueAdapter")) {
                c = c.getSuperclass();
            }
            if (c == null) {
                return;
            }
            Method m = c.getDeclaredMethod("waitCounts", boolean.class);
            m.setAccessible(true);
            for (boolean consumer : new boolean[]{true, false}) {
                long[] w = (long[]) m.invoke(blocking, consumer);
                if (w != null) {
                    System.out.println("WAITCOUNTS " + kind() + " " + (consumer ? "consumer" : "producer") + " "
                            + Arrays.toString(w));
                }
            }
        }

        final void put(Control control) throws InterruptedException {
            BlockingQueue<Integer> q = blocking;
            if (COUNT_SPINS) {
                producerCounts[8]++;
            }
            if (q == null) {
                while (!spinning.offer(ELEMENT)) {
                    if (COUNT_SPINS) {
                        countFailure(producerCounts);
                    }
                    if (control.stopMeasurement) {
                        return;
                    }
                    Thread.onSpinWait();
                }
                if (COUNT_SPINS) {
                    countEpisodeEnd(producerCounts);
                }
                return;
            }
            Semaphore p = permits;
            if (p != null) {
                while (!p.tryAcquire(TIMEOUT_NS, TimeUnit.NANOSECONDS)) {
                    if (control.stopMeasurement) {
                        return;
                    }
                }
            }
            while (!q.offer(ELEMENT, TIMEOUT_NS, TimeUnit.NANOSECONDS)) {
                if (control.stopMeasurement) {
                    return;
                }
            }
        }

        /** {@link #COUNT_SPINS}: a failed attempt; the first of its operation opens an episode. */
        private static void countFailure(long[] c) {
            if (c[11] != c[8]) { // the first failure of this operation
                c[11] = c[8];
                c[12] = c[10];
                c[9]++;
            }
            c[10]++;
        }

        /** {@link #COUNT_SPINS}: the operation succeeded; if it had failed first, its episode's length. */
        private static void countEpisodeEnd(long[] c) {
            if (c[11] == c[8]) {
                c[16 + Math.min(31, 64 - Long.numberOfLeadingZeros(c[10] - c[12]))]++;
            }
        }

        final Integer take(Control control) throws InterruptedException {
            BlockingQueue<Integer> q = blocking;
            Integer e;
            if (COUNT_SPINS) {
                consumerCounts[8]++;
            }
            if (q == null) {
                while ((e = spinning.poll()) == null) {
                    if (COUNT_SPINS) {
                        countFailure(consumerCounts);
                    }
                    if (control.stopMeasurement) {
                        return null;
                    }
                    Thread.onSpinWait();
                }
                if (COUNT_SPINS) {
                    countEpisodeEnd(consumerCounts);
                }
                return e;
            }
            while ((e = q.poll(TIMEOUT_NS, TimeUnit.NANOSECONDS)) == null) {
                if (control.stopMeasurement) {
                    return null;
                }
            }
            if (permits != null) {
                permits.release();
            }
            return e;
        }
    }

    @State(Scope.Group)
    public static class Spsc extends Shared {
        @Param({"ArrayBlockingQueue", "LinkedTransferQueue", "JCTools", "Lockstep", "LockstepRing", "LockstepSpin"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }

        @Override
        String kind() {
            return "Spsc";
        }
    }

    @State(Scope.Group)
    public static class Mpsc extends Shared {
        @Param({"ArrayBlockingQueue", "LinkedTransferQueue", "JCTools", "Lockstep"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }

        @Override
        String kind() {
            return "Mpsc";
        }
    }

    @State(Scope.Group)
    public static class Spmc extends Shared {
        @Param({"ArrayBlockingQueue", "LinkedTransferQueue", "JCTools", "Lockstep"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }

        @Override
        String kind() {
            return "Spmc";
        }
    }

    @State(Scope.Group)
    public static class Mpmc extends Shared {
        @Param({"ArrayBlockingQueue", "LinkedTransferQueue", "JCTools", "Lockstep"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }

        @Override
        String kind() {
            return "Mpmc";
        }
    }

    /**
     * One thread's own SPSC queue for {@code spscUncontended}: the cost of the calls themselves, one
     * put then one take on the same thread (no cross-core transfer, so the figure holds up on a loaded
     * machine). For the blocking queues this is the fast path's price over the ring's: the adapter's
     * StoreLoad fences and wait-set checks (issue 12).
     */
    @State(Scope.Thread)
    public static class SpscSolo extends Shared {
        @Param({"ArrayBlockingQueue", "LinkedTransferQueue", "JCTools", "Lockstep", "LockstepRing", "LockstepSpin"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }

        @Override
        String kind() {
            return "Spsc";
        }
    }

    /** The MPMC queue of the oversubscribed group (its own state: the groups do not share a queue). */
    @State(Scope.Group)
    public static class MpmcOversubscribed extends Shared {
        @Param({"ArrayBlockingQueue", "LinkedTransferQueue", "JCTools", "Lockstep"})
        public String impl;

        @Override
        String impl() {
            return impl;
        }

        @Override
        String kind() {
            return "Mpmc";
        }
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public void spscPut(Spsc s, Control c) throws InterruptedException {
        s.put(c);
    }

    @Benchmark
    @Group("spsc")
    @GroupThreads(1)
    public Integer spscTake(Spsc s, Control c) throws InterruptedException {
        return s.take(c);
    }

    /** One put then one take on one thread (see {@link SpscSolo}); the score counts both. */
    @Benchmark
    @Threads(1)
    @OperationsPerInvocation(2)
    public Integer spscUncontended(SpscSolo s, Control c) throws InterruptedException {
        s.put(c);
        return s.take(c);
    }

    @Benchmark
    @Group("mpsc")
    @GroupThreads(2)
    public void mpscPut(Mpsc s, Control c) throws InterruptedException {
        s.put(c);
    }

    @Benchmark
    @Group("mpsc")
    @GroupThreads(1)
    public Integer mpscTake(Mpsc s, Control c) throws InterruptedException {
        return s.take(c);
    }

    @Benchmark
    @Group("spmc")
    @GroupThreads(1)
    public void spmcPut(Spmc s, Control c) throws InterruptedException {
        s.put(c);
    }

    @Benchmark
    @Group("spmc")
    @GroupThreads(2)
    public Integer spmcTake(Spmc s, Control c) throws InterruptedException {
        return s.take(c);
    }

    @Benchmark
    @Group("mpmc")
    @GroupThreads(2)
    public void mpmcPut(Mpmc s, Control c) throws InterruptedException {
        s.put(c);
    }

    @Benchmark
    @Group("mpmc")
    @GroupThreads(2)
    public Integer mpmcTake(Mpmc s, Control c) throws InterruptedException {
        return s.take(c);
    }

    @Benchmark
    @Group("mpmcOversubscribed")
    @GroupThreads(4)
    public void mpmcOversubscribedPut(MpmcOversubscribed s, Control c) throws InterruptedException {
        s.put(c);
    }

    @Benchmark
    @Group("mpmcOversubscribed")
    @GroupThreads(4)
    public Integer mpmcOversubscribedTake(MpmcOversubscribed s, Control c) throws InterruptedException {
        return s.take(c);
    }
}
