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
            Locks.awaitParked(t);
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
        Locks.awaitParked(first);
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
        Locks.awaitParked(third);
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
