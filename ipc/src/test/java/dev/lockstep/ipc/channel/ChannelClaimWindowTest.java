package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.Participants;
import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.test.Namespaces;

/**
 * A {@link ManyToOneChannel} producer process stopped (SIGSTOP) or killed (SIGKILL) in the window
 * between its tail CAS and its header store ({@link ChannelHeaderWindowProducerMain}), in our PID
 * namespace and in another one. Since issue 12 the header is a release store, not a CAS from zero, so
 * a claimant that may be alive is never revoked there: the consumer waits for a stopped one however
 * long (here 14 claim timeouts, and past {@link Participants#SUSPECT_AFTER_MILLIS} for another
 * namespace), then delivers its message first, in claim order; a killed one's claim is padded once
 * its death is certain, and the messages behind it are delivered. Also for a claim that wraps, stopped
 * or killed between its padding store and its header store.
 */
@Timeout(120)
class ChannelClaimWindowTest {
    private static final int BODY = 100;
    private static final Duration CLAIM_TIMEOUT = Duration.ofMillis(50);
    private static final long STOPPED_MILLIS = Participants.SUSPECT_AFTER_MILLIS + 200;
    private static final int BEHIND = 10;

    @TempDir
    Path dir;

    /** The child's signals, whichever way it was started. */
    private interface Child extends AutoCloseable {
        String awaitLine(String prefix) throws InterruptedException;

        void stall() throws Exception;

        void resume() throws Exception;

        void kill() throws Exception;

        @Override
        void close();
    }

    private interface Signal {
        void run() throws Exception;
    }

    private interface LineAwaiter {
        String awaitLine(String prefix, Duration timeout) throws InterruptedException;
    }

    /** One adapter for both kinds of child (they share method names, not an interface). */
    private static Child child(LineAwaiter lines, Signal stall, Signal resume, Signal kill, Runnable close) {
        return new Child() {
            public String awaitLine(String prefix) throws InterruptedException {
                return lines.awaitLine(prefix, Duration.ofSeconds(60));
            }
            public void stall() throws Exception {
                stall.run();
            }
            public void resume() throws Exception {
                resume.run();
            }
            public void kill() throws Exception {
                kill.run();
            }
            public void close() {
                close.run();
            }
        };
    }

    private Child start(Path file, boolean otherNamespace) throws Exception {
        String[] args = {file.toString(), Integer.toString(BODY)};
        if (otherNamespace) {
            Namespaces.assumeAvailable();
            Namespaces.Child c = Namespaces.start(dir, List.of(), ChannelHeaderWindowProducerMain.class, args);
            return child(c::awaitLine, c::stall, c::resume, c::kill, c::close);
        }
        ChildJvm c = ChildJvm.start(dir, ChannelHeaderWindowProducerMain.class, args);
        return child(c::awaitLine, c::stall, c::resume, () -> {
            c.kill();
            c.await(Duration.ofSeconds(30));
        }, c::close);
    }

    private static void sendBehind(Sender other) {
        for (int seq = 0; seq < BEHIND; seq++) {
            ByteBuffer b = ByteBuffer.allocate(16).order(java.nio.ByteOrder.nativeOrder());
            ChannelRevocationTest.fill(b, 0, seq, 16);
            assertTrue(other.trySend(1, b.array(), 0, 16));
        }
    }

