package dev.lockstep.core.lincheck;

import dev.lockstep.core.sync.SeqLock;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * {@link SeqLock} protecting a pair of plain fields, in Lincheck's stress and model-checking modes
 * (three threads): reads are never torn.
 *
 * <p><b>Sequential specification</b> ({@link Spec}): a register holding the last written value
 * {@code v} (initially 0); {@code write(v)} stores {@code x = v, y = -v} under the write lock, from any
 * thread (writers exclude each other); {@code read()} is the documented optimistic read loop
 * ({@code readBegin}, copy both fields, {@code readValidate}) and returns {@code [x, y]}, which must be
 * {@code [v, -v]} of one write: a torn pair has no linearization.
 *
 * <p>Lincheck's model checker explores sequentially consistent interleavings, so it checks the
 * protocol (odd sequence while writing, validation) but not the fences that order plain data accesses
 * on weak hardware; those are jcstress's ({@code SeqLock*Test}).
 */
class SeqLockLincheckTest {

    @Param(name = "v", gen = IntGen.class, conf = "1:3")
    public static class Ops {
        private final SeqLock seq = new SeqLock();
        private int x; // plain: protected by the SeqLock protocol
        private int y;

        @Operation
        public void write(@Param(name = "v") int v) {
            seq.writeLock();
            try {
                x = v;
                y = -v;
            } finally {
                seq.writeUnlock();
            }
        }

        @Operation
        public List<Integer> read() {
            long s;
            int rx;
            int ry;
            do {
                s = seq.readBegin();
                rx = x;
                ry = y;
            } while (!seq.readValidate(s));
            return List.of(rx, ry);
        }
    }

    /** A register. */
    public static class Spec {
        private int v;

        public void write(int v) {
            this.v = v;
        }

        public List<Integer> read() {
            return List.of(v, -v);
        }
    }

    @Test
    void stress() {
        LincheckSupport.stress(Ops.class, Spec.class, 3);
    }

    @Test
    void modelChecking() {
        LincheckSupport.modelCheck(Ops.class, Spec.class, 3);
    }
}
