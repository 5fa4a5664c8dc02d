package dev.lockstep.jcstress.ipc;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import dev.lockstep.ipc.shm.ShmDirectory;
import dev.lockstep.ipc.sync.IpcSemaphore;

/**
 * Permit conservation of {@link IpcSemaphore} with one permit: two actors, each with its own
 * instance of the same file (as two processes would have), acquire the permit, increment a plain
 * counter, and release. If the semaphore ever let both hold the single permit, an update is lost and
 * both report 1. One file serves the whole run (creating one per state would dominate it); the
 * counter is per state.
 */
@JCStressTest
@Outcome(id = "1, 2", expect = ACCEPTABLE, desc = "actor1 held the permit first")
@Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "actor2 held the permit first")
@Outcome(id = "1, 1", expect = FORBIDDEN, desc = "both held the single permit at once: lost update")
@Outcome(expect = FORBIDDEN, desc = "any other value")
@State
public class IpcSemaphoreOnePermitTest {
    private static final IpcSemaphore PROCESS_A;
    private static final IpcSemaphore PROCESS_B;

    static {
        try {
            Path file = ShmDirectory.openDefault().resolve("jcstress-ipcsemaphore-" + ProcessHandle.current().pid());
            Files.deleteIfExists(file);
            PROCESS_A = IpcSemaphore.create(file, 1, 4);
            PROCESS_B = IpcSemaphore.open(file);
            Files.delete(file); // both mappings stay valid; nothing is left behind
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int counter; // plain: guarded by the single permit

    private int increment(IpcSemaphore s) {
        s.acquireUninterruptibly();
        try {
            return ++counter;
        } finally {
            s.release();
        }
    }

    @Actor
    public void actor1(II_Result r) {
        r.r1 = increment(PROCESS_A);
    }

    @Actor
    public void actor2(II_Result r) {
        r.r2 = increment(PROCESS_B);
    }
}
