package dev.lockstep.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lockstep.ipc.broadcast.BroadcastStats;

/** The {@link Snapshot} of a broadcast channel, from its {@link BroadcastStats}: producer and consumer positions. */
final class BroadcastSnapshot {
    private BroadcastSnapshot() {
    }

    /** A broadcast channel: its statistics as text, by name, and its producer position and sequence as counters. */
    static Snapshot of(BroadcastStats s) {
        List<Map<String, Object>> consumers = new ArrayList<>();
        for (BroadcastStats.Consumer c : s.consumers()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("slot", c.slot());
            m.put("pid", c.pid());
            m.put("alive", c.alive());
            m.put("heartbeatAgeMillis", c.heartbeatAgeMillis() == Long.MAX_VALUE ? null : c.heartbeatAgeMillis());
            m.put("position", c.position());
            m.put("behindBytes", Math.max(0, s.tail() - c.position()));
            m.put("lapped", c.lapped());
            m.put("lost", c.lost());
            m.put("received", c.received());
            consumers.add(m);
        }
        return Snapshot.of(StructureStat.lines(s.toString(), 1),
                List.of(new Snapshot.Counter("producedBytes", "produced", "B", s.tail()),
                        new Snapshot.Counter("messagesSent", "messages", "", s.nextSequence())),
                "capacity", s.capacity(), "maxMessageLength", s.maxMessageLength(),
                "consumerSlots", s.consumerSlots(), "tail", s.tail(), "tailIntent", s.tailIntent(),
                "latest", s.latest(), "oldest", s.oldest(), "messagesSent", s.nextSequence(),
                "producerPid", s.producerPid() < 0 ? null : s.producerPid(), "producerAlive", s.producerAlive(),
                "producerHeartbeatAgeMillis",
                s.producerHeartbeatAgeMillis() == Long.MAX_VALUE ? null : s.producerHeartbeatAgeMillis(),
                "producerTakeovers", s.producerTakeovers(), "recoveredBytes", s.recoveredBytes(),
                "consumers", consumers);
    }
}
