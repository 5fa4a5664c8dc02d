package dev.lockstep.core.sync;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Consumer;

import dev.lockstep.core.internal.jfr.Jfr;

/**
 * The lock-order graph behind {@link Lockdep}. Package-private and instantiable, so that tests check
 * the graph and cycle logic directly while the JVM-wide switch stays a {@code static final} constant.
 *
 * <p>Nodes are locks (keys compared by identity: Mutex does not override equals), held weakly; an edge
 * {@code a -> b} means "some thread acquired b while holding a" and keeps the stack trace of the first
 * such acquisition. Each thread's held locks are a per-thread list.
 */
final class LockOrderChecker {
    private final Lockdep.Policy policy;
    private volatile Consumer<? super PotentialDeadlockException> listener;
    /** Guarded by this. */
    private final Map<Object, Map<Object, Throwable>> edges = new WeakHashMap<>();
    private final ThreadLocal<ArrayList<Object>> held = ThreadLocal.withInitial(ArrayList::new);

    LockOrderChecker(Lockdep.Policy policy, Consumer<? super PotentialDeadlockException> listener) {
        this.policy = policy;
        this.listener = listener;
    }

    void setListener(Consumer<? super PotentialDeadlockException> listener) {
        this.listener = listener;
    }

    /**
     * Called before a blocking acquisition of {@code lock}: adds the edges from every held lock, or
     * reports the first one that closes a cycle.
     *
     * @throws PotentialDeadlockException under {@link Lockdep.Policy#THROW}, before any edge is added
     */
    void beforeAcquire(Object lock) {
        List<Object> mine = held.get();
        if (mine.isEmpty() || containsIdentity(mine, lock)) {
            return; // nothing held, or a reentrant acquisition: no new order
        }
        PotentialDeadlockException report = null;
        synchronized (this) {
            for (Object h : mine) {
                Map<Object, Throwable> out = edges.get(h);
                if (out != null && out.containsKey(lock)) {
                    continue; // order already known
                }
                List<Object> reverse = path(lock, h);
                if (reverse != null) {
                    report = describe(h, lock, reverse);
                    break;
                }
            }
            if (report == null) {
                for (Object h : mine) {
                    Map<Object, Throwable> out = edges.computeIfAbsent(h, k -> new WeakHashMap<>());
                    if (!out.containsKey(lock)) {
                        out.put(lock, new Throwable("order " + label(h) + " -> " + label(lock) + " established by thread \""
                                + Thread.currentThread().getName() + "\" here"));
                    }
                }
            }
        }
        if (report != null) {
            Jfr.potentialDeadlock(label(report.heldLock()), label(lock), report.getCause().getMessage(), report.getMessage());
            listener.accept(report);
            if (policy == Lockdep.Policy.THROW) {
                throw report;
            }
        }
    }

    /** Called once a thread holds {@code lock} (every acquisition, reentrant or not). */
    void acquired(Object lock) {
        held.get().add(lock);
    }

    /** Called when a thread releases one hold of {@code lock}. */
    void released(Object lock) {
        List<Object> mine = held.get();
        for (int i = mine.size() - 1; i >= 0; i--) {
            if (mine.get(i) == lock) {
                mine.remove(i);
                return;
            }
        }
    }

    /** A path from {@code from} to {@code to} in the graph (breadth first), or null. Holding this. */
    private List<Object> path(Object from, Object to) {
        Map<Object, Object> parent = new IdentityHashMap<>();
        ArrayDeque<Object> todo = new ArrayDeque<>();
        parent.put(from, from);
        todo.add(from);
        while (!todo.isEmpty()) {
            Object at = todo.poll();
            if (at == to) {
                ArrayList<Object> result = new ArrayList<>();
                for (Object p = to; p != from; p = parent.get(p)) {
                    result.add(p);
                }
                result.add(from);
                Collections.reverse(result);
                return result;
            }
            Map<Object, Throwable> out = edges.get(at);
            if (out != null) {
                for (Object next : out.keySet()) {
                    if (parent.putIfAbsent(next, at) == null) {
                        todo.add(next);
                    }
                }
            }
        }
        return null;
    }

    private PotentialDeadlockException describe(Object heldLock, Object acquiring, List<Object> reverse) {
        StringBuilder sb = new StringBuilder("potential deadlock: thread \"")
                .append(Thread.currentThread().getName()).append("\" acquires ").append(label(acquiring))
                .append(" while holding ").append(label(heldLock)).append(", but the reverse order ");
        for (int i = 0; i < reverse.size(); i++) {
            sb.append(i == 0 ? "" : " -> ").append(label(reverse.get(i)));
        }
        sb.append(" was established earlier (see the cause for where); two threads taking both orders at"
                + " once deadlock");
        Throwable first = edges.get(reverse.get(0)).get(reverse.get(1));
        return new PotentialDeadlockException(sb.toString(), heldLock, acquiring,
                Collections.unmodifiableList(reverse), first);
    }

    /** A lock's name for reports: a Mutex's name, else its identity. */
    static String label(Object lock) {
        if (lock instanceof Mutex) {
            Mutex m = (Mutex) lock;
            return m.name() != null ? m.name() : "Mutex@" + Integer.toHexString(System.identityHashCode(m));
        }
        return String.valueOf(lock);
    }

    private static boolean containsIdentity(List<Object> list, Object o) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == o) {
                return true;
            }
        }
        return false;
    }

    /** For tests: forget the current thread's held locks. */
    void clearHeld() {
        held.get().clear();
    }
}
