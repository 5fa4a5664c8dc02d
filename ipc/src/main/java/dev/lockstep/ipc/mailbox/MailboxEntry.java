package dev.lockstep.ipc.mailbox;

import java.nio.file.Path;
import java.time.Instant;

import dev.lockstep.ipc.shm.FileLayout;
import dev.lockstep.ipc.shm.ProcessIdentity;
import dev.lockstep.ipc.shm.StructureKind;

/**
 * One named structure of a {@link Mailboxes} namespace, as listed: its name, what it holds, and who
 * created it (a creator pid is meaningful only in its own PID namespace: {@code createdInAnotherPidNamespace}
 * says when it is not ours). {@code problem} is non-null for a file that is not a valid Lockstep structure (the
 * listing reports it instead of failing).
 *
 * @param name                         the structure's name in the namespace
 * @param path                         its file
 * @param kind                         what it holds ({@code null} for an invalid file)
 * @param fileLength                   the file length from its header (-1 for an invalid file)
 * @param creator                      the process that created it ({@code null} for an invalid file)
 * @param created                      when it was created ({@code null} for an invalid file)
 * @param problem                      why the file is not a valid structure, or {@code null} if it is
 * @param createdInAnotherPidNamespace whether the creator ran in another PID namespace than this process,
 *                                     so that its pid means nothing here
 */
public record MailboxEntry(String name, Path path, StructureKind kind, long fileLength, ProcessIdentity creator,
                           Instant created, String problem, boolean createdInAnotherPidNamespace) {

    static MailboxEntry of(String name, Path path, FileLayout.Header header) {
        return new MailboxEntry(name, path, header.kind(), header.fileLength(), header.creator(),
                Instant.ofEpochMilli(header.creationTimeMillis()), null, header.createdInAnotherPidNamespace());
    }

    static MailboxEntry invalid(String name, Path path, String problem) {
        return new MailboxEntry(name, path, null, -1, null, null, problem, false);
    }

    /**
     * Whether the file is a valid Lockstep structure.
     *
     * @return {@code true} if its header was read and checked; else {@code problem} says why not
     */
    public boolean isValid() {
        return problem == null;
    }

    @Override
    public String toString() {
        if (!isValid()) {
            return name + "  INVALID: " + problem;
        }
        return String.format("%-24s %-20s %10d B  created %s by %s%s", name, kind, fileLength, created, creator,
                createdInAnotherPidNamespace ? " (in another PID namespace)" : creator.isAlive() ? " (alive)" : "");
    }
}
