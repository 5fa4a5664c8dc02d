package dev.lockstep.ipc.wait;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The adaptive spin's rules: grow towards what hot waits need, halve after kernel sleeps, stay in bounds. */
class SpinBudgetTest {

    private static void waitOnce(SpinBudget b, int steps, boolean sleep) {
        b.begin();
        for (int i = 0; i < steps; i++) {
            b.step();
        }
        if (sleep) {
            b.slept();
        }
        b.end();
    }

    @Test
    void startsAtTheFixedSpinOfPolling() {
        assertEquals(SpinBudget.INITIAL_SPINS, new SpinBudget().spins());
    }

    @Test
    void waitsThatSleepHalveTheSpinDownToTheFloorOfPolling() {
        SpinBudget b = new SpinBudget();
        waitOnce(b, SpinBudget.INITIAL_SPINS + 5, false); // needed the yields: 200
        waitOnce(b, b.spins() + 5, false);                 // 400
        assertEquals(4 * SpinBudget.INITIAL_SPINS, b.spins());
        waitOnce(b, b.spins() + KernelIdle.YIELDS, true);
        assertEquals(2 * SpinBudget.INITIAL_SPINS, b.spins());
        for (int i = 0; i < 20; i++) {
            waitOnce(b, b.spins() + KernelIdle.YIELDS, true);
        }
        // never below the polling spin: the owners' liveness check counts on 120 steps before a sleep
        assertEquals(SpinBudget.MIN_SPINS, b.spins());
        assertTrue(SpinBudget.MIN_SPINS + KernelIdle.YIELDS >= 120, "Owners.POLLS_BEFORE_CHECK fits before the first sleep");
    }

    @Test
    void waitsThatNeededTheYieldsDoubleTheSpinUpToTheCeiling() {
        SpinBudget b = new SpinBudget();
        waitOnce(b, SpinBudget.INITIAL_SPINS + 5, false);
        assertEquals(2 * SpinBudget.INITIAL_SPINS, b.spins());
        for (int i = 0; i < 20; i++) {
            waitOnce(b, b.spins() + 1, false);
        }
        assertEquals(SpinBudget.MAX_SPINS, b.spins());
    }

    @Test
    void waitsEndingWithinTheSpinConvergeOnTwiceTheirLength() {
        SpinBudget b = new SpinBudget();
        for (int i = 0; i < 40; i++) {
            waitOnce(b, 300, false); // needs 300: doubles past it, then converges near 600
        }
        assertTrue(Math.abs(b.spins() - 600) <= 8, "converges near 2 x 300: " + b.spins());
        for (int i = 0; i < 60; i++) {
            waitOnce(b, 30, false);
        }
        assertEquals(SpinBudget.MIN_SPINS, b.spins(), "short hot waits bring it back to the floor");
    }

    @Test
    void aWaitWithoutStepsTeachesNothingAndAnOpenWaitIsLearntAtTheNextBegin() {
        SpinBudget b = new SpinBudget();
        waitOnce(b, 0, false);
        assertEquals(SpinBudget.INITIAL_SPINS, b.spins());
        waitOnce(b, SpinBudget.INITIAL_SPINS + 1, false); // 200
        b.begin();
        b.step();
        b.slept(); // dropped without end(): the next begin() learns from it
        b.begin();
        assertEquals(SpinBudget.INITIAL_SPINS, b.spins());
    }
}
