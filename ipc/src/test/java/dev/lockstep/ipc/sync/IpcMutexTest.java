package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.IncompatibleFileException;
import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.ProcessIdentity;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;

/** Contract of {@link IpcMutex} within one JVM (two instances of one file stand for two processes). */
@Timeout(30)
class IpcMutexTest {
    @TempDir
    Path dir;

    @Test
    void lockUnlockAndOwnershipChecks() throws Exception {
        try (IpcMutex m = IpcMutex.create(dir.resolve("m"), 64)) {
            assertEquals(LockStatus.ACQUIRED, m.lockRobust());
            assertTrue(m.isLocked());
            assertTrue(m.isHeldByCurrentThread());
            assertEquals(ProcessHandle.current().pid(), m.ownerPid());
            assertThrows(IllegalMonitorStateException.class, m::lock, "not reentrant");
            AtomicReference<Throwable> other = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    m.unlock();
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            t.start();
            t.join();
            assertTrue(other.get() instanceof IllegalMonitorStateException, String.valueOf(other.get()));
            assertTrue(m.isLocked(), "a foreign unlock changed nothing");
            m.unlock();
            assertFalse(m.isLocked());
            IllegalMonitorStateException free = assertThrows(IllegalMonitorStateException.class, m::unlock);
            assertTrue(free.getMessage().contains("not locked"), free.getMessage());
            assertThrows(IllegalMonitorStateException.class, m::markConsistent);
            assertThrows(UnsupportedOperationException.class, m::newCondition);
        }
    }

