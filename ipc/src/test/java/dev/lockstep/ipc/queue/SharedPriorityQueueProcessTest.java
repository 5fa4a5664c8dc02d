package dev.lockstep.ipc.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;

/**
 * {@link SharedPriorityQueue} between real processes. Message counts scale with the system property
 * {@code lockstep.queue.messages} (messages per producer, default 5000 for CI).
 */
@Timeout(120)
class SharedPriorityQueueProcessTest {
    private static final int PER_PRODUCER = Integer.getInteger("lockstep.queue.messages", 5_000);

    @TempDir
    Path dir;

    /**
     * 4 producer processes, 2 consumer processes: no loss, no duplicate, none torn, each consumer sees
     * each producer's messages of one priority in send order. 64 lanes for the producers' 4 x 32
     * (thread, priority) pairs: their sends also wait for lanes, which drained ones free.
     */
    @Test
    void fourProducersTwoConsumers() throws Exception {
        Path file = dir.resolve("mpmc");
        int producers = 4;
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 32, 64)) {
            List<ChildJvm> children = new ArrayList<>();
            try {
                ChildJvm c0 = ChildJvm.start(dir, SharedPriorityQueueChildren.Consumer.class, file.toString(), dir.resolve("c0").toString());
                ChildJvm c1 = ChildJvm.start(dir, SharedPriorityQueueChildren.Consumer.class, file.toString(), dir.resolve("c1").toString());
                children.add(c0);
                children.add(c1);
                List<ChildJvm> prods = new ArrayList<>();
                for (int p = 0; p < producers; p++) {
                    ChildJvm child = ChildJvm.start(dir, SharedPriorityQueueChildren.Producer.class,
                            file.toString(), Integer.toString(p), Integer.toString(PER_PRODUCER), "16", "48");
                    prods.add(child);
                    children.add(child);
                }
                for (ChildJvm p : prods) {
                    assertEquals(0, p.await(Duration.ofSeconds(90)), p.output());
                }
                ByteBuffer stop = ByteBuffer.allocate(16);
                for (int i = 0; i < 2; i++) {
                    SharedPriorityQueueChildren.encode(stop, -1, i, 0, 16);
                    q.send(0, stop); // lowest priority, newest: taken only when everything else is gone
                }
                for (ChildJvm c : List.of(c0, c1)) {
                    assertEquals(0, c.await(Duration.ofSeconds(60)), c.output());
                    assertFalse(c.output().contains("TORN"), c.output());
                }
                boolean[][] seen = new boolean[producers][PER_PRODUCER];
                int total = 0;
                for (String name : List.of("c0", "c1")) {
                    int[][] lastIndex = new int[producers][SharedPriorityQueue.MAX_PRIORITY + 1];
                    for (int[] row : lastIndex) {
                        java.util.Arrays.fill(row, -1);
                    }
                    for (int[] rec : read(dir.resolve(name))) {
                        int id = rec[0];
                        int index = rec[1];
                        int prio = rec[2];
                        assertEquals(SharedPriorityQueueChildren.priorityOf(id, index), prio, "priority of " + id + "/" + index);
                        assertFalse(seen[id][index], "duplicate " + id + "/" + index);
                        seen[id][index] = true;
                        total++;
                        assertTrue(index > lastIndex[id][prio], name + ": producer " + id + " priority " + prio
                                + " message " + index + " after " + lastIndex[id][prio]);
                        lastIndex[id][prio] = index;
                    }
                }
                assertEquals(producers * PER_PRODUCER, total, "no message lost");
                assertTrue(q.isEmpty());
            } finally {
                children.forEach(ChildJvm::close);
            }
        }
    }

    /**
     * Pre-filled by several producer processes, one after another (each one's sends happen-before the
     * next one's: it exited before the next started), drained by one consumer: exactly priority
     * descending, then send order, which within a priority is producer by producer (their lanes are
     * different, so this is the Lamport stamps' order across lanes), then index.
     */
    @Test
    void drainOrderIsExactlyPriorityThenSendOrder() throws Exception {
        Path file = dir.resolve("prefill");
        int producers = 3;
        int each = 300;
        // a lane per (producer, priority): 3 x 32 lanes, each holding its ~10 messages of at most 31 bytes
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 16, 32, 128)) {
            for (int p = 0; p < producers; p++) {
                try (ChildJvm prod = ChildJvm.start(dir, SharedPriorityQueueChildren.Producer.class,
                        file.toString(), Integer.toString(p), Integer.toString(each), "16", "16")) {
                    assertEquals(0, prod.await(Duration.ofSeconds(60)), prod.output());
                }
            }
            assertEquals(producers * each, q.size());
            List<int[]> expected = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                for (int i = 0; i < each; i++) {
                    expected.add(new int[] {SharedPriorityQueueChildren.priorityOf(p, i), p, i});
                }
            }
            // stable sort: within a priority, producer by producer, index by index
            expected.sort(Comparator.<int[]>comparingInt(e -> -e[0]));
            ByteBuffer dst = ByteBuffer.allocate(q.maxMessageSize());
            int n = 0;
            for (int[] e : expected) {
                int p = q.tryReceive(dst.clear());
                assertEquals(null, SharedPriorityQueueChildren.check(dst, dst.position(), p));
                assertEquals(e[0] + ":" + e[1] + "/" + e[2], p + ":" + dst.getInt(0) + "/" + dst.getInt(4),
                        "message " + n + " of the drain (priority:producer/index)");
                n++;
            }
            assertEquals(-1, q.tryReceive(dst.clear()));
        }
    }

    static List<int[]> read(Path file) throws IOException {
        List<int[]> out = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(file.toFile())))) {
            while (true) {
                int id;
                try {
                    id = in.readInt();
                } catch (EOFException end) {
                    return out;
                }
                out.add(new int[] {id, in.readInt(), in.readInt()});
            }
        }
    }
}
