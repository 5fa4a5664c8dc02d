package dev.lockstep.ipc.test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The delivery invariants of the fault tests, the same for every structure: every message whose send
 * returned normally is delivered exactly once, in order per producer within a lane (a priority, for a
 * priority queue; one lane for a channel), and nothing is delivered that was never sent.
 *
 * <p>Feed it what the logs say ({@link KillSafeLog}): how many sends of each producer returned
 * ({@link #sendsReturned}: indices 0 .. n-1; index n may have been in flight when the producer was
 * killed, and may be delivered at most once), every consumer's deliveries in its order
 * ({@link #delivered}), and the message found in the hands of a killed consumer ({@link #inHand}: it
 * died between taking the message and logging it, so it was either delivered to it, or given back and
 * delivered again, never both to two live consumers).
 *
 * <p>Order: a message given back by a killed consumer may come after newer ones (the structures say
 * so); such an inversion is accepted when the message is identified as given back (found in hand), and
 * up to {@link #allowUnidentifiedGiveBacks} more (a consumer killed between taking a message and
 * copying its first byte leaves nothing to identify it by).
 */
public final class Deliveries {
    private final Map<Integer, Long> returned = new HashMap<>();
    private final Map<String, List<long[]>> byConsumer = new LinkedHashMap<>();
    private final Map<Long, Integer> deliveredCount = new HashMap<>();
    private final Set<Long> inHand = new HashSet<>();
    private final Set<Long> givenBack = new HashSet<>();
    private int unidentifiedAllowed;

    private static long key(int producer, long index) {
        return ((long) producer << 40) | index;
    }

    /** Sends 0 .. {@code count - 1} of {@code producer} returned normally. */
    public void sendsReturned(int producer, long count) {
        returned.merge(producer, count, Math::max);
    }

    /** {@code consumer} received message {@code index} of {@code producer} in {@code lane}, in call order. */
    public void delivered(String consumer, int producer, long index, int lane) {
        byConsumer.computeIfAbsent(consumer, c -> new ArrayList<>()).add(new long[] {producer, index, lane});
        deliveredCount.merge(key(producer, index), 1, Integer::sum);
    }

    /** A killed consumer held message {@code index} of {@code producer} (copied, perhaps not logged). */
    public void inHand(int producer, long index) {
        inHand.add(key(producer, index));
        givenBack.add(key(producer, index));
    }

    /**
     * A killed consumer had started copying message {@code index} of {@code producer} (a partial copy:
     * its receive cannot have returned, so it must be delivered elsewhere; it may come late).
     */
    public void givenBack(int producer, long index) {
        givenBack.add(key(producer, index));
    }

    /** Accept up to {@code n} order inversions whose message cannot be identified as given back. */
    public void allowUnidentifiedGiveBacks(int n) {
        unidentifiedAllowed = n;
    }

    /** Total deliveries recorded. */
    public long deliveries() {
        long n = 0;
        for (List<long[]> l : byConsumer.values()) {
            n += l.size();
        }
        return n;
    }

    /** Every broken invariant, described; empty if none. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Long, Integer> e : deliveredCount.entrySet()) {
            int producer = (int) (e.getKey() >>> 40);
            long index = e.getKey() & ((1L << 40) - 1);
            if (e.getValue() > 1) {
                problems.add("duplicate: message " + producer + "/" + index + " delivered " + e.getValue() + " times");
            }
            Long n = returned.get(producer);
            if (n == null) {
                problems.add("delivered a message of unknown producer " + producer);
            } else if (index > n) {
                problems.add("delivered message " + producer + "/" + index + ", never sent (sends returned: " + n + ")");
            }
        }
        for (Map.Entry<Integer, Long> e : returned.entrySet()) {
            for (long i = 0; i < e.getValue(); i++) {
                long k = key(e.getKey(), i);
                if (!deliveredCount.containsKey(k) && !inHand.contains(k)) {
                    problems.add("lost: message " + e.getKey() + "/" + i + " (its send returned) never delivered");
                }
            }
        }
        int unidentified = 0;
        for (Map.Entry<String, List<long[]>> e : byConsumer.entrySet()) {
            Map<Long, Long> last = new HashMap<>(); // (producer, lane) -> last index
            for (long[] d : e.getValue()) {
                long lane = (d[0] << 8) | d[2];
                Long prev = last.get(lane);
                if (prev != null && d[1] < prev) {
                    if (!givenBack.contains(key((int) d[0], d[1]))) {
                        unidentified++;
                        if (unidentified > unidentifiedAllowed) {
                            problems.add(e.getKey() + ": producer " + d[0] + " lane " + d[2] + " message " + d[1]
                                    + " after " + prev + " (not a message given back by a killed consumer)");
                        }
                    }
                } else {
                    last.put(lane, d[1]);
                }
            }
        }
        return problems;
    }

    /** Counts for the test's output. */
    public String summary() {
        long sends = 0;
        for (long n : returned.values()) {
            sends += n;
        }
        return returned.size() + " producers, " + sends + " sends returned, " + deliveries() + " deliveries by "
                + byConsumer.size() + " consumers, " + inHand.size() + " messages in killed consumers' hands";
    }
}
