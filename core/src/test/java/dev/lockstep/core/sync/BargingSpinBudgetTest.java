package dev.lockstep.core.sync;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitQueue;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which spin budget each waiting-layer user gives its queue: the barging (non-fair) modes of Mutex,
 * Semaphore and ReadWriteMutex use the short {@link SpinPolicy#BARGE_SPINS}; the fair modes keep
 * theirs (Mutex and ReadWriteMutex {@link SpinPolicy#SPINS}, Semaphore none). Read from the queue the
 * primitive holds (its private {@code queue} field), so the test checks what the acquisition path
 * uses; {@code WaitQueueSpinBudgetTest} checks that the layer's spin honours the budget. Also
 * {@link SeqLock}'s watcher, which spins outside the layer with {@link SpinPolicy#SEQLOCK_SPINS}
 * ({@code SpinPolicyTest} checks the phases of a budget).
 */
class BargingSpinBudgetTest {

    private static WaitQueue queue(Object primitive) throws ReflectiveOperationException {
        Field f = primitive.getClass().getDeclaredField("queue");
        f.setAccessible(true);
        return (WaitQueue) f.get(primitive);
    }

    private static int budget(Object primitive) throws ReflectiveOperationException {
        return queue(primitive).spinBudget();
    }

    @Test
    void mutex() throws ReflectiveOperationException {
        assertEquals(SpinPolicy.BARGE_SPINS, budget(new Mutex()));
        assertEquals(SpinPolicy.BARGE_SPINS, budget(new Mutex(false)));
        assertEquals(SpinPolicy.SPINS, budget(new Mutex(true)));
    }

    @Test
    void semaphore() throws ReflectiveOperationException {
        assertEquals(SpinPolicy.BARGE_SPINS, budget(new Semaphore(1)));
        assertEquals(SpinPolicy.BARGE_SPINS, budget(new Semaphore(1, false)));
        assertEquals(0, budget(new Semaphore(1, true)));
    }

    @Test
    void readWriteMutex() throws ReflectiveOperationException {
        assertEquals(SpinPolicy.BARGE_SPINS, budget(new ReadWriteMutex()));
        assertEquals(SpinPolicy.BARGE_SPINS, budget(new ReadWriteMutex(false)));
        assertEquals(SpinPolicy.SPINS, budget(new ReadWriteMutex(true)));
    }

    @Test
    void theLocksAndSemaphoresKeepTheOneSpinnerRule() throws ReflectiveOperationException {
        // A thread that finds another spinning parks at once: only the blocking queues' wait sets yield
        // then (BlockingQueueWaitPolicyTest); these primitives' headline cells depend on the rule.
        for (Object p : new Object[] {new Mutex(), new Mutex(true), new Semaphore(1), new Semaphore(1, true),
                new ReadWriteMutex(), new ReadWriteMutex(true)}) {
            assertEquals(0, queue(p).busyYieldBudget(), p.getClass().getSimpleName());
        }
    }

    @Test
    void seqLocksWatcherSpinsTheSequenceLockBudget() {
        // The watcher (SeqLock.awaitEven) spins this many steps before it yields: the short sequence-lock
        // budget, not the common one (issue 12, eighteenth round: 100 steps ran the read-mostly
        // benchmark at a third of the speed of 4).
        assertEquals(SpinPolicy.SEQLOCK_SPINS, SeqLock.WATCH_SPINS);
        if (System.getProperty("lockstep.spins") == null && System.getProperty("lockstep.seqLockSpins") == null) {
            assertEquals(4, SeqLock.WATCH_SPINS);
        }
    }

    @Test
    void theBudgetsDifferByDefault() {
        // Without the two properties the barging budget is the short one: otherwise the checks above
        // could not tell the two policies apart.
        if (System.getProperty("lockstep.spins") == null && System.getProperty("lockstep.bargeSpins") == null) {
            assertEquals(4, SpinPolicy.BARGE_SPINS);
            assertEquals(100, SpinPolicy.SPINS);
        }
    }
}
