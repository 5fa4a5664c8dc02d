package dev.lockstep.core.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SpinPolicy}'s phases with a budget of the caller's own ({@link SpinPolicy#idle(int, int)},
 * {@link SpinPolicy#isParking(int, int)}): spin below the budget, then {@link SpinPolicy#YIELDS} yields,
 * then park; the one-argument forms are the same with {@link SpinPolicy#SPINS}.
 */
class SpinPolicyTest {

    @Test
    void aWaiterParksAfterItsOwnSpinsAndTheYields() {
        for (int spins : new int[] {0, 1, 4, SpinPolicy.SPINS}) {
            int parkFrom = spins + SpinPolicy.YIELDS;
            for (int step = 0; step < parkFrom; step++) {
                assertFalse(SpinPolicy.isParking(step, spins), "spins " + spins + ", step " + step);
            }
            assertTrue(SpinPolicy.isParking(parkFrom, spins), "spins " + spins);
            assertTrue(SpinPolicy.isParking(Integer.MAX_VALUE, spins), "spins " + spins);
        }
    }

    @Test
    void theOneArgumentFormsUseTheCommonBudget() {
        for (int step = 0; step < SpinPolicy.SPINS + SpinPolicy.YIELDS + 2; step++) {
            assertEquals(SpinPolicy.isParking(step, SpinPolicy.SPINS), SpinPolicy.isParking(step), "step " + step);
        }
    }

    @Test
    void aBudgetNearTheIntLimitDoesNotOverflowIntoParking() {
        assertFalse(SpinPolicy.isParking(Integer.MAX_VALUE - 1, Integer.MAX_VALUE));
    }

    @Test
    void idleCountsItsStepsAndStopsAtTheLimit() {
        // Spin phase (step 0 < 4) and yield phase (step 4): each returns the next step; no park is reached.
        assertEquals(1, SpinPolicy.idle(0, 4));
        assertEquals(5, SpinPolicy.idle(4, 4));
        // Past the park phase's start the step saturates instead of wrapping to the spin phase.
        Thread.currentThread().interrupt(); // the park phase then yields instead of napping
        try {
            assertEquals(Integer.MAX_VALUE, SpinPolicy.idle(Integer.MAX_VALUE, 4));
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void theSequenceLockBudgetIsShortByDefault() {
        // Without the properties it is 4 (the README's measurement); never more than the common budget.
        if (System.getProperty("lockstep.spins") == null && System.getProperty("lockstep.seqLockSpins") == null) {
            assertEquals(4, SpinPolicy.SEQLOCK_SPINS);
        }
        assertTrue(SpinPolicy.SEQLOCK_SPINS <= SpinPolicy.SPINS);
    }
}
