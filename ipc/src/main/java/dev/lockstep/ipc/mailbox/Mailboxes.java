package dev.lockstep.ipc.mailbox;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.lockstep.ipc.broadcast.BroadcastChannel;
import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.shm.SharedFile;
import dev.lockstep.ipc.shm.ShmDirectory;

/**
 * Named mailboxes: indirect communication between processes that agree on a name, not on a file.
 *
 * <pre>{@code
 * Mailboxes boxes = Mailboxes.openDefault();          // /dev/shm/lockstep-<user>
 * Path orders = boxes.path("orders");                 // validated name
 * for (MailboxEntry e : boxes.list()) System.out.println(e);
 * boxes.remove("orders");
 * }</pre>
 *
 * A namespace is a {@link ShmDirectory}: one folder, one file per name, each file a Lockstep structure
 * with its own validated header, so the namespace needs no registry that a crash could corrupt.
 * Opening or creating by name is done by each structure's factories with {@link #path(String)}, or
 * for channels by the shortcuts {@link #oneToOne(String, int)}, {@link #manyToOne(String, int)} and
 * {@link #broadcast(String, int)}. Removing a name unlinks the file: processes that have it open keep
 * working on it, new opens no longer see it (the {@code shm_unlink} contract), so a name can be
 * re-created at once.
 */
public final class Mailboxes {
    private final ShmDirectory directory;

    private Mailboxes(ShmDirectory directory) {
        this.directory = directory;
    }

    /**
     * The namespace in the default folder ({@link ShmDirectory#defaultPath()}).
     *
     * @return the namespace
     * @throws IOException if the folder cannot be created or opened
     */
    public static Mailboxes openDefault() throws IOException {
        return new Mailboxes(ShmDirectory.openDefault());
    }

    /**
     * The namespace in {@code folder} (created 0700 if absent).
     *
     * @param folder the folder holding the structure files
     * @return the namespace
     * @throws IOException if the folder cannot be created or opened
     */
    public static Mailboxes open(Path folder) throws IOException {
        return new Mailboxes(ShmDirectory.open(folder));
    }

    /**
     * The folder.
     *
     * @return the directory this namespace names files in
     */
    public ShmDirectory directory() {
        return directory;
    }

    /**
     * The file behind {@code name}.
     *
     * @param name the mailbox name ({@link ShmDirectory#NAME_REGEX})
     * @return the path of its file (which may not exist)
     * @throws IllegalArgumentException if the name is not valid ({@link ShmDirectory#NAME_REGEX})
     */
    public Path path(String name) {
        return directory.resolve(name);
    }

    /**
     * Opens the one-to-one channel {@code name}, creating it with a ring of {@code capacity} bytes if
     * absent (an existing one must have that capacity and kind).
     *
     * @param name the mailbox name ({@link ShmDirectory#NAME_REGEX})
     * @param capacity the ring capacity in bytes (a power of two in [1 KiB, 1 GiB])
     * @return the channel, mapped
     * @throws IllegalArgumentException if the name or capacity is not valid
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if the existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public OneToOneChannel oneToOne(String name, int capacity) throws IOException {
        return OneToOneChannel.openOrCreate(path(name), capacity);
    }

    /**
     * Opens the many-to-one channel {@code name}, creating it with a ring of {@code capacity} bytes if
     * absent (an existing one must have that capacity and kind).
     *
     * @param name the mailbox name ({@link ShmDirectory#NAME_REGEX})
     * @param capacity the ring capacity in bytes (a power of two in [1 KiB, 1 GiB])
     * @return the channel, mapped
     * @throws IllegalArgumentException if the name or capacity is not valid
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if the existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public ManyToOneChannel manyToOne(String name, int capacity) throws IOException {
        return ManyToOneChannel.openOrCreate(path(name), capacity);
    }

    /**
     * Opens the broadcast channel {@code name} (one producer, many consumers: take
     * {@link BroadcastChannel#sender()} or {@link BroadcastChannel#receiver()} from it), creating it with
     * a ring of {@code capacity} bytes if absent (an existing one must have that capacity, the default
     * consumer slot count, and kind).
     *
     * @param name the mailbox name ({@link ShmDirectory#NAME_REGEX})
     * @param capacity the ring capacity in bytes (a power of two in [256, 1 GiB])
     * @return the channel, mapped
     * @throws IllegalArgumentException if the name or capacity is not valid
     * @throws dev.lockstep.ipc.shm.IncompatibleFileException if the existing file does not match
     * @throws IOException if the file cannot be created, read or mapped
     */
    public BroadcastChannel broadcast(String name, int capacity) throws IOException {
        return BroadcastChannel.openOrCreate(path(name), capacity);
    }

    /**
     * Whether {@code name} exists (valid name required).
     *
     * @param name the mailbox name ({@link ShmDirectory#NAME_REGEX})
     * @return {@code true} if its file exists
     * @throws IllegalArgumentException if the name is not valid
     */
    public boolean exists(String name) {
        return java.nio.file.Files.exists(path(name));
    }

    /**
     * What {@code name} holds, or empty if there is no such name.
     *
     * @param name the mailbox name ({@link ShmDirectory#NAME_REGEX})
     * @return the entry (an invalid one, naming the problem, if the file cannot be read or checked), or
     *         empty if the file does not exist
     * @throws IllegalArgumentException if the name is not valid
     * @throws IOException declared for I/O failures; a file that cannot be read is reported as an
     *         invalid entry instead
     */
    public Optional<MailboxEntry> describe(String name) throws IOException {
        Path p = path(name);
        try {
            return Optional.of(MailboxEntry.of(name, p, SharedFile.readHeader(p, null)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(MailboxEntry.invalid(name, p, e.getMessage()));
        }
    }

    /**
     * Every structure in the namespace, sorted by name; invalid files are listed with their problem.
     *
     * @return the entries
     * @throws IOException if the folder cannot be listed
     */
    public List<MailboxEntry> list() throws IOException {
        List<MailboxEntry> entries = new ArrayList<>();
        for (String name : directory.list()) {
            describe(name).ifPresent(entries::add);
        }
        return entries;
    }

    /**
     * Removes {@code name}: unlinks its file; processes that have it open keep working on it.
     *
     * @param name the mailbox name ({@link ShmDirectory#NAME_REGEX})
     * @return whether it existed
     * @throws IOException if the file cannot be removed
     */
    public boolean remove(String name) throws IOException {
        return directory.remove(Objects.requireNonNull(name, "name"));
    }

    @Override
    public String toString() {
        return "Mailboxes(" + directory + ")";
    }

}
