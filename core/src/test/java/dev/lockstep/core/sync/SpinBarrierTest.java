package dev.lockstep.core.sync;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.lockstep.core.sync.TestThreads.fork;
import static dev.lockstep.core.sync.TestThreads.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(20)
class SpinBarrierTest {

    @Test
    void rejectsNonPositivePartiesNamingTheValue() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> new SpinBarrier(0));
        assertTrue(zero.getMessage().contains("0"), zero.getMessage());
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> new SpinBarrier(-7));
        assertTrue(neg.getMessage().contains("-7"), neg.getMessage());
    }

    @Test
    void singlePartyAdvancesThePhaseEachCall() {
        SpinBarrier b = new SpinBarrier(1);
        for (int i = 0; i < 3; i++) {
            assertEquals(i, b.getPhase());
            assertEquals(0, b.await());
        }
        assertEquals(1, b.getParties());
    }

    @Test
    void firstArrivalWaitsForTheLast() throws Exception {
        SpinBarrier b = new SpinBarrier(2);
        TestThreads.Forked<Integer> first = fork("first", b::await);
        waitUntil("first arrived", () -> b.getNumberWaiting() == 1);
        Thread.sleep(20); // well past the spin and yield phases: napping
        assertFalse(first.isDone(), "left before the second party arrived");
        assertEquals(0, b.await());
        assertEquals(1, first.get(5, TimeUnit.SECONDS));
        assertEquals(1, b.getPhase());
        assertEquals(0, b.getNumberWaiting());
    }

    private static void noEarlyDeparture(int parties, int rounds) throws Exception {
        SpinBarrier b = new SpinBarrier(parties);
        AtomicIntegerArray arrivedIn = new AtomicIntegerArray(rounds);
        AtomicIntegerArray indexCount = new AtomicIntegerArray(parties);
        int[][] written = new int[parties][rounds]; // plain: each party writes its row, others read after the barrier
        List<TestThreads.Forked<Void>> workers = new ArrayList<>();
        for (int t = 0; t < parties; t++) {
            int me = t;
            workers.add(fork("party-" + t, () -> {
                for (int r = 0; r < rounds; r++) {
                    written[me][r] = r + 1;
                    arrivedIn.incrementAndGet(r);
                    indexCount.incrementAndGet(b.await());
                    assertEquals(parties, arrivedIn.get(r), "left round " + r + " early");
                    for (int other = 0; other < parties; other++) {
                        assertEquals(r + 1, written[other][r], "write before the barrier not visible");
                    }
                }
                return null;
            }));
        }
        for (TestThreads.Forked<Void> w : workers) {
            w.get(15, TimeUnit.SECONDS);
        }
        for (int i = 0; i < parties; i++) {
            assertEquals(rounds, indexCount.get(i), "arrival index " + i + " once per round");
        }
        assertEquals(rounds, b.getPhase());
    }

    @Test
    void twoPartiesNeverLeaveEarly() throws Exception {
        noEarlyDeparture(2, 20_000);
    }

    @Test
    void oversubscribedPartiesNeverLeaveEarly() throws Exception {
        noEarlyDeparture(4, 500); // 4 threads on 2 cores: yields and naps
    }
}
