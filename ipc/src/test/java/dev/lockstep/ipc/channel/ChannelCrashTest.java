package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.MappedAccess;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.test.ChildJvm;

/**
 * Producers killed with SIGKILL at random moments while a witness producer and the consumer keep
 * going: the consumer must deliver no torn, duplicated or reordered message, must recover every
 * claim a dead producer left (no manual action), and a new producer's messages must get through.
 * Recovery time (from the kill signal to the first message delivered past the dead claim) is printed.
 *
 * <p>Victims alternate between zero-copy claims and "slow" claims held 0.1-1 ms before commit, so
 * many kills land inside a claim. Property {@code lockstep.crash.kills}: number of kills (default 10
 * for CI, use >= 100 for a full run, ~0.7 s per kill on 2 cores).
 */
@Timeout(900)
class ChannelCrashTest {
    static final int KILLS = Integer.getInteger("lockstep.crash.kills", 10);

    @TempDir
    Path dir;

    @Test
    void producersKilledAtRandomMomentsNeverTearAndTheChannelRecovers() throws Exception {
        Path file = dir.resolve("crash");
        int finalId = KILLS + 1;
        int finalCount = 20_000;
        try (ManyToOneChannel ch = ManyToOneChannel.create(file, 64 * 1024, 16)) {
            Receiver in = ch.receiver();
            ChannelProcessTest.Checker checker = new ChannelProcessTest.Checker(ch.maxMessageLength(), KILLS + 2);
            AtomicLong lastDelivery = new AtomicLong();
            AtomicLong lastRecoveryDelivery = new AtomicLong();
            AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
            int recoveredOffset = SharedFile.STRUCTURE_OFFSET + ChannelDescriptor.RECOVERED_CLAIMS_OFFSET;
            Thread consumer = new Thread(() -> {
                long seenRecoveries = 0;
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        int n = in.receive(checker, 256);
                        long now = System.nanoTime();
                        // Opaque: a statistic read by the thread that writes it (the receiver); no ordering.
                        long rc = (long) MappedAccess.LONG.getOpaque(ch.buffer, recoveredOffset);
                        if (n > 0) {
                            lastDelivery.set(now);
                            if (rc != seenRecoveries) {
                                seenRecoveries = rc;
                                lastRecoveryDelivery.set(now); // first delivery past a recovered claim
                            }
                        } else {
                            Thread.onSpinWait();
                        }
                    }
                } catch (Throwable t) {
                    consumerFailure.set(t);
                }
            }, "crash-test-consumer");
            consumer.start();

