package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;

/**
 * How bridges wait: the outbound bridge sleeping on its empty mailbox (kernel wait on JDK 22+, a poll
 * on 17) still delivers every message of bursts sent after it went to sleep, for each mailbox wait; a
 * sleeping bridge closes at once; bad idle settings are refused by name.
 */
class BridgeIdleTest extends TwoHostFixture {
    @Test
    void burstsAfterIdlePausesArriveWholeAndInOrderWithEveryMailboxWait() throws Exception {
        for (BridgeOptions.Wait wait : new BridgeOptions.Wait[] {BridgeOptions.Wait.KERNEL, BridgeOptions.Wait.SLEEP}) {
            bursts(wait);
        }
    }

    private void bursts(BridgeOptions.Wait wait) throws Exception {
        String uri = BridgeInProcessTest.channel();
        String name = "idle-" + wait.name().toLowerCase();
        int bursts = 6;
        int perBurst = 50;
        try (Bridge in = AeronBridge.in(name, uri, 5, options(hostB));
             Bridge out = AeronBridge.out(name, uri, 5, options(hostA).withMailboxWait(wait));
             ManyToOneChannel a = Mailboxes.open(hostA).manyToOne(name, CAPACITY);
             ManyToOneChannel b = Mailboxes.open(hostB).manyToOne(name, CAPACITY);
             Sender tx = a.sender();
             Receiver rx = b.receiver()) {
            assertTrue(out.awaitConnected(Duration.ofSeconds(20)), "out bridge never connected");
            int max = a.maxMessageLength();
            ByteBuffer scratch = ByteBuffer.allocate(max).order(ByteOrder.nativeOrder());
            long[] next = {0};
            long sent = 0;
            for (int burst = 0; burst < bursts; burst++) {
                // Longer than the bridge's spin and yield phases and its timed wait: it is asleep (or
                // polling) on an empty mailbox when the burst starts.
                Thread.sleep(3 * OutboundBridge.MAILBOX_WAIT_MILLIS);
                for (int i = 0; i < perBurst; i++, sent++) {
                    int len = Messages.length(sent, max);
                    Messages.write(scratch, 0, sent, len);
                    tx.send(Messages.type(sent), scratch, 0, len);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (next[0] < sent) {
                    assertTrue(System.nanoTime() < deadline, wait + ": burst " + burst + " stuck at " + next[0] + " of " + sent);
                    rx.awaitReceive((type, buf, off, len) -> {
                        long seq = Messages.check(type, buf, off, len, max);
                        assertEquals(next[0], seq, wait + ": out of order, lost or duplicated");
                        next[0]++;
                    }, 64, 100, TimeUnit.MILLISECONDS);
                }
            }
            assertEquals((long) bursts * perBurst, next[0]);
            assertTrue(out.isRunning() && in.isRunning(), out.failure() + " " + in.failure());
        }
    }

    @Test
    void anOutboundBridgeAsleepOnItsEmptyMailboxClosesAtOnce() throws Exception {
        Bridge out = AeronBridge.out("sleeper", BridgeInProcessTest.channel(), 6, options(hostA));
        try {
            Thread.sleep(200); // no subscriber, empty mailbox: the bridge waits on the mailbox
            assertTrue(out.isRunning(), String.valueOf(out.failure()));
        } finally {
            Thread closer = new Thread(out::close, "closer");
            long t0 = System.nanoTime();
            closer.start();
            closer.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(closer.isAlive(), "close() of an idle outbound bridge did not return within 10 s");
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("idle outbound bridge closed in " + ms + " ms");
        }
        assertNull(out.failure().orElse(null));
        assertEquals("CLOSED", BridgeStatus.read(BridgeStatus.outPath(hostA, "sleeper")).state());
    }

    @Test
    void idleSettingsAreCheckedByName() {
        IllegalArgumentException kernel = assertThrows(IllegalArgumentException.class,
                () -> BridgeOptions.defaults().withIdle(BridgeOptions.Wait.KERNEL));
        assertTrue(kernel.getMessage().contains("KERNEL") && kernel.getMessage().contains("Aeron"), kernel.getMessage());
        assertThrows(NullPointerException.class, () -> BridgeOptions.defaults().withMailboxWait(null));
        assertThrows(NullPointerException.class, () -> BridgeOptions.defaults().withIdle((BridgeOptions.Wait) null));
        // INVOKER: a driver without threads would never run (the bridge does not invoke it): refused by name.
        IllegalArgumentException invoker = assertThrows(IllegalArgumentException.class,
                () -> BridgeOptions.defaults().withThreadingMode(io.aeron.driver.ThreadingMode.INVOKER));
        assertTrue(invoker.getMessage().contains("INVOKER"), invoker.getMessage());
        assertEquals(io.aeron.driver.ThreadingMode.DEDICATED,
                BridgeOptions.defaults().withThreadingMode(io.aeron.driver.ThreadingMode.DEDICATED).threadingMode());
        assertNull(BridgeOptions.defaults().mailboxIdle(), "the default mailbox wait is the kernel's");
        assertNull(BridgeOptions.defaults().withMailboxWait(BridgeOptions.Wait.KERNEL).mailboxIdle());
        for (BridgeOptions.Wait w : new BridgeOptions.Wait[] {BridgeOptions.Wait.BACKOFF, BridgeOptions.Wait.SPIN,
                BridgeOptions.Wait.YIELD, BridgeOptions.Wait.SLEEP}) {
            assertTrue(BridgeOptions.defaults().withMailboxWait(w).mailboxIdle().get() != null, w.name());
            assertTrue(BridgeOptions.defaults().withIdle(w).idle().get() != null, w.name());
        }
    }
}
