package dev.lockstep.core.lincheck;

import dev.lockstep.core.queue.ConcurrentQueue;
import dev.lockstep.core.queue.MpmcArrayQueue;
import dev.lockstep.core.queue.MpscArrayQueue;
import dev.lockstep.core.queue.SpmcArrayQueue;
import dev.lockstep.core.queue.SpscArrayQueue;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

/**
 * Linearizability of the four bounded array queues, in Lincheck's stress and model-checking modes.
 *
 * <p><b>Sequential specification</b>: {@link java.util.ArrayDeque} bounded to the queue's capacity
 * ({@link LincheckSupport.BoundedFifoSpec}, capacity {@value #CAPACITY}, so that scenarios reach
 * "full" and wrap around the ring): {@code offer}, {@code poll}, {@code peek}, {@code size},
 * {@code isEmpty}; {@code relaxedOffer}/{@code relaxedPoll}/{@code relaxedPeek} are checked as
 * "relaxed attempt, else the strict operation" (they may fail spuriously by contract, but must never
 * return a wrong element, lose or duplicate one); {@code drainOne}/{@code fillOne} are
 * {@code drain(consumer, 1)} and {@code fill(() -> e, 1)} against a poll and an offer. For
 * {@code MpscArrayQueue}, whose {@code drain} is documented wait-free like {@code relaxedPoll}, an
 * empty drain is followed by a strict poll.
 *
 * <p><b>{@code fill} in the multi-producer kinds</b> ({@code MpscArrayQueue}, {@code MpmcArrayQueue}):
 * a fill claims its slot, marks it PENDING, then calls its supplier (user code); a strict
 * {@code poll}/{@code peek} that meets a PENDING head answers "empty" instead of waiting for the
 * supplier (issue 10, defect 3), while {@code size()}/{@code isEmpty()} count the claimed slot. So
 * {@code fill} is NOT linearizable against the strict consumer operations there (Lincheck: a
 * {@code peek()} null after a completed {@code relaxedOffer} while {@code isEmpty()} is false), and
 * {@link Mpsc}/{@link Mpmc} check every other operation without {@code fillOne};
 * {@link MpscFill}/{@link MpmcFill} check {@code fillOne} against {@code offer}, {@code relaxedOffer},
 * {@code size}, {@code isEmpty} and consumers that read "empty while {@code size() > 0}" as "not yet"
 * ({@code pollRetrying}/{@code peekRetrying}, checked as poll and peek; with this scenario's trivial
 * supplier they end). Calling the supplier before claiming cannot be made lossless: between the
 * supplier's return and the claim other producers may fill the ring, and the supplied element would
 * have to be dropped or waited with. The single-producer kinds have no PENDING ({@code fillOne} is in
 * {@link Spsc}/{@link Spmc} with everything else).
 *
 * <p>Batches of more than one element are not checked here: their contract is "up to {@code limit}",
 * and Lincheck showed (model checking, limit 2-3) that they are not one atomic operation: an
 * {@code SpscArrayQueue} drain frees slot after slot, so the producer refills a slot while the drain is
 * still running, and an {@code MpmcArrayQueue} drain sizes its claim from a producer-index read taken
 * before its claiming compare-and-set, so it may take fewer elements than the queue holds at the
 * claim. Their exactly-once/FIFO guarantees are jcstress's {@code <Queue>FillDrainTest}.
 *
 * <p><b>Threads</b>: the single-producer kinds put every producer operation ({@code offer},
 * {@code relaxedOffer}, {@code fillOne}) in Lincheck's non-parallel group "producer", the
 * single-consumer kinds every consumer operation ({@code poll}, {@code peek}, their relaxed forms,
 * {@code drainOne}) in "consumer", so at most one thread of the scenario plays that role;
 * {@code size} and {@code isEmpty} run on any thread. Multi-producer or multi-consumer kinds run three
 * threads, the SPSC kind two.
 */
class ArrayQueueLincheckTest {
    static final int CAPACITY = 2;

    /** The operations, written once; subclasses annotate them with the kind's thread groups. */
    abstract static class QueueOps {
        final ConcurrentQueue<Integer> q;

        QueueOps(ConcurrentQueue<Integer> q) {
            if (q.capacity() != CAPACITY && q.capacity() != ConcurrentQueue.UNBOUNDED) {
                throw new IllegalStateException("the specification assumes capacity " + CAPACITY);
            }
            this.q = q;
        }

        boolean doOffer(int e) {
            return q.offer(e);
        }

        boolean doRelaxedOffer(int e) {
            return q.relaxedOffer(e) || q.offer(e);
        }

        Integer doPoll() {
            return q.poll();
        }

        Integer doRelaxedPoll() {
            Integer e = q.relaxedPoll();
            return e != null ? e : q.poll();
        }

        Integer doPeek() {
            return q.peek();
        }

        Integer doRelaxedPeek() {
            Integer e = q.relaxedPeek();
            return e != null ? e : q.peek();
        }

        List<Integer> doDrain(int limit) {
            List<Integer> out = new ArrayList<>();
            int n = q.drain(out::add, limit);
            if (n != out.size()) {
                throw new AssertionError("drain returned " + n + " but handed over " + out);
            }
            return out;
        }

