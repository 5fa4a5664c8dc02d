package dev.lockstep.core.queue;

import dev.lockstep.core.queue.BlockingQueueCallbackTest.Blocked;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 10, defect 2: every way of freeing space in a {@link PriorityMessageQueue} wakes a producer
 * parked in {@code put}; a {@code fill} whose supplier throws wakes the waiters for the slot it gives
 * back; a strict {@code offer} never fails while {@code size() < capacity()}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PriorityMessageQueueWakeupTest {
    private static final long WAIT_MS = 10_000;

    /** The ways of removing element 1 from a full queue [1, 2]. */
    enum Removal {
        REMOVE_IF {
            @Override
            void apply(PriorityMessageQueue<Integer> q) {
                assertTrue(q.removeIf(e -> e == 1));
            }
        },
        REMOVE_ALL {
            @Override
            void apply(PriorityMessageQueue<Integer> q) {
                assertTrue(q.removeAll(Set.of(1)));
            }
        },
        RETAIN_ALL {
            @Override
            void apply(PriorityMessageQueue<Integer> q) {
                assertTrue(q.retainAll(Set.of(2)));
            }
        },
        ITERATOR_REMOVE {
            @Override
            void apply(PriorityMessageQueue<Integer> q) {
                for (Iterator<Integer> it = q.iterator(); it.hasNext(); ) {
                    if (it.next() == 1) {
                        it.remove();
                    }
                }
            }
        },
        REMOVE_OBJECT {
            @Override
            void apply(PriorityMessageQueue<Integer> q) {
                assertTrue(q.remove(Integer.valueOf(1)));
            }
        },
        CLEAR {
            @Override
            void apply(PriorityMessageQueue<Integer> q) {
                q.clear();
            }
        };

        abstract void apply(PriorityMessageQueue<Integer> q);
    }

    @ParameterizedTest
    @EnumSource(Removal.class)
    void removalWakesParkedPut(Removal removal) throws Exception {
        PriorityMessageQueue<Integer> q = new PriorityMessageQueue<>(2, e -> 0);
        q.add(1);
        q.add(2);
        Blocked producer = Blocked.startParked(() -> {
            q.put(3);
            return null;
        });
        removal.apply(q);
        producer.awaitDone(removal + " freed a slot");
        assertFalse(q.contains(1));
        assertTrue(q.contains(3));
        assertEquals(removal == Removal.CLEAR ? List.of(3) : List.of(2, 3), new ArrayList<>(q));
    }

    /** The supplier holds the only slot, a put parks behind it, the supplier throws: the put completes. */
    @Test
    void fillGivingBackItsReservationWakesParkedPut() throws Exception {
        PriorityMessageQueue<Integer> q = new PriorityMessageQueue<>(1, e -> 0);
        CountDownLatch inSupplier = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Blocked filler = new Blocked(() -> q.fill(() -> {
            inSupplier.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("supplier failed");
        }, 1));
        filler.start();
        assertTrue(inSupplier.await(WAIT_MS, TimeUnit.MILLISECONDS));
        Blocked producer = Blocked.startParked(() -> {
            q.put(5);
            return null;
        });
        release.countDown();
        filler.join(WAIT_MS);
        assertTrue(filler.failure.get() instanceof IllegalStateException, "the supplier's exception propagates");
        producer.awaitDone("fill gave its reservation back");
        assertEquals(5, q.poll());
        assertNull(q.poll());
    }

    /** While a supplier holds a slot, a strict offer fails only if size() says the queue is full. */
    @Test
    void strictOfferNeverFailsBelowCapacity() throws Exception {
        PriorityMessageQueue<Integer> q = new PriorityMessageQueue<>(2, e -> 0);
        q.add(1);
        CountDownLatch inSupplier = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Blocked filler = new Blocked(() -> q.fill(() -> {
            inSupplier.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return 9;
        }, 1));
        filler.start();
        assertTrue(inSupplier.await(WAIT_MS, TimeUnit.MILLISECONDS));
        int size = q.size();
        int remaining = q.remainingCapacity();
        boolean offered = q.offer(2);
        assertTrue(offered || size >= q.capacity(), "offer failed with size() " + size + " < capacity");
        assertEquals(q.capacity() - size, remaining);
        release.countDown();
        assertEquals(1, filler.awaitDone("fill"));
        List<Integer> all = new ArrayList<>();
        for (Integer e; (e = q.poll()) != null; ) {
            all.add(e);
        }
        assertEquals(offered ? List.of(1, 2, 9) : List.of(1, 9), all);
    }

    /** A removal through the iterator removes that very message, not another equal one. */
    @Test
    void iteratorRemoveRemovesThatInstance() {
        record Msg(int priority, String body) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Msg m && m.body.equals(body); // equal across priorities
            }

            @Override
            public int hashCode() {
                return body.hashCode();
            }
        }
        PriorityMessageQueue<Msg> q = new PriorityMessageQueue<>(4, Msg::priority);
        Msg high = new Msg(5, "x");
        Msg low = new Msg(1, "x");
        q.add(low);
        q.add(high);
        Iterator<Msg> it = q.iterator();
        assertTrue(it.next() == high);
        assertTrue(it.next() == low);
        it.remove(); // the low one, although the high one is equal and first
        assertTrue(q.poll() == high);
        assertNull(q.poll());
        assertThrows(IllegalStateException.class, it::remove);
    }

    /** equals() is user code: it may re-enter the queue (it ran under the non-reentrant lock before). */
    @Test
    void removeAndContainsWithReentrantEquals() throws Exception {
        PriorityMessageQueue<Object> q = new PriorityMessageQueue<>(4, e -> 0);
        q.add("a");
        q.add("b");
        AtomicBoolean reentered = new AtomicBoolean();
        Object probe = new Object() {
            @Override
            public boolean equals(Object o) {
                reentered.set(q.size() > 0 && q.peek() != null); // re-enters: size, peek (takes the lock)
                return "b".equals(o);
            }

            @Override
            public int hashCode() {
                return 0;
            }
        };
        Blocked remover = new Blocked(() -> q.contains(probe) && q.remove(probe));
        remover.start();
        assertEquals(Boolean.TRUE, remover.awaitDone("re-entrant equals"));
        assertTrue(reentered.get());
        assertEquals(List.of("a"), new ArrayList<>(q));
    }
}
