package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;

/**
 * One {@link IpcBarrier} file opened several times in one process. Each instance is one party, but
 * every party slot of the process holds the same {@link dev.lockstep.ipc.shm.Participants} token: the
 * instances must still be distinct parties (the barrier trips only when all arrived), a further
 * instance beyond the parties is refused, and one instance's close or a reset frees no slot another
 * live instance of the process registered.
 */
@Timeout(60)
class IpcBarrierTwoHandlesTest {
    private static final int BASE = SharedFile.STRUCTURE_OFFSET;

    @TempDir
    Path dir;

    /** Two handles, two platform threads (kernel sleepers in FUTEX mode), 2,000 generations. */
    @Test
    void twoHandlesAreTwoPartiesForEveryGeneration() throws Exception {
        Path file = dir.resolve("b");
        int rounds = 2_000;
        try (IpcBarrier a = IpcBarrier.create(file, 2); IpcBarrier b = IpcBarrier.open(file)) {
            long[] shared = new long[1];
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread other = TestThreads.platform(() -> {
                try {
                    for (int r = 0; r < rounds; r++) {
                        b.await(10, TimeUnit.SECONDS);
                        if (shared[0] != r + 1) { // a wrote r + 1 before its arrival of this generation
                            failure.compareAndSet(null, new AssertionError("round " + r + ": saw " + shared[0]));
                        }
                        b.await(10, TimeUnit.SECONDS);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            for (int r = 0; r < rounds && failure.get() == null; r++) {
                shared[0] = r + 1;
                a.await(10, TimeUnit.SECONDS);
                a.await(10, TimeUnit.SECONDS); // b has read it: the next write may come
            }
            other.join();
            assertNull(failure.get());
            assertFalse(a.isBroken());
            assertEquals(0, a.getNumberWaiting());
        }
    }

    /**
     * With both party slots held by two instances of this process, a third is refused; closing one
     * frees its own slot only (a fourth instance gets it; a fifth is refused again), and reset()
     * frees none of a live process's slots.
     */
    @Test
    void aHandlesCloseAndResetFreeNoSlotAnotherLiveHandleHolds() throws Exception {
        Path file = dir.resolve("b");
        try (IpcBarrier a = IpcBarrier.create(file, 2); IpcBarrier b = IpcBarrier.open(file)) {
            a.register();
            b.register();
            try (IpcBarrier c = IpcBarrier.open(file)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, c::register);
                assertTrue(e.getMessage().contains("all 2 party slots are taken by live parties"), e.getMessage());
            }
            a.reset();
            assertEquals(2, registered(b), "reset frees only dead parties' slots");
            a.close();
            a.close(); // again: a no-op
            assertEquals(1, registered(b), "a's close freed a's slot, not b's");
            try (IpcBarrier d = IpcBarrier.open(file); IpcBarrier e = IpcBarrier.open(file)) {
                d.register();
                assertThrows(IllegalStateException.class, e::register);
                Thread t = TestThreads.platform(() -> {
                    try {
                        b.await(10, TimeUnit.SECONDS);
                    } catch (Exception ex) {
                        throw new AssertionError(ex);
                    }
                });
                int index = d.await(10, TimeUnit.SECONDS); // trips with b: two parties, d and b
                assertTrue(index == 0 || index == 1, "arrival index " + index);
                t.join();
                assertFalse(d.isBroken());
            }
            assertEquals(1, registered(b), "d's close left b's slot");
        }
    }

    private static int registered(IpcBarrier barrier) {
        int n = 0;
        for (int i = 0; i < barrier.getParties(); i++) {
            if ((long) MappedAccess.LONG.getVolatile(barrier.file.buffer(), BASE + IpcBarrierDescriptor.slotOffset(i)) != 0L) {
                n++;
            }
        }
        return n;
    }
}
