package dev.lockstep.ipc.broadcast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;

/**
 * Broadcast between real processes. One producer process, four consumer processes: two keep up and
 * must receive every message in order; one is slow (lapped: detects it, resumes, never gets a torn,
 * duplicated or reordered message, and its lost count equals the gaps it saw); one is killed with
 * SIGKILL mid-stream (nobody else notices). Then a producer killed with SIGKILL mid-stream: the
 * consumers keep what they have, never get a torn message, and a successor producer (this JVM) takes
 * over and reaches them. Property {@code lockstep.broadcast.messages}: messages of the first test
 * (default 40000 for CI).
 */
@Timeout(300)
class BroadcastProcessTest {
    static final long MESSAGES = Long.getLong("lockstep.broadcast.messages", 40_000L);

    @TempDir
    Path dir;

    /** Parses "result k=v k=v ..." into a map. */
    static Map<String, Long> result(ChildJvm child) throws InterruptedException {
        String line = child.awaitLine("result ", Duration.ofSeconds(120));
        Map<String, Long> m = new HashMap<>();
        for (String kv : line.split(" ")) {
            String[] p = kv.split("=");
            m.put(p[0], Long.parseLong(p[1]));
        }
        return m;
    }

    @Test
    void oneProducerFourConsumerProcessesOneKilledOneSlow() throws Exception {
        Path file = dir.resolve("ticks");
        long last = MESSAGES - 1;
        try (BroadcastChannel ch = BroadcastChannel.create(file, 16 * 1024);
             ChildJvm fast1 = ChildJvm.start(dir, BroadcastConsumerMain.class, file.toString(), "normal", "" + last);
             ChildJvm fast2 = ChildJvm.start(dir, BroadcastConsumerMain.class, file.toString(), "normal", "" + last);
             ChildJvm slow = ChildJvm.start(dir, BroadcastConsumerMain.class, file.toString(), "slow", "" + last);
             ChildJvm victim = ChildJvm.start(dir, BroadcastConsumerMain.class, file.toString(), "normal", "" + last)) {
            for (ChildJvm c : new ChildJvm[] {fast1, fast2, slow, victim}) {
                c.awaitLine("ready", Duration.ofSeconds(60));
            }
            try (ChildJvm producer = ChildJvm.start(dir, BroadcastProducerMain.class, file.toString(), "" + MESSAGES,
                    fast1.pid() + "," + fast2.pid())) {
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (ch.stats().nextSequence() < MESSAGES / 3 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                victim.kill(); // SIGKILL mid-stream
                assertEquals(0, producer.await(Duration.ofSeconds(120)), producer.output());
            }
            for (ChildJvm c : new ChildJvm[] {fast1, fast2}) {
                Map<String, Long> r = result(c);
                assertEquals(MESSAGES, r.get("received"), c.output());
                assertEquals(0L, r.get("lapped"), c.output());
                assertEquals(0L, r.get("torn"), c.output());
                assertEquals(0L, r.get("backwards"), c.output());
                assertEquals(0L, r.get("gaps"), c.output());
                assertEquals(0L, r.get("first"), c.output());
                assertEquals(last, r.get("last"), c.output());
                assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
            }
            Map<String, Long> s = result(slow);
            System.out.println("slow consumer: " + s);
            assertEquals(0L, s.get("torn"), slow.output());
            assertEquals(0L, s.get("backwards"), "never a duplicated or reordered message: " + slow.output());
            assertTrue(s.get("lapped") > 0, "the slow consumer was lapped: " + slow.output());
            // Joined before message 0: messages before its first count as lost too.
            assertEquals(s.get("gapSum") + s.get("first"), s.get("lost"), "lost = skipped: " + slow.output());
            assertEquals(MESSAGES, s.get("received") + s.get("lost"), "every message received or counted lost");
            assertEquals(last, s.get("last"), slow.output());
            assertEquals(0, slow.await(Duration.ofSeconds(30)), slow.output());
            BroadcastStats stats = ch.stats();
            assertEquals(MESSAGES, stats.nextSequence());
            assertTrue(stats.consumers().stream().anyMatch(c -> c.pid() == victim.pid() && !c.alive()),
                    "the killed consumer's slot shows it DEAD: " + stats);
        }
    }

    /**
     * StartPosition.OLDEST across processes: a producer process sends more than the ring holds and
     * exits; a consumer process joins late with OLDEST; a second producer process continues. The
     * consumer gets the retained backlog from the oldest message the producer's layout leaves in the
     * ring (computed independently: BroadcastStartPositionTest.replayOldest), then the new messages:
     * every one whole, in order, none lost, none twice.
     */
    @Test
    void aConsumerProcessJoiningLateAtOldestGetsTheRetainedBacklogInOrderThenTheNewMessages() throws Exception {
        Path file = dir.resolve("replay");
        int capacity = 16 * 1024;
        int before = 3_000; // about 5 laps of the ring
        int after = 2_000;
        try (BroadcastChannel ch = BroadcastChannel.create(file, capacity)) {
            try (ChildJvm first = ChildJvm.start(dir, BroadcastProducerMain.class, file.toString(), "" + before, "-")) {
                assertEquals(0, first.await(Duration.ofSeconds(120)), first.output());
            }
            int oldest = BroadcastStartPositionTest.replayOldest(before, capacity,
                    m -> BroadcastDescriptor.aligned(BroadcastDescriptor.HEADER_LENGTH + 8 * (1 + (m & 7))));
            assertTrue(oldest > 0 && oldest < before, "the ring wrapped, and keeps a backlog: " + oldest);
            long last = before + after - 1;
            try (ChildJvm late = ChildJvm.start(dir, BroadcastConsumerMain.class, file.toString(), "normal", "" + last,
                    "oldest")) {
                late.awaitLine("ready", Duration.ofSeconds(60));
                try (ChildJvm second = ChildJvm.start(dir, BroadcastProducerMain.class, file.toString(),
                        "" + (before + after), "" + late.pid())) {
                    assertEquals(0, second.await(Duration.ofSeconds(120)), second.output());
                }
                Map<String, Long> r = result(late);
                System.out.println("late OLDEST consumer: " + r + " (backlog from message " + oldest + ")");
                assertEquals((long) oldest, r.get("first"), "the first message is the oldest retained: " + late.output());
                assertEquals(last, r.get("last"), late.output());
                assertEquals(before + after - oldest, r.get("received"), late.output());
                assertEquals(0L, r.get("torn"), late.output());
                assertEquals(0L, r.get("backwards"), late.output());
                assertEquals(0L, r.get("gaps"), late.output());
                assertEquals(0L, r.get("lost"), late.output());
                assertEquals(0L, r.get("lapped"), late.output());
                assertEquals(0, late.await(Duration.ofSeconds(30)), late.output());
            }
        }
    }

    @Test
    void aProducerKilledMidStreamNeverTearsAndASuccessorTakesOver() throws Exception {
        Path file = dir.resolve("ticks");
        try (BroadcastChannel ch = BroadcastChannel.create(file, 16 * 1024);
             ChildJvm c1 = ChildJvm.start(dir, BroadcastConsumerMain.class, file.toString(), "normal", "" + Long.MAX_VALUE);
             ChildJvm c2 = ChildJvm.start(dir, BroadcastConsumerMain.class, file.toString(), "slow", "" + Long.MAX_VALUE)) {
            c1.awaitLine("ready", Duration.ofSeconds(60));
            c2.awaitLine("ready", Duration.ofSeconds(60));
            try (ChildJvm producer = ChildJvm.start(dir, BroadcastProducerMain.class, file.toString(), "-1", "-")) {
                producer.awaitLine("sending", Duration.ofSeconds(60));
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (ch.stats().nextSequence() < 20_000 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                // Catch it inside a send (SIGSTOP until the tail intent is past the tail), then SIGKILL.
                boolean inside = false;
                java.util.Random random = new java.util.Random();
                deadline = System.nanoTime() + 30_000_000_000L;
                while (System.nanoTime() < deadline) {
                    producer.stall();
                    BroadcastStats st = ch.stats();
                    if (st.tailIntent() > st.tail()) {
                        inside = true;
                        break;
                    }
                    producer.resume();
                    Thread.sleep(random.nextInt(3));
                }
                assertTrue(inside, "the producer was never stopped inside a send");
                producer.kill();
            }
            BroadcastStats dead = ch.stats();
            System.out.println("after the kill: tail " + dead.tail() + ", intent " + dead.tailIntent());
            try (BroadcastSender successor = ch.sender()) {
                assertTrue(successor.position() >= dead.tail());
                java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.nativeOrder());
                for (int i = 0; i < 100; i++) {
                    long m = successor.sequence();
                    int length = 8 * (1 + (int) (m & 7));
                    for (int k = 0; k < length; k += 8) {
                        body.putLong(k, m);
                    }
                    successor.send(BroadcastConsumerMain.DATA, body, 0, length);
                    Thread.sleep(1);
                }
                body.putLong(0, successor.sequence());
                successor.send(BroadcastConsumerMain.END, body, 0, 8);
                for (ChildJvm c : new ChildJvm[] {c1, c2}) {
                    Map<String, Long> r = result(c);
                    System.out.println("consumer " + c.pid() + ": " + r);
                    assertEquals(0L, r.get("torn"), c.output());
                    assertEquals(0L, r.get("backwards"), c.output());
                    // Joined before message 0: messages before its first count as lost too.
                    assertEquals(r.get("gapSum") + r.get("first"), r.get("lost"), "lost = skipped: " + c.output());
                    assertEquals(successor.sequence() - 1, r.get("last"), "reached by the successor: " + c.output());
                    assertEquals(0, c.await(Duration.ofSeconds(30)), c.output());
                }
            }
            assertEquals(1, ch.stats().producerTakeovers());
            assertEquals(dead.tailIntent() - dead.tail(), ch.stats().recoveredBytes(), "the partial send was padded");
        }
    }
}
