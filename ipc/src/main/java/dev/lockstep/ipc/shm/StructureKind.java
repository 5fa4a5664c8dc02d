package dev.lockstep.ipc.shm;

/**
 * What a shared-memory file holds. The code is stored in the file header ({@link FileLayout#KIND_OFFSET})
 * and checked on every open, so a mutex file is never opened as a channel.
 *
 * <p>Codes are part of the file format: never renumber them, only add.
 */
public enum StructureKind {
    /** One producer, one consumer message channel. */
    ONE_TO_ONE_CHANNEL(1),
    /** Many producers (threads and processes), one consumer message channel. */
    MANY_TO_ONE_CHANNEL(2),
    /** Bounded priority message queue, many producers and many consumers. */
    PRIORITY_QUEUE(3),
    /** Inter-process mutex that reports a dead owner. */
    MUTEX(4),
    /** Inter-process counting semaphore that returns a dead holder's permits. */
    SEMAPHORE(5),
    /** Inter-process barrier that breaks when a party dies. */
    BARRIER(6),
    /** Inter-process event (set / reset / wait). */
    EVENT(7),
    /**
     * A region with a Lockstep header whose body is not a Lockstep structure: benchmark anchors (an
     * Agrona ring, the cache-line floor) and tools. {@code stat} shows its header only.
     */
    RAW(8),
    /** A folder's registry of participating processes ({@link Participants}). */
    PARTICIPANTS(9),
    /** One producer, many consumers, each at its own position ({@code dev.lockstep.ipc.broadcast}). */
    BROADCAST_CHANNEL(10);

    private final int code;

    StructureKind(int code) {
        this.code = code;
    }

    /**
     * The code stored in the header.
     *
     * @return this kind's code (stable across versions)
     */
    public int code() {
        return code;
    }

    /**
     * The kind with this code, or {@code null} if the code is unknown.
     *
     * @param code a code read from a header
     * @return its kind, or {@code null}
     */
    public static StructureKind ofCode(int code) {
        for (StructureKind kind : values()) {
            if (kind.code == code) {
                return kind;
            }
        }
        return null;
    }
}