        /**
         * For kinds whose {@code drain} is documented wait-free like {@code relaxedPoll} (it stops at a
         * claimed but unwritten head): a drain that finds nothing is followed by a strict poll.
         */
        List<Integer> doRelaxedDrainOne() {
            List<Integer> out = doDrain(1);
            if (out.isEmpty()) {
                Integer e = q.poll();
                if (e != null) {
                    out.add(e);
                }
            }
            return out;
        }

        int doFill(int e, int limit) {
            return q.fill(() -> e, limit);
        }

        /**
         * A strict poll that reads "empty while {@code size() > 0}" as "not yet" and asks again: in the
         * multi-producer kinds a {@code fill} marks its claimed slot PENDING while its supplier (user
         * code) runs, and a strict poll answers "empty" there instead of waiting for it.
         */
        Integer doPollRetrying() {
            for (; ; ) {
                Integer e = q.poll();
                if (e != null || q.size() == 0) {
                    return e;
                }
            }
        }

        /** As {@link #doPollRetrying}, for peek. */
        Integer doPeekRetrying() {
            for (; ; ) {
                Integer e = q.peek();
                if (e != null || q.size() == 0) {
                    return e;
                }
            }
        }
    }

    // ---- SPSC: one producer thread, one consumer thread ----

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Spsc extends QueueOps {
        public Spsc() {
            super(new SpscArrayQueue<>(CAPACITY));
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
            return doDrain(1);
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

    // ---- MPSC: any producers, one consumer thread ----

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Mpsc extends QueueOps {
        public Mpsc() {
            super(new MpscArrayQueue<>(CAPACITY));
        }

        @Operation
        public boolean offer(@Param(name = "e") int e) {
            return doOffer(e);
        }

        @Operation
        public boolean relaxedOffer(@Param(name = "e") int e) {
            return doRelaxedOffer(e);
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

    /** MPSC {@code fill} against the operations it is linearizable with (class javadoc). */
    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class MpscFill extends QueueOps {
        public MpscFill() {
            super(new MpscArrayQueue<>(CAPACITY));
        }

        @Operation
        public int fillOne(@Param(name = "e") int e) {
            return doFill(e, 1);
        }

        @Operation
        public boolean offer(@Param(name = "e") int e) {
            return doOffer(e);
        }

        @Operation
        public boolean relaxedOffer(@Param(name = "e") int e) {
            return doRelaxedOffer(e);
        }

        @Operation(nonParallelGroup = "consumer")
        public Integer pollRetrying() {
            return doPollRetrying();
        }

        @Operation(nonParallelGroup = "consumer")
        public Integer peekRetrying() {
            return doPeekRetrying();
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

    // ---- SPMC: one producer thread, any consumers ----

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Spmc extends QueueOps {
        public Spmc() {
            super(new SpmcArrayQueue<>(CAPACITY));
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
        public int size() {
            return q.size();
        }

        @Operation
        public boolean isEmpty() {
            return q.isEmpty();
        }
    }

    // ---- MPMC: any threads ----

    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class Mpmc extends QueueOps {
        public Mpmc() {
            super(new MpmcArrayQueue<>(CAPACITY));
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
        public Integer poll() {
            return doPoll();
        }

        @Operation
        public Integer relaxedPoll() {
            return doRelaxedPoll();
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
        public int size() {
            return q.size();
        }

        @Operation
        public boolean isEmpty() {
            return q.isEmpty();
        }
    }

    /** MPMC {@code fill} against the operations it is linearizable with (class javadoc). */
    @Param(name = "e", gen = IntGen.class, conf = "1:4")
    public static class MpmcFill extends QueueOps {
        public MpmcFill() {
            super(new MpmcArrayQueue<>(CAPACITY));
        }

        @Operation
        public int fillOne(@Param(name = "e") int e) {
            return doFill(e, 1);
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
        public Integer pollRetrying() {
            return doPollRetrying();
        }

        @Operation
        public Integer peekRetrying() {
            return doPeekRetrying();
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

    /** {@link LincheckSupport.BoundedFifoSpec} with capacity {@value #CAPACITY}. */
    public static class Spec extends LincheckSupport.BoundedFifoSpec {
        public Spec() {
            super(CAPACITY);
        }

        public Integer pollRetrying() {
            return poll();
        }

        public Integer peekRetrying() {
            return peek();
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
        LincheckSupport.stress(Mpsc.class, Spec.class, 3);
    }

    @Test
    void mpscModelChecking() {
        LincheckSupport.modelCheck(Mpsc.class, Spec.class, 3);
    }

    @Test
    void mpscFillStress() {
        LincheckSupport.stress(MpscFill.class, Spec.class, 3);
    }

    @Test
    void mpscFillModelChecking() {
        LincheckSupport.modelCheck(MpscFill.class, Spec.class, 3);
    }

    @Test
    void spmcStress() {
        LincheckSupport.stress(Spmc.class, Spec.class, 3);
    }

    @Test
    void spmcModelChecking() {
        LincheckSupport.modelCheck(Spmc.class, Spec.class, 3);
    }

    @Test
    void mpmcStress() {
        LincheckSupport.stress(Mpmc.class, Spec.class, 3);
    }

    @Test
    void mpmcModelChecking() {
        LincheckSupport.modelCheck(Mpmc.class, Spec.class, 3);
    }

    @Test
    void mpmcFillStress() {
        LincheckSupport.stress(MpmcFill.class, Spec.class, 3);
    }

    @Test
    void mpmcFillModelChecking() {
        LincheckSupport.modelCheck(MpmcFill.class, Spec.class, 3);
    }
}
