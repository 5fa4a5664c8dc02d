package dev.lockstep.core.sync;

/**
 * Example: the dining philosophers on a {@link Monitor} (Hoare 1974's solution with guards instead of
 * explicit signals): philosopher {@code i} may eat when neither neighbour eats, and takes both forks
 * in one atomic step, so there is no hold-and-wait and hence no deadlock.
 */
final class MonitorDiningPhilosophers {
    private final Monitor monitor = new Monitor();
    private final int n;
    private final boolean[] eating; // guarded by monitor
    private final Monitor.Guard[] canEat;

    MonitorDiningPhilosophers(int philosophers) {
        if (philosophers < 2) {
            throw new IllegalArgumentException("philosophers must be >= 2: " + philosophers);
        }
        n = philosophers;
        eating = new boolean[n];
        canEat = new Monitor.Guard[n];
        for (int i = 0; i < n; i++) {
            int me = i;
            canEat[i] = monitor.newGuard(() -> !eating[left(me)] && !eating[right(me)]);
        }
    }

    int left(int i) {
        return (i + n - 1) % n;
    }

    int right(int i) {
        return (i + 1) % n;
    }

    /** Waits until both neighbours are not eating, then starts eating. */
    void pickUp(int i) throws InterruptedException {
        monitor.enterWhen(canEat[i]);
        try {
            eating[i] = true;
        } finally {
            monitor.leave();
        }
    }

    /** Stops eating; leaving wakes a hungry neighbour whose guard became true. */
    void putDown(int i) {
        monitor.enter();
        try {
            eating[i] = false;
        } finally {
            monitor.leave();
        }
    }
}