    @Test
    void twoInstancesExcludeEachOther() throws Exception {
        Path p = dir.resolve("m");
        try (IpcMutex a = IpcMutex.create(p, 0); IpcMutex b = IpcMutex.open(p)) {
            assertTrue(a.tryLock());
            AtomicReference<Object> r = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    boolean got = b.tryLock();
                    boolean timed = b.tryLock(30, TimeUnit.MILLISECONDS);
                    r.set(got + "," + timed);
                } catch (Throwable e) {
                    r.set(e);
                }
            });
            t.start();
            t.join();
            assertEquals("false,false", r.get(), "a live owner's lock is not taken");
            a.unlock();
            assertTrue(b.tryLock(1, TimeUnit.SECONDS));
            b.unlock();
        }
    }

    @Test
    void mutualExclusionOverTheDataArea() throws Exception {
        Path p = dir.resolve("m");
        int threads = 4;
        int perThread = 20_000;
        try (IpcMutex first = IpcMutex.create(p, 128)) {
            List<Thread> ts = new ArrayList<>();
            List<IpcMutex> mutexes = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int i = 0; i < threads; i++) {
                IpcMutex m = IpcMutex.open(p); // one instance per "process"
                mutexes.add(m);
                Runnable body = () -> {
                    ByteBuffer data = m.data();
                    for (int k = 0; k < perThread; k++) {
                        m.lock();
                        try {
                            if (data.getLong(8) != 0) {
                                failure.set(new AssertionError("two holders at once"));
                            }
                            data.putLong(8, 1);
                            data.putLong(0, data.getLong(0) + 1); // plain read-modify-write
                            data.putLong(8, 0);
                        } finally {
                            m.unlock();
                        }
                    }
                };
                ts.add(i % 2 == 0 ? TestThreads.virtual(body) : TestThreads.platform(body));
            }
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(null, failure.get());
            assertEquals((long) threads * perThread, first.data().getLong(0), "lost updates");
            mutexes.forEach(IpcMutex::close);
        }
    }

    @Test
    void timedAndInterruptibleWaits() throws Exception {
        Path p = dir.resolve("m");
        try (IpcMutex a = IpcMutex.create(p, 0); IpcMutex b = IpcMutex.open(p)) {
            a.lock();
            long t0 = System.nanoTime();
            assertFalse(b.tryLock(50, TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(50), "gave up early");
            assertEquals(LockStatus.NOT_ACQUIRED, b.tryLockRobust(0, TimeUnit.SECONDS));
            assertThrows(NullPointerException.class, () -> b.tryLock(1, null));

            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, b::lockInterruptibly);
            assertFalse(Thread.interrupted());

            AtomicReference<Throwable> r = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread waiter = TestThreads.virtual(() -> {
                started.countDown();
                try {
                    b.lockInterruptibly();
                    r.set(new AssertionError("acquired a held lock"));
                } catch (Throwable e) {
                    r.set(e);
                }
            });
            started.await();
            Thread.sleep(20);
            waiter.interrupt();
            waiter.join();
            assertTrue(r.get() instanceof InterruptedException, String.valueOf(r.get()));

            // Uninterruptible lock(): keeps waiting when interrupted, keeps the status.
            AtomicReference<Object> u = new AtomicReference<>();
            Thread locker = TestThreads.platform(() -> {
                Thread.currentThread().interrupt();
                b.lock();
                u.set(Thread.currentThread().isInterrupted());
                b.unlock();
            });
            Thread.sleep(30);
            assertTrue(locker.isAlive(), "lock() returned while the lock was held");
            a.unlock();
            locker.join();
            assertEquals(Boolean.TRUE, u.get(), "interrupt status kept");
        }
    }

    /** A dead owner's token (pid 1's pid with a wrong start time: that process "died") is taken over. */
    @Test
    void deadOwnerIsReportedUntilMarkedConsistent() throws Exception {
        Path p = dir.resolve("m");
        try (IpcMutex m = IpcMutex.create(p, 0)) {
            long deadToken = fakeDeadToken(dir);
            MappedAccess.LONG.setVolatile(m.file.buffer(), SharedFile.STRUCTURE_OFFSET + IpcMutexDescriptor.LOCK_WORD_OFFSET, deadToken);
            assertTrue(m.isLocked());
            OwnerDiedException e = assertThrows(OwnerDiedException.class, m::lock);
            assertEquals(ProcessIdentity.current().pid(), e.deadOwnerPid());
            assertTrue(m.isHeldByCurrentThread(), "the owner-died exception leaves the caller holding the lock");
            assertFalse(m.isConsistent());
            assertEquals(1, m.recoveries());
            m.unlock(); // not repaired: the notice stays
            assertEquals(LockStatus.OWNER_DIED, m.tryLockRobust());
            m.markConsistent();
            m.unlock();
            assertTrue(m.isConsistent());
            assertEquals(LockStatus.ACQUIRED, m.lockRobust());
            m.unlock();
            assertEquals(1, m.recoveries());
        }
    }

    @Test
    void blockedWaiterTakesOverFromDeadOwner() throws Exception {
        Path p = dir.resolve("m");
        try (IpcMutex a = IpcMutex.create(p, 0); IpcMutex b = IpcMutex.open(p)) {
            a.lock();
            AtomicReference<Object> r = new AtomicReference<>();
            Thread t = TestThreads.virtual(() -> r.set(b.lockRobust()));
            Thread.sleep(20);
            assertTrue(t.isAlive(), "live owner: the waiter waits");
            // The owner "dies": its token becomes one of a dead process.
            MappedAccess.LONG.setVolatile(a.file.buffer(), SharedFile.STRUCTURE_OFFSET, fakeDeadToken(dir));
            t.join();
            assertEquals(LockStatus.OWNER_DIED, r.get());
        }
    }

    /** The idle strategy is created only by calls that wait, and the one set is the one used. */
    @Test
    void idleStrategyOnlyWhenWaiting() throws Exception {
        Path p = dir.resolve("m");
        try (IpcMutex a = IpcMutex.create(p, 0); IpcMutex b = IpcMutex.open(p)) {
            java.util.concurrent.atomic.AtomicInteger created = new java.util.concurrent.atomic.AtomicInteger();
            b.setIdleStrategy(() -> {
                created.incrementAndGet();
                return dev.lockstep.ipc.shm.Idle.sleeping();
            });
            for (int i = 0; i < 100; i++) {
                b.lock();
                b.unlock();
            }
            assertTrue(b.tryLock(1, TimeUnit.SECONDS));
            b.unlock();
            assertEquals(0, created.get(), "uncontended calls created an idle strategy");
            a.lock();
            assertFalse(b.tryLock(10, TimeUnit.MILLISECONDS));
            assertEquals(1, created.get(), "a strategy made when a call first waited");
            assertFalse(b.tryLock(10, TimeUnit.MILLISECONDS));
            assertEquals(1, created.get(), "kept for the instance's later waits");
            a.unlock();
            assertThrows(NullPointerException.class, () -> b.setIdleStrategy(null));
        }
    }

    @Test
    void badInputAndWrongFiles() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpcMutex.create(dir.resolve("x"), -1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        SharedFile.create(dir.resolve("event"), StructureKind.EVENT, 128, b -> { }, 0).close();
        IncompatibleFileException wrong = assertThrows(IncompatibleFileException.class, () -> IpcMutex.open(dir.resolve("event")));
        assertTrue(wrong.getMessage().contains("not a MUTEX"), wrong.getMessage());
        IpcMutex.create(dir.resolve("m"), 64).close();
        assertThrows(IncompatibleFileException.class, () -> IpcMutex.openOrCreate(dir.resolve("m"), 128));
        try (IpcMutex again = IpcMutex.openOrCreate(dir.resolve("m"), 64)) {
            assertEquals(64, again.dataLength());
        }
        IpcMutex closed = IpcMutex.open(dir.resolve("m"));
        closed.close();
        assertThrows(IllegalStateException.class, closed::tryLock);
    }

    /**
     * A token of the registry of {@code dir} naming this JVM's pid with another start time: a process
     * of our namespace that had our pid and died.
     */
    static long fakeDeadToken(Path dir) throws java.io.IOException {
        return dev.lockstep.ipc.shm.TestParticipants.deadToken(dev.lockstep.ipc.shm.Participants.ofFolder(dir));
    }
}
