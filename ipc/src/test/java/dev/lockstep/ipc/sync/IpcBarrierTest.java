package dev.lockstep.ipc.sync;

import static dev.lockstep.ipc.sync.IpcSemaphoreTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.test.ChildJvm;

/** Contract of {@link IpcBarrier}: parties are instances in threads; one test kills a real party process. */
@Timeout(60)
class IpcBarrierTest {
    @TempDir
    Path dir;

    interface Party {
        void run(IpcBarrier b) throws Exception;
    }

    /** Runs one party per instance in its own thread; returns what each threw (null = nothing). */
    private List<Object> parties(Path file, int n, Party body) throws Exception {
        ConcurrentLinkedQueue<Object> results = new ConcurrentLinkedQueue<>();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            IpcBarrier b = IpcBarrier.open(file);
            ts.add(TestThreads.virtual(() -> {
                try {
                    body.run(b);
                    results.add("ok");
                } catch (Throwable e) {
                    results.add(e);
                } finally {
                    b.close();
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        return new ArrayList<>(results);
    }

    @Test
    void tripsEveryGenerationWithDistinctIndexes() throws Exception {
        Path file = dir.resolve("b");
        int n = 3;
        int rounds = 200;
        try (IpcBarrier main = IpcBarrier.create(file, n)) {
            AtomicLong[] perRound = new AtomicLong[rounds];
            for (int i = 0; i < rounds; i++) {
                perRound[i] = new AtomicLong();
            }
            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            List<Object> r = parties(file, n, b -> {
                Set<Integer> seen = new TreeSet<>();
                for (int i = 0; i < rounds; i++) {
                    perRound[i].incrementAndGet();
                    b.await();
                    if (perRound[i].get() != n) {
                        errors.add("round " + i + " tripped with " + perRound[i].get() + " arrivals");
                    }
                    seen.add(i);
                }
            });
            assertEquals(List.of("ok", "ok", "ok"), r);
            assertTrue(errors.isEmpty(), errors.toString());
            assertEquals(0, main.getNumberWaiting());
            assertFalse(main.isBroken());
            Set<Integer> indexes = new TreeSet<>();
            parties(file, n, b -> {
                int index = b.await(); // not inside the monitor: the others must be able to arrive
                synchronized (indexes) {
                    indexes.add(index);
                }
            });
            assertEquals(Set.of(0, 1, 2), indexes);
        }
    }

    @Test
    void timeoutBreaksForEveryone() throws Exception {
        Path file = dir.resolve("b");
        try (IpcBarrier main = IpcBarrier.create(file, 3)) {
            List<Object> r = parties(file, 2, b -> b.await(50, TimeUnit.MILLISECONDS));
            assertEquals(2, r.size());
            long timeouts = r.stream().filter(x -> x instanceof TimeoutException).count();
            long broken = r.stream().filter(x -> x instanceof BrokenBarrierException).count();
            // The first to time out breaks the barrier; the other sees it broken, unless its own equal
            // deadline passed first (both then report a timeout, as CyclicBarrier may).
            assertTrue(timeouts >= 1, r.toString());
            assertEquals(2, timeouts + broken, r.toString());
            r.stream().filter(x -> x instanceof BrokenBarrierException).findFirst()
                    .ifPresent(e -> assertTrue(((Throwable) e).getMessage().contains("timed out"), r.toString()));
            assertTrue(main.isBroken());
            try (IpcBarrier late = IpcBarrier.open(file)) { // closing frees its party slot
                assertThrows(BrokenBarrierException.class, late::await, "arriving at a broken barrier");
            }
            main.reset();
            assertFalse(main.isBroken());
            assertEquals(List.of("ok", "ok", "ok"), parties(file, 3, IpcBarrier::await));
        }
    }

    @Test
    void interruptBreaksAndResetBreaksWaiters() throws Exception {
        Path file = dir.resolve("b");
        try (IpcBarrier main = IpcBarrier.create(file, 3); IpcBarrier other = IpcBarrier.open(file)) {
            ConcurrentLinkedQueue<Object> r = new ConcurrentLinkedQueue<>();
            Thread t = TestThreads.virtual(() -> {
                try {
                    other.await();
                } catch (Throwable e) {
                    r.add(e);
                }
            });
            while (main.getNumberWaiting() == 0) {
                Thread.sleep(1);
            }
            t.interrupt();
            t.join();
            assertTrue(r.poll() instanceof InterruptedException);
            assertTrue(main.isBroken());
            main.reset();

            Thread t2 = TestThreads.virtual(() -> {
                try {
                    other.await();
                } catch (Throwable e) {
                    r.add(e);
                }
            });
            while (main.getNumberWaiting() == 0) {
                Thread.sleep(1);
            }
            main.reset();
            t2.join();
            Object e = r.poll();
            assertTrue(e instanceof BrokenBarrierException && ((Throwable) e).getMessage().contains("reset"), String.valueOf(e));
            assertFalse(main.isBroken());
            assertEquals(0, main.getNumberWaiting());
        }
    }

    @Test
    void deadRegisteredPartyBreaksWaitersAndResetFreesItsSlot() throws Exception {
        Path file = dir.resolve("b");
        try (IpcBarrier main = IpcBarrier.create(file, 2)) {
            long dead = IpcMutexTest.fakeDeadToken(dir);
            MappedAccess.LONG.setVolatile(main.file.buffer(), SharedFile.STRUCTURE_OFFSET + IpcBarrierDescriptor.slotOffset(1), dead);
            BrokenBarrierException e = assertThrows(BrokenBarrierException.class, main::await);
            assertTrue(e.getMessage().contains("pid " + dev.lockstep.ipc.shm.ProcessIdentity.current().pid() + " died"), e.getMessage());
            main.reset(); // frees the dead party's slot
            Thread replacement = TestThreads.virtual(() -> {
                try (IpcBarrier b = IpcBarrier.open(file)) {
                    b.await(5, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    throw new AssertionError(ex);
                }
            });
            main.await(5, TimeUnit.SECONDS); // trips with the replacement party in the freed slot
            replacement.join();
        }
    }

    @Test
    void badInputAndFullRegistration() throws Exception {
        assertMessage(IllegalArgumentException.class, "parties must be in [1, 2^20]: 0", () -> IpcBarrier.create(dir.resolve("x"), 0));
        IpcEvent.create(dir.resolve("e"), false).close();
        assertThrows(IncompatibleFileException.class, () -> IpcBarrier.open(dir.resolve("e")));
        try (IpcBarrier a = IpcBarrier.create(dir.resolve("b"), 1); IpcBarrier b = IpcBarrier.open(dir.resolve("b"))) {
            assertEquals(0, a.await(), "one party trips alone");
            assertMessage(IllegalStateException.class, "taken by live parties", b::register);
            assertThrows(NullPointerException.class, () -> a.await(1, null));
        }
    }

    /** Three parties: two threads here, one child process that registers, then is killed while they wait. */
    @Test
    void killedPartyBreaksTheWaitersWithItsPid() throws Exception {
        Path file = dir.resolve("b");
        try (IpcBarrier main = IpcBarrier.create(file, 3);
             ChildJvm child = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, Child.class, file.toString())) {
            child.awaitLine("REGISTERED", Duration.ofSeconds(60));
            List<Thread> ts = new ArrayList<>();
            ConcurrentLinkedQueue<Object> r = new ConcurrentLinkedQueue<>();
            for (int i = 0; i < 2; i++) {
                IpcBarrier b = IpcBarrier.open(file);
                ts.add(TestThreads.platform(() -> {
                    try {
                        b.await(30, TimeUnit.SECONDS);
                        r.add("tripped");
                    } catch (Throwable e) {
                        r.add(e);
                    }
                }));
            }
            while (main.getNumberWaiting() < 2) {
                Thread.sleep(1);
            }
            child.kill();
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(2, r.size());
            for (Object e : r) {
                assertTrue(e instanceof BrokenBarrierException, String.valueOf(e));
                assertTrue(((Throwable) e).getMessage().contains("pid " + child.pid() + " died"), ((Throwable) e).getMessage());
            }
        }
    }

    /** Child: registers as a party of barrier FILE, reports, sleeps until killed. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            IpcBarrier b = IpcBarrier.open(Path.of(args[0]));
            b.register();
            System.out.println("REGISTERED");
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
