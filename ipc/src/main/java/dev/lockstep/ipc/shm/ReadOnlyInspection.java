package dev.lockstep.ipc.shm;

import java.io.IOException;
import java.util.Objects;

/**
 * A scope in which the current thread opens Lockstep files for monitoring only, so that a monitoring
 * tool ({@code lockstep-ipc stat}) can use the structures' own statistics methods without changing
 * anything on disk.
 *
 * <pre>{@code
 * List<String> lines = ReadOnlyInspection.run(() -> {
 *     try (IpcMutex m = IpcMutex.open(file)) {          // mapped read-only, not registered
 *         return List.of(m.ownerDescription());
 *     }
 * });
 * }</pre>
 *
 * Inside the scope, on this thread: {@link SharedFile#open} opens the file for reading only and maps
 * it read-only (a write through the mapping throws {@link java.nio.ReadOnlyBufferException} instead of
 * changing the structure); {@link SharedFile#create} is refused; and {@link Participants#of} does not
 * register this process nor create the folder's registry: it gives a read-only view of the registry
 * (or, if this JVM is registered in the folder already, its registration), which describes owners'
 * tokens (pid, namespace, heartbeat, alive or dead) and has no token of its own.
 *
 * <p>Implementation notes. The scope is a thread-local flag read only by the open paths (never by
 * hot paths). Instances opened inside the scope keep their read-only mapping after it ends; use them
 * for reading only.
 */
public final class ReadOnlyInspection {
    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private ReadOnlyInspection() {
    }

    /**
     * An action that may throw {@link IOException}.
     *
     * @param <T> the action's result type
     */
    @FunctionalInterface
    public interface Action<T> {
        /**
         * Performs the action.
         *
         * @return its result
         * @throws IOException if the action fails
         */
        T run() throws IOException;
    }

    /**
     * Runs {@code action} with this thread in the read-only inspection scope (nested calls stay in it).
     *
     * @param <T>    the action's result type
     * @param action what to run
     * @return the action's result
     * @throws IOException as thrown by the action
     */
    public static <T> T run(Action<T> action) throws IOException {
        Objects.requireNonNull(action, "action");
        if (active()) {
            return action.run();
        }
        ACTIVE.set(Boolean.TRUE);
        try {
            return action.run();
        } finally {
            ACTIVE.remove();
        }
    }

    /**
     * Whether the current thread is inside {@link #run}.
     *
     * @return {@code true} while an action runs on this thread
     */
    public static boolean active() {
        return ACTIVE.get() != null;
    }
}
