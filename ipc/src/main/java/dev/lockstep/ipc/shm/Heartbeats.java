package dev.lockstep.ipc.shm;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Heartbeats for every open endpoint of this process, written by one daemon thread.
 *
 * <p>An endpoint (a channel's producer or consumer, a lock participant) registers the offset of its
 * heartbeat field in a mapped file; the thread {@code lockstep-ipc-heartbeat} stores the current time
 * (epoch milliseconds) there every {@link #PERIOD_MILLIS} ms until the registration is closed. Send
 * and receive therefore pay nothing for liveness, and a heartbeat says "the process is running and
 * scheduled", which a pid check alone cannot tell (a stopped or hung process still has a pid).
 *
 * <p>Peers read the field with {@link #age(ByteBuffer, int)}. A process that died stops beating, but
 * so does a stopped (SIGSTOP), throttled or debugged one: a stale heartbeat alone never decides a
 * death. {@link Participants} confirms it by pid and start time ({@link ProcessIdentity}) in the same
 * PID namespace, and by the kernel's release of the process's registry lock in another one.
 */
public final class Heartbeats {
    /** Period between beats, ms: property {@code lockstep.ipc.heartbeatMillis}, default 100. */
    public static final long PERIOD_MILLIS = Long.getLong("lockstep.ipc.heartbeatMillis", 100L);

    // A concurrent set, not a copy-on-write list: endpoints come and go often (a jcstress state, a
    // short-lived sender per thread) and each add/remove must stay O(1).
    private static final Set<Registration> REGISTRATIONS = ConcurrentHashMap.newKeySet();
    private static Thread beater;

    private Heartbeats() {
    }

    /** A heartbeat field kept up to date until closed. */
    public static final class Registration implements AutoCloseable {
        private final ByteBuffer buffer;
        private final int offset;

        private Registration(ByteBuffer buffer, int offset) {
            this.buffer = buffer;
            this.offset = offset;
        }

        void beat(long now) {
            // Opaque: a heartbeat orders nothing else; readers only need an untorn, recent value.
            MappedAccess.LONG.setOpaque(buffer, offset, now);
        }

        /** Stops beating (the field keeps its last value, which then ages). */
        @Override
        public void close() {
            REGISTRATIONS.remove(this);
        }
    }

    /**
     * Starts beating into the {@code long} at {@code offset} of {@code buffer} (8-byte aligned); the
     * first beat is written before this method returns.
     *
     * @param buffer the shared mapping holding the heartbeat field
     * @param offset the field's offset in {@code buffer}
     * @return the registration; closing it stops the beats
     */
    public static Registration register(ByteBuffer buffer, int offset) {
        Objects.requireNonNull(buffer, "buffer");
        Registration r = new Registration(buffer, offset);
        r.beat(System.currentTimeMillis());
        REGISTRATIONS.add(r);
        startIfNeeded();
        return r;
    }

    /**
     * Milliseconds since the last beat in the field at {@code offset} ({@code Long.MAX_VALUE} if never).
     *
     * @param buffer the shared mapping holding the heartbeat field
     * @param offset the field's offset in {@code buffer}
     * @return the age of the last beat, or {@code Long.MAX_VALUE} if the field is 0
     */
    public static long age(ByteBuffer buffer, int offset) {
        long last = (long) MappedAccess.LONG.getOpaque(buffer, offset); // opaque: see beat()
        return last == 0 ? Long.MAX_VALUE : Math.max(0, System.currentTimeMillis() - last);
    }

    private static synchronized void startIfNeeded() {
        if (beater != null) {
            return;
        }
        Thread t = new Thread(Heartbeats::run, "lockstep-ipc-heartbeat");
        t.setDaemon(true);
        t.start();
        beater = t;
    }

    private static void run() {
        while (true) {
            long now = System.currentTimeMillis();
            for (Registration r : REGISTRATIONS) {
                try {
                    r.beat(now);
                } catch (RuntimeException closedOrGone) {
                    REGISTRATIONS.remove(r);
                }
            }
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                // daemon thread: keep beating; interrupts come only from misuse
            }
        }
    }
}
