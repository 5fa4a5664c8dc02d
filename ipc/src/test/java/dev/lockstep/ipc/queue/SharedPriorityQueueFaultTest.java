package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.queue.SharedPriorityQueueChildren.LaneTable;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.StructureKind;
import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.test.Deliveries;
import dev.lockstep.ipc.test.Faults;
import dev.lockstep.ipc.test.KillSafeLog;

/**
 * {@link SharedPriorityQueue} under the faults of issue 11, with real processes and real signals
 * ({@link Faults}): senders, receivers (copying and handler batches) and recoverers killed at random
 * while two or more recoverers race; a sender, a batch receiver inside its run and a copying receiver
 * stopped (SIGSTOP) for longer than every timeout, then continued; the CPU an idle blocked receiver
 * burns. Every test checks the same invariants ({@link Deliveries}): every message whose send returned
 * normally is delivered exactly once, in order per producer within a priority; none torn (CRC-32C);
 * capacity conserved (every lane free again and fillable to its capacity).
 *
 * <p>Counts: {@code -Dlockstep.crash.kills} (kill events, default 6 for CI),
 * {@code -Dlockstep.queue.messages} (messages per producer process, default 5000),
 * {@code -Dlockstep.faults.stallMillis} (stall length, default 1000 ms),
 * {@code -Dlockstep.faults.idleSeconds} (idle CPU window, default 2; the README's figure uses 10).
 */
@Timeout(900) // CI counts take ~30 s; the full counts (README) a few minutes
class SharedPriorityQueueFaultTest {
    private static final int KILLS = Integer.getInteger("lockstep.crash.kills", 6);
    private static final int MESSAGES = Integer.getInteger("lockstep.queue.messages", 5_000);
    private static final long STALL_MILLIS = Long.getLong("lockstep.faults.stallMillis", 1_000);
    private static final long IDLE_SECONDS = Long.getLong("lockstep.faults.idleSeconds", 2);
    private static final Duration START = Duration.ofSeconds(60);
    /** Messages per producer process in the kill and stall tests: they send until killed (or this many). */
    private static final int RACE_MESSAGES = Math.max(MESSAGES, 1 << 20);
    /** A batch consumer's limit: the most messages a killed one's run gives back. */
    private static final int BATCH = 8;

    @TempDir
    Path dir;

    private int nextProducerId;
    private int nextLog;

    /** A child with its log (null for a recoverer). Kinds: producer, copy, batch (consumers), recoverer. */
    private record Role(String kind, ChildJvm jvm, KillSafeLog log, String name, int producerId, long token) {
    }

    private Role producer(Path file, int maxLength, String idle, int messages) throws Exception {
        int id = nextProducerId++;
        String name = "p" + id;
        Path logFile = dir.resolve(name + ".log");
        KillSafeLog log = KillSafeLog.create(logFile, 1, messages, 0);
        ChildJvm c = ChildJvm.start(dir, SharedPriorityQueueChildren.LoggedProducer.class, file.toString(), logFile.toString(),
                Integer.toString(id), Integer.toString(messages), Integer.toString(maxLength), idle);
        long token = Long.parseLong(c.awaitLine("TOKEN", START));
        c.awaitLine("READY", START);
        return new Role("producer", c, log, name, id, token);
    }

    private Role consumer(Path file, int maxMessageSize, long capacity, String mode, String... idle) throws Exception {
        String name = (mode.equals("batch") ? "b" : "c") + nextLog++;
        Path logFile = dir.resolve(name + ".log");
        KillSafeLog log = KillSafeLog.create(logFile, 3, capacity, maxMessageSize);
        List<String> args = new ArrayList<>(List.of(file.toString(), logFile.toString(), mode));
        args.addAll(List.of(idle));
        ChildJvm c = ChildJvm.start(dir, SharedPriorityQueueChildren.LoggedConsumer.class, args.toArray(new String[0]));
        long token = Long.parseLong(c.awaitLine("TOKEN", START));
        c.awaitLine("READY", START);
        return new Role(mode, c, log, name, -1, token);
    }

    private Role recoverer(Path file) throws Exception {
        ChildJvm c = ChildJvm.start(dir, SharedPriorityQueueChildren.Recoverer.class, file.toString(), "200");
        c.awaitLine("READY", START);
        return new Role("recoverer", c, null, "r", -1, 0);
    }

