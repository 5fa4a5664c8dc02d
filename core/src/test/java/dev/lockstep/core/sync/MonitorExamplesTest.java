package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.lockstep.core.sync.TestThreads.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class MonitorExamplesTest {

    @Test
    void boundedBufferLosesAndDuplicatesNothingWithManyProducersAndConsumers() throws Exception {
        int producers = 3;
        int consumers = 3;
        int perProducer = 20_000;
        int total = producers * perProducer;
        MonitorBoundedBuffer<Integer> buffer = new MonitorBoundedBuffer<>(4); // small: both guards wait
        AtomicIntegerArray seen = new AtomicIntegerArray(total);
        List<TestThreads.Forked<Void>> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int base = p * perProducer;
            threads.add(fork("producer-" + p, () -> {
                for (int i = 0; i < perProducer; i++) {
                    buffer.put(base + i);
                }
                return null;
            }));
        }
        for (int c = 0; c < consumers; c++) {
            int share = total / consumers;
            threads.add(fork("consumer-" + c, () -> {
                for (int i = 0; i < share; i++) {
                    seen.incrementAndGet(buffer.take());
                }
                return null;
            }));
        }
        for (TestThreads.Forked<Void> t : threads) {
            t.get(25, TimeUnit.SECONDS);
        }
        for (int i = 0; i < total; i++) {
            assertEquals(1, seen.get(i), "item " + i + " taken once");
        }
        assertEquals(0, buffer.size());
    }

    @Test
    void boundedBufferOfferTimesOutWhenFull() throws Exception {
        MonitorBoundedBuffer<String> buffer = new MonitorBoundedBuffer<>(1);
        assertTrue(buffer.offer("a", 0, TimeUnit.SECONDS));
        assertFalse(buffer.offer("b", 10, TimeUnit.MILLISECONDS));
        assertEquals("a", buffer.take());
        assertThrows(IllegalArgumentException.class, () -> new MonitorBoundedBuffer<>(0));
    }

    @Test
    void diningPhilosophersAllEatNTimesNeighboursNeverTogetherNoDeadlock() throws Exception {
        int n = 5;
        int meals = 2_000;
        MonitorDiningPhilosophers table = new MonitorDiningPhilosophers(n);
        AtomicIntegerArray forkInUse = new AtomicIntegerArray(n); // fork i lies between philosophers i and i+1
        AtomicIntegerArray eaten = new AtomicIntegerArray(n);
        List<TestThreads.Forked<Void>> philosophers = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            int me = p;
            philosophers.add(fork("philosopher-" + p, () -> {
                int leftFork = table.left(me);
                int rightFork = me;
                for (int m = 0; m < meals; m++) {
                    table.pickUp(me);
                    assertEquals(1, forkInUse.incrementAndGet(leftFork), "left fork shared");
                    assertEquals(1, forkInUse.incrementAndGet(rightFork), "right fork shared");
                    eaten.incrementAndGet(me);
                    forkInUse.decrementAndGet(leftFork);
                    forkInUse.decrementAndGet(rightFork);
                    table.putDown(me);
                }
                return null;
            }));
        }
        for (TestThreads.Forked<Void> p : philosophers) {
            p.get(25, TimeUnit.SECONDS); // a deadlock fails here
        }
        for (int p = 0; p < n; p++) {
            assertEquals(meals, eaten.get(p), "philosopher " + p);
        }
    }
}
