package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.test.Faults;

/**
 * The public contract of {@link SharedPriorityQueue} (layout revision 2, lanes): order, capacity per lane,
 * blocking, timeouts and interrupts, bad input and incompatible files, sharing, idle strategies, wrap,
 * handler batches, and many threads. The lanes' own mechanics are in SharedPriorityQueueLaneTest, kernel
 * sleeps and dead senders' lanes in SharedPriorityQueueSleepTest, holds in SharedPriorityQueueHoldTest.
 */
@Timeout(60)
class SharedPriorityQueueTest {
    /** How long a call that must return (a timed wait, an interrupted wait) may take at most: not far late. */
    private static final long FAR_LATE_NANOS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path dir;

    static ByteBuffer msg(int a, int b) {
        return ByteBuffer.allocate(8).putInt(0, a).putInt(4, b);
    }

    /** An int written by a heap (big-endian) buffer, read from the queue's (native-order) mapping. */
    static int bigEndianInt(ByteBuffer b, int at) {
        int v = b.getInt(at);
        return b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    /** Runs {@code task} on a new platform thread (its own lanes) and returns its result. */
    static <T> T onOtherThread(Callable<T> task) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(task.call());
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.start();
        t.join(10_000);
        assertFalse(t.isAlive(), "the other thread's call returned");
        if (result.get() instanceof Throwable) {
            throw new AssertionError((Throwable) result.get());
        }
        @SuppressWarnings("unchecked")
        T r = (T) result.get();
        return r;
    }

    /** Sends at {@code priority} until the calling thread's lane is full; the number sent. */
    static int fillLane(SharedPriorityQueue q, int priority, int tag) {
        int n = 0;
        while (q.trySend(priority, msg(tag, n))) {
            n++;
        }
        return n;
    }

