package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class LockdepTest {
    private final List<PotentialDeadlockException> reports = new ArrayList<>();

    private LockOrderChecker checker(Lockdep.Policy policy) {
        return new LockOrderChecker(policy, reports::add);
    }

    /** Simulates a blocking acquisition through the checker. */
    private static void lock(LockOrderChecker c, Object l) {
        c.beforeAcquire(l);
        c.acquired(l);
    }

    private static void runInThread(Runnable r) throws InterruptedException {
        Thread t = new Thread(r, "other");
        t.start();
        t.join();
    }

    @Test
    void defaultIsOffAndTheSwitchIsConstant() throws Exception {
        assertEquals(Lockdep.Policy.OFF, Lockdep.policy());
        assertFalse(Lockdep.isEnabled());
        assertTrue(java.lang.reflect.Modifier.isFinal(Lockdep.class.getDeclaredField("ENABLED").getModifiers()));
        assertEquals(Lockdep.Policy.THROW, Lockdep.parse("THROW"));
        assertEquals(Lockdep.Policy.WARN, Lockdep.parse(" warn "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Lockdep.parse("loud"));
        assertTrue(e.getMessage().contains("loud"));
    }

    @Test
    void abbaIsReportedWithBothStackTraces() throws Exception {
        LockOrderChecker c = checker(Lockdep.Policy.THROW);
        Object a = "A";
        Object b = "B";
        runInThread(() -> {
            lock(c, a);
            lock(c, b); // establishes A -> B
            c.released(b);
            c.released(a);
        });
        lock(c, b);
        PotentialDeadlockException e = assertThrows(PotentialDeadlockException.class, () -> c.beforeAcquire(a));
        assertSame(b, e.heldLock());
        assertSame(a, e.acquiredLock());
        assertEquals(List.of(a, b), e.reversePath());
        assertTrue(e.getMessage().contains("acquires A while holding B"), e.getMessage());
        assertNotNull(e.getCause(), "the reverse order's stack trace");
        assertTrue(e.getCause().getMessage().contains("A -> B"), e.getCause().getMessage());
        assertTrue(e.getCause().getMessage().contains("\"other\""), e.getCause().getMessage());
        assertTrue(e.getCause().getStackTrace().length > 0);
        assertTrue(e.getStackTrace().length > 0);
        assertEquals(1, reports.size(), "the listener hears about it too");
        c.released(b);
    }

    @Test
    void threeLockCycleIsReported() throws Exception {
        LockOrderChecker c = checker(Lockdep.Policy.THROW);
        Object a = "A";
        Object b = "B";
        Object x = "C";
        runInThread(() -> {
            lock(c, a);
            lock(c, b);
            c.released(b);
            c.released(a);
        });
        runInThread(() -> {
            lock(c, b);
            lock(c, x);
            c.released(x);
            c.released(b);
        });
        lock(c, x);
        PotentialDeadlockException e = assertThrows(PotentialDeadlockException.class, () -> c.beforeAcquire(a));
        assertEquals(List.of(a, b, x), e.reversePath());
        c.released(x);
    }

    @Test
    void consistentOrderAndReentrancyAreFine() {
        LockOrderChecker c = checker(Lockdep.Policy.THROW);
        Object a = "A";
        Object b = "B";
        for (int i = 0; i < 3; i++) {
            lock(c, a);
            lock(c, b);
            lock(c, a); // reentrant while holding b: no edge b -> a
            c.released(a);
            c.released(b);
            c.released(a);
        }
        lock(c, b); // b alone, then nothing: fine
        c.released(b);
        assertTrue(reports.isEmpty());
    }

    @Test
    void warnReportsAndProceeds() {
        LockOrderChecker c = checker(Lockdep.Policy.WARN);
        Object a = "A";
        Object b = "B";
        lock(c, a);
        lock(c, b);
        c.released(b);
        c.released(a);
        lock(c, b);
        lock(c, a); // no exception
        assertEquals(1, reports.size());
        assertSame(a, reports.get(0).acquiredLock());
        c.released(a);
        c.released(b);
    }

    /** Runs {@link LockdepChild} in a JVM with {@code -Dlockstep.lockdep=policy}; returns its output. */
    private static String runChild(String policy) throws Exception {
        return ChildJvm.run(List.of("-Dlockstep.lockdep=" + policy), LockdepChild.class);
    }

    @Test
    void endToEndThrowInAChildJvm() throws Exception {
        String out = runChild("throw");
        assertTrue(out.contains("policy=THROW"), out);
        assertTrue(out.contains("CAUGHT potential deadlock: thread \"t2\" acquires A while holding B"), out);
        assertTrue(out.contains("CAUSE order A -> B established by thread \"t1\""), out);
        assertTrue(out.contains("A held=false B held=false"), out);
    }

    @Test
    void endToEndWarnInAChildJvm() throws Exception {
        String out = runChild("warn");
        assertTrue(out.contains("policy=WARN"), out);
        assertTrue(out.contains("REPORTED potential deadlock"), out);
        assertTrue(out.contains("t2 acquired both"), out);
    }

    @Test
    void endToEndOffInAChildJvm() throws Exception {
        String out = runChild("off");
        assertTrue(out.contains("policy=OFF"), out);
        assertTrue(out.contains("t2 acquired both"), out);
        assertFalse(out.contains("REPORTED"), out);
    }
}
