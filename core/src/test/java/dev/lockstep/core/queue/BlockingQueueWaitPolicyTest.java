package dev.lockstep.core.queue;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitQueue;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The waiting policy each blocking adapter gives its two wait sets (read from the adapter's private
 * {@code notEmpty}/{@code notFull} fields, so the test checks what the waits use): one spinner with
 * {@link SpinPolicy#SPINS} steps where the side has one thread (none where several threads wait: the
 * MPSC producers, the SPMC consumers, both MPMC sides, which yield at once), then (except in SPSC) up
 * to {@link SpinPolicy#YIELDS} yields, and a
 * thread that finds another spinning yields up to {@link SpinPolicy#YIELDS} times before it parks (the
 * pre-layer waiters' spin-and-yield, against the MPSC park convoy of a second producer; see
 * {@code BlockingQueueAdapter}'s implementation notes). {@code WaitQueueSpinBudgetTest} checks that the
 * layer honours the budgets. No thread busy-yields (bound 0): a waiter that finds the spinner slot taken
 * naps, then parks (the adapter's implementation notes, "Yielding waiters beyond the second").
 */
class BlockingQueueWaitPolicyTest {

    private static WaitQueue waitSet(BlockingQueueAdapter<?> q, String name) throws ReflectiveOperationException {
        Field f = BlockingQueueAdapter.class.getDeclaredField(name);
        f.setAccessible(true);
        return (WaitQueue) f.get(q);
    }

    @Test
    void everyKindsWaitSetsYieldWhenTheSpinnerSlotIsTaken() throws ReflectiveOperationException {
        assertTrue(SpinPolicy.YIELDS > 0 || System.getProperty("lockstep.yields") != null, "default budget");
        for (BlockingQueueAdapter<?> q : new BlockingQueueAdapter<?>[] {new SpscBlockingQueue<Integer>(8),
                new MpscBlockingQueue<Integer>(8), new SpmcBlockingQueue<Integer>(8), new MpmcBlockingQueue<Integer>(8)}) {
            for (String set : new String[] {"notEmpty", "notFull"}) {
                WaitQueue w = waitSet(q, set);
                String what = q.getClass().getSimpleName() + "." + set;
                // A side several threads may wait on (MPSC producers, SPMC consumers, both MPMC sides)
                // yields at once: no onSpinWait steps. The one-thread sides keep the spin.
                boolean shared = set.equals("notFull") ? q instanceof MpscBlockingQueue || q instanceof MpmcBlockingQueue
                        : q instanceof SpmcBlockingQueue || q instanceof MpmcBlockingQueue;
                assertEquals(shared ? 0 : SpinPolicy.SPINS, w.spinBudget(), what);
                // The spinner yields after its spins too, except in SPSC (its convoy breaker yields).
                int spinnerYields = q instanceof SpscBlockingQueue ? 0 : SpinPolicy.YIELDS;
                assertEquals(spinnerYields, w.yieldBudget(), what);
                assertEquals(SpinPolicy.YIELDS, w.busyYieldBudget(), what);
                // No busy yielder: a waiter that finds the spinner slot taken naps, then parks (the
                // twenty-fourth round; one yielder, the twenty-third, left MPSC 2 + 1 and MPMC 2 + 2
                // behind ArrayBlockingQueue). WaitQueueBusyYieldersTest checks that the layer naps.
                assertEquals(0, w.maxBusyYielders(), what);
            }
        }
    }
}
