package dev.lockstep.core.lock;

import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

/** The lock family, for parameterised tests. */
final class Locks {
    private Locks() {
    }

    static final class Kind {
        final String name;
        final Supplier<? extends SpinLockBase> factory;
        final int maxThreads;
        final boolean fifo;

        Kind(String name, Supplier<? extends SpinLockBase> factory, int maxThreads, boolean fifo) {
            this.name = name;
            this.factory = factory;
            this.maxThreads = maxThreads;
            this.fifo = fifo;
        }

        SpinLockBase create() {
            return factory.get();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Kind> ALL = List.of(
            new Kind("TasLock", TasLock::new, Integer.MAX_VALUE, false),
            new Kind("TtasLock", TtasLock::new, Integer.MAX_VALUE, false),
            new Kind("TicketLock", TicketLock::new, Integer.MAX_VALUE, true),
            new Kind("BakeryLock", BakeryLock::new, BakeryLock.DEFAULT_MAX_THREADS, true),
            new Kind("PetersonLock", PetersonLock::new, 2, true),
            new Kind("FilterLock", FilterLock::new, FilterLock.DEFAULT_MAX_THREADS, false),
            new Kind("ClhLock", ClhLock::new, Integer.MAX_VALUE, true),
            new Kind("McsLock", McsLock::new, Integer.MAX_VALUE, true));

    static Stream<Arguments> all() {
        return ALL.stream().map(Arguments::of);
    }

    static Stream<Arguments> fifo() {
        return ALL.stream().filter(k -> k.fifo && k.maxThreads > 2).map(Arguments::of);
    }

    /** Runs {@code body} in a new thread and returns it, started. */
    static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Waits until {@code t} is parked in a lock's wait loop (SpinPolicy parks after spinning). */
    static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.getName() + " never started waiting; state " + t.getState());
            }
            if (!t.isAlive()) {
                throw new AssertionError(t.getName() + " ended instead of waiting");
            }
            Thread.sleep(1);
        }
    }

    /**
     * Waits until {@code t} is queued in {@code lock}: for the queue locks (ticket, CLH, MCS) parked
     * without a timeout (WAITING), i.e. past the doorway, not in the timed naps of the bounded wait
     * before it (a thread arriving behind queued waiters naps there first); for the other locks as
     * {@link #awaitParked}.
     */
    static void awaitQueued(Lock lock, Thread t) throws InterruptedException {
        if (!(lock instanceof TicketLock || lock instanceof ClhLock || lock instanceof McsLock)) {
            awaitParked(t);
            return;
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != Thread.State.WAITING) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(t.getName() + " never queued; state " + t.getState());
            }
            if (!t.isAlive()) {
                throw new AssertionError(t.getName() + " ended instead of queueing");
            }
            Thread.sleep(1);
        }
    }

    /** Acquires and releases {@code lock} from another thread, failing if that takes over 10 s. */
    static void assertUsableFromAnotherThread(Lock lock) throws InterruptedException {
        boolean[] done = new boolean[1];
        Thread t = start("checker", () -> {
            lock.lock();
            lock.unlock();
            done[0] = true;
        });
        t.join(10_000);
        if (!done[0]) {
            throw new AssertionError("lock unusable: another thread could not acquire it");
        }
    }
}
