package dev.lockstep.core.lincheck;

import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.StressOptions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Shared settings of the Lincheck checks and the sequential specifications used by several of them.
 *
 * <p>Scenario size: {@code threads} parallel threads of {@link #ACTORS_PER_THREAD} operations, after
 * {@link #ACTORS_BEFORE} sequential ones and followed by {@link #ACTORS_AFTER}. Effort, kept small for
 * CI (each check takes seconds): {@code -Dlockstep.lincheck.iterations=N} scenarios per check (default
 * {@value #DEFAULT_ITERATIONS}; 50 for a thorough run), {@code -Dlockstep.lincheck.invocations=N}
 * executions of each scenario (default {@value #DEFAULT_INVOCATIONS}; 1000 for a thorough run; interleavings explored in model
 * checking, runs in stress mode).
 */
public final class LincheckSupport {
    static final int DEFAULT_ITERATIONS = 5;
    static final int DEFAULT_INVOCATIONS = 150;
    static final int ITERATIONS = Integer.getInteger("lockstep.lincheck.iterations", DEFAULT_ITERATIONS);
    static final int INVOCATIONS = Integer.getInteger("lockstep.lincheck.invocations", DEFAULT_INVOCATIONS);
    static final boolean MINIMIZE = Boolean.parseBoolean(System.getProperty("lockstep.lincheck.minimize", "false"));
    static final int ACTORS_PER_THREAD = 3;
    static final int ACTORS_BEFORE = 2;
    static final int ACTORS_AFTER = 1;

    private LincheckSupport() {
    }

    /** Stress mode: runs each scenario {@link #INVOCATIONS} times on real threads. */
    static void stress(Class<?> scenario, Class<?> spec, int threads) {
        stress(scenario, spec, threads, ACTORS_BEFORE, ACTORS_AFTER);
    }

    static void stress(Class<?> scenario, Class<?> spec, int threads, int before, int after) {
        long t0 = System.nanoTime();
        new StressOptions()
                .iterations(ITERATIONS)
                .invocationsPerIteration(INVOCATIONS)
                .threads(threads)
                .actorsPerThread(ACTORS_PER_THREAD)
                .actorsBefore(before)
                .actorsAfter(after)
                .sequentialSpecification(spec)
                .minimizeFailedScenario(MINIMIZE)
                .check(scenario);
        report("stress", scenario, t0);
    }

    /** Model-checking mode: explores up to {@link #INVOCATIONS} interleavings of each scenario. */
    static void modelCheck(Class<?> scenario, Class<?> spec, int threads) {
        modelCheck(scenario, spec, threads, ACTORS_BEFORE, ACTORS_AFTER);
    }

    static void modelCheck(Class<?> scenario, Class<?> spec, int threads, int before, int after) {
        long t0 = System.nanoTime();
        new ModelCheckingOptions()
                .iterations(ITERATIONS)
                .invocationsPerIteration(INVOCATIONS)
                .threads(threads)
                .actorsPerThread(ACTORS_PER_THREAD)
                .actorsBefore(before)
                .actorsAfter(after)
                .sequentialSpecification(spec)
                .minimizeFailedScenario(MINIMIZE)
                .check(scenario);
        report("model checking", scenario, t0);
    }

    private static void report(String mode, Class<?> scenario, long t0) {
        System.out.printf("lincheck %-14s %-40s %6d ms (JDK %d, %d iterations x %d invocations)%n", mode,
                scenario.getName().substring(scenario.getPackageName().length() + 1),
                (System.nanoTime() - t0) / 1_000_000, Runtime.version().feature(), ITERATIONS, INVOCATIONS);
    }

    /**
     * Sequential specification of the FIFO queues: {@link java.util.ArrayDeque} bounded to
     * {@code capacity} ({@code offer} fails when full; {@code fill} inserts {@code min(limit, free)}
     * copies of {@code e}; {@code drain} removes {@code min(limit, size)} from the head). The relaxed
     * operations are checked as "relaxed attempt, then the strict operation if it failed" (a relaxed
     * operation may fail spuriously, by contract), so their specification is the strict one.
     */
    public abstract static class BoundedFifoSpec {
        private final ArrayDeque<Integer> deque = new ArrayDeque<>();
        private final int capacity;

        BoundedFifoSpec(int capacity) {
            this.capacity = capacity;
        }

        public boolean offer(int e) {
            return deque.size() < capacity && deque.offer(e);
        }

        public boolean relaxedOffer(int e) {
            return offer(e);
        }

        public Integer poll() {
            return deque.poll();
        }

        public Integer relaxedPoll() {
            return poll();
        }

        public Integer peek() {
            return deque.peek();
        }

        public Integer relaxedPeek() {
            return peek();
        }

        public int size() {
            return deque.size();
        }

        public boolean isEmpty() {
            return deque.isEmpty();
        }

        public List<Integer> drain(int limit) {
            List<Integer> out = new ArrayList<>();
            while (out.size() < limit && !deque.isEmpty()) {
                out.add(deque.poll());
            }
            return out;
        }

        public List<Integer> drainOne() {
            return drain(1);
        }

        public int fillOne(int e) {
            return fill(e, 1);
        }

        public int fill(int e, int limit) {
            int n = 0;
            while (n < limit && offer(e)) {
                n++;
            }
            return n;
        }

        // Blocking-queue views of the same state (used by the adapters' checks).

        public int remainingCapacity() {
            return capacity == Integer.MAX_VALUE ? Integer.MAX_VALUE : capacity - deque.size();
        }

        public List<Integer> drainToOne() {
            return drain(1);
        }

        public boolean offerNoWait(int e) {
            return offer(e);
        }

        public Integer pollNoWait() {
            return poll();
        }
    }
}
