package dev.lockstep.core.sync;

import dev.lockstep.core.internal.PaddedLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Field;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * SeqLock's waiting (white box): the case jcstress cannot hit on demand. A waiter announces itself by
 * setting PARKED in the odd sequence and parks; if that announcement lands between the unlock's load and
 * its release store, the store overwrites it and the unlock wakes nobody. The watcher must then wake the
 * parked waiter when it sees the even sequence. The test makes that interleaving happen by storing the
 * even value the racing unlock would store, directly into the sequence, without the unlock's wake-up.
 */
@Timeout(30)
class SeqLockWaitersTest {

    @Test
    void watcherWakesAWaiterWhoseAnnouncementTheUnlockOverwrote() throws Exception {
        SeqLock seq = new SeqLock();
        Field f = SeqLock.class.getDeclaredField("seq");
        f.setAccessible(true);
        PaddedLong raw = (PaddedLong) f.get(seq);
        seq.writeLock(); // sequence 1: a writer inside
        Thread r1 = MutexTest.start("reader-1", seq::readBegin);
        Thread r2 = MutexTest.start("reader-2", seq::readBegin);
        // One reader watches, the other announces itself (PARKED, the sign bit) and parks.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(raw.getVolatile() < 0
                && (r1.getState() == Thread.State.WAITING || r2.getState() == Thread.State.WAITING))) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no reader parked: sequence " + raw.getVolatile()
                        + ", states " + r1.getState() + " " + r2.getState());
            }
            Thread.sleep(1);
        }
        // The racing unlock: an even value without PARKED, and no wake-up by the writer.
        raw.setVolatile(2L);
        r1.join(10_000);
        r2.join(10_000);
        assertFalse(r1.isAlive() || r2.isAlive(), "a reader stayed parked after the write ended: "
                + r1.getState() + " " + r2.getState());
        assertEquals(2L, seq.sequence());
    }

    /**
     * Five readers wait for one write: one watches, four park. One unlock must let all five go, however
     * many of them a single wake-up reaches (a wake-one grant must be passed on by each woken reader).
     */
    @Test
    void oneUnlockReleasesEveryParkedReader() throws Exception {
        SeqLock seq = new SeqLock();
        seq.writeLock();
        Thread[] t = startWaiters(5, i -> seq::readBegin);
        long deadline = System.nanoTime() + 10_000_000_000L;
        for (int parked = 0; parked < t.length - 1; ) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("only " + parked + " readers parked");
            }
            Thread.sleep(1);
            parked = 0;
            for (Thread x : t) {
                parked += x.getState() == Thread.State.WAITING ? 1 : 0;
            }
        }
        seq.writeUnlock(); // no further write: nothing else will wake a reader left parked
        assertAllReturn(t);
    }

    private static Thread[] startWaiters(int n, IntFunction<Runnable> body) {
        Thread[] t = new Thread[n];
        for (int i = 0; i < n; i++) {
            t[i] = MutexTest.start("waiter-" + i, body.apply(i));
        }
        return t;
    }

    private static void assertAllReturn(Thread[] t) throws InterruptedException {
        for (Thread x : t) {
            x.join(10_000);
            assertFalse(x.isAlive(), x.getName() + " did not return after the write ended: " + x.getState());
        }
    }

    @Test
    void unlockWakesParkedReadersAndWriters() throws Exception {
        SeqLock seq = new SeqLock();
        seq.writeLock();
        Thread[] t = startWaiters(4, i -> i % 2 == 0 ? seq::readBegin : () -> {
            seq.writeLock();
            seq.writeUnlock();
        });
        Thread.sleep(50);
        seq.writeUnlock();
        assertAllReturn(t);
        assertEquals(6L, seq.sequence(), "three writes, none with PARKED left in the sequence");
    }
}
