package dev.lockstep.core.sync;

/**
 * Main class of the child JVM of {@link LockdepTest}: thread t1 takes A then B; later thread t2 takes
 * B then A (never at the same time, so no real deadlock): lockdep must flag t2's acquisition of A.
 */
public final class LockdepChild {
    private LockdepChild() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("policy=" + Lockdep.policy());
        Lockdep.setListener(r -> System.out.println("REPORTED " + r.getMessage()));
        Mutex a = new Mutex("A");
        Mutex b = new Mutex("B");
        Thread t1 = new Thread(() -> {
            a.lock();
            b.lock();
            b.unlock();
            a.unlock();
        }, "t1");
        t1.start();
        t1.join();
        Thread t2 = new Thread(() -> {
            b.lock();
            try {
                a.lock();
                System.out.println("t2 acquired both");
                a.unlock();
            } catch (PotentialDeadlockException e) {
                System.out.println("CAUGHT " + e.getMessage());
                System.out.println("CAUSE " + e.getCause().getMessage());
            } finally {
                b.unlock();
            }
        }, "t2");
        t2.start();
        t2.join();
        System.out.println("A held=" + a.isLocked() + " B held=" + b.isLocked());
    }
}
