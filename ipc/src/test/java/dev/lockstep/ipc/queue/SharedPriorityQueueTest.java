package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

@Timeout(30)
class SharedPriorityQueueTest {
    /** Absolute offset of the ready-bits words in a queue file's mapping. */
    private static final int BITS = SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.READY_BITS_OFFSET;
    @TempDir
    Path dir;

    static ByteBuffer msg(int a, int b) {
        return ByteBuffer.allocate(8).putInt(0, a).putInt(4, b);
    }

    /** An int written by a heap (big-endian) buffer, read from the queue's (native-order) mapping. */
    static int bigEndianInt(ByteBuffer b, int at) {
        int v = b.getInt(at);
        return b.order() == java.nio.ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v);
    }

    /** isEmpty and isFull (the re-checks of blocked receivers and senders) follow the slots' states. */
    @Test
    void isEmptyAndIsFullFollowTheSlots() {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(2, 8)) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertTrue(q.isEmpty());
            assertFalse(q.isFull());
            assertTrue(q.trySend(1, ByteBuffer.wrap(new byte[] {1})));
            assertFalse(q.isEmpty());
            assertFalse(q.isFull());
            assertTrue(q.trySend(2, ByteBuffer.wrap(new byte[] {2})));
            assertFalse(q.isEmpty());
            assertTrue(q.isFull());
            assertEquals(2, q.tryReceive(dst));
            assertFalse(q.isEmpty());
            assertFalse(q.isFull());
            assertEquals(1, q.tryReceive(dst.clear()));
            assertTrue(q.isEmpty());
            assertFalse(q.isFull());
        }
    }

    @Test
    void receivesHighestPriorityFirstThenOldest() throws IOException {
        try (SharedPriorityQueue q = SharedPriorityQueue.create(dir.resolve("q"), 64, 16)) {
            Random rnd = new Random(42);
            int[] prios = new int[50];
            for (int i = 0; i < prios.length; i++) {
                prios[i] = rnd.nextInt(SharedPriorityQueue.MAX_PRIORITY + 1);
                assertTrue(q.trySend(prios[i], msg(i, prios[i])));
            }
            assertEquals(50, q.size());
            ByteBuffer dst = ByteBuffer.allocate(16);
            int lastPrio = Integer.MAX_VALUE;
            int lastIndex = -1;
            for (int k = 0; k < prios.length; k++) {
                int p = q.tryReceive(dst.clear());
                assertEquals(8, dst.position(), "length");
                int index = dst.getInt(0);
                assertEquals(prios[index], p, "priority returned with the message");
                assertEquals(p, dst.getInt(4));
                assertTrue(p <= lastPrio, "priority order: " + p + " after " + lastPrio);
                if (p == lastPrio) {
                    assertTrue(index > lastIndex, "FIFO within priority " + p + ": " + index + " after " + lastIndex);
                }
                lastPrio = p;
                lastIndex = index;
            }
            assertEquals(-1, q.tryReceive(dst.clear()));
            assertTrue(q.isEmpty());
        }
    }

    @Test
    void fullAndEmptyAndEveryLength() {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(4, 100)) {
            ByteBuffer dst = ByteBuffer.allocate(100);
            assertEquals(-1, q.tryReceive(dst));
            assertEquals(0, dst.position(), "dst unchanged on empty");
            for (int i = 0; i < 4; i++) {
                ByteBuffer src = ByteBuffer.allocate(i * 33);
                for (int j = 0; j < src.capacity(); j++) {
                    src.put(j, (byte) (i + j));
                }
                assertTrue(q.trySend(5, src));
                assertEquals(src.limit(), src.position(), "src consumed");
            }
            ByteBuffer extra = ByteBuffer.allocate(3);
            assertFalse(q.trySend(31, extra), "full");
            assertEquals(0, extra.position(), "src unchanged when full");
            for (int i = 0; i < 4; i++) {
                assertEquals(5, q.tryReceive(dst.clear()));
                assertEquals(i * 33, dst.position(), "length of message " + i);
                for (int j = 0; j < i * 33; j++) {
                    assertEquals((byte) (i + j), dst.get(j));
                }
            }
            // capacity is fully reusable, many times over
            for (int round = 0; round < 1000; round++) {
                for (int i = 0; i < 4; i++) {
                    assertTrue(q.trySend(i, msg(round, i)));
                }
                for (int i = 3; i >= 0; i--) {
                    assertEquals(i, q.tryReceive(dst.clear()));
                    assertEquals(round, dst.getInt(0));
                }
            }
        }
    }

    @Test
    void blockingReceiveWakesOnSendAndBlockingSendWakesOnReceive() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8)) {
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> r = ex.submit(() -> q.receive(ByteBuffer.allocate(8)));
                Thread.sleep(50);
                assertFalse(r.isDone());
                q.send(9, msg(1, 2));
                assertEquals(9, r.get(10, TimeUnit.SECONDS));

                q.send(1, msg(1, 1));
                Future<?> s = ex.submit(() -> {
                    q.send(2, msg(2, 2));
                    return null;
                });
                Thread.sleep(50);
                assertFalse(s.isDone(), "send blocks while full");
                ByteBuffer dst = ByteBuffer.allocate(8);
                assertEquals(1, q.receive(dst));
                s.get(10, TimeUnit.SECONDS);
                assertEquals(2, q.receive(dst.clear()));
            } finally {
                ex.shutdownNow();
            }
        }
    }

    @Test
    void timedCallsTimeOutAndInterruptsAreHonoured() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8)) {
            ByteBuffer dst = ByteBuffer.allocate(8);
            long t0 = System.nanoTime();
            assertEquals(-1, q.tryReceive(dst, 30, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(30), "waited the timeout");
            assertTrue(q.trySend(0, msg(0, 0), 0, TimeUnit.SECONDS));
            assertFalse(q.trySend(0, msg(0, 0), 20, TimeUnit.MILLISECONDS));

            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> q.send(1, msg(1, 1)));
            assertFalse(Thread.interrupted(), "status cleared");
            assertEquals(0, q.receive(dst), "the interrupted send put nothing in");

            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    q.receive(ByteBuffer.allocate(8));
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            waiter.start();
            Thread.sleep(30);
            waiter.interrupt();
            waiter.join(10_000);
            assertFalse(waiter.isAlive());
            assertTrue(thrown.get() instanceof InterruptedException, String.valueOf(thrown.get()));
        }
    }

    @Test
    void badInputIsRefusedNamingTheValueAndChangesNothing() throws IOException {
        Path file = dir.resolve("bad");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 0, 8));
        assertTrue(e.getMessage().contains(": 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 4, -1));
        assertTrue(e.getMessage().contains(": -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.openOrCreate(file, -5, 8));
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.create(file, 1 << 20, 1 << 20));
        assertFalse(Files.exists(file), "nothing created");

        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 4, 8)) {
            e = assertThrows(IllegalArgumentException.class, () -> q.trySend(32, msg(0, 0)));
            assertTrue(e.getMessage().contains("32"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> q.trySend(-1, msg(0, 0)));
            assertTrue(e.getMessage().contains("-1"), e.getMessage());
            ByteBuffer big = ByteBuffer.allocate(9);
            e = assertThrows(IllegalArgumentException.class, () -> q.send(0, big));
            assertTrue(e.getMessage().contains("9 bytes"), e.getMessage());
            assertEquals(0, big.position());
            assertThrows(IllegalArgumentException.class, () -> q.tryReceive(ByteBuffer.allocate(7)));
            assertThrows(java.nio.ReadOnlyBufferException.class, () -> q.tryReceive(ByteBuffer.allocate(8).asReadOnlyBuffer()));
            assertThrows(NullPointerException.class, () -> q.trySend(0, null));
            assertTrue(q.isEmpty(), "nothing was sent");
            assertEquals(-1, q.tryReceive(ByteBuffer.allocate(8)));
        }
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8)) {
            q.close();
            assertThrows(IllegalStateException.class, () -> q.trySend(0, msg(0, 0)));
        }
    }

    @Test
    void wrongKindAndWrongSizesAreRefusedAndTheFileIsUntouched() throws IOException {
        Path mutex = dir.resolve("m");
        SharedFile.create(mutex, StructureKind.MUTEX, 4096, b -> { }).close();
        byte[] before = Files.readAllBytes(mutex);
        IncompatibleFileException e = assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.open(mutex));
        assertTrue(e.getMessage().contains("MUTEX"), e.getMessage());
        assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(mutex, 4, 8));
        assertArrayEquals(before, Files.readAllBytes(mutex));

        Path q = dir.resolve("q");
        SharedPriorityQueue.create(q, 4, 8).close();
        assertThrows(IncompatibleFileException.class, () -> SharedPriorityQueue.openOrCreate(q, 8, 8));
        try (SharedPriorityQueue opened = SharedPriorityQueue.open(q)) {
            assertEquals(4, opened.maxMessages());
            assertEquals(8, opened.maxMessageSize());
        }
    }

    @Test
    void twoHandlesShareTheMessages() throws Exception {
        Path file = dir.resolve("shared");
        try (SharedPriorityQueue a = SharedPriorityQueue.openOrCreate(file, 8, 8);
             SharedPriorityQueue b = SharedPriorityQueue.openOrCreate(file, 8, 8)) {
            a.send(3, msg(7, 7));
            b.send(4, msg(8, 8));
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(4, a.receive(dst));
            assertEquals(8, dst.getInt(0));
            assertEquals(3, b.receive(dst.clear()));
            assertEquals(7, dst.getInt(0));
        }
    }

    /**
     * A token no live process holds: its registry entry index is past the registry's end (the registry
     * judges such a token dead at once, as it judges a killed process's token).
     */
    static long deadToken(Path file) throws IOException {
        return ((long) Participants.of(file).capacity() + 1) << 32 | 2;
    }

    /** A dead owner left its slots claimed. */
    @Test
    void deadOwnersSlotsAreReclaimed() throws IOException {
        Path file = dir.resolve("crash");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 3, 8);
             SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
            assertTrue(q.trySend(6, msg(6, 6)));
            assertTrue(q.trySend(2, msg(2, 2)));
            ByteBuffer b = raw.buffer();
            int states = SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.statesOffset(3);
            int slots = SharedFile.STRUCTURE_OFFSET + (int) PriorityQueueDescriptor.slotsOffset(3);
            int stride = PriorityQueueDescriptor.slotStride(8);
            long deadToken = deadToken(file);
            long deadWriting = PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.WRITING, deadToken);
            long deadReading = PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.READING, deadToken);
            // slot 0 holds the priority-6 message: a dead receiver claimed it, decremented the count and died
            long ready0 = (long) MappedAccess.LONG.getVolatile(b, states);
            assertEquals(6, PriorityQueueDescriptor.priority(ready0));
            assertTrue(MappedAccess.LONG.compareAndSet(b, states, ready0, deadReading));
            MappedAccess.LONG.getAndBitwiseAnd(b, BITS, ~1L); // the receiver cleared its ready bit
            // slot 2: a dead sender claimed it and wrote half a message
            b.putInt(slots + 2 * stride + PriorityQueueDescriptor.SLOT_PAYLOAD_OFFSET, 99);
            MappedAccess.LONG.setVolatile(b, states + 16, deadWriting);
            MappedAccess.LONG.getAndBitwiseOr(b, BITS, 4L); // and had set its ready bit before dying

            assertFalse(q.trySend(0, msg(0, 0)), "all three slots taken");
            ByteBuffer dst = ByteBuffer.allocate(8);
            assertEquals(2, q.tryReceive(dst), "the claimed message is not visible before recovery");
            assertEquals(2, q.recover(), "both dead claims reclaimed");
            assertEquals(6, q.tryReceive(dst.clear()), "the dead receiver's message is delivered again, same priority");
            assertEquals(6, dst.getInt(0));
            assertEquals(-1, q.tryReceive(dst.clear()), "the half-written message is never delivered");
            for (int i = 0; i < 3; i++) {
                assertTrue(q.trySend(1, msg(i, i)), "capacity fully usable again");
            }
            assertEquals(0, q.recover());
            for (int i = 0; i < 3; i++) {
                assertEquals(1, q.tryReceive(dst.clear()));
            }
            // receives leave the bits set (sticky, issue 12): a superset of the READY slots, within the 3 slots
            assertEquals(0L, (long) MappedAccess.LONG.getVolatile(b, BITS) & ~7L, "no bit beyond the slots");
            assertTrue(q.isEmpty());
            assertEquals(0, q.size());
        }
    }

    /**
     * Ready bits stay set after a receive (a send of the slot then finds its bit set and writes nothing),
     * and a scan clears, as the slot's owner, the stale ones (slot FREE, bit set) with 8 or more unheld
     * slots below them; a send into a slot whose bit was cleared sets it again, so every message is still
     * received.
     */
    @Test
    void staleReadyBitsFarAboveTheHeldSlotsAreClearedAndSetAgainBySends() throws IOException {
        Path file = dir.resolve("stale");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 256, 8);
             SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
            ByteBuffer b = raw.buffer();
            ByteBuffer dst = ByteBuffer.allocate(8);
            for (int i = 0; i < 256; i++) { // every slot used once: all 256 bits set
                assertTrue(q.trySend(1, msg(i, i)));
            }
            for (int i = 0; i < 256; i++) {
                assertEquals(1, q.tryReceive(dst.clear()));
                assertEquals(i, dst.getInt(0), "FIFO");
            }
            assertEquals(-1, q.tryReceive(dst.clear())); // a scan of the empty queue clears the stale bits of slots 8..
            assertEquals(8, readyBitCount(b, 4), "stale bits kept: the 8 lowest slots', no more");
            for (int i = 0; i < 256; i++) { // first fit: slots 0..255 again, 8..255 with their bits clear
                assertTrue(q.trySend(2, msg(i, i)));
            }
            assertEquals(256, q.size());
            for (int i = 0; i < 256; i++) {
                assertEquals(2, q.tryReceive(dst.clear()), "message " + i + " seen through its ready bit");
                assertEquals(i, dst.getInt(0), "FIFO");
            }
            assertTrue(q.isEmpty());
        }
    }

    private static int readyBitCount(ByteBuffer b, int words) {
        int set = 0;
        for (int w = 0; w < words; w++) {
            set += Long.bitCount((long) MappedAccess.LONG.getVolatile(b, BITS + 8 * w));
        }
        return set;
    }

    /**
     * Sends are first fit (issue 12): a send takes the lowest FREE slot, so with 16 messages queued and
     * one received and one sent per step (SharedPriorityQueueBench's shape) the messages stay in slots
     * 0..15 and the sticky ready bits cover those 16 slots only, so a receive's scan reads 16 state
     * words, not every slot the queue ever used.
     */
    @Test
    void firstFitSendsKeepTheUsedSlotsAndTheirReadyBitsAtTheBottom() throws IOException {
        Path file = dir.resolve("firstfit");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 64, 8);
             SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
            ByteBuffer b = raw.buffer();
            int states = SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.statesOffset(64);
            ByteBuffer dst = ByteBuffer.allocate(8);
            for (int i = 0; i < 16; i++) {
                assertTrue(q.trySend((i * 7) & 31, msg(i, i)));
            }
            int next = 0;
            for (int step = 0; step < 1000; step++) {
                assertTrue(q.tryReceive(dst.clear()) >= 0);
                assertTrue(q.trySend((next += 13) & 31, msg(step, step)));
                for (int i = 16; i < 64; i++) {
                    assertEquals(PriorityQueueDescriptor.FREE, (long) MappedAccess.LONG.getVolatile(b, states + 8 * i),
                            "step " + step + ": slot " + i + " used while a lower one was free");
                }
            }
            assertEquals(16, readyBitCount(b, 1), "ready bits of slots 0..15 only");
            assertEquals(0xFFFFL, (long) MappedAccess.LONG.getVolatile(b, BITS));
        }
    }

    /** The idle strategy is created only by calls that wait, once per waiting call, and the one set is used. */
    @Test
    void idleStrategyIsPluggableCreatedOnlyWhenWaitingAndKept() throws Exception {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(1, 8)) {
            java.util.concurrent.atomic.AtomicInteger created = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger idled = new java.util.concurrent.atomic.AtomicInteger();
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
            assertTrue(q.trySend(1, msg(3, 3)));
            assertFalse(q.trySend(1, msg(4, 4), 20, TimeUnit.MILLISECONDS));
            assertEquals(2, created.get(), "the waiting send made its side's own");
            assertFalse(q.trySend(1, msg(4, 4), 20, TimeUnit.MILLISECONDS));
            assertEquals(2, created.get(), "and reused it");
            // a new factory: the kept strategies are dropped, later waits use the new one's
            java.util.concurrent.atomic.AtomicInteger created2 = new java.util.concurrent.atomic.AtomicInteger();
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
        int length = (int) PriorityQueueDescriptor.structureLength(4, 16);
        ByteBuffer mem = ByteBuffer.allocateDirect(length + 1024).alignedSlice(128).order(java.nio.ByteOrder.nativeOrder());
        try (SharedPriorityQueue a = SharedPriorityQueue.wrap(mem, 128, 4, 16, who);
             SharedPriorityQueue b = SharedPriorityQueue.wrap(mem, 128, 4, 16, who)) {
            assertTrue(a.trySend(5, msg(7, 5)));
            ByteBuffer dst = ByteBuffer.allocate(16);
            assertEquals(5, b.tryReceive(dst));
            assertEquals(7, dst.getInt(0));
            assertEquals(null, a.path());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 64, 4, 16, who));
        assertTrue(e.getMessage().contains("misaligned"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 1024 + 128, 4, 16, who));
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(ByteBuffer.allocate(length), 0, 4, 16, who));
        assertThrows(IllegalArgumentException.class, () -> SharedPriorityQueue.wrap(mem, 0, 0, 16, who));
        assertThrows(NullPointerException.class, () -> SharedPriorityQueue.wrap(null, 0, 4, 16, who));
        assertThrows(NullPointerException.class, () -> SharedPriorityQueue.wrap(mem, 128, 4, 16, null));
    }

    /**
     * Two recoverers (two handles, as two processes have) race over the same dead send claims while a
     * sender waits for the freed slots ({@link dev.lockstep.ipc.test.Faults#race}): no dead claim is
     * reclaimed twice, every message sent is received (none left READY with its ready bit cleared by a
     * stale recoverer), and the whole capacity stays usable.
     */
    @Test
    void racingRecoverersReclaimEachDeadClaimOnceAndLoseNothing() throws Exception {
        Path file = dir.resolve("race");
        int slots = 4;
        try (SharedPriorityQueue a = SharedPriorityQueue.create(file, slots, 8);
             SharedPriorityQueue b = SharedPriorityQueue.open(file);
             SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
            ByteBuffer mem = raw.buffer();
            int states = SharedFile.STRUCTURE_OFFSET + PriorityQueueDescriptor.statesOffset(slots);
            ByteBuffer dst = ByteBuffer.allocate(8);
            long deadToken;
            try (dev.lockstep.ipc.test.ChildJvm dead = dev.lockstep.ipc.test.ChildJvm.start(dir,
                    SharedPriorityQueueChildren.Registrant.class, file.toString())) {
                deadToken = Long.parseLong(dead.awaitLine("TOKEN", java.time.Duration.ofSeconds(60)));
                assertEquals(0, dead.await(java.time.Duration.ofSeconds(60)));
            }
            // a real dead process: judging it reads its /proc entry, as for a killed sender (the delay
            // that lets a second recoverer act on a stale verdict)
            long deadWriting = PriorityQueueDescriptor.ownerWord(PriorityQueueDescriptor.WRITING, deadToken);
            for (int round = 0; round < 300; round++) {
                for (int i = 0; i < slots; i++) { // every slot claimed by a sender that died before publishing
                    MappedAccess.LONG.setVolatile(mem, states + 8 * i, deadWriting);
                    MappedAccess.LONG.getAndBitwiseOr(mem, BITS, 1L << i);
                }
                final int r = round;
                List<Integer> results = dev.lockstep.ipc.test.Faults.race(List.of(
                        a::recover,
                        b::recover,
                        () -> {
                            int sent = 0;
                            for (int i = 0; i < slots; i++) {
                                while (!a.trySend(1, msg(r, i))) {
                                    Thread.onSpinWait();
                                }
                                sent++;
                            }
                            return sent;
                        }));
                // the sender's own waits may reclaim some too (its handle's automatic recovery): never twice
                assertTrue(results.get(0) + results.get(1) <= slots, "round " + round + ": a dead claim reclaimed twice " + results);
                for (int i = 0; i < slots; i++) {
                    assertEquals(1, b.tryReceive(dst.clear()), "round " + round + ": message " + i + " visible");
                    assertEquals(r, dst.getInt(0));
                }
                assertEquals(0, b.size(), "round " + round);
            }
        }
    }


    /**
     * Batch receive: more messages than one batch's 64 candidates and more slots than one bits word,
     * delivered in priority order, FIFO within a priority, each once, the limit honoured.
     */
    @Test
    @Timeout(120)
    void batchReceiveDeliversInPriorityThenFifoOrder() {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(200, 16)) {
            Random rnd = new Random(7);
            int count = 150;
            int[] prios = new int[count];
            for (int round = 0; round < 2; round++) { // the second round reuses slots in another order
                for (int i = 0; i < count; i++) {
                    prios[i] = rnd.nextInt(SharedPriorityQueue.MAX_PRIORITY + 1);
                    assertTrue(q.trySend(prios[i], msg(i, prios[i])));
                }
                int[] order = new int[count];
                int[] n = {0};
                dev.lockstep.ipc.channel.MessageHandler h = (priority, buffer, offset, length) -> {
                    assertEquals(8, length, "length");
                    int index = bigEndianInt(buffer, offset);
                    assertEquals(prios[index], priority, "priority passed with the message");
                    order[n[0]++] = index;
                };
                assertEquals(7, q.receive(h, 7), "limit");
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
        }
    }

    /** A batch whose handler throws: that message is consumed (its slot freed), the rest stay queued. */
    @Test
    @Timeout(120)
    void batchHandlerThatThrowsFreesItsSlotAndLeavesTheRest() {
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(5, 8)) {
            for (int i = 0; i < 5; i++) {
                assertTrue(q.trySend(0, msg(i, 0)));
            }
            int[] calls = {0};
            IllegalStateException boom = new IllegalStateException("boom");
            assertThrows(IllegalStateException.class, () -> q.receive((priority, buffer, offset, length) -> {
                if (++calls[0] == 2) {
                    throw boom;
                }
            }, 5));
            assertEquals(2, calls[0]);
            assertEquals(3, q.size(), "the two handled messages are gone, three wait");
            assertTrue(q.trySend(0, msg(5, 0)));
            assertTrue(q.trySend(0, msg(6, 0)));
            assertTrue(q.isFull(), "both slots were freed");
            ByteBuffer dst = ByteBuffer.allocate(8);
            for (int expected = 2; expected <= 6; expected++) {
                assertEquals(0, q.tryReceive(dst.clear()));
                assertEquals(expected, dst.getInt(0));
            }
            assertThrows(IllegalArgumentException.class, () -> q.receive((p, b, o, l) -> { }, 0));
            assertThrows(NullPointerException.class, () -> q.receive(null, 1));
        }
    }

    @Test
    void manyProducersAndConsumersLoseAndDuplicateNothing() throws Exception {
        runProducersConsumers(Executors.defaultThreadFactory());
    }

    /**
     * As above with every consumer thread batch-receiving through the same handle (one thread at a time
     * uses the handle's batch arrays, the others receive one message per scan), checking per-producer
     * FIFO within a priority.
     */
    @Test
    @Timeout(120)
    void batchConsumersSharingAHandleLoseDuplicateAndReorderNothing() throws Exception {
        runProducersConsumers(Executors.defaultThreadFactory(), true);
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
        runProducersConsumers(virtual);
    }

    private void runProducersConsumers(ThreadFactory threads) throws Exception {
        runProducersConsumers(threads, false);
    }

    private void runProducersConsumers(ThreadFactory threads, boolean batch) throws Exception {
        int producers = 4;
        int consumers = 4;
        int perProducer = 20_000;
        try (SharedPriorityQueue q = SharedPriorityQueue.inMemory(16, 8)) {
            ExecutorService ex = Executors.newFixedThreadPool(producers + consumers, threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<long[]>> received = new ArrayList<>();
                for (int p = 0; p < producers; p++) {
                    int id = p;
                    ex.submit(() -> {
                        start.await();
                        ByteBuffer src = ByteBuffer.allocate(8);
                        for (int i = 0; i < perProducer; i++) {
                            q.send(i % 4, src.clear().putInt(0, id).putInt(4, i));
                        }
                        return null;
                    });
                }
                int total = producers * perProducer;
                java.util.concurrent.atomic.AtomicInteger remaining = new java.util.concurrent.atomic.AtomicInteger(total);
                for (int c = 0; c < consumers; c++) {
                    received.add(ex.submit(() -> {
                        start.await();
                        long[] seen = new long[total];
                        int n = 0;
                        ByteBuffer dst = ByteBuffer.allocate(8);
                        int[] last = new int[producers * 4]; // per producer and priority: the last index + 1
                        int[] m = {0};
                        dev.lockstep.ipc.channel.MessageHandler h = (prio, buffer, offset, length) -> {
                            int id = bigEndianInt(buffer, offset);
                            int i = bigEndianInt(buffer, offset + 4);
                            assertEquals(i % 4, prio, "priority travels with the message");
                            assertTrue(i + 1 > last[id * 4 + prio], "producer " + id + " FIFO: " + i + " after " + (last[id * 4 + prio] - 1));
                            last[id * 4 + prio] = i + 1;
                            seen[m[0]++] = (long) id * perProducer + i;
                        };
                        while (batch && remaining.get() > 0) {
                            int got = q.receive(h, 16);
                            remaining.addAndGet(-got);
                            if (got == 0) {
                                Thread.yield(); // 2 cores, 8 threads: let the producers run
                            }
                        }
                        n = m[0];
                        while (remaining.get() > 0) {
                            int prio = q.tryReceive(dst.clear(), 10, TimeUnit.MILLISECONDS);
                            if (prio >= 0) {
                                remaining.decrementAndGet();
                                assertEquals(dst.getInt(4) % 4, prio, "priority travels with the message");
                                seen[n++] = (long) dst.getInt(0) * perProducer + dst.getInt(4);
                            }
                        }
                        return java.util.Arrays.copyOf(seen, n);
                    }));
                }
                start.countDown();
                boolean[] got = new boolean[total];
                int count = 0;
                for (Future<long[]> f : received) {
                    for (long id : f.get(20, TimeUnit.SECONDS)) {
                        assertFalse(got[(int) id], "duplicate " + id);
                        got[(int) id] = true;
                        count++;
                    }
                }
                assertEquals(total, count, "every message received once");
                assertTrue(q.isEmpty());
            } finally {
                ex.shutdownNow();
            }
        }
    }
}
