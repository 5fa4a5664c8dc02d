package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad arguments to {@link Monitor}, {@link Event}, {@link SpinBarrier} and {@link SeqLock} get the
 * JDK's exception (null: NullPointerException; out of range: IllegalArgumentException; misuse:
 * IllegalMonitorStateException) with a message naming the problem, and change nothing.
 * ({@link ReadWriteMutex}: {@code ReadWriteMutexJdkContractTest}.)
 */
class SyncArgumentChecksTest {

    private static void npeNaming(String name, Executable call) {
        NullPointerException e = assertThrows(NullPointerException.class, call);
        assertEquals(name, e.getMessage());
    }

    @Test
    void monitorRejectsNullGuardsAndUnitsNamingThem() {
        Monitor m = new Monitor();
        Monitor.Guard g = m.newGuard(() -> true);
        List<Executable> nullGuard = List.of(
                () -> m.enterWhen(null),
                () -> m.enterWhen(null, 1, TimeUnit.SECONDS),
                () -> m.enterWhenUninterruptibly(null),
                () -> m.enterWhenUninterruptibly(null, 1, TimeUnit.SECONDS),
                () -> m.enterIf(null),
                () -> m.enterIf(null, 1, TimeUnit.SECONDS),
                () -> m.enterIfInterruptibly(null),
                () -> m.tryEnterIf(null),
                () -> m.waitFor(null),
                () -> m.waitFor(null, 1, TimeUnit.SECONDS),
                () -> m.waitForUninterruptibly(null),
                () -> m.waitForUninterruptibly(null, 1, TimeUnit.SECONDS),
                () -> m.getWaitQueueLength(null),
                () -> m.hasWaiters(null));
        for (Executable call : nullGuard) {
            npeNaming("guard", call);
            assertFalse(m.isOccupied(), "a rejected call occupies nothing");
        }
        m.enter(); // also while occupying: still NPE, still occupied once
        for (Executable call : nullGuard) {
            npeNaming("guard", call);
        }
        assertEquals(1, m.getOccupiedDepth());
        m.leave();
        List<Executable> nullUnit = List.of(
                () -> m.enter(1, null),
                () -> m.enterInterruptibly(1, null),
                () -> m.enterWhen(g, 1, null),
                () -> m.enterWhenUninterruptibly(g, 1, null),
                () -> m.enterIf(g, 1, null),
                () -> m.waitFor(g, 1, null),
                () -> m.waitForUninterruptibly(g, 1, null));
        for (Executable call : nullUnit) {
            npeNaming("unit", call);
            assertFalse(m.isOccupied());
        }
        npeNaming("condition", () -> m.newGuard(null));
        npeNaming("monitor", () -> new Monitor.Guard(null) {
            @Override
            public boolean isSatisfied() {
                return true;
            }
        });
        Monitor.Guard foreign = new Monitor().newGuard(() -> true);
        assertThrows(IllegalMonitorStateException.class, () -> m.enterWhen(foreign));
        assertThrows(IllegalMonitorStateException.class, () -> m.tryEnterIf(foreign));
        assertFalse(m.isOccupied());
    }

    @Test
    void eventRejectsNullModeAndUnit() {
        npeNaming("mode", () -> new Event(null));
        npeNaming("mode", () -> new Event(null, true));
        Event e = new Event(Event.Mode.AUTO_RESET, true);
        npeNaming("unit", () -> e.await(1, null));
        assertTrue(e.isSet(), "a rejected await consumes no signal");
    }

    @Test
    void spinBarrierRejectsPartiesBelowOne() {
        for (int parties : new int[] {0, -1, Integer.MIN_VALUE}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SpinBarrier(parties));
            assertTrue(e.getMessage().contains(Integer.toString(parties)), e.getMessage());
        }
        assertEquals(1, new SpinBarrier(1).getParties());
    }

    @Test
    void seqLockRejectsUnlockWithoutLock() {
        SeqLock s = new SeqLock();
        assertThrows(IllegalMonitorStateException.class, s::writeUnlock);
        assertEquals(0, s.sequence(), "a rejected unlock changes nothing");
    }
}