    /**
     * isEmpty and isFull follow the queue: isFull(p) is whether the calling thread's send at p would
     * wait (its lane for p is full, or it has none, no lane is free and none of its own is drained),
     * isFull() whether that holds at every priority.
     */
    @Test
    void isEmptyAndIsFullFollowTheCallingThreadsLanes() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(2, 8, 2)) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertTrue(q.isEmpty());
            assertFalse(q.isFull(1));
            assertFalse(q.isFull());
            assertTrue(q.trySend(1, ByteBuffer.wrap(new byte[] {1})));
            assertFalse(q.isEmpty());
            assertFalse(q.isFull(1));
            int n = 1;
            while (!q.isFull(1)) {
                assertTrue(q.trySend(1, msg(n, 1)), "isFull(1) said there was room for message " + n);
                n++;
            }
            assertTrue(n >= 2, "a lane holds at least maxMessages maximum-size messages: " + n);
            assertFalse(q.trySend(1, msg(n, 1)), "isFull(1) said the lane is full");
            assertFalse(q.isFull(2), "a lane is free for another priority");
            assertFalse(q.isFull(), "not full at every priority");
            assertFalse(onOtherThread(() -> q.isFull(1)), "another thread's send would bind the free lane");
            assertTrue(q.trySend(2, msg(0, 2))); // binds the second and last lane
            assertTrue(q.isFull(3), "no lane for priority 3 and none free");
            assertTrue(onOtherThread(() -> q.isFull(1)), "another thread has no lane and none is free");
            assertFalse(q.isFull(), "priority 2's lane has room");
            fillLane(q, 2, 2);
            assertTrue(q.isFull(2));
            assertTrue(q.isFull(), "every priority full for this thread");
            assertEquals(2, q.tryReceive(dst.clear()), "the highest priority first");
            assertFalse(q.isFull(2), "the receive made room in priority 2's lane");
            assertFalse(q.isFull());
            assertTrue(q.isFull(1), "priority 1's lane is still full");
            while (q.tryReceive(dst.clear()) >= 0) {
                assertFalse(q.isFull(1) && q.isFull(2), "receives only make room");
            }
            assertTrue(q.isEmpty());
            assertFalse(q.isFull(1));
            assertFalse(q.isFull());
            assertEquals(0, q.size());
            assertEquals(2, q.lanesInUse(), "both lanes still bound to this thread, drained");
            assertFalse(q.isFull(3), "no lane free, but a drained lane of this thread moves to priority 3");
            assertTrue(q.trySend(3, msg(0, 3)));
            assertTrue(onOtherThread(() -> q.isFull(4)), "another thread has no lane and none is free");
        }
    }

    /**
     * Through a file: messages of random priorities sent by three threads one after another (each send
     * returned before the next began) through one handle are received through another handle highest
     * priority first, and in send order within a priority, across the senders' lanes.
     */
    @Test
    void receivesHighestPriorityFirstThenOldestAcrossThreadsAndHandles() throws Exception {
        Path file = dir.resolve("q");
        ExecutorService[] senders = new ExecutorService[3];
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 64, 16, 16);
             SharedPriorityQueue r = SharedPriorityQueue.open(file)) {
            for (int s = 0; s < senders.length; s++) {
                senders[s] = Executors.newSingleThreadExecutor();
            }
            Random rnd = new Random(42);
            int[] prios = new int[90];
            for (int round = 0; round < 2; round++) { // the second round reuses the lanes
                for (int i = 0; i < prios.length; i++) {
                    // two priorities per sender at most, and few: many messages of one priority in several lanes
                    prios[i] = rnd.nextInt(4) * 9;
                    int index = i;
                    assertTrue(senders[rnd.nextInt(3)].submit(() -> q.trySend(prios[index], msg(index, prios[index]))).get());
                }
                assertEquals(prios.length, r.size());
                ByteBuffer dst = ByteBuffer.allocate(16);
                int lastPrio = Integer.MAX_VALUE;
                int lastIndex = -1;
                for (int k = 0; k < prios.length; k++) {
                    int p = r.tryReceive(dst.clear());
                    assertEquals(8, dst.position(), "length");
                    int index = dst.getInt(0);
                    assertEquals(prios[index], p, "priority returned with the message");
                    assertEquals(p, dst.getInt(4));
                    assertTrue(p <= lastPrio, "priority order: " + p + " after " + lastPrio);
                    if (p == lastPrio) {
                        assertTrue(index > lastIndex, "send order within priority " + p + ": " + index + " after " + lastIndex);
                    }
                    lastPrio = p;
                    lastIndex = index;
                }
                assertEquals(-1, r.tryReceive(dst.clear()));
                assertTrue(r.isEmpty());
                assertTrue(q.isEmpty());
            }
        } finally {
            for (ExecutorService s : senders) {
                if (s != null) {
                    s.shutdown();
                }
            }
        }
    }

    /**
     * Empty and full leave the buffers alone; messages of every length 0..max arrive intact and in order;
     * a lane's capacity is reusable many times over, at every priority.
     */
    @Test
    void fullAndEmptyAndEveryLength() {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(4, 100, 4)) {
            ByteBuffer dst = ByteBuffer.allocate(100);
            assertEquals(-1, q.tryReceive(dst));
            assertEquals(0, dst.position(), "dst unchanged on empty");
            List<Integer> inFlight = new ArrayList<>();
            for (int length = 0; length <= 100; length++) {
                ByteBuffer src = ByteBuffer.allocate(length + 3).position(3);
                for (int j = 0; j < length; j++) {
                    src.put(3 + j, (byte) (length + j));
                }
                assertTrue(q.trySend(5, src), "message of " + length + " bytes");
                assertEquals(src.limit(), src.position(), "src consumed");
                inFlight.add(length);
                while (inFlight.size() > 4 || length == 100 && !inFlight.isEmpty()) {
                    int expected = inFlight.remove(0);
                    assertEquals(5, q.tryReceive(dst.clear()));
                    assertEquals(expected, dst.position(), "length of the message of " + expected + " bytes");
                    for (int j = 0; j < expected; j++) {
                        assertEquals((byte) (expected + j), dst.get(j), "byte " + j + " of the message of " + expected + " bytes");
                    }
                }
            }
            assertTrue(q.isEmpty());
            int n = 0;
            while (q.trySend(7, ByteBuffer.allocate(100).putInt(0, n))) {
                n++;
            }
            assertTrue(n >= 4, "at least maxMessages maximum-size messages: " + n);
            ByteBuffer extra = ByteBuffer.allocate(100);
            assertFalse(q.trySend(7, extra), "full");
            assertEquals(0, extra.position(), "src unchanged when full");
            assertEquals(n, q.size(), "a refused send adds nothing");
            for (int i = 0; i < n; i++) {
                assertEquals(7, q.tryReceive(dst.clear()));
                assertEquals(100, dst.position());
                assertEquals(i, dst.getInt(0));
            }
            assertEquals(-1, q.tryReceive(dst.clear()));
            // capacity is fully reusable, many times over (each lane's ring laps about 15 times)
            for (int round = 0; round < 1000; round++) {
                for (int i = 0; i < 4; i++) {
                    assertTrue(q.trySend(i, msg(round, i)), "round " + round + " priority " + i);
                }
                for (int i = 3; i >= 0; i--) {
                    assertEquals(i, q.tryReceive(dst.clear()));
                    assertEquals(round, dst.getInt(0));
                    assertEquals(8, dst.position());
                }
            }
            assertTrue(q.isEmpty());
        }
    }

    /**
     * A blocked receive wakes on a send; a send blocked on its full lane wakes on a receive; a send blocked
     * because no lane is free wakes once a lane is freed (here: its ended binder's lane, drained).
     */
    @Test
    void blockingReceiveWakesOnSendAndBlockingSendWakesOnReceiveOrAFreedLane() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8, 2)) { // a lane for this thread, one for ex's
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> r = ex.submit(() -> q.receive(ByteBuffer.allocate(8)));
                Thread.sleep(50);
                assertFalse(r.isDone(), "receive blocks while empty");
                q.send(9, msg(1, 2));
                assertEquals(9, r.get(10, TimeUnit.SECONDS));

                int n = ex.submit(() -> fillLane(q, 1, 1)).get();
                assertTrue(n > 0);
                Future<?> s = ex.submit(() -> {
                    q.send(1, msg(2, n));
                    return null;
                });
                Thread.sleep(50);
                assertFalse(s.isDone(), "send blocks while its lane is full");
                ByteBuffer dst = ByteBuffer.allocate(8);
                assertEquals(1, q.tryReceive(dst, 10, TimeUnit.SECONDS));
                assertEquals(0, dst.getInt(4));
                s.get(10, TimeUnit.SECONDS);
                for (int i = 1; i <= n; i++) {
                    assertEquals(1, q.tryReceive(dst.clear(), 10, TimeUnit.SECONDS));
                    assertEquals(i, dst.getInt(4), "FIFO, the woken send's message last");
                }
                assertTrue(q.isEmpty());
            } finally {
                ex.shutdownNow();
            }
        }
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8, 1)) {
            Thread binder = new Thread(() -> assertTrue(q.trySend(3, msg(3, 3))));
            binder.start();
            binder.join(); // the only lane is bound by an ended thread and holds its message
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<?> s = ex.submit(() -> {
                    q.send(4, msg(4, 4));
                    return null;
                });
                Thread.sleep(50);
                assertFalse(s.isDone(), "send blocks while no lane is free");
                ByteBuffer dst = ByteBuffer.allocate(8);
                assertEquals(3, q.tryReceive(dst, 10, TimeUnit.SECONDS));
                long t0 = System.nanoTime();
                s.get(10, TimeUnit.SECONDS);
                System.out.println("SharedPriorityQueue send waiting for a lane passed "
                        + (System.nanoTime() - t0) / 1_000 + " us after the receive that drained the retired one");
                assertEquals(4, q.tryReceive(dst.clear(), 10, TimeUnit.SECONDS));
                assertEquals(4, dst.getInt(0));
            } finally {
                ex.shutdownNow();
            }
        }
    }

    /** Timed calls wait their timeout (never less, not far more); interrupts end waits and clear the status. */
    @Test
    void timedCallsTimeOutAndInterruptsAreHonoured() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8, 2)) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            // a first wait links the kernel sleep (tens of ms on a cold JVM), which would hide an early return
            assertEquals(-1, q.tryReceive(dst, 1, TimeUnit.MILLISECONDS));
            long t0 = System.nanoTime();
            assertEquals(-1, q.tryReceive(dst, 30, TimeUnit.MILLISECONDS));
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(30), "waited the timeout: " + waited + " ns");
            assertTrue(waited < FAR_LATE_NANOS, "returned after the timeout: " + waited + " ns");
            assertEquals(0, dst.position(), "dst unchanged on timeout");
            assertEquals(-1, q.tryReceive(dst, 0, TimeUnit.SECONDS));
            assertEquals(-1, q.tryReceive(dst, -5, TimeUnit.SECONDS));
            assertTrue(q.trySend(0, msg(0, -1), 0, TimeUnit.SECONDS), "room: a zero timeout sends");
            int n = 1 + fillLane(q, 0, 0);
            ByteBuffer src = msg(0, n);
            assertFalse(q.trySend(0, src, 1, TimeUnit.MILLISECONDS)); // the send side's first wait
            t0 = System.nanoTime();
            assertFalse(q.trySend(0, src, 20, TimeUnit.MILLISECONDS));
            waited = System.nanoTime() - t0;
            assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(20), "waited the timeout: " + waited + " ns");
            assertTrue(waited < FAR_LATE_NANOS, "returned after the timeout: " + waited + " ns");
            assertEquals(0, src.position(), "src unchanged on timeout");
            assertFalse(q.trySend(0, src, 0, TimeUnit.SECONDS));
            assertEquals(n, q.size());

            // interrupted before the call: it throws though it could proceed, sends or takes nothing, and
            // clears the status
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> q.send(1, msg(1, 1)));
            assertFalse(Thread.interrupted(), "status cleared");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> q.trySend(1, msg(1, 1), 1, TimeUnit.SECONDS));
            assertFalse(Thread.interrupted(), "status cleared");
            assertEquals(n, q.size(), "the interrupted sends put nothing in");
            assertEquals(1, q.lanesInUse(), "nor bound a lane");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> q.receive(dst));
            assertFalse(Thread.interrupted(), "status cleared");
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> q.tryReceive(dst, 1, TimeUnit.SECONDS));
            assertFalse(Thread.interrupted(), "status cleared");
            assertEquals(n, q.size(), "the interrupted receives took nothing");
            assertEquals(0, dst.position());

            // interrupted while waiting: a send on its full lane, a timed send for a lane (none free), a
            // timed receive and a receive on the empty queue
            AtomicInteger filled = new AtomicInteger();
            assertInterruptedWhileWaiting(() -> {
                filled.set(fillLane(q, 3, 3)); // this thread's lane, the second and last
                q.send(3, msg(3, -1));
                return null;
            });
            int m = filled.get();
            assertTrue(m > 0);
            assertInterruptedWhileWaiting(() -> q.trySend(4, msg(4, -1), 1, TimeUnit.HOURS));
            assertEquals(n + m, q.size(), "the interrupted sends put nothing in");
            for (int i = 0; i < m; i++) {
                assertEquals(3, q.receive(dst.clear()));
                assertEquals(i, dst.getInt(4), "FIFO, nothing of the interrupted send");
            }
            for (int i = 0; i < n; i++) {
                assertEquals(0, q.receive(dst.clear()));
                assertEquals(i - 1, dst.getInt(4), "FIFO, nothing of the timed-out sends");
            }
            assertTrue(q.isEmpty());
            assertInterruptedWhileWaiting(() -> q.tryReceive(ByteBuffer.allocate(8), 1, TimeUnit.HOURS));
            assertInterruptedWhileWaiting(() -> q.receive(ByteBuffer.allocate(8)));
            assertTrue(q.trySend(2, msg(2, 2)));
            assertEquals(2, q.tryReceive(dst.clear()), "the queue works on after the interrupted waits");
        }
    }

    /** Runs {@code call} on a thread that interrupts it once it waits; it must throw InterruptedException. */
    private static void assertInterruptedWhileWaiting(Callable<?> call) throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        CountDownLatch calling = new CountDownLatch(1);
        Thread waiter = new Thread(() -> {
            calling.countDown();
            try {
                outcome.set(call.call());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        waiter.start();
        calling.await();
        Thread.sleep(30);
        assertNull(outcome.get(), "the call waits");
        long t0 = System.nanoTime();
        waiter.interrupt();
        waiter.join(TimeUnit.NANOSECONDS.toMillis(FAR_LATE_NANOS));
        assertFalse(waiter.isAlive(), "the interrupt ended the wait");
        assertTrue(outcome.get() instanceof InterruptedException, String.valueOf(outcome.get()));
        assertTrue(System.nanoTime() - t0 < FAR_LATE_NANOS);
    }

    @Test
    void badInputIsRefusedNamingTheValueAndChangesNothing() throws IOException {
        Path file = dir.resolve("bad");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 0, 8));
        assertTrue(e.getMessage().contains(": 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 4, -1));
        assertTrue(e.getMessage().contains(": -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 4, 8, 0));
        assertTrue(e.getMessage().contains("lanes") && e.getMessage().contains(": 0"), e.getMessage());
        int tooMany = SharedPriorityQueue.MAX_LANES + 1;
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 4, 8, tooMany));
        assertTrue(e.getMessage().contains("lanes") && e.getMessage().contains(": " + tooMany), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.openOrCreate(file, 4, 8, tooMany));
        assertTrue(e.getMessage().contains(": " + tooMany), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.openOrCreate(file, 4, 8, 0));
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.openOrCreate(file, -5, 8));
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 1 << 20, 1 << 16));
        assertTrue(e.getMessage().contains("2 GiB"), e.getMessage());
        assertFalse(Files.exists(file), "nothing created");
        assertEquals(List.of(), filesNamed("bad"), "no temporary file left either");
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.inMemory(4, 8, tooMany));
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.structureLength(4, 8, tooMany));
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.structureLength(4, 8, 0));
        assertTrue(SharedPriorityQueue.structureLength(1, 8, SharedPriorityQueue.MAX_LANES) > 0, "MAX_LANES itself is allowed");

        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 4, 8, 2)) {
            e = assertThrows(IllegalArgumentException.class, () -> q.trySend(32, msg(0, 0)));
            assertTrue(e.getMessage().contains("32"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> q.trySend(-1, msg(0, 0)));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            ByteBuffer big = ByteBuffer.allocate(9);
            e = assertThrows(IllegalArgumentException.class, () -> q.send(0, big));
            assertTrue(e.getMessage().contains("9 bytes"), e.getMessage());
            assertEquals(0, big.position(), "src unchanged");
            e = assertThrows(IllegalArgumentException.class, () -> q.trySend(3, big, 1, TimeUnit.SECONDS));
            assertTrue(e.getMessage().contains("9 bytes"), e.getMessage());
            ByteBuffer small = ByteBuffer.allocate(7);
            e = assertThrows(IllegalArgumentException.class, () -> q.tryReceive(small));
            assertTrue(e.getMessage().contains("7"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> q.receive(small));
            assertThrows(ReadOnlyBufferException.class, () -> q.tryReceive(ByteBuffer.allocate(8).asReadOnlyBuffer()));
            assertThrows(NullPointerException.class, () -> q.trySend(0, null));
            assertThrows(NullPointerException.class, () -> q.tryReceive(null));
            e = assertThrows(IllegalArgumentException.class, () -> q.isFull(-1));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            assertTrue(q.isEmpty(), "nothing was sent");
            assertEquals(0, q.lanesInUse(), "no refused send bound a lane");
            assertTrue(q.trySend(1, msg(1, 1)));
            assertThrows(IllegalArgumentException.class, () -> q.receive(small));
            assertThrows(IllegalArgumentException.class, () -> q.tryReceive(small, 1, TimeUnit.SECONDS));
            assertEquals(0, small.position());
            assertEquals(1, q.size(), "a refused receive took nothing");
        }
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8, 1)) {
            q.close();
            assertThrows(IllegalStateException.class, () -> q.trySend(0, msg(0, 0)));
            assertThrows(IllegalStateException.class, () -> q.tryReceive(ByteBuffer.allocate(8)));
            assertThrows(IllegalStateException.class, () -> q.receive((p, b, o, l) -> { }, 1));
        }
    }

    private List<Path> filesNamed(String part) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(part)).collect(java.util.stream.Collectors.toList());
        }
    }

    /**
     * A file of another kind, a queue file of other sizes (also of other lanes) for openOrCreate, a file
     * that is no Lockstep file, and queue files of layout versions 6 (revision 1's) and 7 (revision 2's
     * before the holds zeroed) are refused, and each is left untouched.
     */
    @Test
    void wrongKindWrongSizesForeignAndOldLayoutFilesAreRefusedUntouched() throws IOException {
        Path mutex = dir.resolve("m");
        SharedFile.create(mutex, StructureKind.MUTEX, 4096, b -> { }).close();
        byte[] before = Files.readAllBytes(mutex);
        IncompatibleFileException e = assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.open(mutex));
        assertTrue(e.getMessage().contains("MUTEX"), e.getMessage());
        assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(mutex, 4, 8));
        assertArrayEquals(before, Files.readAllBytes(mutex));

        Path q = dir.resolve("q");
        try (SharedPriorityQueue created = SharedPriorityQueue.create(q, 4, 8, 8)) {
            assertTrue(created.trySend(3, msg(3, 3)));
        }
        before = Files.readAllBytes(q);
        assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(q, 8, 8, 8));
        assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(q, 4, 16, 8));
        e = assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(q, 4, 8, 16));
        assertTrue(e.getMessage().contains("16"), e.getMessage());
        e = assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(q, 4, 8));
        assertTrue(e.getMessage().contains(String.valueOf(SharedPriorityQueue.DEFAULT_LANES)), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(q), "the refused opens left the file untouched");
        try (SharedPriorityQueue opened = SharedPriorityQueue.openOrCreate(q, 4, 8, 8)) {
            assertEquals(4, opened.maxMessages());
            assertEquals(8, opened.maxMessageSize());
            assertEquals(8, opened.lanes());
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(3, opened.tryReceive(dst), "the same queue");
        }

        Path foreign = dir.resolve("foreign");
        byte[] noise = new byte[8192];
        new Random(3).nextBytes(noise);
        Files.write(foreign, noise);
        e = assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.open(foreign));
        assertTrue(e.getMessage().contains("not a Lockstep file"), e.getMessage());
        assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(foreign, 4, 8, 8));
        assertArrayEquals(noise, Files.readAllBytes(foreign));

        // queue files whose header says layout version 6 (checksum valid): revision 1's layout, or 7:
        // revision 2 before the holds zeroed what they delivered (its senders would not wait for that)
        for (int version : new int[] {6, 7}) {
            Path old = dir.resolve("v" + version);
            SharedPriorityQueue.create(old, 4, 8, 8).close();
            ByteBuffer header = ByteBuffer.wrap(Files.readAllBytes(old)).order(ByteOrder.nativeOrder());
            assertEquals(8, header.getInt(FileLayout.VERSION_OFFSET));
            header.putInt(FileLayout.VERSION_OFFSET, version);
            header.putInt(FileLayout.CHECKSUM_OFFSET, FileLayout.checksum(header));
            Files.write(old, header.array());
            before = Files.readAllBytes(old);
            e = assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.open(old));
            assertTrue(e.getMessage().contains("layout version " + version), e.getMessage());
            assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(old, 4, 8, 8));
            assertArrayEquals(before, Files.readAllBytes(old));
        }
    }

    /** The lanes given at creation are recorded in the header (parameter 3) and read back by open. */
    @Test
    void createWithExplicitLanesRecordsThemAndOpenReadsThemBack() throws Exception {
        Path file = dir.resolve("lanes");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 3, 40, 5)) {
            assertEquals(5, q.lanes());
        }
        FileLayout.Header h = SharedFile.readHeader(file, StructureKind.PRIORITY_QUEUE);
        assertEquals(FileLayout.LAYOUT_VERSION, h.layoutVersion());
        assertEquals(3, h.param(PriorityQueueDescriptor.PARAM_MAX_MESSAGES));
        assertEquals(40, h.param(PriorityQueueDescriptor.PARAM_MAX_MESSAGE_SIZE));
        assertEquals(SharedPriorityQueue.MAX_PRIORITY, h.param(PriorityQueueDescriptor.PARAM_MAX_PRIORITY));
        assertEquals(5, h.param(3));
        try (SharedPriorityQueue q = SharedPriorityQueue.open(file)) {
            assertEquals(5, q.lanes());
            assertEquals(3, q.maxMessages());
            assertEquals(40, q.maxMessageSize());
            // five threads (or priorities) may send at once, a sixth waits
            for (int p = 0; p < 5; p++) {
                int priority = p;
                assertTrue(onOtherThread(() -> q.trySend(priority, msg(priority, 0))));
            }
            assertFalse(onOtherThread(() -> q.trySend(9, msg(9, 0))), "no sixth lane");
        }
        Path defaults = dir.resolve("defaults");
        SharedPriorityQueue.create(defaults, 3, 40).close();
        assertEquals(SharedPriorityQueue.DEFAULT_LANES, SharedFile.readHeader(defaults, StructureKind.PRIORITY_QUEUE).param(3));
        try (SharedPriorityQueue q = SharedPriorityQueue.open(defaults)) {
            assertEquals(SharedPriorityQueue.DEFAULT_LANES, q.lanes());
        }
        Path orCreated = dir.resolve("orCreated");
        SharedPriorityQueue.openOrCreate(orCreated, 3, 40, 7).close();
        assertEquals(7, SharedFile.readHeader(orCreated, StructureKind.PRIORITY_QUEUE).param(3));
        try (SharedPriorityQueue q = SharedPriorityQueue.open(orCreated)) {
            assertEquals(7, q.lanes());
        }
    }

    @Test
    void twoHandlesShareTheMessages() throws Exception {
        Path file = dir.resolve("shared");
        try (SharedPriorityQueue a = SharedPriorityQueue.openOrCreate(file, 8, 8, 4);
             SharedPriorityQueue b = SharedPriorityQueue.openOrCreate(file, 8, 8, 4)) {
            a.send(3, msg(7, 7));
            b.send(4, msg(8, 8));
            assertEquals(2, a.size());
            assertEquals(2, b.size());
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(4, a.tryReceive(dst, 10, TimeUnit.SECONDS));
            assertEquals(8, dst.getInt(0));
            assertEquals(3, b.tryReceive(dst.clear(), 10, TimeUnit.SECONDS));
            assertEquals(7, dst.getInt(0));
            assertTrue(a.isEmpty());
            assertTrue(b.isEmpty());
        }
    }

    /**
     * A token no live process holds: its registry entry index is past the registry's end (the registry
     * judges such a token dead at once, as it judges a killed process's token).
     */
    static long deadToken(Path file) throws IOException {
        return ((long) Participants.of(file).capacity() + 1) << 32 | 2;
    }

    /**
     * Lanes a dead sender left BOUND as it died, one with a published message and then half of a second
     * one written (its header still 0), the other with its first record half written: recovery retires
     * them, the published message is delivered, the half-written ones never, and both lanes are freed
     * and usable again. (A dead sender's lane of a real killed process: SharedPriorityQueueSleepTest.)
     */
    @Test
    void aDeadSendersPublishedMessagesAreDeliveredItsUnfinishedOnesNever() throws Exception {
        Path file = dir.resolve("crash");
        int lanes = 2;
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 4, 8, lanes)) {
            long dead = deadToken(file);
            ByteBuffer b = q.buffer();
            int base = SharedFile.STRUCTURE_OFFSET;
            long rings = base + PriorityQueueDescriptor.ringsOffset(lanes);
            long ringBytes = PriorityQueueDescriptor.ringBytes(4, 8);
            for (int k = 0; k < lanes; k++) {
                int lane = base + PriorityQueueDescriptor.laneOffset(lanes, k);
                MappedAccess.INT.setVolatile(b, lane + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET, 6);
                MappedAccess.LONG.setVolatile(b, lane + PriorityQueueDescriptor.LANE_OWNER_OFFSET, PriorityQueueDescriptor.BOUND | dead);
                MappedAccess.LONG.getAndBitwiseOr(b, base + PriorityQueueDescriptor.ACTIVE_BITS_OFFSET, 1L << k);
            }
            int ring0 = (int) rings;
            // lane 0: one message published (body, next header zero, header, stamp), then a second one's body
            b.putLong(ring0 + 8, 0x0606_0606_0606_0606L);
            MappedAccess.LONG.setRelease(b, ring0, PriorityQueueDescriptor.header(6, 1, 8));
            MappedAccess.LONG.setRelease(b, base + PriorityQueueDescriptor.laneOffset(lanes, 0)
                    + PriorityQueueDescriptor.LANE_PUBLISHED_STAMP_OFFSET, 1L);
            b.putLong(ring0 + 16 + 8, 0x6666_6666_6666_6666L);
            // lane 1: the first record's body only
            b.putLong((int) (rings + ringBytes) + 8, 0x7777_7777_7777_7777L);

            assertFalse(q.trySend(0, msg(0, 0)), "both lanes taken");
            assertEquals(1, q.size(), "the published message only");
            assertEquals(2, q.recover(), "both dead lanes retired");
            assertEquals(1, q.lanesInUse(), "the drained one freed at once, the other after its message");
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(6, q.tryReceive(dst), "the dead sender's published message is delivered");
            assertEquals(0x0606_0606_0606_0606L, dst.getLong(0));
            assertEquals(-1, q.tryReceive(dst.clear()), "the half-written messages are never delivered");
            assertEquals(0, dst.position());
            assertEquals(0, q.lanesInUse(), "the drained retired lane is freed");
            assertEquals(0, q.recover(), "nothing left to recover");
            assertTrue(q.trySend(1, msg(1, 1)), "the lanes are usable again");
            assertTrue(onOtherThread(() -> q.trySend(1, msg(2, 2))));
            for (int i = 1; i <= 2; i++) {
                assertEquals(1, q.tryReceive(dst.clear()));
                assertEquals(i, dst.getInt(0));
            }
            assertEquals(-1, q.tryReceive(dst.clear()));
        }
    }

    /**
     * Two recoverers (two handles, as two processes have) race over the same dead senders' lanes, each
     * holding one published message, while a receiver takes the messages and a sender (a third handle)
     * waits for a freed lane ({@link Faults#race}): no dead lane is recovered twice, every message is
     * received once, and every lane is free again after the round.
     */
    @Test
    void racingRecoverersRecoverEachDeadLaneOnceAndLoseNothing() throws Exception {
        Path file = dir.resolve("race");
        int lanes = 4;
        try (SharedPriorityQueue a = SharedPriorityQueue.create(file, 4, 8, lanes);
             SharedPriorityQueue b = SharedPriorityQueue.open(file)) {
            ByteBuffer mem = a.buffer();
            int base = SharedFile.STRUCTURE_OFFSET;
            long rings = base + PriorityQueueDescriptor.ringsOffset(lanes);
            int ringBytes = (int) PriorityQueueDescriptor.ringBytes(4, 8);
            long dead = deadToken(file);
            ByteBuffer dst = ByteBuffer.allocate(8);
            for (int round = 0; round < 200; round++) {
                assertEquals(0, a.lanesInUse(), "round " + round + " starts with every lane free");
                for (int k = 0; k < lanes; k++) { // every lane bound by a sender that died after one message
                    int lane = base + PriorityQueueDescriptor.laneOffset(lanes, k);
                    int ring = (int) (rings + (long) k * ringBytes);
                    long head = PriorityQueueDescriptor.position((long) MappedAccess.LONG.getVolatile(mem, lane + PriorityQueueDescriptor.LANE_HEAD_OFFSET));
                    int at = (int) (head << 3) & (ringBytes - 1); // every record here is 16 bytes: no padding
                    long stamp = (long) MappedAccess.LONG.getVolatile(mem, lane + PriorityQueueDescriptor.LANE_PUBLISHED_STAMP_OFFSET) + 1;
                    MappedAccess.LONG.setVolatile(mem, lane + PriorityQueueDescriptor.LANE_OWNER_OFFSET, PriorityQueueDescriptor.BOUND | dead);
                    MappedAccess.INT.setVolatile(mem, lane + PriorityQueueDescriptor.LANE_PRIORITY_OFFSET, 5);
                    MappedAccess.LONG.getAndBitwiseOr(mem, base + PriorityQueueDescriptor.ACTIVE_BITS_OFFSET, 1L << k);
                    mem.putInt(ring + at + 8, round);
                    mem.putInt(ring + at + 12, k);
                    mem.putLong(ring + ((at + 16) & (ringBytes - 1)), 0L);
                    MappedAccess.LONG.setRelease(mem, ring + at, PriorityQueueDescriptor.header(5, (int) stamp, 8));
                    MappedAccess.LONG.setVolatile(mem, lane + PriorityQueueDescriptor.LANE_PUBLISHED_STAMP_OFFSET, stamp);
                }
                int r = round;
                boolean[] seen = new boolean[lanes];
                try (SharedPriorityQueue c = SharedPriorityQueue.open(file)) {
                    List<Integer> results = Faults.race(List.of(
                            a::recover,
                            b::recover,
                            () -> { // the receiver
                                ByteBuffer d = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
                                for (int i = 0; i < lanes; i++) {
                                    int p;
                                    while ((p = b.tryReceive(d.clear())) < 0) {
                                        Thread.onSpinWait();
                                    }
                                    assertEquals(5, p);
                                    assertEquals(r, d.getInt(0), "round " + r);
                                    assertFalse(seen[d.getInt(4)], "round " + r + ": lane " + d.getInt(4) + "'s message twice");
                                    seen[d.getInt(4)] = true;
                                }
                                return lanes;
                            },
                            () -> { // the sender: needs a freed lane
                                while (!c.trySend(1, msg(r, -1))) {
                                    Thread.onSpinWait();
                                }
                                return 1;
                            }));
                    // the receiver's own calls may recover some too (automatic recovery): never one twice
                    assertTrue(results.get(0) + results.get(1) <= lanes, "round " + round + ": a dead lane recovered twice " + results);
                    assertEquals(1, b.tryReceive(dst.clear()), "round " + round + ": the sender's message");
                    assertEquals(r, dst.getInt(0));
                    assertEquals(-1, b.tryReceive(dst.clear()), "round " + round + ": nothing else");
                } // closing c retires and frees its drained lane
            }
            assertEquals(0, a.lanesInUse());
        }
    }

    /** The idle strategy is created only by calls that wait, once per waiting side, kept, and the one set is used. */
    @Test
    void idleStrategyIsPluggableCreatedOnlyWhenWaitingAndKept() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8, 1)) {
            AtomicInteger created = new AtomicInteger();
            AtomicInteger idled = new AtomicInteger();
            q.setIdleStrategy(() -> {
                created.incrementAndGet();
                return new org.agrona.concurrent.IdleStrategy() {
                    @Override
                    public void idle(int workCount) {
                        idle();
                    }

                    @Override
                    public void idle() {
                        idled.incrementAndGet();
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000L);
                    }

                    @Override
                    public void reset() {
                    }
                };
            });
            assertEquals(dev.lockstep.ipc.shm.WaitMode.POLL, q.waitMode(), "an explicit strategy polls");
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertTrue(q.trySend(1, msg(1, 1), 1, TimeUnit.SECONDS));
            assertEquals(1, q.tryReceive(dst.clear(), 1, TimeUnit.SECONDS));
            q.send(1, msg(2, 2));
            assertEquals(1, q.receive(dst.clear()));
            assertEquals(0, created.get(), "calls that did not wait created an idle strategy");
            assertEquals(-1, q.tryReceive(dst.clear(), 20, TimeUnit.MILLISECONDS));
            assertEquals(1, created.get(), "a strategy made when a call first waited");
            // a blocking receive idles at least once before it can return: with the strategy set, the
            // one the first waiting receive made (kept by the handle for its later waits)
            int idledBefore = idled.get();
            Thread receiver = new Thread(() -> {
                try {
                    q.receive(ByteBuffer.allocate(8));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            receiver.start();
            while (idled.get() == idledBefore) {
                Thread.sleep(1);
            }
            q.send(1, msg(9, 9));
            receiver.join(10_000);
            assertFalse(receiver.isAlive());
            assertEquals(1, created.get(), "the second waiting receive reused the first one's strategy");
            fillLane(q, 1, 3);
            assertFalse(q.trySend(1, msg(4, 4), 20, TimeUnit.MILLISECONDS));
            assertEquals(2, created.get(), "the waiting send made its side's own");
            assertFalse(q.trySend(1, msg(4, 4), 20, TimeUnit.MILLISECONDS));
            assertEquals(2, created.get(), "and reused it");
            // a new factory: the kept strategies are dropped, later waits use the new one's
            AtomicInteger created2 = new AtomicInteger();
            q.setIdleStrategy(() -> {
                created2.incrementAndGet();
                return new org.agrona.concurrent.BackoffIdleStrategy();
            });
            assertFalse(q.trySend(1, msg(4, 4), 20, TimeUnit.MILLISECONDS));
            assertEquals(1, created2.get(), "the new factory's strategy");
            assertEquals(2, created.get());
            assertThrows(NullPointerException.class, () -> q.setIdleStrategy(null));
        }
    }

    /** A queue over a caller's region: shared by two handles, bad regions refused with a clear message. */
    @Test
    void wrapSharesARegionAndRefusesBadOnes() throws IOException {
        Participants who = Participants.ofFolder(dir);
        int length = (int) SharedPriorityQueue.structureLength(4, 16, 4);
        assertEquals(PriorityQueueDescriptor.structureLength(4, 16, 4), length);
        ByteBuffer mem = ByteBuffer.allocateDirect(length + 1024).alignedSlice(128).order(ByteOrder.nativeOrder());
        try (SharedPriorityQueue a = SharedPriorityQueue.wrap(mem, 128, 4, 16, 4, who);
             SharedPriorityQueue b = SharedPriorityQueue.wrap(mem, 128, 4, 16, 4, who)) {
            assertTrue(a.trySend(5, msg(7, 5)));
            ByteBuffer dst = ByteBuffer.allocate(16);
            assertEquals(5, b.tryReceive(dst));
            assertEquals(7, dst.getInt(0));
            assertNull(a.path());
            assertEquals(4, a.lanes());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 64, 4, 16, 4, who));
        assertTrue(e.getMessage().contains("misaligned"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 1024 + 128, 4, 16, 4, who));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, -128, 4, 16, 4, who));
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(ByteBuffer.allocate(length), 0, 4, 16, 4, who));
        assertTrue(e.getMessage().contains("direct"), e.getMessage());
        ByteOrder other = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem.duplicate().order(other), 128, 4, 16, 4, who));
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 0, 0, 16, 4, who));
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 0, 4, 16, 0, who));
        assertTrue(e.getMessage().contains(": 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 0, 4, 16, SharedPriorityQueue.MAX_LANES + 1, who));
        assertThrows(NullPointerException.class, () -> SharedPriorityQueue.wrap(null, 0, 4, 16, 4, who));
        assertThrows(NullPointerException.class, () -> SharedPriorityQueue.wrap(mem, 128, 4, 16, 4, null));
    }

    /**
     * Batch receive: many messages of random priorities from three threads (several lanes per priority),
     * delivered in priority order, in send order within a priority, each once, the limit honoured.
     */
    @Test
    @Timeout(120)
    void batchReceiveDeliversInPriorityThenSendOrder() throws Exception {
        ExecutorService[] senders = new ExecutorService[3];
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(200, 16)) {
            for (int s = 0; s < senders.length; s++) {
                senders[s] = Executors.newSingleThreadExecutor();
            }
            Random rnd = new Random(7);
            int count = 150;
            int[] prios = new int[count];
            for (int round = 0; round < 2; round++) { // the second round reuses the lanes
                for (int i = 0; i < count; i++) {
                    prios[i] = rnd.nextInt(6) * 6;
                    int index = i;
                    assertTrue(senders[rnd.nextInt(3)].submit(() -> q.trySend(prios[index], msg(index, prios[index]))).get());
                }
                int[] order = new int[count];
                int[] n = {0};
                MessageHandler h = (priority, buffer, offset, length) -> {
                    assertEquals(8, length, "length");
                    int index = bigEndianInt(buffer, offset);
                    assertEquals(prios[index], priority, "priority passed with the message");
                    order[n[0]++] = index;
                };
                assertEquals(7, q.receive(h, 7), "limit");
                assertEquals(7, n[0]);
                assertEquals(count - 7, q.size());
                assertEquals(count - 7, q.receive(h, Integer.MAX_VALUE));
                assertEquals(0, q.receive(h, Integer.MAX_VALUE), "empty");
                assertTrue(q.isEmpty());
                for (int k = 1; k < count; k++) {
                    int a = order[k - 1];
                    int b = order[k];
                    assertTrue(prios[b] < prios[a] || prios[b] == prios[a] && b > a,
                            "message " + b + " (priority " + prios[b] + ") after " + a + " (priority " + prios[a] + ")");
                }
            }
        } finally {
            for (ExecutorService s : senders) {
                if (s != null) {
                    s.shutdown();
                }
            }
        }
    }

    /**
     * A batch whose handler throws: the exception propagates, that message counts as received and its
     * room (and its predecessors') is the sender's again, the rest stay queued and are delivered later in
     * order; bad arguments are refused.
     */
    @Test
    void batchHandlerThatThrowsFreesItsRoomAndLeavesTheRest() {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(5, 8, 4)) {
            int full = fillLane(q, 0, 0);
            assertTrue(full >= 5, "at least maxMessages: " + full);
            AtomicInteger calls = new AtomicInteger();
            IllegalStateException boom = new IllegalStateException("boom");
            IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> q.receive((priority, buffer, offset, length) -> {
                if (calls.incrementAndGet() == 2) {
                    throw boom;
                }
            }, full));
            assertSame(boom, thrown, "the handler's exception propagates");
            assertEquals(2, calls.get());
            assertEquals(full - 2, q.size(), "the two handled messages are gone, the rest wait");
            assertTrue(q.trySend(0, msg(-1, full)));
            assertTrue(q.trySend(0, msg(-1, full + 1)));
            assertTrue(q.isFull(0), "the room of the two received messages, no more");
            assertFalse(q.trySend(0, msg(-1, full + 2)));
            ByteBuffer dst = ByteBuffer.allocate(8);
            for (int expected = 2; expected < full + 2; expected++) {
                assertEquals(0, q.tryReceive(dst.clear()));
                assertEquals(expected, dst.getInt(4), "the rest in order, then the newer ones");
            }
            assertEquals(-1, q.tryReceive(dst.clear()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> q.receive((p, b, o, l) -> { }, 0));
            assertTrue(e.getMessage().contains("0"), e.getMessage());
            assertThrows(NullPointerException.class, () -> q.receive(null, 1));
        }
    }

    @Test
    void manyProducersAndConsumersLoseAndDuplicateNothing() throws Exception {
        runProducersConsumers(Executors.defaultThreadFactory(), false, 4);
    }

    /**
     * As above with every consumer thread batch-receiving through the same handle, checking per-producer
     * send order within a priority.
     */
    @Test
    @Timeout(120)
    void batchConsumersSharingAHandleLoseDuplicateAndReorderNothing() throws Exception {
        runProducersConsumers(Executors.defaultThreadFactory(), true, 4);
    }

    /**
     * As above with each producer cycling through 7 priorities, more than its lane budget: a producer at
     * a new priority moves one of its drained lanes to it, binds a free one, or waits until one of its
     * lanes drains (its wait's re-check raises their space requests, so that receive wakes it).
     */
    @Test
    @Timeout(120)
    void producersRotatingMorePrioritiesThanTheirLanesLoseDuplicateAndReorderNothing() throws Exception {
        runProducersConsumers(Executors.defaultThreadFactory(), false, 7);
        runProducersConsumers(Executors.defaultThreadFactory(), true, 7);
    }

    @Test
    void worksOnVirtualThreads() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21+");
        ThreadFactory virtual;
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            virtual = (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        runProducersConsumers(virtual, false, 4);
    }

    private void runProducersConsumers(ThreadFactory threads, boolean batch, int priorities) throws Exception {
        int producers = 4;
        int consumers = 4;
        int perProducer = 20_000;
        // 4 producers x their budget of 4 lanes: 16 lanes, whatever the number of priorities. At 7, a
        // producer binding a fifth lane retires its oldest with its records waiting, which the receive
        // that drains it frees (before, it kept that lane bound until its next bind, so a producer done
        // sending could keep the lanes another one waited for: this test hung about every second run)
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(16, 8, 16)) {
            ExecutorService ex = Executors.newFixedThreadPool(producers + consumers, threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<long[]>> received = new ArrayList<>();
                List<Future<?>> sent = new ArrayList<>();
                for (int p = 0; p < producers; p++) {
                    int id = p;
                    sent.add(ex.submit(() -> {
                        start.await();
                        ByteBuffer src = ByteBuffer.allocate(8);
                        for (int i = 0; i < perProducer; i++) {
                            q.send(i % priorities, src.clear().putInt(0, id).putInt(4, i));
                        }
                        return null;
                    }));
                }
                int total = producers * perProducer;
                AtomicInteger remaining = new AtomicInteger(total);
                for (int c = 0; c < consumers; c++) {
                    received.add(ex.submit(() -> {
                        start.await();
                        long[] seen = new long[total];
                        ByteBuffer dst = ByteBuffer.allocate(8);
                        int[] last = new int[producers * priorities]; // per producer and priority: the last index + 1
                        int[] m = {0};
                        MessageHandler h = (prio, buffer, offset, length) -> {
                            int id = bigEndianInt(buffer, offset);
                            int i = bigEndianInt(buffer, offset + 4);
                            assertEquals(i % priorities, prio, "priority travels with the message");
                            assertTrue(i + 1 > last[id * priorities + prio], "producer " + id + " FIFO: " + i + " after " + (last[id * priorities + prio] - 1));
                            last[id * priorities + prio] = i + 1;
                            seen[m[0]++] = (long) id * perProducer + i;
                        };
                        while (batch && remaining.get() > 0) {
                            int got = q.receive(h, 16);
                            remaining.addAndGet(-got);
                            if (got == 0) {
                                Thread.yield(); // 2 cores, 8 threads: let the producers run
                            }
                        }
                        while (remaining.get() > 0) {
                            int prio = q.tryReceive(dst.clear(), 10, TimeUnit.MILLISECONDS);
                            if (prio >= 0) {
                                remaining.decrementAndGet();
                                h.onMessage(prio, dst, 0, 8);
                            }
                        }
                        return Arrays.copyOf(seen, m[0]);
                    }));
                }
                start.countDown();
                boolean[] got = new boolean[total];
                int count = 0;
                for (Future<long[]> f : received) {
                    for (long id : f.get(50, TimeUnit.SECONDS)) {
                        assertFalse(got[(int) id], "duplicate " + id);
                        got[(int) id] = true;
                        count++;
                    }
                }
                for (Future<?> f : sent) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertEquals(total, count, "every message received once");
                assertTrue(q.isEmpty());
            } finally {
                ex.shutdownNow();
            }
        }
    }
}
