package dev.lockstep.core.lincheck;

import dev.lockstep.core.queue.MpscUnboundedQueue;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * Linearizability of {@link MpscUnboundedQueue} (chunks of {@value #CHUNK} slots, so that scenarios
 * cross chunk boundaries), in Lincheck's stress and model-checking modes.
 *
 * <p><b>Sequential specification</b>: an unbounded {@link java.util.ArrayDeque}
 * ({@link LincheckSupport.BoundedFifoSpec} with no bound: {@code offer} always succeeds). Relaxed
 * operations, {@code drainOne} and {@code fillOne} as in {@link ArrayQueueLincheckTest} ({@code drain}
 * is documented wait-free, like {@code relaxedPoll}: an empty drain is followed by a strict poll).
 * Consumer operations are in the non-parallel group "consumer" (one consumer thread); three threads.
 */
class MpscUnboundedQueueLincheckTest {
    static final int CHUNK = 2;

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Mpsc extends ArrayQueueLincheckTest.QueueOps {
        public Mpsc() {
            super(new MpscUnboundedQueue<>(CHUNK));
        }

        @Operation
        public boolean offer(@Param(name = "e") int e) {
            return doOffer(e);
        }

        @Operation
        public boolean relaxedOffer(@Param(name = "e") int e) {
            return doRelaxedOffer(e);
        }

        @Operation
        public int fillOne(@Param(name = "e") int e) {
            return doFill(e, 1);
        }

        @Operation(nonParallelGroup = "consumer")
        public Integer poll() {
            return doPoll();
        }

        @Operation(nonParallelGroup = "consumer")
        public Integer relaxedPoll() {
            return doRelaxedPoll();
        }

        @Operation(nonParallelGroup = "consumer")
        public Integer peek() {
            return doPeek();
        }

        @Operation(nonParallelGroup = "consumer")
        public Integer relaxedPeek() {
            return doRelaxedPeek();
        }

        @Operation(nonParallelGroup = "consumer")
        public List<Integer> drainOne() {
            return doRelaxedDrainOne();
        }

        @Operation
        public int size() {
            return q.size();
        }

        @Operation
        public boolean isEmpty() {
            return q.isEmpty();
        }
    }

    /** Unbounded {@link LincheckSupport.BoundedFifoSpec}. */
    public static class Spec extends LincheckSupport.BoundedFifoSpec {
        public Spec() {
            super(Integer.MAX_VALUE);
        }
    }

    @Test
    void stress() {
        LincheckSupport.stress(Mpsc.class, Spec.class, 3);
    }

    @Test
    void modelChecking() {
        LincheckSupport.modelCheck(Mpsc.class, Spec.class, 3);
    }
}
