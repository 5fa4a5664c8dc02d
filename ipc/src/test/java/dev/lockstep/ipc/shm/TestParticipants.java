package dev.lockstep.ipc.shm;

/** Test fixtures for {@link Participants}: forged entries of processes that died. */
public final class TestParticipants {
    private TestParticipants() {
    }

    /**
     * Writes a published entry, from the top of {@code p}'s table down (entries no test process uses),
     * for a process of our PID namespace with our pid and another start time (so: a process that had
     * our pid and died), and returns its token.
     */
    public static long deadToken(Participants p) {
        return forge(p, ProcessIdentity.current().pid(), ProcessIdentity.current().startTime() + 12345,
                ProcessIdentity.currentPidNamespace());
    }

    /** Forges an entry for {@code pid}, {@code startTime}, {@code pidNamespace}; heartbeat never. */
    public static synchronized long forge(Participants p, long pid, long startTime, long pidNamespace) {
        var b = p.buffer();
        for (int i = p.capacity() - 1; i >= 0; i--) {
            int at = SharedFile.STRUCTURE_OFFSET + i * Participants.ENTRY_LENGTH;
            if ((long) MappedAccess.LONG.getVolatile(b, at + Participants.GENERATION_OFFSET) == 0L) {
                MappedAccess.LONG.setVolatile(b, at + Participants.PID_OFFSET, pid);
                MappedAccess.LONG.setVolatile(b, at + Participants.START_TIME_OFFSET, startTime);
                MappedAccess.LONG.setVolatile(b, at + Participants.PID_NAMESPACE_OFFSET, pidNamespace);
                MappedAccess.LONG.setVolatile(b, at + Participants.GENERATION_OFFSET, 2L);
                return ((long) i + 1) << 32 | 1L;
            }
        }
        throw new IllegalStateException("no unused entry left in " + p);
    }
}
