package dev.lockstep.ipc.shm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The folder that holds shared-memory files, the rules for naming them, and who may share them.
 *
 * <p>By default it is a per-user folder {@code /dev/shm/lockstep-<user>} where {@code /dev/shm} exists
 * (memory-backed: no disk I/O), else {@code <java.io.tmpdir>/lockstep-<user>}; the system property
 * {@value #DIR_PROPERTY} overrides it.
 *
 * <h2>Other local users</h2>
 * The default name is predictable and {@code /dev/shm} is world-writable, so another local user can
 * create the folder first, or plant a symbolic link or a file in it, to read or inject messages or to
 * truncate a mapped file (SIGBUS). Therefore:
 * <ul>
 *   <li>a folder is created with permissions 0700, every file in it with 0600;</li>
 *   <li>an existing folder is accepted only if it is a real directory (not a symbolic link), owned by
 *       this process's user, and writable by nobody else (no group or other write bit); otherwise
 *       {@link #open} throws an {@link IOException} saying which check failed;</li>
 *   <li>{@link SharedFile} opens files without following symbolic links ({@code O_NOFOLLOW}) and
 *       refuses a file owned by another user or writable by others.</li>
 * </ul>
 *
 * <h2>Shared group folder mode</h2>
 * To share structures between <em>users</em> on purpose, name a group in the system property
 * {@value #GROUP_PROPERTY} (the same in every process; each user must be a member). Then the folder
 * is created 0770 and files 0660, both with that group; an existing folder is accepted if it is a real
 * directory, owned by this user or in that group, and not writable by others; a file owned by another
 * user is accepted if it is in that group and not writable by others. Every member can then read and
 * write every structure in the folder (the group is the trust boundary: a member can inject messages
 * or truncate a file as any owner can). Without the property, nothing owned by another user is ever
 * opened.
 *
 * <p>Names follow {@value #NAME_REGEX}: letters, digits, '.', '_' and '-', 1 to 64 characters, not
 * starting with '.' (hidden names are reserved for files being created and the folder's
 * {@link Participants} registry). Path separators, {@code ..} and empty names are refused with
 * {@link IllegalArgumentException}.
 */
public final class ShmDirectory {
    /** System property naming the folder to use instead of the default. */
    public static final String DIR_PROPERTY = "lockstep.ipc.dir";
    /** System property naming the group of a shared group folder (see the class comment); unset: private. */
    public static final String GROUP_PROPERTY = "lockstep.ipc.group";
    /** The accepted names. */
    public static final String NAME_REGEX = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}";
    private static final Pattern NAME = Pattern.compile(NAME_REGEX);

    private final Path path;

    private ShmDirectory(Path path) {
        this.path = path;
    }

    /**
     * The default folder (see the class comment), created if absent.
     *
     * @return the checked folder
     * @throws IOException naming the problem if it cannot be created or is not safe to use (as {@link #open})
     */
    public static ShmDirectory openDefault() throws IOException {
        return open(defaultPath());
    }

    /**
     * The default folder's path: the {@value #DIR_PROPERTY} property, else under /dev/shm or the temp dir.
     *
     * @return the path (not created nor checked)
     */
    public static Path defaultPath() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
        return base.resolve("lockstep-" + user);
    }

    /**
     * The folder {@code path}, created (0700, or 0770 with the shared group; missing parents 0700) if
     * absent, after checking that nobody else controls it (see the class comment).
     *
     * @param path the folder
     * @return the checked folder
     * @throws IOException naming the problem if it is a symbolic link, not a directory, owned by
     *                     another user, or writable by others
     */
    public static ShmDirectory open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        boolean posix = posix(path.toAbsolutePath().getRoot());
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                if (posix) {
                    Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(parent);
                }
            }
            try {
                Optional<GroupPrincipal> group = sharedGroup();
                if (posix) {
                    Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                            group.isPresent() ? "rwxrwx---" : "rwx------")));
                    if (group.isPresent()) {
                        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                                .setGroup(group.get());
                        // The umask may have cleared the group bits of the creation mode.
                        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxrwx---"));
                    }
                } else {
                    Files.createDirectory(path);
                }
            } catch (FileAlreadyExistsException raced) {
                // created meanwhile (perhaps by someone else): checked below like any existing folder
            }
        }
        if (posix) {
            checkFolder(path);
        } else if (!Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(path + " is not a directory");
        }
        return new ShmDirectory(path);
    }

    /**
     * The shared group ({@value #GROUP_PROPERTY}), if configured.
     *
     * @return the group, or empty if the property is not set
     * @throws IOException if the group named by the property cannot be found
     */
    public static Optional<GroupPrincipal> sharedGroup() throws IOException {
        String name = System.getProperty(GROUP_PROPERTY);
        if (name == null || name.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name));
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException(GROUP_PROPERTY + " names group '" + name + "', which does not exist", e);
        }
    }

    private static void checkFolder(Path path) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (FileSystemException e) {
            throw new IOException(path + ": cannot check the shared-memory folder: " + e.getMessage(), e);
        }
        if (a.isSymbolicLink()) {
            throw new IOException(path + " is a symbolic link; refusing it as a shared-memory folder"
                    + " (another user may have planted it)");
        }
        if (!a.isDirectory()) {
            throw new IOException(path + " exists and is not a directory");
        }
        Optional<GroupPrincipal> group = sharedGroup();
        Set<PosixFilePermission> perms = a.permissions();
        boolean ours = isCurrentUser(path, a.owner());
        if (group.isEmpty()) {
            if (!ours) {
                throw new IOException(path + " is owned by " + a.owner().getName() + ", not by this user ("
                        + currentUserName() + "); refusing a shared-memory folder another user controls"
                        + " (set -D" + GROUP_PROPERTY + " for a shared group folder)");
            }
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IOException(path + " is writable by " + (perms.contains(PosixFilePermission.OTHERS_WRITE)
                        ? "others" : "its group") + " (" + PosixFilePermissions.toString(perms)
                        + "); a shared-memory folder must be writable by its owner only (chmod 700)");
            }
        } else {
            if (!ours && !a.group().equals(group.get())) {
                throw new IOException(path + " is owned by " + a.owner().getName() + " and group " + a.group().getName()
                        + ", neither this user nor the shared group " + group.get().getName());
            }
            if (perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IOException(path + " is writable by others (" + PosixFilePermissions.toString(perms)
                        + "); a shared group folder must be 0770");
            }
            if (!ours && perms.contains(PosixFilePermission.GROUP_WRITE) == false) {
                throw new IOException(path + " is not writable by the shared group " + group.get().getName());
            }
        }
    }

    /**
     * Checks a structure file that is about to be opened (without following links): a regular file,
     * owned by this user (or, in the shared group mode, in that group), not writable by others.
     *
     * @throws IOException naming the problem
     */
    static void checkFile(Path file) throws IOException {
        if (!posix(file.toAbsolutePath().getRoot())) {
            return;
        }
        PosixFileAttributes a = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            throw new IOException(file + " is a symbolic link; shared-memory files are never opened through links");
        }
        if (!a.isRegularFile()) {
            throw new IOException(file + " is not a regular file");
        }
        Set<PosixFilePermission> perms = a.permissions();
        if (perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(file + " is writable by others (" + PosixFilePermissions.toString(perms)
                    + "); refusing a shared-memory file anyone can change");
        }
        if (!isCurrentUser(file, a.owner())) {
            Optional<GroupPrincipal> group = sharedGroup();
            if (group.isEmpty() || !a.group().equals(group.get())) {
                throw new IOException(file + " is owned by " + a.owner().getName() + ", not by this user ("
                        + currentUserName() + ")" + (group.isEmpty()
                        ? "; files of other users are opened only in a shared group folder (-D" + GROUP_PROPERTY + ")"
                        : " and its group is not the shared group " + group.get().getName()));
            }
        }
    }

    /** Permissions of new files: 0600, or 0660 in the shared group mode. */
    static Set<PosixFilePermission> filePermissions() throws IOException {
        return PosixFilePermissions.fromString(sharedGroup().isPresent() ? "rw-rw----" : "rw-------");
    }

    private static boolean isCurrentUser(Path anyPath, UserPrincipal owner) throws IOException {
        Object uid = currentUid();
        if (uid != null) {
            try {
                return uid.equals(Files.getAttribute(anyPath, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                // fall through to the name
            }
        }
        return owner.getName().equals(currentUserName());
    }

    /** The effective uid (owner of /proc/self), or null where /proc is absent. */
    private static Object currentUid() {
        try {
            return Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    private static String currentUserName() {
        Object uid = currentUid();
        return System.getProperty("user.name") + (uid != null ? ", uid " + uid : "");
    }

    /**
     * The folder.
     *
     * @return its path
     */
    public Path path() {
        return path;
    }

    /**
     * The file for {@code name}, after validating the name.
     *
     * @param name a structure name ({@link #NAME_REGEX})
     * @return its path in this folder (which may not exist)
     * @throws IllegalArgumentException if the name is not valid
     */
    public Path resolve(String name) {
        return path.resolve(validateName(name));
    }

    /**
     * Checks a structure name.
     *
     * @param name the proposed name; must match {@link #NAME_REGEX}
     * @return the name
     * @throws IllegalArgumentException naming the problem
     * @throws NullPointerException     if {@code name} is null
     */
    public static String validateName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            String why;
            if (name.isEmpty()) {
                why = "empty";
            } else if (name.length() > 64) {
                why = "longer than 64 characters (" + name.length() + ")";
            } else if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
                why = "contains a path separator";
            } else if (name.startsWith(".")) {
                why = "starts with '.'";
            } else {
                why = "contains a character outside [A-Za-z0-9._-]";
            }
            throw new IllegalArgumentException("bad name '" + name + "': " + why + "; names match " + NAME_REGEX);
        }
        return name;
    }

    /**
     * Names of the structures in the folder, sorted (files being created are not listed).
     *
     * @return the valid names of regular files in the folder
     * @throws IOException if the folder cannot be listed
     */
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(path)) {
            files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> NAME.matcher(n).matches())
                    .sorted()
                    .forEach(names::add);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return names;
    }

    /**
     * Removes the structure {@code name}. Processes that have it mapped keep using their mapping; new
     * opens no longer find it (the POSIX {@code shm_unlink} contract).
     *
     * @param name the structure name
     * @return whether a file was removed
     * @throws IllegalArgumentException if the name is not valid
     * @throws IOException if the file cannot be removed
     */
    public boolean remove(String name) throws IOException {
        return Files.deleteIfExists(resolve(name));
    }

    static boolean posix(Path anyPathOnStore) {
        try {
            return Files.getFileStore(anyPathOnStore).supportsFileAttributeView("posix");
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
