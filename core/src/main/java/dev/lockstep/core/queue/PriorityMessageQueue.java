package dev.lockstep.core.queue;

import dev.lockstep.core.lock.TtasLock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * A bounded blocking priority queue for messages: higher priority first, first-in-first-out among
 * messages of equal priority, with a capacity fixed at construction and priorities in
 * {@code 0 .. }{@link #MAX_PRIORITY}. Each message carries its priority; the queue reads it with the
 * function given at construction, once, when the message is inserted.
 *
 * <pre>{@code
 * record Msg(int priority, String body) {}
 *
 * PriorityMessageQueue<Msg> q = new PriorityMessageQueue<>(1024, Msg::priority);
 * q.put(new Msg(1, "routine"));
 * q.put(new Msg(7, "urgent"));
 * q.take();   // Msg[priority=7, body=urgent]
 * }</pre>
 *
 * <p>Algorithm: a bucket queue (one FIFO list per priority level, as in the "calendar" and bucket
 * queues of Dial's shortest-path algorithm, CACM 12(11), 1969; and the run queues of O(1) schedulers
 * such as Linux 2.6's, with its bitmap of non-empty levels). The lists are threaded through one array
 * of {@code capacity} slots with a free list, so the whole queue is three arrays allocated at
 * construction. {@code offer} appends to its level's list and sets the level's bit; {@code poll} finds the
 * highest non-empty level with one {@link Integer#numberOfLeadingZeros} of the bitmap and unlinks that
 * list's head: both O(1). The structure is guarded by a short critical section under a
 * {@link TtasLock} (spin, then the shared {@code SpinPolicy} back-off); {@code poll} on an empty queue and
 * {@code offer} on a full one answer from a volatile count without taking the lock. Blocking
 * ({@code put}/{@code take}/timed variants) is the shared {@link java.util.concurrent.BlockingQueue} adapter of this package:
 * spin, then park, woken by the other side.
 *
 * <p>Properties:
 * <ul>
 *   <li><b>Linearizable</b>: every operation that changes the queue does so inside one critical section of
 *       a mutual-exclusion lock (its linearization point is there, at its store of the counts); the
 *       lock-free early answers (empty, full) linearize at their volatile read of the counts, which
 *       only critical sections write. So {@code poll} returns a message of the highest priority present
 *       at its linearization point, and the oldest of that priority; {@code drain}/{@code drainTo} take
 *       their messages one {@code poll} at a time (a batch of more than one is not atomic). One
 *       exception, {@code fill}: it reserves a slot under the lock before calling its supplier outside
 *       it (so the supplier is called only for a message that will be inserted, and no insertion is
 *       lost when it throws); while the supplier runs, the reserved slot counts in {@link #size()} and
 *       makes a strict {@code offer} fail (so {@code offer} fails only when {@code size() == capacity()}),
 *       but holds no message for {@code poll}/{@code peek}/{@code drain}, which answer from the
 *       messages present rather than wait for the supplier. So {@code fill} is linearizable as an
 *       {@code offer} against {@code offer}, {@code fill}, {@code size} and {@code remainingCapacity},
 *       and NOT against the consumer operations (a consumer may see {@code size() == 1} and an empty
 *       {@code peek()}, or a lower-priority message than the one being supplied); Lincheck checks
 *       what is claimed (README, "Linearizability checks"). The alternative, calling the supplier
 *       first, would either lose its message when the queue filled meanwhile or make {@code fill} wait
 *       for space.</li>
 *   <li><b>Strict priority</b>: a low-priority message waits as long as higher ones keep arriving
 *       (starvation of low priorities is the intended semantics).</li>
 *   <li><b>Progress</b>: blocking (a lock); waiting threads spin then park.</li>
 *   <li><b>Space</b>: O(capacity + levels), all at construction; {@code offer}/{@code poll} allocate
 *       nothing (one slot more after a throwing {@code drain} consumer's put-back into a full queue,
 *       below).</li>
 * </ul>
 *
 * <p>Any number of producers and consumers. Iteration, {@code toArray}, {@code contains} and
 * {@code toString} work on a snapshot taken under the lock, in poll order (priority, then FIFO); the
 * iterator never throws {@code ConcurrentModificationException}. Removal from the middle is supported
 * ({@code remove(Object)}, {@code iterator().remove()}, {@code removeIf}, {@code removeAll},
 * {@code retainAll}, {@code clear}), O(size) each, and wakes producers parked in {@code put}. User code
 * ({@code priorityOf}, {@code equals}, suppliers, consumers, predicates) never runs under the lock, so
 * it may re-enter the queue. A {@code drain} consumer or {@code drainTo} target that throws gets its
 * message put back at the head of its priority (nothing is lost, as with
 * {@code ArrayBlockingQueue.drainTo}, whose element stays queued when {@code add} throws; this is
 * stricter than {@link ConcurrentQueue#drain}, under which the rings count that element as delivered).
 * The drained message's slot is freed when it is taken, so producers may refill the queue while the
 * consumer runs; a put-back into a full queue then grows the slot arrays by one (allocation on that
 * exceptional path only) and the queue holds {@code capacity + 1} messages until consumers take one
 * (strict {@code offer} fails meanwhile; {@code remainingCapacity()} is 0). A {@code fill} supplier that
 * throws keeps the messages supplied before it and gives its reservation back.
 *
 * @param <E> the message type; null messages are rejected with {@link NullPointerException}
 */
public final class PriorityMessageQueue<E> extends BlockingQueueAdapter<E> {
    /** The lowest priority. */
    public static final int MIN_PRIORITY = 0;
    /** The highest priority: 31, so that the non-empty levels fit one {@code int} bitmap. */
    public static final int MAX_PRIORITY = 31;

    private final ToIntFunction<? super E> priorityOf;

    /**
     * An empty queue.
     *
     * @param capacity   the most messages it holds, at least 1
     * @param priorityOf reads a message's priority, which must lie in {@code 0 .. 31}; called once per
     *                   insertion, outside the lock
     * @throws IllegalArgumentException if {@code capacity <= 0}
     * @throws NullPointerException     if {@code priorityOf} is null
     */
    public PriorityMessageQueue(int capacity, ToIntFunction<? super E> priorityOf) {
        super(new Buckets<>(checkCapacity(capacity), Objects.requireNonNull(priorityOf, "priorityOf")));
        this.priorityOf = priorityOf;
    }

    /** Both sides: the counts' volatile store is the StoreLoad barrier (see {@code Buckets.setCounts}). */
    @Override
    boolean isSeqCst(boolean offerSide) {
        return true;
    }

    private static int checkCapacity(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0: " + capacity);
        }
        return capacity;
    }

    /**
     * The priority the queue gives {@code e}.
     *
     * @param e a message
     * @return its priority, in {@code 0 .. 31}
     * @throws NullPointerException     if {@code e} is null
     * @throws IllegalArgumentException if the priority is outside {@code 0 .. 31}
     */
    public int priorityOf(E e) {
        return Buckets.priority(priorityOf, Objects.requireNonNull(e, "e"));
    }

    /**
     * The non-blocking bucket queue. Fields marked "guarded" are read and written only under
     * {@code lock}, whose acquire/release orders them: plain accesses.
     */
    static final class Buckets<E> extends AbstractQueue<E> implements ConcurrentQueue<E> {
        /*
         * Implementation notes.
         * Invariants (under the lock): slot s holds a message iff it is on some level's list; the other
         * slots form the free list through next[]; head[p] == -1 iff level p is empty iff bit p of
         * nonEmpty is clear; tail[p] is the last slot of level p's list; linked == number of linked
         * messages == slots - length of the free list, where slots == capacity except after a put-back
         * into a full queue (drain's consumer threw after producers refilled the freed slot: the arrays
         * grow by one, and linked may exceed capacity until consumers take messages); reserved counts
         * slots promised to fill() suppliers in progress; linked + reserved <= capacity whenever a
         * reservation or an insertion is made. A drain() holds no reservation: it takes a message as
         * poll() does, and a consumer that throws has it linked back at the head of its level. The
         * FIFO order within a level is the order of the critical sections that linked the messages.
         *
         * Both counts live in one long, counts = reserved << 32 | linked, so that one volatile store per
         * operation publishes both and lock-free readers see a consistent pair: size() is
         * linked + reserved (a promised slot is occupied, so a strict offer fails only when size() says
         * full), poll/peek answer "empty" from linked == 0 (a promised slot holds no message yet).
         *
         * No user code runs under the lock: priorityOf, suppliers, consumers and equals() all run
         * outside it, so user code that re-enters the queue cannot deadlock on the (non-reentrant) lock.
         */
        private static final VarHandle COUNTS;

        static {
            try {
                COUNTS = MethodHandles.lookup().findVarHandle(Buckets.class, "counts", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private static final int LEVELS = MAX_PRIORITY + 1;
        /** One reservation in {@link #counts}. */
        private static final long RESERVED_ONE = 1L << 32;

        private final ToIntFunction<? super E> priorityOf;
        private final int capacity;
        private final TtasLock lock = new TtasLock();
        private Object[] items; // guarded; grows only in putBack (a throwing drain consumer, queue refilled)
        private int[] next; // guarded: list links, and the free list; grows with items
        private final int[] head = new int[LEVELS]; // guarded
        private final int[] tail = new int[LEVELS]; // guarded
        private int nonEmpty; // guarded: bit p set iff level p has messages
        private int free; // guarded: head of the free list, -1 if none
        /**
         * {@code reserved << 32 | linked}. Written under the lock only (volatile store), read under it
         * plainly (the lock orders the holder's reads after the previous holder's writes) and without it
         * with volatile loads.
         */
        private long counts;

        Buckets(int capacity, ToIntFunction<? super E> priorityOf) {
            this.capacity = capacity;
            this.priorityOf = priorityOf;
            this.items = new Object[capacity];
            this.next = new int[capacity];
            for (int i = 0; i < capacity; i++) {
                next[i] = i + 1 < capacity ? i + 1 : -1;
            }
            java.util.Arrays.fill(head, -1);
            java.util.Arrays.fill(tail, -1);
            free = 0;
        }

        static <E> int priority(ToIntFunction<? super E> priorityOf, E e) {
            int p = priorityOf.applyAsInt(e);
            if (p < MIN_PRIORITY || p > MAX_PRIORITY) {
                throw new IllegalArgumentException("priority must be in " + MIN_PRIORITY + ".." + MAX_PRIORITY
                        + ": " + p);
            }
            return p;
        }

        private static int linked(long counts) {
            return (int) counts;
        }

        private static int occupied(long counts) {
            return (int) counts + (int) (counts >>> 32);
        }

        private long getVolatileCounts() {
            return (long) COUNTS.getVolatile(this);
        }

        private void setCounts(long c) {
            // Volatile, not just release: (1) it is the linearization point that lock-free readers of
            // the counts (empty/full answers) are ordered against; (2) it is the "publish" half of the
            // blocking adapter's Dekker handshake: a volatile store followed by the adapter's volatile load
            // of the wait set's head are both synchronization actions, so they keep their program order in
            // the synchronization order, and the waiter's link (volatile store of the head) + fullFence +
            // volatile re-read of counts cannot miss both (isSeqCst true for both sides). One store per operation, by
            // the lock holder only.
            COUNTS.setVolatile(this, c);
        }

        /** Links {@code e} at the tail of level {@code p}. Under the lock, with a free slot. */
        private void link(E e, int p) {
            int s = free;
            free = next[s];
            items[s] = e;
            next[s] = -1;
            int t = tail[p];
            if (t < 0) {
                head[p] = s;
                nonEmpty |= 1 << p;
            } else {
                next[t] = s;
            }
            tail[p] = s;
        }

        /** Links {@code e} at the head of level {@code p} (a message put back). Under the lock, with a free slot. */
        private void linkFirst(E e, int p) {
            int s = free;
            free = next[s];
            items[s] = e;
            int h = head[p];
            next[s] = h;
            head[p] = s;
            if (h < 0) {
                tail[p] = s;
                nonEmpty |= 1 << p;
            }
        }

        /** The highest non-empty level. Under the lock, non-empty. */
        private int topLevel() {
            return 31 - Integer.numberOfLeadingZeros(nonEmpty);
        }

        /** Unlinks and returns the oldest message of level {@code p}. Under the lock, level non-empty. */
        @SuppressWarnings("unchecked")
        private E unlinkFirst(int p) {
            int s = head[p];
            E e = (E) items[s];
            items[s] = null;
            int n = next[s];
            head[p] = n;
            if (n < 0) {
                tail[p] = -1;
                nonEmpty &= ~(1 << p);
            }
            next[s] = free;
            free = s;
            return e;
        }

        @Override
        public boolean offer(E e) {
            Objects.requireNonNull(e, "e");
            int p = priority(priorityOf, e); // user code: outside the lock
            if (occupied(getVolatileCounts()) >= capacity) {
                return false; // full at this read (linearization point of a failed offer)
            }
            lock.lock();
            try {
                long c = counts;
                if (occupied(c) >= capacity) {
                    return false;
                }
                link(e, p);
                setCounts(c + 1);
                return true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public E poll() {
            if (linked(getVolatileCounts()) == 0) {
                return null; // empty at this read (linearization point of a failed poll)
            }
            lock.lock();
            try {
                long c = counts;
                if (linked(c) == 0) {
                    return null;
                }
                E e = unlinkFirst(topLevel());
                setCounts(c - 1);
                return e;
            } finally {
                lock.unlock();
            }
        }

        @Override
        @SuppressWarnings("unchecked")
        public E peek() {
            if (linked(getVolatileCounts()) == 0) {
                return null;
            }
            lock.lock();
            try {
                return nonEmpty == 0 ? null : (E) items[head[topLevel()]];
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean relaxedOffer(E e) {
            return offer(e);
        }

        @Override
        public E relaxedPoll() {
            return poll();
        }

        @Override
        public E relaxedPeek() {
            return peek();
        }

        /**
         * Hands messages one at a time to {@code consumer}, outside the lock. Each message is taken as
         * {@link #poll} takes it (its slot is free at once, so {@code size()}, {@code peek()} and a strict
         * {@code offer} agree while the consumer runs); if the consumer throws, the message goes back to
         * the head of its level ({@link #putBack}: nothing is lost, as {@code ArrayBlockingQueue.drainTo}
         * keeps an element whose {@code add} threw) and the exception propagates.
         */
        @Override
        public int drain(Consumer<? super E> consumer, int limit) {
            Objects.requireNonNull(consumer, "consumer");
            if (limit < 0) {
                throw new IllegalArgumentException("limit must be >= 0: " + limit);
            }
            int n = 0;
            while (n < limit) {
                E e;
                int p;
                if (linked(getVolatileCounts()) == 0) {
                    return n; // empty at this read: no lock
                }
                lock.lock();
                try {
                    long c = counts;
                    if (linked(c) == 0) {
                        return n;
                    }
                    p = topLevel();
                    e = unlinkFirst(p);
                    setCounts(c - 1); // a poll: the slot is free now
                } finally {
                    lock.unlock();
                }
                try {
                    consumer.accept(e); // user code: outside the lock
                } catch (Throwable t) {
                    putBack(e, p);
                    throw t;
                }
                n++;
            }
            return n;
        }

        /**
         * Puts a message a throwing {@code drain} consumer was handed back at the head of level {@code p}.
         * Its slot was freed when it was taken, so producers may have filled the queue meanwhile: then the
         * slot arrays grow by one slot (allocation on this exceptional path only) and the queue holds
         * {@code capacity + 1} messages until consumers take them (strict {@code offer} fails meanwhile).
         * A message already admitted is never dropped, and the consumer never waited on a reservation.
         */
        private void putBack(E e, int p) {
            lock.lock();
            try {
                if (free < 0) { // full: one more slot, linked into the free list
                    int s = items.length;
                    items = java.util.Arrays.copyOf(items, s + 1);
                    next = java.util.Arrays.copyOf(next, s + 1);
                    next[s] = -1;
                    free = s;
                }
                linkFirst(e, p);
                setCounts(counts + 1);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Reserves a slot under the lock before calling {@code supplier} outside it, so the supplier is
         * called only for messages that will be inserted. The reserved slot counts in {@link #size()}.
         */
        @Override
        public int fill(Supplier<? extends E> supplier, int limit) {
            Objects.requireNonNull(supplier, "supplier");
            if (limit < 0) {
                throw new IllegalArgumentException("limit must be >= 0: " + limit);
            }
            int n = 0;
            while (n < limit && reserve()) {
                E e;
                int p;
                try {
                    e = supplier.get();
                    Objects.requireNonNull(e, "supplier returned null");
                    p = priority(priorityOf, e);
                } catch (Throwable ex) {
                    unreserve();
                    throw ex;
                }
                lock.lock();
                try {
                    link(e, p);
                    setCounts(counts - RESERVED_ONE + 1);
                } finally {
                    lock.unlock();
                }
                n++;
            }
            return n;
        }

        private boolean reserve() {
            if (occupied(getVolatileCounts()) >= capacity) {
                return false;
            }
            lock.lock();
            try {
                long c = counts;
                if (occupied(c) >= capacity) {
                    return false;
                }
                setCounts(c + RESERVED_ONE);
                return true;
            } finally {
                lock.unlock();
            }
        }

        private void unreserve() {
            lock.lock();
            try {
                setCounts(counts - RESERVED_ONE);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Removes one message equal to {@code o}, the first in poll order. {@code equals} is user code, so
         * it runs outside the lock, on a snapshot; the match is then removed by identity under the lock.
         * If another thread took that very message in between, the search starts again from a new
         * snapshot. Cost: O(size) time and one snapshot array per attempt.
         */
        @Override
        public boolean remove(Object o) {
            if (o == null) {
                return false;
            }
            for (; ; ) {
                boolean raced = false;
                for (E e : snapshot()) {
                    if (o.equals(e)) {
                        if (removeExact(e)) {
                            return true;
                        }
                        raced = true; // taken meanwhile: look for another equal message
                    }
                }
                if (!raced) {
                    return false;
                }
            }
        }

        /** Removes the message {@code x} itself (identity), if still linked. */
        boolean removeExact(Object x) {
            lock.lock();
            try {
                for (int bits = nonEmpty; bits != 0; bits &= ~Integer.highestOneBit(bits)) {
                    int p = 31 - Integer.numberOfLeadingZeros(bits);
                    for (int prev = -1, s = head[p]; s >= 0; prev = s, s = next[s]) {
                        if (items[s] == x) {
                            int n = next[s];
                            if (prev < 0) {
                                head[p] = n;
                            } else {
                                next[prev] = n;
                            }
                            if (tail[p] == s) {
                                tail[p] = prev;
                            }
                            if (head[p] < 0) {
                                nonEmpty &= ~(1 << p);
                            }
                            items[s] = null;
                            next[s] = free;
                            free = s;
                            setCounts(counts - 1);
                            return true;
                        }
                    }
                }
                return false;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean contains(Object o) {
            if (o == null) {
                return false;
            }
            for (E e : snapshot()) { // equals() outside the lock
                if (o.equals(e)) {
                    return true;
                }
            }
            return false;
        }

        /** A copy, in poll order (priority, then FIFO). */
        @SuppressWarnings("unchecked")
        List<E> snapshot() {
            lock.lock();
            try {
                List<E> out = new ArrayList<>(linked(counts));
                for (int bits = nonEmpty; bits != 0; bits &= ~Integer.highestOneBit(bits)) {
                    int p = 31 - Integer.numberOfLeadingZeros(bits);
                    for (int s = head[p]; s >= 0; s = next[s]) {
                        out.add((E) items[s]);
                    }
                }
                return out;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Object[] toArray() {
            return snapshot().toArray();
        }

        @Override
        public <T> T[] toArray(T[] a) {
            return snapshot().toArray(a);
        }

        /**
         * Iterates over a snapshot taken now (in poll order): never throws
         * {@code ConcurrentModificationException}, returns each message at most once and only messages that
         * were in the queue. Its {@code remove} removes that very message (identity) if it is still queued.
         */
        @Override
        public Iterator<E> iterator() {
            Iterator<E> it = snapshot().iterator();
            return new Iterator<>() {
                private E last;

                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public E next() {
                    return last = it.next();
                }

                @Override
                public void remove() {
                    if (last == null) {
                        throw new IllegalStateException("next() not called, or remove() already called");
                    }
                    removeExact(last);
                    last = null;
                }
            };
        }

        /**
         * The occupied slots: messages plus slots reserved by {@code fill} suppliers in progress, so
         * that a strict {@code offer} fails only when this says full.
         */
        @Override
        public int size() {
            return occupied(getVolatileCounts());
        }

        @Override
        public int capacity() {
            return capacity;
        }
    }
}
