package dev.lockstep.ipc.channel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.lockstep.ipc.test.ChildJvm;
import dev.lockstep.ipc.test.Faults;
import dev.lockstep.ipc.test.KillSafeLog;

/**
 * Consumer processes SIGKILLed at random moments while producers keep sending, each replaced by a new
 * consumer process, the test process the last: the delivery contract across a consumer crash, checked
 * message by message. Every message sent is delivered (no loss), whole (never torn), in each
 * producer's order; a message is delivered twice only as the successor delivering again the message
 * whose delivery was in progress when its predecessor died: at most one, in both kinds (one-to-one
 * leaves each record's consumed mark right after its handler returns; many-to-one zeroes a call's
 * records at its end and stores a delivery cursor after each handler returns, which a successor skips
 * to). The Aeron bridge's sequence numbering relies on that bound ({@code OutboundBridge}); branch m2o16,
 * which zeroed a call's records at the end of the call without the cursor, re-delivered up to the
 * call's {@code limit} and was reverted (this test fails against it, and against a successor that
 * ignores the cursor). Each consumer logs a delivery from inside its handler into a
 * kill-safe log, so the logs say exactly which deliveries completed.
 *
 * <p>Property {@code lockstep.crash.kills}: consumer kills per channel kind (default 8).
 */
@Timeout(300)
class ChannelConsumerCrashTest {
    static final int KILLS = Integer.getInteger("lockstep.crash.kills", 8);
    static final int LIMIT = 16;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "manyToOne={0}")
    @ValueSource(booleans = {true, false})
    void consumersKilledAtRandomMomentsRedeliverAtMostTheMessageInProgress(boolean manyToOne) throws Exception {
        Faults.assumeSignalsAndProc();
        Faults faults = Faults.seeded("consumer kills, " + (manyToOne ? "many-to-one" : "one-to-one"));
        Path file = dir.resolve(manyToOne ? "m2o" : "o2o");
        int producers = manyToOne ? 2 : 1;
        try (ShmChannel ch = manyToOne ? ManyToOneChannel.create(file, 16 * 1024, 4) : OneToOneChannel.create(file, 16 * 1024)) {
            AtomicBoolean stop = new AtomicBoolean();
            int[] sent = new int[producers];
            List<Thread> senders = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int id = p;
                Sender out = ch.sender();
                Thread t = new Thread(() -> {
                    ByteBuffer scratch = ByteBuffer.allocate(ch.maxMessageLength()).order(java.nio.ByteOrder.nativeOrder());
                    int seq = 0;
                    try (out) {
                        while (!stop.get()) {
                            int len = ChannelMessages.length(id, seq, ch.maxMessageLength());
                            ChannelMessages.write(scratch, 0, id, seq, len);
                            while (!out.trySend(1, scratch, 0, len)) {
                                if (stop.get()) {
                                    sent[id] = seq;
                                    return;
                                }
                                LockSupport.parkNanos(20_000); // ring full: no consumer, or a slow one
                            }
                            seq++;
                        }
                        sent[id] = seq;
                    }
                }, "sender-" + p);
                senders.add(t);
                t.start();
            }
            List<long[][]> logs = new ArrayList<>();
            List<String> outputs = new ArrayList<>();
            for (int k = 0; k < KILLS; k++) {
                Path logFile = dir.resolve((manyToOne ? "m2o" : "o2o") + "-consumer-" + k + ".log");
                KillSafeLog.create(logFile, 2, 4_000_000, 0).close();
                try (ChildJvm c = ChildJvm.start(dir, ChannelLoggingConsumerMain.class, file.toString(), logFile.toString(),
                        Integer.toString(LIMIT), manyToOne ? "many" : "one", "2000")) {
                    c.awaitLine("READY", Duration.ofSeconds(60));
                    Thread.sleep(100 + faults.random().nextInt(400)); // receiving at full speed, then SIGKILL
                    c.kill();
                    outputs.add(c.output());
                }
                assertFalse(ch.isConsumerAlive(), "consumer " + k + " is dead");
                try (KillSafeLog log = KillSafeLog.open(logFile)) {
                    long[][] entries = new long[(int) log.count()][];
                    for (int i = 0; i < entries.length; i++) {
                        entries[i] = new long[] {log.get(i, 0), log.get(i, 1)};
                    }
                    logs.add(entries);
                }
            }
            stop.set(true);
            for (Thread t : senders) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            long total = 0;
            for (int n : sent) {
                total += n;
            }
            // The test process is the last successor: it drains the ring.
            List<long[]> last = new ArrayList<>();
            try (Receiver in = ch.receiver()) {
                int max = ch.maxMessageLength();
                MessageHandler h = (type, b, off, len) -> {
                    assertTrue(ChannelMessages.check(b, off, len, max), "drained message whole");
                    last.add(new long[] {b.getInt(off), b.getInt(off + 4)});
                };
                while (in.receive(h, LIMIT) > 0) {
                    // drain
                }
            }
            logs.add(last.toArray(new long[0][]));
            for (String out : outputs) {
                assertFalse(out.contains("TORN"), out);
            }

            // Merge the consumers' deliveries in order, each successor's re-delivered prefix checked
            // against its predecessor's tail and dropped; then every producer's messages must read
            // 0, 1, 2, ... up to what it sent, each exactly once.
            // At most the one whose handler ran (logged, then killed before its consumed mark or the
            // cursor store after it) is delivered again.
            int bound = 1;
            List<long[]> merged = new ArrayList<>();
            Map<Long, Integer> index = new HashMap<>();
            List<Integer> redelivered = new ArrayList<>();
            for (int c = 0; c < logs.size(); c++) {
                long[][] l = logs.get(c);
                int overlap = 0;
                if (l.length > 0 && index.containsKey(key(l[0]))) {
                    int j = index.get(key(l[0]));
                    overlap = merged.size() - j;
                    assertTrue(overlap <= bound, "consumer " + c + " delivered " + overlap + " of its predecessor's messages again,"
                            + " more than " + bound);
                    // A successor killed while delivering them again logged only part of them.
                    for (int i = 0; i < Math.min(overlap, l.length); i++) {
                        assertEquals(key(merged.get(j + i)), key(l[i]),
                                "consumer " + c + ": re-delivery " + i + " is not its predecessor's message in order");
                    }
                }
                redelivered.add(overlap);
                for (int i = overlap; i < l.length; i++) {
                    assertFalse(index.containsKey(key(l[i])), "consumer " + c + " delivered " + l[i][0] + "/" + l[i][1]
                            + " again, outside a re-delivered prefix");
                    index.put(key(l[i]), merged.size());
                    merged.add(l[i]);
                }
            }
            int[] next = new int[producers];
            for (long[] m : merged) {
                int p = (int) m[0];
                assertEquals(next[p], (int) m[1], "producer " + p + "'s messages in order, none lost");
                next[p]++;
            }
            for (int p = 0; p < producers; p++) {
                assertEquals(sent[p], next[p], "producer " + p + ": every message sent was delivered");
            }
            System.out.printf("%s, %d consumer kills: %d messages, each delivered; re-delivered after each kill: %s%n",
                    manyToOne ? "many-to-one" : "one-to-one", KILLS, total, redelivered.subList(1, redelivered.size()));
        }
    }

    private static long key(long[] m) {
        return m[0] << 32 | m[1];
    }
}
