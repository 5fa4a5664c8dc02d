package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static dev.lockstep.core.sync.TestThreads.waitUntilParked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class EventTest {

    @Test
    void rejectsNullModeAndUnit() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new Event(null));
        assertEquals("mode", e.getMessage());
        assertThrows(NullPointerException.class, () -> new Event(Event.Mode.MANUAL_RESET).await(1, null));
    }

    @Test
    void initialStateAndMode() {
        assertTrue(new Event(Event.Mode.MANUAL_RESET, true).isSet());
        assertFalse(new Event(Event.Mode.AUTO_RESET).isSet());
        assertEquals(Event.Mode.AUTO_RESET, new Event(Event.Mode.AUTO_RESET).getMode());
    }

    @Test
    void manualResetReleasesAllWaitersAndStaysSetUntilReset() throws Exception {
        Event e = new Event(Event.Mode.MANUAL_RESET);
        List<TestThreads.Forked<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(fork("w" + i, () -> e.await(10, TimeUnit.SECONDS)));
        }
        for (TestThreads.Forked<Boolean> w : waiters) {
            waitUntilParked(w.thread);
        }
        e.set();
        for (TestThreads.Forked<Boolean> w : waiters) {
            assertTrue(w.get(5, TimeUnit.SECONDS));
        }
        assertTrue(e.isSet());
        e.await(); // set: returns at once, again and again
        assertTrue(e.await(0, TimeUnit.SECONDS));
        e.reset();
        assertFalse(e.isSet());
        assertFalse(e.await(5, TimeUnit.MILLISECONDS));
    }

    @Test
    void manualSetThenImmediateResetStillReleasesEveryoneWaitingAtTheSet() throws Exception {
        Event e = new Event(Event.Mode.MANUAL_RESET);
        List<TestThreads.Forked<Boolean>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(fork("w" + i, () -> e.await(10, TimeUnit.SECONDS)));
        }
        for (TestThreads.Forked<Boolean> w : waiters) {
            waitUntilParked(w.thread);
        }
        e.set();
        e.reset();
        for (TestThreads.Forked<Boolean> w : waiters) {
            assertTrue(w.get(5, TimeUnit.SECONDS), "a thread waiting at set() must be released");
        }
        assertFalse(e.isSet());
    }

    @Test
    void autoResetSignalStaysUntilConsumedByExactlyOneAwait() throws Exception {
        Event e = new Event(Event.Mode.AUTO_RESET);
        e.set();
        e.set(); // no accumulation
        assertTrue(e.isSet());
        assertTrue(e.await(0, TimeUnit.SECONDS));
        assertFalse(e.isSet(), "consumed atomically");
        assertFalse(e.await(5, TimeUnit.MILLISECONDS), "signals do not accumulate");
        e.set();
        e.reset(); // withdraws the pending signal
        assertFalse(e.await(5, TimeUnit.MILLISECONDS));
    }

    @Test
    void autoResetSetReleasesExactlyOneParkedWaiter() throws Exception {
        Event e = new Event(Event.Mode.AUTO_RESET);
        AtomicInteger released = new AtomicInteger();
        List<TestThreads.Forked<Void>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(fork("w" + i, () -> {
                e.await();
                released.incrementAndGet();
                return null;
            }));
        }
        for (TestThreads.Forked<Void> w : waiters) {
            waitUntilParked(w.thread);
        }
        for (int n = 1; n <= 3; n++) {
            e.set();
            int expected = n;
            waitUntil(n + " released", () -> released.get() >= expected);
            Thread.sleep(20);
            assertEquals(n, released.get(), "one set released more than one waiter");
            assertFalse(e.isSet());
        }
        for (TestThreads.Forked<Void> w : waiters) {
            w.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void autoResetHandsEverySignalToExactlyOneWaiterUnderStress() throws Exception {
        Event e = new Event(Event.Mode.AUTO_RESET);
        int signals = 3000;
        AtomicInteger consumed = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<TestThreads.Forked<Void>> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(fork("w" + i, () -> {
                while (!stop.get()) {
                    if (e.await(2, TimeUnit.MILLISECONDS)) { // timeouts race with sets: no signal may be lost
                        consumed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (int n = 1; n <= signals; n++) {
            e.set();
            int expected = n;
            waitUntil("signal " + n + " consumed", () -> consumed.get() >= expected && !e.isSet());
            assertEquals(n, consumed.get(), "a set released more than one await");
        }
        stop.set(true);
        for (TestThreads.Forked<Void> w : waiters) {
            w.get(5, TimeUnit.SECONDS);
        }
        assertEquals(signals, consumed.get());
    }

    @Test
    void interruptedOrTimedOutAutoWaiterConsumesNothing() throws Exception {
        Event e = new Event(Event.Mode.AUTO_RESET);
        TestThreads.Forked<Void> w = fork("w", () -> {
            e.await();
            return null;
        });
        waitUntilParked(w.thread);
        w.thread.interrupt();
        ExecutionException ex = assertThrows(ExecutionException.class, () -> w.get(5, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, ex.getCause());
        assertFalse(e.await(5, TimeUnit.MILLISECONDS));
        e.set();
        assertTrue(e.isSet(), "the signal waits for a consumer");
        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, e::await);
        assertTrue(e.isSet(), "an interrupted await consumed the signal");
    }
}
