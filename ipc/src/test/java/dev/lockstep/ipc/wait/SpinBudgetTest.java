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
    void waitsThatSleepHalveTheSpinDownToTheFloor() {
        SpinBudget b = new SpinBudget();
        waitOnce(b, SpinBudget.INITIAL_SPINS + KernelIdle.YIELDS, true);
        assertEquals(SpinBudget.INITIAL_SPINS / 2, b.spins());
        for (int i = 0; i < 20; i++) {
            waitOnce(b, b.spins() + KernelIdle.YIELDS, true);
        }
        assertEquals(SpinBudget.MIN_SPINS, b.spins());
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
            waitOnce(b, 30, false);
        }
        assertTrue(Math.abs(b.spins() - 60) <= 4, "converges near 2 x 30: " + b.spins());
        for (int i = 0; i < 40; i++) {
            waitOnce(b, Math.min(b.spins(), 400), false);
        }
        assertTrue(b.spins() >= 400, "longer hot waits grow it: " + b.spins());
    }

    @Test
    void aWaitWithoutStepsTeachesNothingAndAnOpenWaitIsLearntAtTheNextBegin() {
        SpinBudget b = new SpinBudget();
        waitOnce(b, 0, false);
        assertEquals(SpinBudget.INITIAL_SPINS, b.spins());
        b.begin();
        b.step();
        b.slept(); // dropped without end(): the next begin() learns from it
        b.begin();
        assertEquals(SpinBudget.INITIAL_SPINS / 2, b.spins());
    }
}