    /**
     * Defect 3 of issue 11 in real processes: 3 producer processes (one busy-spinning, one polling with
     * backoff, one with the queue's own wait), a copying and a batch consumer process and 2 recoverer
     * processes (calling {@code recover()} every 200 µs) work a queue of 16 lanes (fewer than the
     * producers' (thread, priority) pairs: sends also wait for lanes) while, {@code KILLS} times at random
     * moments, a producer, a consumer or a recoverer is SIGKILLed and replaced, or a process is killed
     * that dies inside a send (its messages sent, then half a body written past its lane's tail, never
     * published) or inside a batch handler (its run held): each dead lane and hold is then recovered by
     * several racing recoverers while senders wait for lanes. Then everything is killed, the test process
     * drains the queue with the ordinary timed receive, checks the invariants, that {@code size()} is 0,
     * that every lane is free and no hold is left, and that all 16 lanes can be filled again.
     */
    @Test
    void killedSendersReceiversAndRacingRecoverersLoseNothing() throws Exception {
        Faults.assumeSignalsAndProc();
        Faults faults = Faults.seeded("priority queue kills and racing recoverers");
        Path file = dir.resolve("race");
        int capacity = 4;
        int lanes = 16;
        int maxSize = 2048;
        long logCapacity = (long) RACE_MESSAGES * 3 + 64; // the consumers' logs are sparse files
        Faults.Timings reclaimed = new Faults.Timings("dead senders' lanes retired after SIGKILL");
        Faults.Timings holdsReclaimed = new Faults.Timings("dead batch receivers' runs given back after SIGKILL");
        Deliveries ledger = new Deliveries();
        List<Role> everyone = new ArrayList<>();
        int unidentified = 0;
        int[] events = new int[5]; // half senders, half batch receivers, producers, consumers, recoverers killed
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, capacity, maxSize, lanes);
             SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
            LaneTable table = new LaneTable(raw);
            List<Role> producers = new ArrayList<>();
            List<Role> consumers = new ArrayList<>();
            List<Role> recoverers = new ArrayList<>();
            String[] idles = {"busySpin", "backoff", "default"};
            try {
                for (int i = 0; i < 3; i++) { // more senders than receivers: lanes are often full, senders wait
                    producers.add(producer(file, maxSize, idles[i], RACE_MESSAGES));
                }
                consumers.add(consumer(file, maxSize, logCapacity, "copy"));
                consumers.add(consumer(file, maxSize, logCapacity, "batch"));
                for (int i = 0; i < 2; i++) {
                    recoverers.add(recoverer(file));
                }
                everyone.addAll(producers);
                everyone.addAll(consumers);
                everyone.addAll(recoverers);
                for (int k = 0; k < KILLS; k++) {
                    Thread.sleep(30 + faults.random().nextInt(170));
                    int dice = faults.random().nextInt(100);
                    if (dice < 40) { // a sender (batch receiver) dies inside its send (handler): racing recoverers
                        boolean hold = faults.random().nextInt(3) == 0;
                        int id = hold ? 0 : nextProducerId++;
                        int count = hold ? faults.random().nextInt(4) : 1 + faults.random().nextInt(4);
                        try (ChildJvm half = ChildJvm.start(dir, SharedPriorityQueueChildren.HalfSender.class,
                                file.toString(), Integer.toString(id), Integer.toString(count), hold ? "hold" : "write")) {
                            long token = Long.parseLong(half.awaitLine("TOKEN", START));
                            int claimed = Integer.parseInt(half.awaitLine("CLAIMED", START));
                            half.kill();
                            String name = "h" + k;
                            int sent = 0;
                            for (String line : half.output().split("\n")) {
                                String[] f = line.trim().split(" ");
                                if (line.startsWith("HELD ")) { // given back: delivered later, perhaps after newer ones
                                    ledger.givenBack(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
                                } else if (line.startsWith("GOT ")) {
                                    ledger.delivered(name, Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]));
                                } else if (line.startsWith("SENT ")) {
                                    sent++;
                                }
                            }
                            events[hold ? 1 : 0]++;
                            if (!hold) {
                                ledger.sendsReturned(id, sent);
                            } else if (claimed > 0) {
                                unidentified += BATCH; // the rest of its run comes back after newer messages
                            }
                            if (table.claimsOf(token) > 0) {
                                (hold ? holdsReclaimed : reclaimed).add(awaitNoClaimOf(table, token));
                            }
                        }
                    } else if (dice < 65) {
                        Role victim = faults.pick(producers);
                        victim.jvm().kill();
                        events[2]++;
                        int at = producers.indexOf(victim);
                        Role fresh = producer(file, maxSize, idles[at], RACE_MESSAGES);
                        producers.set(at, fresh);
                        everyone.add(fresh);
                    } else if (dice < 90) {
                        Role victim = faults.pick(consumers);
                        victim.jvm().kill();
                        events[3]++;
                        unidentified += victim.kind().equals("batch") ? BATCH : 1;
                        if (table.claimsOf(victim.token()) > 0) {
                            holdsReclaimed.add(awaitNoClaimOf(table, victim.token()));
                        }
                        Role fresh = consumer(file, maxSize, logCapacity, victim.kind());
                        consumers.set(consumers.indexOf(victim), fresh);
                        everyone.add(fresh);
                    } else {
                        Role victim = faults.pick(recoverers);
                        victim.jvm().kill();
                        events[4]++;
                        Role fresh = recoverer(file);
                        recoverers.set(recoverers.indexOf(victim), fresh);
                        everyone.add(fresh);
                    }
                }
                Thread.sleep(200);
                List<ChildJvm> all = new ArrayList<>();
                everyone.forEach(r -> all.add(r.jvm()));
                Faults.killAll(all);
                unidentified += 1 + BATCH; // the copying and the batch consumer killed at the end
                for (Role r : everyone) {
                    assertFalse(r.jvm().output().contains("TORN"), r.name() + ": " + r.jvm().output());
                }
            } finally {
                everyone.forEach(r -> r.jvm().close());
            }
            collect(everyone, ledger);
            drainInto(q, ledger, "drain");
            ledger.allowUnidentifiedGiveBacks(unidentified);
            List<String> problems = ledger.problems();
            System.out.println("kill/recover race: " + KILLS + " kill events (" + events[0] + " senders and " + events[1]
                    + " batch receivers dying inside their operation, " + events[2] + " producers, " + events[3]
                    + " consumers, " + events[4] + " recoverers), " + ledger.summary() + "; "
                    + reclaimed + "; " + holdsReclaimed);
            if (!problems.isEmpty()) {
                System.out.println(table.dump(lostMessages(problems)));
            }
            assertTrue(problems.isEmpty(), problems.size() + " broken invariants, first: "
                    + problems.subList(0, Math.min(20, problems.size())));
            assertCapacityConserved(q, table, file, capacity);
        }
    }

    /** The (id, index) of each "lost: message id/index" problem, for {@link LaneTable#dump}. */
    private static List<long[]> lostMessages(List<String> problems) {
        List<long[]> lost = new ArrayList<>();
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("lost: message (\\d+)/(\\d+)");
        for (String s : problems) {
            java.util.regex.Matcher m = p.matcher(s);
            if (m.find()) {
                lost.add(new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
        }
        return lost;
    }

    /**
     * A sender, a batch receiver inside its run (seen in its lane's hold owner word) and a copying
     * receiver, each stopped (SIGSTOP) for longer than every timeout while the others keep working: the
     * stopped sender's lanes and the stopped batch receiver's run stay their own (a live owner is never
     * robbed), the others' messages keep flowing, and when each continues it completes its operation:
     * every message whose send returned is delivered exactly once, in order, none torn.
     */
    @Test
    void stalledSenderAndStalledReceiversLoseNothing() throws Exception {
        Faults.assumeSignalsAndProc();
        Faults faults = Faults.seeded("priority queue stalls");
        Path file = dir.resolve("stall");
        int capacity = 2;
        // 64 lanes: each producer thread binds at most one per priority (32), and a stopped one keeps its
        // own, so the other still finds lanes ("the others go on with the other lanes")
        int lanes = 64;
        int maxSize = 256 << 10; // large messages: a stop often lands inside a copy or a handler
        long logCapacity = 2L * RACE_MESSAGES + 64; // sparse files
        Deliveries ledger = new Deliveries();
        List<Role> roles = new ArrayList<>();
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, capacity, maxSize, lanes);
             SharedFile raw = SharedFile.open(file, StructureKind.PRIORITY_QUEUE)) {
            LaneTable table = new LaneTable(raw);
            try {
                Role big = producer(file, maxSize, "backoff", RACE_MESSAGES);
                Role small = producer(file, 4096, "default", RACE_MESSAGES);
                Role copy = consumer(file, maxSize, logCapacity, "copy");
                Role batch = consumer(file, maxSize, logCapacity, "batch");
                roles.addAll(List.of(big, small, copy, batch));
                Duration stall = Duration.ofMillis(STALL_MILLIS);
                for (Role victim : List.of(big, batch, copy)) {
                    // The sender: stopped when it has lanes bound (always, once it has sent). The batch
                    // receiver: stopped until caught holding a run, a bounded time (its handler runs a few
                    // % of the time here), not a fixed number of stops. The copying receiver: anywhere.
                    long tryFrom = System.nanoTime();
                    long tryUntil = tryFrom + TimeUnit.SECONDS.toNanos(60);
                    long progressBefore = otherProgress(roles, null);
                    int stops = 0;
                    boolean caught = false;
                    while (!caught && System.nanoTime() - tryUntil < 0) {
                        stops++;
                        Thread.sleep(faults.random().nextInt(5));
                        victim.jvm().stall();
                        caught = switch (victim.kind()) {
                            case "producer" -> table.boundBy(victim.token()) != 0L;
                            case "batch" -> table.heldBy(victim.token()) >= 0;
                            default -> true;
                        };
                        if (!caught) {
                            victim.jvm().resume();
                        }
                    }
                    if (!caught) {
                        StringBuilder why = new StringBuilder(victim.name() + " was not caught in " + stops
                                + " stops; progress of all meanwhile " + (otherProgress(roles, null) - progressBefore)
                                + "; lanes:" + table.describe());
                        for (Role r : roles) {
                            why.append("\n").append(r.name()).append(" (").append(r.kind()).append(", token ").append(r.token())
                                    .append(", ").append(r.log().count()).append(" logged): ").append(r.jvm().output());
                        }
                        fail(why.toString());
                    }
                    long lanesBefore = table.boundBy(victim.token());
                    int heldLane = table.heldBy(victim.token());
                    long holdBefore = heldLane >= 0 ? table.holdOwner(heldLane) : 0L;
                    System.out.println("stopped " + victim.name() + " (" + victim.kind() + ") after " + stops + " stops in "
                            + (System.nanoTime() - tryFrom) / 1_000_000 + " ms: lanes " + Long.toBinaryString(lanesBefore)
                            + ", hold on lane " + heldLane);
                    long flowing = otherProgress(roles, victim);
                    Thread.sleep(stall.toMillis()); // longer than every timeout (recovery checks every ms)
                    assertEquals(lanesBefore, table.boundBy(victim.token()),
                            victim.name() + ": a stopped (live) owner's lanes were taken after " + stall + ":" + table.describe());
                    if (heldLane >= 0) {
                        assertEquals(holdBefore, table.holdOwner(heldLane),
                                victim.name() + ": a stopped (live) batch receiver's run was taken after " + stall);
                    }
                    assertTrue(otherProgress(roles, victim) > flowing, "the others went on during the stall");
                    long before = victim.log().count();
                    victim.jvm().resume();
                    long t0 = System.nanoTime();
                    while (victim.log().count() == before && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
                        Thread.sleep(1);
                    }
                    assertTrue(victim.log().count() > before, victim.name() + ": went on after SIGCONT");
                    System.out.println("stalled " + victim.kind() + " " + victim.name() + " for " + stall.toMillis()
                            + " ms: it kept its lanes and run, and logged again " + (System.nanoTime() - t0) / 1000
                            + " µs after SIGCONT");
                    Thread.sleep(100);
                }
                List<ChildJvm> all = new ArrayList<>();
                roles.forEach(r -> all.add(r.jvm()));
                Faults.killAll(all);
                for (Role r : roles) {
                    assertFalse(r.jvm().output().contains("TORN"), r.name() + ": " + r.jvm().output());
                }
            } finally {
                roles.forEach(r -> r.jvm().close());
            }
            collect(roles, ledger);
            drainInto(q, ledger, "drain");
            ledger.allowUnidentifiedGiveBacks(1 + BATCH); // the two consumers were killed at the end
            List<String> problems = ledger.problems();
            System.out.println("stalls: " + ledger.summary());
            assertTrue(problems.isEmpty(), problems.size() + " broken invariants, first: "
                    + problems.subList(0, Math.min(20, problems.size())));
            assertCapacityConserved(q, table, file, capacity);
        }
    }

    /**
     * The CPU a receiver blocked on an empty queue burns, measured from {@code /proc/<pid>/stat} over
     * {@code lockstep.faults.idleSeconds} (default 2 s; the README's figure is from 10 s). With the
     * default wait it must stay under 10% of a core.
     */
    @Test
    void anIdleBlockedReceiverBurnsAlmostNoCpu() throws Exception {
        Faults.assumeSignalsAndProc();
        Path file = dir.resolve("idle");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 64, 64)) {
            Role waiter = consumer(file, 64, 16, "copy");
            try {
                Thread.sleep(500); // past the JIT's start-up work
                double fraction = Faults.cpuFraction(waiter.jvm().pid(), Duration.ofSeconds(IDLE_SECONDS));
                System.out.printf(java.util.Locale.ROOT,
                        "idle blocked SharedPriorityQueue receiver (%s): %.2f%% of a core over %d s%n",
                        q.waitMode(), 100 * fraction, IDLE_SECONDS);
                assertTrue(fraction < 0.10, "an idle receiver burns " + 100 * fraction + "% of a core");
                assertEquals(0, waiter.log().count(), "it received nothing");
            } finally {
                waiter.jvm().close();
            }
            assertTrue(q.isEmpty());
        }
    }

    // ------------------------------------------------------------------ helpers

    private static long otherProgress(List<Role> roles, Role except) {
        long n = 0;
        for (Role r : roles) {
            if (r != except && r.log() != null) {
                n += r.log().count();
            }
        }
        return n;
    }

    /** Waits until {@code token} has no lane bound and no hold any more; returns how long that took. */
    private static Duration awaitNoClaimOf(LaneTable table, long token) throws InterruptedException {
        long t0 = System.nanoTime();
        while (table.claimsOf(token) > 0) {
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(20)) {
                throw new AssertionError("the lanes and holds of dead token " + token + " were not recovered within 20 s:"
                        + table.describe());
            }
            Thread.sleep(0, 200_000);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Reads every role's log into the ledger: returned sends, deliveries, messages in hand. */
    private static void collect(List<Role> roles, Deliveries ledger) {
        List<String> seen = new ArrayList<>();
        for (Role r : roles) {
            if (r.log() == null || seen.contains(r.name())) {
                continue;
            }
            seen.add(r.name());
            KillSafeLog log = r.log();
            long n = log.count();
            if (r.kind().equals("producer")) {
                ledger.sendsReturned(r.producerId(), n);
                continue;
            }
            ByteBuffer scratch = log.scratch();
            int id = scratch.getInt(0);
            int index = scratch.getInt(4);
            int length = scratch.getInt(8);
            boolean held = id != 0 || index != 0 || length != 0;
            boolean whole = held && length >= 16 && length <= scratch.capacity()
                    && SharedPriorityQueueChildren.checkCrash(scratch, length) == null;
            boolean lastLogged = n > 0 && log.get(n - 1, 0) == id && log.get(n - 1, 1) == index;
            long feed = n;
            if (r.kind().equals("batch") && whole && lastLogged) {
                // killed between logging and its handler's return: redelivered (at-least-once for the
                // message being handled) or not, so it counts neither as a delivery nor as lost
                feed = n - 1;
                ledger.inHand(id, index);
            }
            for (long i = 0; i < feed; i++) {
                int mid = (int) log.get(i, 0);
                int mindex = (int) log.get(i, 1);
                int priority = (int) log.get(i, 2);
                assertEquals(SharedPriorityQueueChildren.priorityOf(mid, mindex), priority,
                        r.name() + ": priority of " + mid + "/" + mindex);
                ledger.delivered(r.name(), mid, mindex, priority);
            }
            if (held && !lastLogged) {
                if (whole) {
                    ledger.inHand(id, index); // copied whole: perhaps received, perhaps still (or again) in the queue
                } else {
                    ledger.givenBack(id, index); // copy unfinished: its receive never returned
                }
            }
        }
    }

    /**
     * Drains the queue in this process with the ordinary timed receive, whose waits recover the dead's
     * lanes and runs: until a receive times out with no lane in use, or 10 s (a wait stalled whole by a
     * GC pause of this test JVM, whose ledger is large, returns without a recovery scan).
     */
    private static void drainInto(SharedPriorityQueue q, Deliveries ledger, String name) throws InterruptedException {
        ByteBuffer dst = ByteBuffer.allocate(q.maxMessageSize());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int p;
        while ((p = q.tryReceive(dst.clear(), 300, TimeUnit.MILLISECONDS)) >= 0
                || (q.lanesInUse() > 0 && System.nanoTime() - deadline < 0)) {
            if (p < 0) {
                continue;
            }
            assertEquals(null, SharedPriorityQueueChildren.checkCrash(dst, dst.position()), "drained message whole");
            int id = dst.getInt(0);
            int index = dst.getInt(4);
            assertEquals(SharedPriorityQueueChildren.priorityOf(id, index), p, "priority of " + id + "/" + index);
            ledger.delivered(name, id, index, p);
        }
    }

    /**
     * size() is 0, every lane is free and no hold is left, and every lane can be filled to its capacity
     * (by a new handle: one thread per 32 lanes, one priority per lane, one thread after another) and
     * emptied again, in priority, then send (thread), then FIFO order.
     */
    private static void assertCapacityConserved(SharedPriorityQueue q, LaneTable table, Path file, int capacity)
            throws Exception {
        assertEquals(0, q.size(), "size() after the drain (a message waiting but invisible to receives?)");
        assertEquals(0, q.lanesInUse(), "every lane free after the drain:" + table.describe());
        assertEquals(0, table.holdsUp(), "no hold left:" + table.describe());
        int perThread = SharedPriorityQueue.MAX_PRIORITY + 1;
        int threads = (q.lanes() + perThread - 1) / perThread;
        try (SharedPriorityQueue filler = SharedPriorityQueue.open(file)) {
            for (int t = 0; t < threads; t++) {
                int th = t;
                Throwable[] failed = new Throwable[1];
                Thread f = new Thread(() -> {
                    try {
                        ByteBuffer src = ByteBuffer.allocate(q.maxMessageSize());
                        for (int k = 0; k < Math.min(perThread, q.lanes() - th * perThread); k++) {
                            for (int i = 0; i < capacity; i++) {
                                src.clear().putInt(0, th).putInt(4, k).putInt(8, i);
                                assertTrue(filler.trySend(k, src, 5, TimeUnit.SECONDS), "thread " + th + " priority " + k
                                        + ", message " + i + " of " + capacity + ": lane fillable again:" + table.describe());
                            }
                        }
                    } catch (Throwable e) {
                        failed[0] = e;
                    }
                });
                f.start();
                f.join();
                if (failed[0] != null) {
                    throw new AssertionError(failed[0]);
                }
            }
            assertEquals(q.lanes(), q.lanesInUse(), "every lane in use");
            assertEquals(q.lanes() * capacity, q.size());
        }
        ByteBuffer dst = ByteBuffer.allocate(q.maxMessageSize());
        for (int k = perThread - 1; k >= 0; k--) {
            for (int t = 0; t < threads; t++) {
                if (k >= q.lanes() - t * perThread) {
                    continue;
                }
                for (int i = 0; i < capacity; i++) {
                    assertEquals(k, q.tryReceive(dst.clear()));
                    assertEquals(t + "/" + k + "/" + i, dst.getInt(0) + "/" + dst.getInt(4) + "/" + dst.getInt(8),
                            "priority, then send order, then FIFO");
                }
            }
        }
        assertEquals(-1, q.tryReceive(dst.clear()));
        assertEquals(0, q.size());
        assertEquals(0, q.lanesInUse(), "the closed filler's lanes are freed once drained");
    }
}
