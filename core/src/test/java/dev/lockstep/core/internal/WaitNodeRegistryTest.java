package dev.lockstep.core.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The wait-node registry behind {@code DeadlockDetector}: registering a thread's node never waits for
 * another thread, in particular not for a registrant that is sweeping out the nodes of dead threads
 * (defect 10 of issue 10: the sweep ran under a monitor, so every registration that met it blocked,
 * and a blocked virtual thread pinned its carrier before JDK 24); and the sweep removes exactly the
 * nodes of terminated threads.
 *
 * <p>The registry is filled through its private entry points (reflection) with the nodes of one live
 * "keeper" thread, so that a sweep has many nodes to visit and none to remove: long enough for a
 * second registration to start while it runs. Size: {@code -Dlockstep.test.registryNodes} (default
 * 300,000, about 25 MB).
 */
@Timeout(120)
class WaitNodeRegistryTest {
    private static final int NODES = Integer.getInteger("lockstep.test.registryNodes", 300_000);

    private static final Constructor<WaitNode> NEW_NODE;
    private static final Method REGISTER;
    private static final Field SWEEP_AT;

    static {
        try {
            NEW_NODE = WaitNode.class.getDeclaredConstructor(Thread.class);
            NEW_NODE.setAccessible(true);
            REGISTER = WaitNode.class.getDeclaredMethod("register", WaitNode.class);
            REGISTER.setAccessible(true);
            SWEEP_AT = WaitNode.class.getDeclaredField("sweepAt");
            SWEEP_AT.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void register(Thread owner) {
        try {
            REGISTER.invoke(null, NEW_NODE.newInstance(owner));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isSweeping(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("removeIf")) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aRegistrationDoesNotWaitForASweepInProgressAndTheSweepRemovesOnlyDeadThreads() throws Exception {
        Thread keeper = new Thread(() -> {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // done
            }
        }, "registry-keeper");
        keeper.setDaemon(true);
        keeper.start();
        int conclusive = 0;
        int attempts = 0;
        try {
            SWEEP_AT.setInt(null, Integer.MAX_VALUE); // no sweep while filling
            for (int i = 0; i < NODES; i++) {
                register(keeper);
            }
            for (; attempts < 5 && conclusive == 0; attempts++) {
                SWEEP_AT.setInt(null, 1); // the next registration sweeps (and keeps every keeper node)
                AtomicBoolean sweeperDone = new AtomicBoolean();
                Thread sweeper = new Thread(() -> {
                    register(Thread.currentThread());
                    sweeperDone.set(true);
                }, "registry-sweeper");
                sweeper.start();
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (!sweeperDone.get() && !isSweeping(sweeper)) {
                    if (System.nanoTime() - deadline > 0) {
                        fail("the sweeper neither swept nor finished");
                    }
                    Thread.onSpinWait();
                }
                if (sweeperDone.get()) {
                    sweeper.join();
                    continue; // finished before we saw it sweep: try again
                }
                AtomicBoolean registered = new AtomicBoolean();
                AtomicBoolean sweepOverWhenRegistered = new AtomicBoolean();
                Thread registrant = new Thread(() -> {
                    register(Thread.currentThread());
                    sweepOverWhenRegistered.set(sweeperDone.get());
                    registered.set(true);
                }, "registry-registrant");
                registrant.start();
                boolean blocked = false;
                while (!registered.get()) {
                    if (registrant.getState() == Thread.State.BLOCKED) {
                        blocked = true; // waiting to enter a monitor: the sweeper's
                    }
                    if (System.nanoTime() - deadline > 0) {
                        fail("the registration did not complete");
                    }
                    Thread.onSpinWait();
                }
                sweeper.join();
                registrant.join();
                assertFalse(blocked, "a registration blocked on a monitor while another thread swept the registry");
                if (!sweepOverWhenRegistered.get()) {
                    conclusive++; // registered while the sweep was still running
                }
            }
        } finally {
            keeper.interrupt();
            keeper.join();
            // Sweep the keeper's nodes out again (from a short-lived thread, whose node goes the same way).
            SWEEP_AT.setInt(null, 1);
            Thread cleaner = new Thread(() -> register(Thread.currentThread()), "registry-cleaner");
            cleaner.start();
            cleaner.join();
        }
        assertTrue(WaitNode.REGISTRY.stream().noneMatch(n -> n.thread == keeper),
                "the sweep removes the nodes of a terminated thread");
        assertTrue(SWEEP_AT.getInt(null) >= 1024, "the threshold is re-armed after the sweep");
        assumeTrue(conclusive > 0, "in " + attempts + " attempts no registration started while a sweep of "
                + NODES + " nodes was running (machine too loaded?): registration during a sweep not shown");
    }

    @Test
    void concurrentRegistrationsAndSweepsKeepAnExactCount() throws Exception {
        Field registered = WaitNode.class.getDeclaredField("registered");
        registered.setAccessible(true);
        // The registry is global: earlier test classes in this JVM leave it as they leave it (the full
        // JDK 25 suite leaves the count 15 above the registry's size, also before this test: see the
        // session note of 2026-11-30; Lincheck's model checker, which runs the blocking queues, and so
        // registrations and sweeps, in threads it may abandon mid-operation, is the suspect). This test
        // checks what its own concurrent registrations and sweeps do to the difference: nothing.
        int baseline = quiescentDelta(registered);
        int sweepAt = SWEEP_AT.getInt(null);
        System.out.println("WaitNodeRegistryTest: count - registry size before the test: " + baseline
                + ", sweep threshold " + sweepAt);
        if (sweepAt == Integer.MAX_VALUE) { // a sweep left 'in progress' by a thread that never finished it
            SWEEP_AT.setInt(null, 1024); // so that this test's registrations sweep
        }
        Thread dead = new Thread("dead");
        dead.start();
        dead.join();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 20_000; i++) {
                    register(dead); // all sweepable: sweeps run again and again, concurrently with offers
                }
            }, "registrant-" + t);
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(SWEEP_AT.getInt(null) >= 1024, "no sweep left in progress");
        // Other threads of this test JVM (earlier test classes' threads waiting for the first time) may
        // register, and trigger a sweep, at any moment: between a removal and the sweep's count update,
        // or an offer and its count, the two differ for a moment. A counting defect makes them differ for
        // good, so compare a quiescent snapshot (same count before and after, no sweep running), for up
        // to 5 s.
        int after = quiescentDelta(registered);
        System.out.println("WaitNodeRegistryTest: count - registry size after the test: " + after);
        assertEquals(baseline, after,
                "concurrent registrations and sweeps changed the difference between the count and the registry");
    }

