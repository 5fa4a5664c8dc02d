package dev.lockstep.core.sync;

import dev.lockstep.core.internal.WaitNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds deadlocks among threads waiting for {@link Mutex}es, virtual threads included (which
 * {@code ThreadMXBean.findDeadlockedThreads()} does not report).
 *
 * <pre>{@code
 * for (DeadlockDetector.Deadlock d : DeadlockDetector.findDeadlocks()) {
 *     log.error("deadlock: {}", d);   // threads, the Mutex each waits for, and who holds it
 * }
 * }</pre>
 *
 * <p>Algorithm: a wait-for graph. Every thread that ever parked on a Lockstep wait queue has a wait
 * node in a global registry, and while it is queued for a Mutex its node names that Mutex; every Mutex
 * knows its holder. Each waiting thread therefore has one outgoing edge (thread &rarr; holder of the
 * Mutex it waits for), and a deadlock is a cycle of such edges, found by following the edges from each
 * waiting thread (linear in the number of waiting threads). Because the snapshot is taken without
 * stopping the threads, each cycle found is checked a second time, edge by edge; a real deadlock is
 * stable and passes, a transient chain of hand-overs does not.
 *
 * <p>What is seen: threads <em>parked</em> in {@link Mutex#lock()}, {@link Mutex#lockInterruptibly()},
 * {@link Mutex#tryLock(long, java.util.concurrent.TimeUnit)} or re-acquiring after a condition wait.
 * A thread still in its short spin phase is not yet in the graph (it parks within microseconds). Locks
 * of other kinds (synchronized, ReentrantLock) are not part of the graph.
 */
public final class DeadlockDetector {
    private DeadlockDetector() {
    }

    /** One deadlock: a cycle of threads, each waiting for a Mutex held by the next one. */
    public static final class Deadlock {
        private final List<Thread> threads;
        private final List<Mutex> waitingFor;

        Deadlock(List<Thread> threads, List<Mutex> waitingFor) {
            this.threads = Collections.unmodifiableList(threads);
            this.waitingFor = Collections.unmodifiableList(waitingFor);
        }

        /**
         * The threads of the cycle: thread {@code i} waits for a Mutex held by thread {@code i + 1} (mod size).
         *
         * @return the threads of the cycle, in wait-for order
         */
        public List<Thread> threads() {
            return threads;
        }

        /**
         * {@code waitingFor().get(i)} is the Mutex that {@code threads().get(i)} waits for.
         *
         * @return the Mutexes waited for, index by index with {@link #threads()}
         */
        public List<Mutex> waitingFor() {
            return waitingFor;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("deadlock of " + threads.size() + " threads:");
            for (int i = 0; i < threads.size(); i++) {
                sb.append(" \"").append(threads.get(i).getName()).append("\" waits for ")
                        .append(waitingFor.get(i).name() != null ? waitingFor.get(i).name() : "a Mutex")
                        .append(" held by \"").append(threads.get((i + 1) % threads.size()).getName()).append("\";");
            }
            return sb.toString();
        }
    }

    /**
     * The deadlocks among threads parked on Mutexes now; empty if none.
     *
     * @return the cycles of threads waiting for each other's Mutexes, or an empty list
     */
    public static List<Deadlock> findDeadlocks() {
        Map<Thread, WaitNode> nodes = new HashMap<>();
        Map<Thread, Mutex> waits = new HashMap<>();
        for (WaitNode n : WaitNode.REGISTRY) {
            Object b = n.blockedOn();
            if (b instanceof Mutex && n.thread.isAlive()) {
                nodes.put(n.thread, n);
                waits.put(n.thread, (Mutex) b);
            }
        }
        List<Deadlock> result = new ArrayList<>();
        Set<Thread> done = new HashSet<>();
        for (Thread start : waits.keySet()) {
            if (done.contains(start)) {
                continue;
            }
            List<Thread> path = new ArrayList<>();
            Map<Thread, Integer> index = new HashMap<>();
            Thread t = start;
            while (t != null && !done.contains(t) && !index.containsKey(t)) {
                index.put(t, path.size());
                path.add(t);
                Mutex m = waits.get(t);
                t = m == null ? null : m.getOwner();
            }
            if (t != null && index.containsKey(t)) {
                List<Thread> cycle = new ArrayList<>(path.subList(index.get(t), path.size()));
                List<Mutex> locks = new ArrayList<>();
                for (Thread c : cycle) {
                    locks.add(waits.get(c));
                }
                if (stillDeadlocked(cycle, locks, nodes)) {
                    result.add(new Deadlock(cycle, locks));
                }
            }
            done.addAll(path);
        }
        return result;
    }

    /** Re-reads every edge of a cycle found in the snapshot. */
    private static boolean stillDeadlocked(List<Thread> cycle, List<Mutex> locks, Map<Thread, WaitNode> nodes) {
        for (int i = 0; i < cycle.size(); i++) {
            Thread t = cycle.get(i);
            Mutex m = locks.get(i);
            if (nodes.get(t).blockedOn() != m || m.getOwner() != cycle.get((i + 1) % cycle.size())
                    || !t.isAlive()) {
                return false;
            }
        }
        return true;
    }
}
