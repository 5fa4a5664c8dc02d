package dev.lockstep.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lockstep.ipc.channel.ChannelStats;

/** The {@link Snapshot} of a channel, from its {@link ChannelStats}: both kinds of channel share it. */
final class ChannelSnapshot {
    private ChannelSnapshot() {
    }

    /** A channel: its statistics snapshot as text, by name, and its positions and recoveries as counters. */
    static Snapshot of(ChannelStats s) {
        List<Map<String, Object>> producers = new ArrayList<>();
        for (ChannelStats.Endpoint p : s.producers()) {
            producers.add(endpoint(p));
        }
        return Snapshot.of(StructureStat.lines(s.toString(), 1),
                List.of(new Snapshot.Counter("consumedBytes", "consumed", "B", s.head()),
                        new Snapshot.Counter("producedBytes", "produced", "B", s.tail()),
                        new Snapshot.Counter("recoveredClaims", "recovered claims", "", s.recoveredClaims()),
                        new Snapshot.Counter("consumerTakeovers", "consumer take-overs", "", s.consumerTakeovers())),
                "capacity", s.capacity(), "maxMessageLength", s.maxMessageLength(), "head", s.head(), "tail", s.tail(),
                "fill", s.fill(), "fillPercent", Math.round(1000.0 * s.fill() / s.capacity()) / 10.0,
                "recoveredClaims", s.recoveredClaims(), "recoveredBytes", s.recoveredBytes(),
                "timeoutRecoveries", s.timeoutRecoveries(), "consumerTakeovers", s.consumerTakeovers(),
                "consumer", s.consumer() == null ? null : endpoint(s.consumer()), "producers", producers);
    }

    private static Map<String, Object> endpoint(ChannelStats.Endpoint e) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (e.slot() >= 0) {
            m.put("slot", e.slot());
        }
        m.put("pid", e.pid());
        m.put("startTime", e.startTime());
        m.put("alive", e.alive());
        m.put("heartbeatAgeMillis", e.heartbeatAgeMillis() == Long.MAX_VALUE ? null : e.heartbeatAgeMillis());
        return m;
    }
}