    private static void receiveUntil(Receiver in, ChannelRevocationTest.Checker c, int count) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (c.seqs.size() < count && System.nanoTime() < deadline) {
            in.receive(c, 64);
        }
    }

    private static List<Integer> behind() {
        List<Integer> seqs = new ArrayList<>();
        for (int seq = 0; seq < BEHIND; seq++) {
            seqs.add(seq);
        }
        return seqs;
    }

    /**
     * With {@code wrap}, first moves head and tail to {@link #WRAP_AT} (eleven 88-byte records sent
     * and received), so the child's 112-byte claim wraps: padding [968, 1024), record at 1024.
     */
    private static long prepare(ManyToOneChannel ch, Sender other, Receiver in, boolean wrap) {
        if (!wrap) {
            return 0;
        }
        ChannelRevocationTest.Checker c = new ChannelRevocationTest.Checker();
        for (int seq = 0; seq < 11; seq++) {
            ByteBuffer b = ByteBuffer.allocate(80).order(java.nio.ByteOrder.nativeOrder());
            ChannelRevocationTest.fill(b, 0, 100 + seq, 80);
            assertTrue(other.trySend(1, b.array(), 0, 80));
        }
        receiveUntil(in, c, 11);
        assertEquals(11, c.seqs.size());
        assertEquals(WRAP_AT, ch.stats().head());
        return WRAP_AT;
    }

    private static final long WRAP_AT = 968;

    private interface Scenario {
        void run(ManyToOneChannel ch, Path file, Sender other, Receiver in, Child p) throws Exception;
    }

    /**
     * A channel prepared (wrapping or not) and a producer child seen to have claimed where expected,
     * in this or another PID namespace; then the scenario; then everything closed.
     */
    private void withClaimant(boolean otherNamespace, boolean wrap, Scenario scenario) throws Exception {
        Path file = dir.resolve("c");
        try (ManyToOneChannel ch = ManyToOneChannel.create(file, 1024, 4);
             Sender other = ch.sender(); Receiver in = ch.receiver(CLAIM_TIMEOUT);
             Child p = start(file, otherNamespace)) {
            long start = prepare(ch, other, in, wrap);
            assertEquals(Long.toString(start), p.awaitLine("CLAIMED ").trim(), "claimed where expected");
            scenario.run(ch, file, other, in, p);
        }
    }

    private void stoppedClaimantIsWaitedFor(boolean otherNamespace, boolean wrap) throws Exception {
        withClaimant(otherNamespace, wrap, (ch, file, other, in, p) -> {
            p.stall();
            sendBehind(other);
            ChannelRevocationTest.Checker c = new ChannelRevocationTest.Checker();
            long until = System.nanoTime() + Duration.ofMillis(STOPPED_MILLIS).toNanos();
            while (System.nanoTime() < until) {
                in.receive(c, 64);
            }
            assertEquals(List.of(), c.seqs, "nothing is delivered past a claim whose claimant is stopped, not dead: " + ch.stats());
            assertEquals(0L, ch.stats().recoveredClaims(), "the stopped claimant's claim is neither padded nor fenced");
            Files.createFile(Path.of(file + ".go"));
            p.resume();
            p.awaitLine("COMMITTED");
            receiveUntil(in, c, BEHIND + 1);
            List<Integer> expected = new ArrayList<>(List.of(ChannelHeaderWindowProducerMain.SEQ));
            expected.addAll(behind());
            assertEquals(expected, c.seqs, "the resumed claim is delivered whole and first (claim order)");
            assertEquals(0, c.bad, "no torn message");
            assertEquals(0L, ch.stats().recoveredClaims());
            assertEquals(ch.stats().tail(), ch.stats().head(), "everything consumed");
            ChannelTest.assertFreeSpaceIsZero(ch);
        });
    }

    private void killedClaimantIsPadded(boolean otherNamespace, boolean wrap) throws Exception {
        withClaimant(otherNamespace, wrap, (ch, file, other, in, p) -> {
            p.kill();
            sendBehind(other);
            ChannelRevocationTest.Checker c = new ChannelRevocationTest.Checker();
            receiveUntil(in, c, BEHIND);
            assertEquals(behind(), c.seqs, "the messages behind a dead claimant's claim are delivered: " + ch.stats());
            assertEquals(0, c.bad, "no torn message");
            assertEquals(1L, ch.stats().recoveredClaims(), "the dead claim is padded once");
            assertEquals((long) RecordDescriptor.alignedLength(BODY), ch.stats().recoveredBytes(), "exactly its extent");
            assertEquals(0L, ch.stats().timeoutRecoveries(), "by death, not by timeout");
            assertEquals(ch.stats().tail(), ch.stats().head(), "everything consumed");
            ChannelTest.assertFreeSpaceIsZero(ch);
        });
    }

    @Test
    void aClaimantStoppedBeforeItsHeaderStoreIsWaitedForAndDeliveredInOrder() throws Exception {
        stoppedClaimantIsWaitedFor(false, false);
    }

    @Test
    void aWrappingClaimantStoppedBetweenItsPaddingAndItsHeaderIsWaitedFor() throws Exception {
        stoppedClaimantIsWaitedFor(false, true);
    }

    @Test
    void aClaimantInAnotherPidNamespaceStoppedBeforeItsHeaderStoreIsNeverJudgedDead() throws Exception {
        stoppedClaimantIsWaitedFor(true, false);
    }

    @Test
    void aClaimantKilledBeforeItsHeaderStoreIsPadded() throws Exception {
        killedClaimantIsPadded(false, false);
    }

    @Test
    void aWrappingClaimantKilledBetweenItsPaddingAndItsHeaderIsPadded() throws Exception {
        killedClaimantIsPadded(false, true);
    }

    @Test
    void aClaimantInAnotherPidNamespaceKilledBeforeItsHeaderStoreIsPadded() throws Exception {
        killedClaimantIsPadded(true, false);
    }
}
