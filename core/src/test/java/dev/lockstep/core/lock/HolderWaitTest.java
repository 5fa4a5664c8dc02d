package dev.lockstep.core.lock;

import dev.lockstep.core.internal.SpinPolicy;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FIFO locks' wait before the doorway while the holder has nobody queued behind it
 * ({@link SpinLockBase#holderWaitStep}): it keeps the old budget ({@link SpinPolicy#SPINS}
 * {@code onSpinWait()} calls, so the bound on the wait, and so bounded waiting, is unchanged) but looks
 * at the lock only now and then, not after every call: each look reads the lock's words, which a holder
 * taking the lock back to back writes on every acquisition, so looking after every call cost the holder
 * a cache-line transfer on almost every acquisition (README, the FIFO locks' 2-thread rows). That the
 * locks still queue once the wait is spent is checked by {@code LockFairnessTest}
 * ({@code holderReenteringQueuesBehindTheParkedWaiter} waits for the second thread to park).
 */
class HolderWaitTest {

    @Test
    void looksRarelyWithinTheSameBoundedBudget() {
        int looks = 0;
        int step = 0;
        for (int next; (next = SpinLockBase.holderWaitStep(step)) >= 0; step = next) {
            assertTrue(next > step, "every step spins at least once");
            looks++; // the caller looks at the lock once per step
            assertTrue(looks <= SpinPolicy.SPINS + 1, "the wait ends");
        }
        // Budget: at least the old one (SPINS calls) and at most one gap more: the bound stays.
        assertTrue(step >= SpinPolicy.SPINS && step < SpinPolicy.SPINS + SpinLockBase.LOOK_GAP,
                "spins in all: " + step);
        // Looks: the gaps double from 1 up to LOOK_GAP, then stay there: about log2(LOOK_GAP) + 1 +
        // SPINS / LOOK_GAP looks instead of SPINS.
        int expectedMax = 33 - Integer.numberOfLeadingZeros(SpinLockBase.LOOK_GAP)
                + (SpinPolicy.SPINS + SpinLockBase.LOOK_GAP - 1) / SpinLockBase.LOOK_GAP;
        assertTrue(looks <= expectedMax, "looks at the lock: " + looks + " (at most " + expectedMax + ")");
        if (SpinPolicy.SPINS >= 32 && SpinLockBase.LOOK_GAP >= 8) {
            assertTrue(looks * 4 <= SpinPolicy.SPINS, "looks at the lock: " + looks + " for "
                    + SpinPolicy.SPINS + " spins");
        }
    }

    @Test
    void spentBudgetEndsTheWaitAtOnce() {
        assertTrue(SpinLockBase.holderWaitStep(SpinPolicy.SPINS) < 0);
        assertTrue(SpinLockBase.holderWaitStep(Integer.MAX_VALUE) < 0);
    }
}
