package dev.lockstep.core.lincheck;

import dev.lockstep.core.queue.ConcurrentQueue;
import dev.lockstep.core.queue.MpmcBlockingQueue;
import dev.lockstep.core.queue.MpscBlockingQueue;
import dev.lockstep.core.queue.SpmcBlockingQueue;
import dev.lockstep.core.queue.SpscBlockingQueue;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Linearizability of the non-blocking operations of the four blocking-queue adapters
 * ({@code SpscBlockingQueue}, {@code MpscBlockingQueue}, {@code SpmcBlockingQueue},
 * {@code MpmcBlockingQueue}, capacity {@value #CAPACITY}), in Lincheck's stress and model-checking
 * modes. {@code put}/{@code take} and timed waits that actually wait are not linearizability
 * questions (they are covered by the adapters' unit tests); the zero-timeout {@code offer}/{@code poll}
 * go through the waiting code's entry and exit and must behave as the strict ones.
 *
 * <p><b>Sequential specification</b>: {@link java.util.ArrayDeque} bounded to the capacity
 * ({@link LincheckSupport.BoundedFifoSpec}): {@code offer}, {@code offerNoWait} (= {@code offer(e, 0,
 * NANOSECONDS)}), {@code poll}, {@code pollNoWait}, {@code peek}, {@code size}, {@code isEmpty},
 * {@code remainingCapacity} (capacity - size), {@code drainOne} ({@code drain(consumer, 1)}),
 * {@code drainTo} ({@code drainTo(list, 1)}), {@code fillOne} ({@code fill(() -> e, 1)}); relaxed
 * operations as "relaxed attempt, else the strict operation". Single-element batches, for the reason
 * given in {@link ArrayQueueLincheckTest}. The single-producer/consumer kinds put their producer or
 * consumer operations in Lincheck's non-parallel groups "producer"/"consumer"; for the MPSC kind an
 * empty drain is followed by a strict poll (its ring's drain is documented wait-free). Two threads:
 * the adapters add signalling around the rings, whose own concurrency is checked with three threads in
 * {@link ArrayQueueLincheckTest}.
 */
class BlockingQueueLincheckTest {
    static final int CAPACITY = 2;

    /** The operations, written once; subclasses annotate them with the kind's thread groups. */
    abstract static class AdapterOps extends ArrayQueueLincheckTest.QueueOps {
        final BlockingQueue<Integer> bq;

        <Q extends ConcurrentQueue<Integer> & BlockingQueue<Integer>> AdapterOps(Q q) {
            super(q);
            this.bq = q;
        }

        boolean doOfferNoWait(int e) {
            try {
                return bq.offer(e, 0, TimeUnit.NANOSECONDS);
            } catch (InterruptedException ex) {
                throw new AssertionError("not interrupted", ex);
            }
        }

        Integer doPollNoWait() {
            try {
                return bq.poll(0, TimeUnit.NANOSECONDS);
            } catch (InterruptedException ex) {
                throw new AssertionError("not interrupted", ex);
            }
        }

        List<Integer> doDrainToOne() {
            List<Integer> out = new ArrayList<>();
            int n = bq.drainTo(out, 1);
            if (n != out.size()) {
                throw new AssertionError("drainTo returned " + n + " but added " + out);
            }
            return out;
        }
    }

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Spsc extends AdapterOps {
        public Spsc() {
            super(new SpscBlockingQueue<>(CAPACITY));
        }

        @Operation(nonParallelGroup = "producer")
        public boolean offer(@Param(name = "e") int e) {
            return doOffer(e);
        }

        @Operation(nonParallelGroup = "producer")
        public boolean relaxedOffer(@Param(name = "e") int e) {
            return doRelaxedOffer(e);
        }

        @Operation(nonParallelGroup = "producer")
        public boolean offerNoWait(@Param(name = "e") int e) {
            return doOfferNoWait(e);
        }

        @Operation(nonParallelGroup = "producer")
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
        public Integer pollNoWait() {
            return doPollNoWait();
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
            return doDrain(1);
        }

        @Operation(nonParallelGroup = "consumer")
        public List<Integer> drainToOne() {
            return doDrainToOne();
        }

        @Operation
        public int size() {
            return q.size();
        }

        @Operation
        public boolean isEmpty() {
            return q.isEmpty();
        }

        @Operation
        public int remainingCapacity() {
            return bq.remainingCapacity();
        }
    }

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Mpsc extends AdapterOps {
        public Mpsc() {
            super(new MpscBlockingQueue<>(CAPACITY));
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
        public boolean offerNoWait(@Param(name = "e") int e) {
            return doOfferNoWait(e);
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
        public Integer pollNoWait() {
            return doPollNoWait();
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

        @Operation(nonParallelGroup = "consumer")
        public List<Integer> drainToOne() {
            return doDrainToOne();
        }

        @Operation
        public int size() {
            return q.size();
        }

        @Operation
        public boolean isEmpty() {
            return q.isEmpty();
        }

        @Operation
        public int remainingCapacity() {
            return bq.remainingCapacity();
        }
    }

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Spmc extends AdapterOps {
        public Spmc() {
            super(new SpmcBlockingQueue<>(CAPACITY));
        }

        @Operation(nonParallelGroup = "producer")
        public boolean offer(@Param(name = "e") int e) {
            return doOffer(e);
        }

        @Operation(nonParallelGroup = "producer")
        public boolean relaxedOffer(@Param(name = "e") int e) {
            return doRelaxedOffer(e);
        }

        @Operation(nonParallelGroup = "producer")
        public boolean offerNoWait(@Param(name = "e") int e) {
            return doOfferNoWait(e);
        }

        @Operation(nonParallelGroup = "producer")
        public int fillOne(@Param(name = "e") int e) {
            return doFill(e, 1);
        }

        @Operation
        public Integer poll() {
            return doPoll();
        }

        @Operation
        public Integer relaxedPoll() {
            return doRelaxedPoll();
        }

        @Operation
        public Integer pollNoWait() {
            return doPollNoWait();
        }

        @Operation
        public Integer peek() {
            return doPeek();
        }

        @Operation
        public Integer relaxedPeek() {
            return doRelaxedPeek();
        }

        @Operation
        public List<Integer> drainOne() {
            return doDrain(1);
        }

        @Operation
        public List<Integer> drainToOne() {
            return doDrainToOne();
        }

        @Operation
        public int size() {
            return q.size();
        }

        @Operation
        public boolean isEmpty() {
            return q.isEmpty();
        }

        @Operation
        public int remainingCapacity() {
            return bq.remainingCapacity();
        }
    }

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Mpmc extends AdapterOps {
        public Mpmc() {
            super(new MpmcBlockingQueue<>(CAPACITY));
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
        public boolean offerNoWait(@Param(name = "e") int e) {
            return doOfferNoWait(e);
        }

        @Operation
        public int fillOne(@Param(name = "e") int e) {
            return doFill(e, 1);
        }

        @Operation
        public Integer poll() {
            return doPoll();
        }

        @Operation
        public Integer relaxedPoll() {
            return doRelaxedPoll();
        }

        @Operation
        public Integer pollNoWait() {
            return doPollNoWait();
        }

        @Operation
        public Integer peek() {
            return doPeek();
        }

        @Operation
        public Integer relaxedPeek() {
            return doRelaxedPeek();
        }

        @Operation
        public List<Integer> drainOne() {
            return doDrain(1);
        }

        @Operation
        public List<Integer> drainToOne() {
            return doDrainToOne();
        }

        @Operation
        public int size() {
            return q.size();
        }

        @Operation
        public boolean isEmpty() {
            return q.isEmpty();
        }

        @Operation
        public int remainingCapacity() {
            return bq.remainingCapacity();
        }
    }

    /** {@link LincheckSupport.BoundedFifoSpec} with capacity {@value #CAPACITY}. */
    public static class Spec extends LincheckSupport.BoundedFifoSpec {
        public Spec() {
            super(CAPACITY);
        }
    }

    @Test
    void spscStress() {
        LincheckSupport.stress(Spsc.class, Spec.class, 2);
    }

    @Test
    void spscModelChecking() {
        LincheckSupport.modelCheck(Spsc.class, Spec.class, 2);
    }

    @Test
    void mpscStress() {
        LincheckSupport.stress(Mpsc.class, Spec.class, 2);
    }

    @Test
    void mpscModelChecking() {
        LincheckSupport.modelCheck(Mpsc.class, Spec.class, 2);
    }

    @Test
    void spmcStress() {
        LincheckSupport.stress(Spmc.class, Spec.class, 2);
    }

    @Test
    void spmcModelChecking() {
        LincheckSupport.modelCheck(Spmc.class, Spec.class, 2);
    }

    @Test
    void mpmcStress() {
        LincheckSupport.stress(Mpmc.class, Spec.class, 2);
    }

    @Test
    void mpmcModelChecking() {
        LincheckSupport.modelCheck(Mpmc.class, Spec.class, 2);
    }
}
