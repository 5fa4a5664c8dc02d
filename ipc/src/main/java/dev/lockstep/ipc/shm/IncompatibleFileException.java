package dev.lockstep.ipc.shm;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Thrown when a shared-memory file is not what the caller asked for: foreign or corrupt header,
 * another layout version, another structure kind, other sizes, or a truncated file. The file is left
 * exactly as it was.
 */
public final class IncompatibleFileException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * Creates the exception; its message is {@code file + ": " + mismatch}.
     *
     * @param file     the file that was refused
     * @param mismatch what is wrong with it (the first mismatch found)
     */
    public IncompatibleFileException(Path file, String mismatch) {
        super(file + ": " + mismatch);
        this.file = file;
    }

    /**
     * The file that was refused.
     *
     * @return its path ({@code null} after deserialization: the field is transient)
     */
    public Path file() {
        return file;
    }
}