    /** count - registry size, read when the count is the same before and after the size and no sweep runs. */
    private static int quiescentDelta(Field registered) throws Exception {
        for (int i = 0; i < 500; i++) {
            int before = registered.getInt(null);
            int size = WaitNode.REGISTRY.size();
            int after = registered.getInt(null);
            if (before == after && SWEEP_AT.getInt(null) >= 1024) {
                return after - size;
            }
            Thread.sleep(10);
        }
        return registered.getInt(null) - WaitNode.REGISTRY.size();
    }

    @Test
    void nodesOfLiveThreadsSurviveASweep() throws Exception {
        WaitNode mine = WaitNode.current();
        Thread dead = new Thread(WaitNode::current, "short-lived");
        dead.start();
        dead.join();
        assertTrue(WaitNode.REGISTRY.stream().anyMatch(n -> n.thread == dead));
        SWEEP_AT.setInt(null, 1);
        register(new Thread("never-started")); // the sweep runs in this registration
        assertTrue(WaitNode.REGISTRY.contains(mine), "a live thread's node stays registered");
        assertTrue(WaitNode.REGISTRY.stream().noneMatch(n -> n.thread == dead), "a dead thread's node is swept");
        assertTrue(SWEEP_AT.getInt(null) >= 1024);
    }
}
