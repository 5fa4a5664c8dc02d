package dev.lockstep.ipc.shm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The folder that holds shared-memory files, and the rules for naming them.
 *
 * <p>By default it is a per-user folder {@code /dev/shm/lockstep-<user>} where {@code /dev/shm} exists
 * (memory-backed: no disk I/O), else {@code <java.io.tmpdir>/lockstep-<user>}; the system property
 * {@value #DIR_PROPERTY} overrides it. The folder is created with permissions 0700 and every file in it
 * with 0600, so other users can neither read nor write the channels.
 *
 * <p>Names follow {@value #NAME_REGEX}: letters, digits, '.', '_' and '-', 1 to 64 characters, not
 * starting with '.' (hidden names are reserved for files being created). Path separators, {@code ..}
 * and empty names are refused with {@link IllegalArgumentException}.
 */
public final class ShmDirectory {
    /** System property naming the folder to use instead of the default. */
    public static final String DIR_PROPERTY = "lockstep.ipc.dir";
    /** The accepted names. */
    public static final String NAME_REGEX = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}";
    private static final Pattern NAME = Pattern.compile(NAME_REGEX);

    private final Path path;

    private ShmDirectory(Path path) {
        this.path = path;
    }

    /** The default folder (see the class comment), created if absent. */
    public static ShmDirectory openDefault() throws IOException {
        return open(defaultPath());
    }

    /** The default folder's path: the {@value #DIR_PROPERTY} property, else under /dev/shm or the temp dir. */
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

    /** The folder {@code path}, created (0700, with missing parents) if absent. */
    public static ShmDirectory open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        if (!Files.isDirectory(path)) {
            try {
                if (posix(path.toAbsolutePath().getRoot())) {
                    Files.createDirectories(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } else {
                    Files.createDirectories(path);
                }
            } catch (FileAlreadyExistsException e) {
                throw new IOException(path + " exists and is not a directory", e);
            }
        }
        if (!Files.isDirectory(path)) {
            throw new IOException(path + " is not a directory");
        }
        return new ShmDirectory(path);
    }

    /** The folder. */
    public Path path() {
        return path;
    }

    /** The file for {@code name}, after validating the name. */
    public Path resolve(String name) {
        return path.resolve(validateName(name));
    }

    /**
     * Checks a structure name.
     *
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

    /** Names of the structures in the folder, sorted (files being created are not listed). */
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
     * @return whether a file was removed
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