            List<Long> recoveryMicros = new ArrayList<>();
            int cleanKills = 0;
            Random random = new Random(Long.getLong("lockstep.crash.seed", System.nanoTime()));
            try (ChildJvm witness = ChildJvm.start(dir, ChannelProducerMain.class, file.toString(), "many", "0", "-1", "copy")) {
                witness.awaitLine("READY", Duration.ofSeconds(30));
                for (int k = 1; k <= KILLS; k++) {
                    try (ChildJvm victim = ChildJvm.start(dir, ChannelProducerMain.class, file.toString(), "many",
                            Integer.toString(k), "-1", k % 2 == 0 ? "slow" : "claim")) {
                        victim.awaitLine("READY", Duration.ofSeconds(30));
                        Thread.sleep(5 + random.nextInt(60));
                        long killedAt = System.nanoTime();
                        victim.kill();
                        long deadline = killedAt + TimeUnit.SECONDS.toNanos(10);
                        while (true) {
                            long now = System.nanoTime();
                            if (lastRecoveryDelivery.get() - killedAt > 0) {
                                recoveryMicros.add((lastRecoveryDelivery.get() - killedAt) / 1_000);
                                break;
                            }
                            if (lastDelivery.get() - killedAt > TimeUnit.MILLISECONDS.toNanos(100)) {
                                cleanKills++; // killed outside a claim: deliveries went on
                                break;
                            }
                            assertTrue(now < deadline, "consumer stuck after kill " + k + ": " + ch.stats());
                            assertEquals(null, consumerFailure.get());
                            Thread.sleep(1);
                        }
                    }
                }
                try (ChildJvm last = ChildJvm.start(dir, ChannelProducerMain.class, file.toString(), "many",
                        Integer.toString(finalId), Integer.toString(finalCount), "claim")) {
                    assertEquals(0, last.await(Duration.ofSeconds(60)), last.output());
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (checker.next[finalId] < finalCount && System.nanoTime() < deadline && consumerFailure.get() == null) {
                Thread.sleep(5);
            }
            Thread.sleep(50);
            consumer.interrupt();
            consumer.join(10_000);
            in.close();
            assertEquals(null, consumerFailure.get());
            ChannelStats stats = ch.stats();
            long[] sorted = recoveryMicros.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("crash test: %d kills (%d inside a claim, %d clean), %d messages checked, %s%n"
                            + "  recovery time kill -> next delivery, us: %s%n%s",
                    KILLS, sorted.length, cleanKills, checker.received, "0 torn/dup/reordered expected, got " + checker.bad,
                    sorted.length == 0 ? "n/a" : "min " + sorted[0] + ", median " + sorted[sorted.length / 2]
                            + ", max " + sorted[sorted.length - 1] + " " + Arrays.toString(sorted.length > 20 ? Arrays.copyOf(sorted, 20) : sorted),
                    stats);
            assertEquals(0, checker.bad, checker.firstProblem);
            assertEquals(finalCount, checker.next[finalId], "the producer started after the kills got everything through");
            assertTrue(checker.next[0] > 0, "the witness got messages through");
            assertEquals(KILLS, sorted.length + cleanKills);
            assertTrue(stats.recoveredClaims() >= sorted.length, stats.toString());
        }
    }

    /**
     * One-to-one: the single producer is killed (often inside a claim) and a new producer process takes
     * over its slot each time; the consumer recovers the dead claim so the successor can register.
     */
    @Test
    void oneToOneProducerKilledAndReplaced() throws Exception {
        Path file = dir.resolve("crash-one");
        int kills = Math.max(3, KILLS / 3);
        int finalId = kills + 1;
        try (OneToOneChannel ch = OneToOneChannel.create(file, 16 * 1024)) {
            Receiver in = ch.receiver();
            ChannelProcessTest.Checker checker = new ChannelProcessTest.Checker(ch.maxMessageLength(), kills + 2);
            AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
            Thread consumer = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        if (in.receive(checker, 256) == 0) {
                            Thread.onSpinWait();
                        }
                    }
                } catch (Throwable t) {
                    consumerFailure.set(t);
                }
            }, "crash-test-consumer-1to1");
            consumer.start();
            Random random = new Random();
            for (int k = 1; k <= kills; k++) {
                try (ChildJvm victim = ChildJvm.start(dir, ChannelProducerMain.class, file.toString(), "one",
                        Integer.toString(k), "-1", k % 2 == 0 ? "claim" : "slow")) {
                    victim.awaitLine("READY", Duration.ofSeconds(30));
                    Thread.sleep(20 + random.nextInt(60));
                    victim.kill();
                }
            }
            try (ChildJvm last = ChildJvm.start(dir, ChannelProducerMain.class, file.toString(), "one",
                    Integer.toString(finalId), "10000", "claim")) {
                assertEquals(0, last.await(Duration.ofSeconds(60)), last.output());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (checker.next[finalId] < 10_000 && System.nanoTime() < deadline && consumerFailure.get() == null) {
                Thread.sleep(5);
            }
            consumer.interrupt();
            consumer.join(10_000);
            in.close();
            assertEquals(null, consumerFailure.get());
            System.out.printf("one-to-one crash test: %d kills, %d messages checked, %d bad%n%s",
                    kills, checker.received, checker.bad, ch.stats());
            assertEquals(0, checker.bad, checker.firstProblem);
            assertEquals(10_000, checker.next[finalId], "the successor after the kills got everything through");
        }
    }
}
