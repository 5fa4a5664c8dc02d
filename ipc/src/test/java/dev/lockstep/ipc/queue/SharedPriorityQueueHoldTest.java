package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.test.ChildJvm;

/** Milestone 3 of layout revision 2 ({@link SharedPriorityQueue}): the handler batch by the lanes' holds. */
@Timeout(120)
class SharedPriorityQueueHoldTest {
    @TempDir
    Path dir;

    static ByteBuffer msg(int a, int b) {
        return ByteBuffer.allocate(8).putInt(0, a).putInt(4, b);
    }

    /** The big-endian int the test's heap buffers wrote, read from any buffer (the mapping is native order). */
    static int be(ByteBuffer b, int at) {
        int v = b.getInt(at);
        return b.order() == java.nio.ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    /** Records "priority:a:b" of each message delivered. */
    static final class Log implements MessageHandler {
        final List<String> seen = new ArrayList<>();

        @Override
        public void onMessage(int type, ByteBuffer buffer, int offset, int length) {
            assertEquals(8, length);
            seen.add(type + ":" + be(buffer, offset) + ":" + be(buffer, offset + 4));
        }
    }

    /** Priority first, FIFO within a priority and across lanes; the limit holds; the rest stays. */
    @Test
    void deliversInPriorityThenSendOrderUpToTheLimit() throws Exception {
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(16, 8, 8);
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 6; i++) {
                assertTrue(q.trySend(2, msg(0, i)));
                int n = i;
                assertTrue(other.submit(() -> q.trySend(2, msg(1, n))).get()); // another lane, interleaved
            }
            assertTrue(q.trySend(7, msg(0, 99)));
            Log log = new Log();
            assertEquals(5, q.receive(log, 5));
            assertEquals(List.of("7:0:99", "2:0:0", "2:1:0", "2:0:1", "2:1:1"), log.seen);
            assertEquals(8, q.size());
            assertEquals(8, q.receive(log, 100));
            assertEquals(List.of("7:0:99", "2:0:0", "2:1:0", "2:0:1", "2:1:1", "2:0:2", "2:1:2", "2:0:3", "2:1:3",
                    "2:0:4", "2:1:4", "2:0:5", "2:1:5"), log.seen);
            assertEquals(0, q.receive(log, 1));
            assertTrue(q.isEmpty());
        } finally {
            other.shutdown();
        }
        assertThrows(IllegalArgumentException.class, () -> q.receive(new Log(), 0));
        assertThrows(NullPointerException.class, () -> q.receive(null, 1));
    }

    /**
     * A handler that throws: its message counts as received, the exception propagates, the rest of the
     * held run is given back and received next, before the lane's newer messages, by copy or by batch.
     */
    @Test
    void aThrowingHandlersRunIsGivenBackInOrder() throws Exception {
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(16, 8, 4);
        for (int i = 0; i < 6; i++) {
            assertTrue(q.trySend(3, msg(0, i)));
        }
        RuntimeException boom = new RuntimeException("boom");
        AtomicInteger calls = new AtomicInteger();
        RuntimeException e = assertThrows(RuntimeException.class, () -> q.receive((type, b, off, len) -> {
            if (calls.incrementAndGet() == 2) {
                throw boom;
            }
        }, 100));
        assertSame(boom, e);
        assertEquals(4, q.size(), "messages 0 and 1 received, 2..5 given back");
        assertTrue(q.trySend(3, msg(0, 6)));
        ByteBuffer d = ByteBuffer.allocateDirect(8);
        assertEquals(3, q.tryReceive(d));
        assertEquals(2, d.getInt(4), "the given-back run first, by copy");
        Log log = new Log();
        assertEquals(2, q.receive(log, 2)); // a batch takes the given-back run over, up to its limit
        assertEquals(List.of("3:0:3", "3:0:4"), log.seen);
        assertEquals(2, q.receive(log, 10));
        assertEquals(List.of("3:0:3", "3:0:4", "3:0:5", "3:0:6"), log.seen);
        assertTrue(q.isEmpty());
        assertTrue(q.trySend(3, msg(0, 7)), "the lane works on after its hold ended");
        assertEquals(1, q.receive(log, 10));
    }

    /**
     * Batch receivers, copying receivers and senders together: nothing lost or duplicated, and each
     * receiver sees each sender's messages of one priority in send order.
     */
    @Test
    void batchAndCopyingReceiversLoseDuplicateAndReorderNothing() throws Exception {
        SharedPriorityQueue q = SharedPriorityQueue.inMemory(32, 8, 16);
        int senders = 2;
        int perSender = 40_000;
        AtomicInteger total = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        boolean[][] seen = new boolean[senders][perSender];
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int id = s;
            threads.add(new Thread(() -> {
                try {
                    for (int i = 0; i < perSender && failure.get() == null; i++) {
                        while (!q.trySend(i % 2, msg(id, i), 10, TimeUnit.MILLISECONDS) && failure.get() == null) {
                            // a failed receiver ends the test instead of blocking the senders
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        for (int r = 0; r < 2; r++) {
            boolean batch = r == 0;
            threads.add(new Thread(() -> {
                int[][] last = new int[senders][2];
                for (int[] l : last) {
                    java.util.Arrays.fill(l, -1);
                }
                MessageHandler h = (type, b, off, len) -> {
                    int s = be(b, off);
                    int i = be(b, off + 4);
                    if (type != i % 2 || i <= last[s][type]) {
                        throw new AssertionError("sender " + s + " priority " + type + ": " + i + " after " + last[s][type]);
                    }
                    last[s][type] = i;
                    synchronized (seen) {
                        if (seen[s][i]) {
                            throw new AssertionError("duplicate " + s + "/" + i);
                        }
                        seen[s][i] = true;
                    }
                    total.incrementAndGet();
                };
                ByteBuffer d = ByteBuffer.allocateDirect(8);
                try {
                    while (total.get() < senders * perSender) {
                        if (batch) {
                            if (q.receive(h, 16) == 0) {
                                Thread.onSpinWait();
                            }
                        } else if (q.tryReceive(d.clear(), 1, TimeUnit.MILLISECONDS) >= 0) {
                            h.onMessage(d.getInt(4) % 2, d, 0, 8);
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    total.set(Integer.MAX_VALUE);
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(senders * perSender, total.get());
        assertTrue(q.isEmpty());
    }

    /**
     * A batch receiver process killed (SIGKILL) inside its handler: the message it was handling and the
     * rest of its run are redelivered, in order, before the lane's newer messages; the messages whose
     * handler calls returned are not.
     */
    @Test
    void aKilledBatchReceiversRunIsRedeliveredInOrder() throws Exception {
        Path file = dir.resolve("lanes");
        SharedPriorityQueue q = SharedPriorityQueueSleepTest.map(file);
        for (int i = 0; i < 8; i++) {
            assertTrue(q.trySend(4, ByteBuffer.wrap(new byte[] {(byte) i})));
        }
        try (ChildJvm c = ChildJvm.start(dir, List.of(), StuckReceiver.class, file.toString(), "3")) {
            c.awaitLine("STUCK", Duration.ofSeconds(30));
            assertEquals(-1, q.tryReceive(ByteBuffer.allocateDirect(64)), "the run is held by a live receiver");
            assertTrue(q.trySend(4, ByteBuffer.wrap(new byte[] {8})));
            c.kill();
            c.await(Duration.ofSeconds(30));
        }
        assertEquals(1, q.recover(), "the dead receiver's hold is given back");
        ByteBuffer d = ByteBuffer.allocateDirect(64);
        for (int i = 3; i <= 8; i++) {
            assertEquals(4, q.tryReceive(d.clear()));
            assertEquals(i, d.get(0), "redelivered from the message being handled, in order, then the newer one");
        }
        assertEquals(-1, q.tryReceive(d.clear()));
        assertTrue(q.trySend(4, ByteBuffer.wrap(new byte[] {9})));
        assertEquals(4, q.tryReceive(d.clear()));
    }

    /**
     * A batch receiver process stopped (SIGSTOP) inside its handler is alive: recovery leaves its hold
     * alone however long it is stopped, the other lanes and the lane's newer messages go on, and after
     * SIGCONT it delivers the rest of its run: every message exactly once overall.
     */
    @Test
    void aStalledBatchReceiverKeepsOnlyItsRunAndFinishesIt() throws Exception {
        Path file = dir.resolve("lanes");
        SharedPriorityQueue q = SharedPriorityQueueSleepTest.map(file);
        for (int i = 0; i < 8; i++) {
            assertTrue(q.trySend(4, ByteBuffer.wrap(new byte[] {(byte) i})));
        }
        try (ChildJvm c = ChildJvm.start(dir, List.of(), SlowReceiver.class, file.toString(), "3")) {
            c.awaitLine("SLOW", Duration.ofSeconds(30));
            c.stall();
            Thread.sleep(50);
            assertEquals(0, q.recover(), "a stopped holder is alive: its hold is not taken");
            Thread.sleep(50);
            assertEquals(0, q.recover());
            ByteBuffer d = ByteBuffer.allocateDirect(64);
            assertEquals(-1, q.tryReceive(d.clear()), "the held run is not offered while its holder lives");
            assertTrue(q.trySend(4, ByteBuffer.wrap(new byte[] {8})));
            Thread other = new Thread(() -> assertTrue(q.trySend(6, ByteBuffer.wrap(new byte[] {9}))));
            other.start();
            other.join();
            assertEquals(6, q.tryReceive(d.clear()), "another lane goes on");
            assertEquals(9, d.get(0));
            assertEquals(4, q.tryReceive(d.clear()), "the lane's newer message goes on");
            assertEquals(8, d.get(0));
            c.resume();
            String done = c.awaitLine("DONE", Duration.ofSeconds(30));
            assertEquals("0 1 2 3 4 5 6 7", done.trim(), c.output());
            assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
            assertEquals(-1, q.tryReceive(d.clear()), "nothing delivered twice");
            assertTrue(q.isEmpty());
        }
    }

    /**
     * Child: {@code FILE N}: a batch receive whose handler prints "SLOW" at message N and spends 1 s of
     * wall time there; then prints "DONE" and the messages it delivered.
     */
    public static final class SlowReceiver {
        public static void main(String[] args) throws Exception {
            SharedPriorityQueue q = SharedPriorityQueueSleepTest.map(Path.of(args[0]));
            int slowAt = Integer.parseInt(args[1]);
            StringBuilder got = new StringBuilder("DONE");
            q.receive((type, b, off, len) -> {
                got.append(' ').append(b.get(off));
                if (b.get(off) == slowAt) {
                    System.out.println("SLOW");
                    long end = System.nanoTime() + 1_000_000_000L;
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait();
                    }
                }
            }, 100);
            System.out.println(got);
        }
    }

    /** Child: {@code FILE N}: a batch receive whose handler prints "STUCK" at message N and then sleeps. */
    public static final class StuckReceiver {
        public static void main(String[] args) throws Exception {
            SharedPriorityQueue q = SharedPriorityQueueSleepTest.map(Path.of(args[0]));
            int stuckAt = Integer.parseInt(args[1]);
            q.receive((type, b, off, len) -> {
                if (b.get(off) == stuckAt) {
                    System.out.println("STUCK");
                    try {
                        Thread.sleep(600_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, 100);
        }
    }
}
