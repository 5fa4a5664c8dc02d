package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.test.Faults;

/**
 * The CPU a default channel endpoint burns while blocked (futex sleeps on JDK 22+ Linux, else the
 * default idle strategy {@code Idle.backoff()}; the child runs on this JVM's JDK): a
 * child JVM in {@link Receiver#awaitReceive(MessageHandler, int)} on an empty channel, or in
 * {@link Sender#send(int, byte[], int, int)} on a full ring whose (live, registered) consumer never
 * reads, of each channel kind. Measured with {@link Faults#cpuFraction} (utime + stime from
 * {@code /proc/<pid>/stat}) over {@code lockstep.faults.idleSeconds} (default 2 s; the README's
 * figures are from 10 s) after a 1 s warm-up; each must stay under 10% of a core.
 * <pre>
 * mvn -B -pl core,ipc -am test -Dtest=ChannelIdleCpuTest -Dsurefire.failIfNoSpecifiedTests=false -Djcstress.skip=true -Dlockstep.faults.idleSeconds=10
 * </pre>
 */
@Timeout(120)
class ChannelIdleCpuTest {
    private static final long IDLE_SECONDS = Long.getLong("lockstep.faults.idleSeconds", 2);
    private static final double LIMIT = 0.10;

    @TempDir
    Path dir;

    @Test
    void anIdleOneToOneReceiverBurnsAlmostNoCpu() throws Exception {
        Faults.assumeSignalsAndProc();
        Path file = dir.resolve("one");
        try (OneToOneChannel ch = OneToOneChannel.create(file, 4096)) {
            measure("OneToOneChannel awaitReceive, empty", "receive-one", file);
        }
    }

    @Test
    void anIdleManyToOneReceiverBurnsAlmostNoCpu() throws Exception {
        Faults.assumeSignalsAndProc();
        Path file = dir.resolve("many");
        try (ManyToOneChannel ch = ManyToOneChannel.create(file, 4096)) {
            measure("ManyToOneChannel awaitReceive, empty", "receive-many", file);
        }
    }

    @Test
    void aOneToOneSenderBlockedOnAFullRingBurnsAlmostNoCpu() throws Exception {
        Faults.assumeSignalsAndProc();
        Path file = dir.resolve("one-full");
        try (OneToOneChannel ch = OneToOneChannel.create(file, 4096); Receiver live = ch.receiver()) {
            measure("OneToOneChannel send, full ring", "send-one", file);
        }
    }

    @Test
    void aManyToOneSenderBlockedOnAFullRingBurnsAlmostNoCpu() throws Exception {
        Faults.assumeSignalsAndProc();
        Path file = dir.resolve("many-full");
        try (ManyToOneChannel ch = ManyToOneChannel.create(file, 4096); Receiver live = ch.receiver()) {
            measure("ManyToOneChannel send, full ring", "send-many", file);
        }
    }

    private static void measure(String what, String kind, Path file) throws Exception {
        try (ChildJvm c = ChildJvm.start(file.getParent(), Waiter.class, kind, file.toString())) {
            c.awaitLine("WAITING", Duration.ofSeconds(60));
            Thread.sleep(1_000); // past the JIT's start-up work
            double fraction = Faults.cpuFraction(c.pid(), Duration.ofSeconds(IDLE_SECONDS));
            System.out.printf(Locale.ROOT, "idle blocked %s (default endpoint, wait mode %s): %.2f%% of a core over %d s%n",
                    what, dev.lockstep.ipc.shm.WaitMode.current(), 100 * fraction, IDLE_SECONDS);
            assertTrue(c.process().isAlive(), "the waiter ended: " + c.output());
            assertFalse(c.output().contains("ERROR"), c.output());
            assertTrue(fraction < LIMIT, what + ": an idle waiter burns " + 100 * fraction + "% of a core");
        }
    }

    /** Child: {@code KIND FILE}: opens the channel and blocks in it until killed. */
    public static final class Waiter {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[1]);
            ShmChannel ch = args[0].endsWith("one") ? OneToOneChannel.open(file) : ManyToOneChannel.open(file);
            byte[] body = new byte[100];
            if (args[0].startsWith("receive")) {
                Receiver r = ch.receiver();
                System.out.println("WAITING");
                r.awaitReceive((type, buffer, offset, length) -> { }, 1);
                System.out.println("ERROR received a message from an empty channel");
            } else {
                Sender s = ch.sender();
                int sent = 0;
                while (s.trySend(1, body, 0, body.length)) {
                    sent++;
                }
                System.out.println("WAITING after " + sent + " messages");
                s.send(1, body, 0, body.length);
                System.out.println("ERROR sent into a full ring");
            }
        }
    }
}
