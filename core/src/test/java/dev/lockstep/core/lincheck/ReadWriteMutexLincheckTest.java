package dev.lockstep.core.lincheck;

import dev.lockstep.core.sync.ReadWriteMutex;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link ReadWriteMutex}'s non-waiting paths ({@code tryLock} of both locks,
 * unlock, the monitoring queries), in Lincheck's stress and model-checking modes (three threads, no
 * sequential prefix or suffix, so that every operation runs on its scenario thread: lock ownership is
 * per thread).
 *
 * <p><b>Sequential specification</b> ({@link Spec}): per-thread read holds, the write holder and its
 * hold count. {@code tryWrite} succeeds iff the caller already holds the write lock (reentrant) or
 * nobody holds either lock; {@code tryRead} succeeds iff no other thread holds the write lock (the
 * write holder may also read: downgrade; no writer waits in these scenarios, so writer preference does
 * not turn readers away); {@code unlockRead}/{@code unlockWrite} release one hold of the caller and
 * return true, or return false without calling {@code unlock} when the caller holds none (the read
 * lock is not owned, so the test keeps each thread's read holds itself); {@code readLockCount},
 * {@code isWriteLocked} and {@code writeHoldCount} (of the caller) read the state.
 */
class ReadWriteMutexLincheckTest {
    static final int THREADS = 3;

    public static class Ops {
        private final ReadWriteMutex rw = new ReadWriteMutex();
        /** Read holds of each scenario thread; element i is touched by thread i only. */
        private final int[] readHolds = new int[THREADS];

        @Operation
        public boolean tryRead(@Param(gen = ThreadIdGen.class) int tid) {
            if (rw.readLock().tryLock()) {
                readHolds[tid]++;
                return true;
            }
            return false;
        }

        @Operation
        public boolean unlockRead(@Param(gen = ThreadIdGen.class) int tid) {
            if (readHolds[tid] == 0) {
                return false;
            }
            readHolds[tid]--;
            rw.readLock().unlock();
            return true;
        }

        @Operation
        public boolean tryWrite(@Param(gen = ThreadIdGen.class) int tid) {
            return rw.writeLock().tryLock();
        }

        @Operation
        public boolean unlockWrite(@Param(gen = ThreadIdGen.class) int tid) {
            if (!rw.isWriteLockedByCurrentThread()) {
                return false;
            }
            rw.writeLock().unlock();
            return true;
        }

        @Operation
        public int readLockCount() {
            return rw.getReadLockCount();
        }

        @Operation
        public boolean isWriteLocked() {
            return rw.isWriteLocked();
        }

        @Operation
        public int writeHoldCount(@Param(gen = ThreadIdGen.class) int tid) {
            return rw.getWriteHoldCount();
        }
    }

    /** Read holds per thread, write holder and hold count. */
    public static class Spec {
        private final int[] readHolds = new int[THREADS];
        private int writer = -1;
        private int writeHolds;

        private int readers() {
            int r = 0;
            for (int h : readHolds) {
                r += h;
            }
            return r;
        }

        public boolean tryRead(int tid) {
            if (writer != -1 && writer != tid) {
                return false;
            }
            readHolds[tid]++;
            return true;
        }

        public boolean unlockRead(int tid) {
            if (readHolds[tid] == 0) {
                return false;
            }
            readHolds[tid]--;
            return true;
        }

        public boolean tryWrite(int tid) {
            if (writer == tid) {
                writeHolds++;
                return true;
            }
            if (writer == -1 && readers() == 0) {
                writer = tid;
                writeHolds = 1;
                return true;
            }
            return false;
        }

        public boolean unlockWrite(int tid) {
            if (writer != tid) {
                return false;
            }
            if (--writeHolds == 0) {
                writer = -1;
            }
            return true;
        }

        public int readLockCount() {
            return readers();
        }

        public boolean isWriteLocked() {
            return writer != -1;
        }

        public int writeHoldCount(int tid) {
            return writer == tid ? writeHolds : 0;
        }
    }

    @Test
    void stress() {
        LincheckSupport.stress(Ops.class, Spec.class, THREADS, 0, 0);
    }

    @Test
    void modelChecking() {
        LincheckSupport.modelCheck(Ops.class, Spec.class, THREADS, 0, 0);
    }
}
