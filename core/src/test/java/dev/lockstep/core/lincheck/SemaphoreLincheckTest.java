package dev.lockstep.core.lincheck;

import dev.lockstep.core.sync.Semaphore;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link Semaphore}'s non-waiting operations, unfair and fair, in Lincheck's stress
 * and model-checking modes (three threads).
 *
 * <p><b>Sequential specification</b> ({@link Spec}): a counter starting at {@value #PERMITS};
 * {@code tryAcquire(n)} succeeds and subtracts {@code n} iff the counter is at least {@code n};
 * {@code release(n)} adds {@code n}; {@code availablePermits()} reads it; {@code drainPermits()} returns
 * it and sets it to 0. With no thread waiting (no scenario waits), a fair semaphore's
 * {@code tryAcquire} has the same specification.
 */
class SemaphoreLincheckTest {
    static final int PERMITS = 2;

    @Param(name = "n", gen = IntGen.class, conf = "1:2")
    public static class Ops {
        private final Semaphore s;

        Ops(boolean fair) {
            this.s = new Semaphore(PERMITS, fair);
        }

        public Ops() {
            this(false);
        }

        @Operation
        public boolean tryAcquire() {
            return s.tryAcquire();
        }

        @Operation
        public boolean tryAcquireN(@Param(name = "n") int n) {
            return s.tryAcquire(n);
        }

        @Operation
        public void release() {
            s.release();
        }

        @Operation
        public void releaseN(@Param(name = "n") int n) {
            s.release(n);
        }

        @Operation
        public int availablePermits() {
            return s.availablePermits();
        }

        @Operation
        public int drainPermits() {
            return s.drainPermits();
        }
    }

    /** The same operations on a fair semaphore. */
    public static class FairOps extends Ops {
        public FairOps() {
            super(true);
        }
    }

    /** A permit counter. */
    public static class Spec {
        private int permits = PERMITS;

        public boolean tryAcquire() {
            return tryAcquireN(1);
        }

        public boolean tryAcquireN(int n) {
            if (permits >= n) {
                permits -= n;
                return true;
            }
            return false;
        }

        public void release() {
            permits++;
        }

        public void releaseN(int n) {
            permits += n;
        }

        public int availablePermits() {
            return permits;
        }

        public int drainPermits() {
            int p = permits;
            permits = 0;
            return p;
        }
    }

    @Test
    void unfairStress() {
        LincheckSupport.stress(Ops.class, Spec.class, 3);
    }

    @Test
    void unfairModelChecking() {
        LincheckSupport.modelCheck(Ops.class, Spec.class, 3);
    }

    @Test
    void fairStress() {
        LincheckSupport.stress(FairOps.class, Spec.class, 3);
    }

    @Test
    void fairModelChecking() {
        LincheckSupport.modelCheck(FairOps.class, Spec.class, 3);
    }
}
