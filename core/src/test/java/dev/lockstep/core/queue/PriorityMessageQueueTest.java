package dev.lockstep.core.queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class PriorityMessageQueueTest {
    /** A message: priority and a sequence number identifying it. */
    record Msg(int priority, int id) {
    }

    private static PriorityMessageQueue<Msg> queue(int capacity) {
        return new PriorityMessageQueue<>(capacity, Msg::priority);
    }

    @Test
    void higherPriorityFirstThenFifo() {
        PriorityMessageQueue<Msg> q = queue(16);
        int[] priorities = {3, 7, 3, 0, 31, 7, 0, 3};
        for (int i = 0; i < priorities.length; i++) {
            assertTrue(q.offer(new Msg(priorities[i], i)));
        }
        int[] expectedIds = {4, 1, 5, 0, 2, 7, 3, 6};
        for (int id : expectedIds) {
            assertEquals(id, q.poll().id());
        }
        assertNull(q.poll());
        assertTrue(q.isEmpty());
    }

    @Test
    void randomMatchesStableSortByPriorityDescending() {
        Random rnd = new Random(42);
        PriorityMessageQueue<Msg> q = queue(1000);
        List<Msg> expected = new ArrayList<>();
        // Interleave inserts and removals: compare every poll against a reference model.
        int id = 0;
        for (int round = 0; round < 20_000; round++) {
            if (rnd.nextInt(3) != 0 && expected.size() < 1000) {
                Msg m = new Msg(rnd.nextInt(32), id++);
                assertTrue(q.offer(m));
                expected.add(m);
            } else {
                Msg want = expected.stream()
                        .max(Comparator.comparingInt(Msg::priority).thenComparing(Comparator.comparingInt(Msg::id).reversed()))
                        .orElse(null);
                if (want != null) {
                    expected.remove(want);
                }
                assertEquals(want, q.poll());
            }
            assertEquals(expected.size(), q.size());
        }
    }

    @Test
    void boundedByCapacity() {
        PriorityMessageQueue<Msg> q = queue(3);
        assertEquals(3, q.capacity());
        assertTrue(q.offer(new Msg(1, 0)));
        assertTrue(q.offer(new Msg(2, 1)));
        assertTrue(q.offer(new Msg(3, 2)));
        assertFalse(q.offer(new Msg(31, 3)));
        assertEquals(0, q.remainingCapacity());
        assertEquals(2, q.poll().id());
        assertEquals(1, q.remainingCapacity());
        assertTrue(q.offer(new Msg(0, 4)));
        assertEquals(List.of(1, 0, 4), ids(q));
    }

    @Test
    void badInput() {
        IllegalArgumentException cap = assertThrows(IllegalArgumentException.class, () -> queue(0));
        assertTrue(cap.getMessage().contains("0"), cap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> queue(-5));
        assertThrows(NullPointerException.class, () -> new PriorityMessageQueue<Msg>(4, null));
        PriorityMessageQueue<Msg> q = queue(4);
        assertThrows(NullPointerException.class, () -> q.offer(null));
        assertThrows(NullPointerException.class, () -> q.put(null));
        IllegalArgumentException high = assertThrows(IllegalArgumentException.class, () -> q.offer(new Msg(32, 0)));
        assertTrue(high.getMessage().contains("32"), high.getMessage());
        IllegalArgumentException low = assertThrows(IllegalArgumentException.class, () -> q.put(new Msg(-1, 0)));
        assertTrue(low.getMessage().contains("-1"), low.getMessage());
        assertThrows(IllegalArgumentException.class, () -> q.offer(new Msg(99, 0), 1, TimeUnit.SECONDS));
        assertTrue(q.isEmpty(), "nothing half-done");
        assertEquals(4, q.remainingCapacity());
        assertThrows(IllegalArgumentException.class, () -> q.priorityOf(new Msg(40, 0)));
        assertEquals(5, q.priorityOf(new Msg(5, 0)));
    }

    @Test
    void peekRemoveContainsIterator() {
        PriorityMessageQueue<Msg> q = queue(8);
        Msg a = new Msg(1, 0), b = new Msg(5, 1), c = new Msg(1, 2), d = new Msg(5, 3);
        q.addAll(List.of(a, b, c, d));
        assertEquals(b, q.peek());
        assertTrue(q.contains(c));
        assertTrue(q.remove(d)); // tail of level 5
        assertFalse(q.contains(d));
        assertTrue(q.remove(a)); // head of level 1
        assertEquals(List.of(1, 2), ids(q));
        Iterator<Msg> it = q.iterator();
        assertEquals(b, it.next());
        it.remove();
        assertEquals(List.of(2), ids(q));
        assertEquals(c, q.poll());
        assertNull(q.peek());
        assertFalse(q.remove(a));
        // links still sound after removals: refill to capacity
        for (int i = 0; i < 8; i++) {
            assertTrue(q.offer(new Msg(i % 2, 10 + i)));
        }
        assertFalse(q.offer(new Msg(0, 99)));
        assertEquals(List.of(11, 13, 15, 17, 10, 12, 14, 16), ids(q));
    }

    @Test
    void fillAndDrain() {
        PriorityMessageQueue<Msg> q = queue(5);
        AtomicInteger supplied = new AtomicInteger();
        int n = q.fill(() -> new Msg(supplied.get() % 3, supplied.getAndIncrement()), 10);
        assertEquals(5, n);
        assertEquals(5, supplied.get(), "supplier called only for inserted messages");
        List<Msg> out = new ArrayList<>();
        assertEquals(2, q.drain(out::add, 2));
        assertEquals(List.of(2, 1), out.stream().map(Msg::id).toList());
        assertThrows(IllegalArgumentException.class, () -> q.fill(() -> new Msg(77, 0), 1));
        assertEquals(3, q.size());
        assertEquals(2, q.fill(() -> new Msg(9, 100), 10));
        assertEquals(0, q.remainingCapacity());
    }

    @Test
    void takeWaitsForAnInsertAndSeesHighestPriority() throws Exception {
        PriorityMessageQueue<Msg> q = queue(4);
        CountDownLatch started = new CountDownLatch(1);
        List<Msg> got = new ArrayList<>();
        Thread consumer = new Thread(() -> {
            started.countDown();
            try {
                got.add(q.take());
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        consumer.start();
        started.await();
        Thread.sleep(20);
        q.put(new Msg(4, 7));
        consumer.join();
        assertEquals(List.of(new Msg(4, 7)), got);
    }

    /** Two producers with different priorities, two consumers, small capacity: nothing lost or duplicated. */
    @Test
    void concurrentProducersAndConsumersChecksum() throws Exception {
        PriorityMessageQueue<Msg> q = queue(32);
        int perProducer = 100_000;
        Msg[][] msgs = new Msg[2][perProducer];
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < perProducer; i++) {
                msgs[p][i] = new Msg(p == 0 ? 3 : 20, p * perProducer + i);
            }
        }
        long[] sums = new long[2];
        int[][] lastSeen = {{-1, -1}, {-1, -1}};
        boolean[] fifoOk = {true, true};
        Thread[] threads = new Thread[4];
        for (int p = 0; p < 2; p++) {
            int pp = p;
            threads[p] = new Thread(() -> {
                try {
                    for (Msg m : msgs[pp]) {
                        q.put(m);
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        }
        for (int c = 0; c < 2; c++) {
            int cc = c;
            threads[2 + c] = new Thread(() -> {
                try {
                    for (int i = 0; i < perProducer; i++) {
                        Msg m = q.take();
                        sums[cc] += m.id();
                        int producer = m.id() / perProducer;
                        // each consumer sees each producer's messages in FIFO order
                        if (m.id() <= lastSeen[cc][producer]) {
                            fifoOk[cc] = false;
                        }
                        lastSeen[cc][producer] = m.id();
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        long n = 2L * perProducer;
        assertEquals(n * (n - 1) / 2, sums[0] + sums[1]);
        assertTrue(fifoOk[0] && fifoOk[1], "FIFO among equal priorities");
        assertTrue(q.isEmpty());
    }

    private static List<Integer> ids(PriorityMessageQueue<Msg> q) {
        List<Integer> out = new ArrayList<>();
        for (Msg m : q) {
            out.add(m.id());
        }
        return out;
    }
}
