package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BrokenBarrierException;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.shm.Idle;
import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.sync.IpcBarrier;

/**
 * No party leaves an {@link IpcBarrier} before the other arrived, and what a party wrote before
 * arriving is visible to the other after leaving: two actors, each with its own {@code IpcBarrier}
 * instance (party) of the same mapped file, as two processes would have, write their flag, await,
 * then read the other's flag.
 *
 * <p>One two-party barrier serves the whole run: it is cyclic, and jcstress calls each actor once per
 * state in the same order on both sides, so the k-th trip pairs the two actors of the k-th state.
 * The parties busy-spin (one core each) so a trip does not wait for a park period.
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both saw the other's write made before the barrier")
@Outcome(id = {"0, .*", ".*, 0"}, expect = FORBIDDEN, desc = "a party left before the other arrived (or its write was not visible)")
@Outcome(expect = FORBIDDEN, desc = "anything else (the barrier broke)")
@State
public class IpcBarrierNoEarlyDepartureTest {
    private static final IpcBarrier PARTY_A;
    private static final IpcBarrier PARTY_B;

    static {
        try {
            Path file = ShmDirectory.openDefault().resolve("jcstress-ipcbarrier-" + ProcessHandle.current().pid());
            Files.deleteIfExists(file);
            PARTY_A = IpcBarrier.create(file, 2);
            PARTY_B = IpcBarrier.open(file);
            Files.delete(file); // both mappings stay valid; nothing is left behind
            PARTY_A.setIdleStrategy(Idle::busySpin);
            PARTY_B.setIdleStrategy(Idle::busySpin);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int a;
    int b;

    private static void await(IpcBarrier party) {
        try {
            party.await();
        } catch (InterruptedException | BrokenBarrierException e) {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void actor1(II_Result r) {
        a = 1; // plain: published to the other party by the barrier trip
        await(PARTY_A);
        r.r1 = b;
    }

    @Actor
    public void actor2(II_Result r) {
        b = 1;
        await(PARTY_B);
        r.r2 = a;
    }
}
