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

    public IncompatibleFileException(Path file, String mismatch) {
        super(file + ": " + mismatch);
        this.file = file;
    }

    /** The file that was refused. */
    public Path file() {
        return file;
    }
}
