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
import dev.lockstep.ipc.sync.IpcEvent;

/**
 * {@link IpcEvent} publishes what was written before {@code set()}: one actor writes data then sets
 * the event, the other checks the event and then reads the data. Seeing the event set but not the
 * data is forbidden.
 *
 * <p>A file per state would dominate the run: states cycle through a pool of events, each in its own
 * mapped file under /dev/shm, reset by the state's constructor. The pool is larger than the states
 * jcstress runs in one batch, so an event is reused only after the states that last used it have
 * finished (with a pool smaller than a batch, a later state's reader sees an earlier state's set).
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "event not seen yet, data not yet written")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "event not seen yet, data already written")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "event seen, with the data written before set()")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "event seen set but the data written before set() was not visible")
@State
public class IpcEventVisibilityTest {
    /** More than the states of one jcstress batch (quick mode: 40 strides x 256). */
    private static final int POOL = 1 << 14;
    private static final IpcEvent[] EVENTS = new IpcEvent[POOL];
    private static int next;

    static {
        try {
            Path dir = Files.createTempDirectory(ShmDirectory.openDefault().path(), "jcstress-ipcevent");
            for (int i = 0; i < POOL; i++) {
                Path file = dir.resolve("e" + i);
                EVENTS[i] = IpcEvent.create(file, false);
                Files.delete(file); // the mapping stays valid; nothing is left behind
            }
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final IpcEvent event;
    int data;

    public IpcEventVisibilityTest() {
        synchronized (IpcEventVisibilityTest.class) {
            event = EVENTS[next++ & (POOL - 1)];
        }
        event.reset(); // published to the actors by jcstress's state hand-off
    }

    @Actor
    public void writer() {
        data = 1; // plain: must be published by set()
        event.set();
    }

    @Actor
    public void reader(II_Result r) {
        r.r1 = event.isSet() ? 1 : 0;
        r.r2 = data;
    }
}
