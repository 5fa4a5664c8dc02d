package dev.lockstep.core.lock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deterministic checks of the fairness claims in the README's property table: FIFO order for the
 * ticket, Bakery, CLH and MCS locks, and bounded waiting (no second entry while the other waits) for
 * Peterson's lock.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LockFairnessTest {

    /**
     * The main thread holds the lock while waiters arrive one at a time (each is parked in the lock's
     * wait loop before the next starts); after release they must enter in arrival order.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#fifo")
    void waitersEnterInArrivalOrder(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();
        lock.lock();
        for (int i = 0; i < 5; i++) {
            int id = i;
            Thread t = Locks.start("waiter-" + i, () -> {
                lock.lock();
                try {
                    order.add(id);
                } finally {
                    lock.unlock();
                }
            });
            Locks.awaitQueued(lock, t);
            waiters.add(t);
        }
        lock.unlock();
        for (Thread t : waiters) {
            t.join(20_000);
        }
        assertEquals(List.of(0, 1, 2, 3, 4), order);
    }

    /**
     * The holder that unlocks and at once locks again queues behind the parked waiter: the FIFO locks'
     * phase before the doorway (take a free lock nobody waits for) never passes a thread that queued.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#fifo")
    void holderReenteringQueuesBehindTheParkedWaiter(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        for (int round = 0; round < 3; round++) {
            order.clear();
            lock.lock();
            Thread other = Locks.start("other", () -> {
                lock.lock();
                order.add("other");
                lock.unlock();
            });
            Locks.awaitParked(other);
            lock.unlock();
            lock.lock();
            order.add("main");
            lock.unlock();
            other.join(10_000);
            assertEquals(List.of("other", "main"), order, "round " + round);
        }
    }

    /**
     * A thread that calls {@code lock()} while another thread is queued behind the holder does not join
     * the queue at once: it waits before the doorway (spin, yield, then short timed naps: TIMED_WAITING),
     * bounded, for the queue to drain, and only then queues (parks untimed: WAITING). This is what lets a
     * convoy of parked waiters drain when threads outnumber cores (README, the FIFO locks' rows). A lock
     * that queues at once parks the late thread untimed without a timed nap first. The timed naps last
     * well under a millisecond in all, so a round whose sampling thread was descheduled throughout may
     * miss them: up to five rounds.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#fifo")
    void lateArrivalWaitsBeforeTheDoorwayWhileOthersQueue(Locks.Kind kind) throws Exception {
        SpinLockBase probe = kind.create();
        if (!(probe instanceof TicketLock || probe instanceof ClhLock || probe instanceof McsLock)) {
            return; // Bakery: its waiters nap while they wait, there is no queue to drain
        }
        boolean sawDrainWait = false;
        for (int round = 0; round < 5 && !sawDrainWait; round++) {
            SpinLockBase lock = kind.create();
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            lock.lock();
            Thread first = Locks.start("first", () -> {
                lock.lock();
                order.add("first");
                lock.unlock();
            });
            Locks.awaitQueued(lock, first);
            Thread late = Locks.start("late", () -> {
                lock.lock();
                order.add("late");
                lock.unlock();
            });
            long deadline = System.nanoTime() + 10_000_000_000L;
            Thread.State state;
            while ((state = late.getState()) != Thread.State.WAITING && System.nanoTime() < deadline) {
                if (state == Thread.State.TIMED_WAITING) {
                    sawDrainWait = true; // napping before the doorway, while 'first' is queued
                }
            }
            assertEquals(Thread.State.WAITING, late.getState(), "the late thread queues once its wait is spent");
            lock.unlock();
            first.join(10_000);
            late.join(10_000);
            assertEquals(List.of("first", "late"), order, "round " + round);
        }
        assertTrue(sawDrainWait, "the late thread never waited before the doorway (timed naps) in 5 rounds");
    }

    /** FIFO still holds after a waiter in the middle of the queue gave up (CLH and MCS skip its node). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.lockstep.core.lock.Locks#fifo")
    void orderHoldsAroundAWaiterThatGaveUp(Locks.Kind kind) throws Exception {
        SpinLockBase lock = kind.create();
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        lock.lock();
        Thread first = Locks.start("first", () -> {
            lock.lock();
            order.add(1);
            lock.unlock();
        });
        Locks.awaitQueued(lock, first);
        Thread quitter = Locks.start("quitter", () -> {
            try {
                lock.lockInterruptibly();
                order.add(-1);
                lock.unlock();
            } catch (InterruptedException e) {
                order.add(0);
            }
        });
        Locks.awaitParked(quitter);
        Thread third = Locks.start("third", () -> {
            lock.lock();
            order.add(3);
            lock.unlock();
        });
        Locks.awaitQueued(lock, third);
        quitter.interrupt();
        quitter.join(10_000);
        lock.unlock();
        first.join(10_000);
        third.join(10_000);
        assertEquals(List.of(0, 1, 3), order);
    }

    /**
     * Peterson's bounded waiting: when the holder leaves and immediately wants back in while the other
     * thread waits, the waiter goes first.
     */
    @Test
    void petersonLetsTheWaiterInBeforeTheHolderReenters() throws Exception {
        PetersonLock lock = new PetersonLock();
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        lock.lock();
        Thread other = Locks.start("other", () -> {
            lock.lock();
            order.add("other");
            lock.unlock();
        });
        Locks.awaitParked(other);
        lock.unlock();
        lock.lock(); // our re-entry must wait for 'other', who was waiting: we are now the victim
        order.add("main");
        lock.unlock();
        other.join(10_000);
        assertEquals(List.of("other", "main"), order);
    }

    /** Bakery's first-come-first-served also holds against the holder re-entering. */
    @Test
    void bakeryHolderReenteringQueuesBehindTheWaiter() throws Exception {
        BakeryLock lock = new BakeryLock(2);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        lock.lock();
        Thread other = Locks.start("other", () -> {
            lock.lock();
            order.add("other");
            lock.unlock();
        });
        Locks.awaitParked(other);
        lock.unlock();
        lock.lock();
        order.add("main");
        lock.unlock();
        other.join(10_000);
        assertTrue(order.equals(List.of("other", "main")), order.toString());
    }
}
