package dev.lockstep.ipc.shm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;

@Timeout(60)
class SharedFileTest {
    @TempDir
    Path dir;

    private SharedFile create(String name, long... params) throws IOException {
        return SharedFile.create(dir.resolve(name), StructureKind.MUTEX, 1000, b -> b.putLong(SharedFile.STRUCTURE_OFFSET, 42L), params);
    }

    @Test
    void createWritesHeaderAndRunsInitializerBeforePublishing() throws IOException {
        try (SharedFile f = create("a", 7, 9)) {
            assertEquals(SharedFile.STRUCTURE_OFFSET + 1024, Files.size(f.path()), "structure area rounded to 128");
            assertEquals(42L, f.buffer().getLong(SharedFile.STRUCTURE_OFFSET));
            assertEquals(StructureKind.MUTEX, f.header().kind());
            assertEquals(ProcessIdentity.current(), f.header().creator());
            assertEquals(7, f.header().param(0));
            assertEquals(9, f.header().param(1));
        }
        try (SharedFile again = SharedFile.open(dir.resolve("a"), StructureKind.MUTEX)) {
            assertEquals(42L, again.buffer().getLong(SharedFile.STRUCTURE_OFFSET), "same bytes through a second mapping");
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of("a"), files.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
        }
    }

    @Test
    void filesAreOwnerOnly() throws IOException {
        ShmDirectory shm = ShmDirectory.open(dir.resolve("sub"));
        try (SharedFile f = SharedFile.create(shm.resolve("x"), StructureKind.EVENT, 64, b -> { })) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f.path())));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(shm.path())));
        }
    }

    @Test
    void createRefusesExistingFileAndBadSizes() throws IOException {
        create("a").close();
        assertThrows(FileAlreadyExistsException.class, () -> create("a"));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> SharedFile.create(dir.resolve("z"), StructureKind.MUTEX, 0, b -> { }));
        assertTrue(zero.getMessage().contains("must be > 0: 0"), zero.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SharedFile.create(dir.resolve("z"), StructureKind.MUTEX, Integer.MAX_VALUE, b -> { }));
        assertFalse(Files.exists(dir.resolve("z")));
    }

    @Test
    void openRefusesWrongKindAndMissingFile() throws IOException {
        create("a").close();
        IncompatibleFileException e = assertThrows(IncompatibleFileException.class,
                () -> SharedFile.open(dir.resolve("a"), StructureKind.ONE_TO_ONE_CHANNEL));
        assertTrue(e.getMessage().contains("holds a MUTEX, not a ONE_TO_ONE_CHANNEL"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("a").toString()), "names the file: " + e.getMessage());
        assertThrows(NoSuchFileException.class, () -> SharedFile.open(dir.resolve("none"), StructureKind.MUTEX));
    }

    @Test
    void openOrCreateChecksSizeParameters() throws IOException {
        SharedFile.openOrCreate(dir.resolve("q"), StructureKind.MUTEX, 64, b -> { }, 16).close();
        SharedFile.openOrCreate(dir.resolve("q"), StructureKind.MUTEX, 64, b -> { }, 16).close();
        IncompatibleFileException e = assertThrows(IncompatibleFileException.class,
                () -> SharedFile.openOrCreate(dir.resolve("q"), StructureKind.MUTEX, 64, b -> { }, 32));
        assertTrue(e.getMessage().contains("[16]") && e.getMessage().contains("[32]"), e.getMessage());
    }

    @Test
    void concurrentOpenOrCreateAllGetTheSameFile() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<SharedFile>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                long mark = i + 1;
                Callable<SharedFile> task = () -> SharedFile.openOrCreate(dir.resolve("race"), StructureKind.EVENT, 64,
                        b -> b.putLong(SharedFile.STRUCTURE_OFFSET, mark));
                results.add(pool.submit(task));
            }
            long seen = -1;
            for (Future<SharedFile> r : results) {
                long v = r.get().buffer().getLong(SharedFile.STRUCTURE_OFFSET);
                assertTrue(v >= 1 && v <= 8, "an initialized file: " + v);
                assertTrue(seen == -1 || seen == v, "one winner");
                seen = v;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void truncatedFilesAreRefusedUntouched() throws IOException {
        create("t").close();
        byte[] whole = Files.readAllBytes(dir.resolve("t"));
        for (int length : new int[] {0, 1, 8, 127, 128, 129, whole.length - 1}) {
            Path p = dir.resolve("t" + length);
            byte[] cut = java.util.Arrays.copyOf(whole, length);
            Files.write(p, cut);
            IncompatibleFileException e = assertThrows(IncompatibleFileException.class,
                    () -> SharedFile.open(p, StructureKind.MUTEX), "length " + length);
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("not a Lockstep file"), e.getMessage());
            assertArrayEquals(cut, Files.readAllBytes(p), "untouched");
        }
    }

    @Test
    void fuzzedHeadersAreRefusedUntouched() throws IOException {
        create("f").close();
        byte[] original = Files.readAllBytes(dir.resolve("f"));
        Random random = new Random(1234);
        Path p = dir.resolve("fuzzed");
        for (int i = 0; i < 2000; i++) {
            byte[] bytes = original.clone();
            int flips = 1 + random.nextInt(3);
            for (int k = 0; k < flips; k++) {
                int at = random.nextInt(FileLayout.HEADER_LENGTH); // reserved bytes included
                bytes[at] ^= (byte) (1 + random.nextInt(255));
            }
            Files.write(p, bytes);
            assertThrows(IncompatibleFileException.class, () -> SharedFile.open(p, StructureKind.MUTEX), "fuzz " + i);
            assertArrayEquals(bytes, Files.readAllBytes(p), "untouched after fuzz " + i);
        }
    }

    @Test
    void otherVersionByteOrderAndForeignFilesAreNamedAsSuch() throws IOException {
        create("v").close();
        byte[] original = Files.readAllBytes(dir.resolve("v"));
        ByteBuffer b = ByteBuffer.wrap(original.clone()).order(ByteOrder.nativeOrder());
        b.putInt(FileLayout.VERSION_OFFSET, FileLayout.LAYOUT_VERSION + 1);
        b.putInt(FileLayout.CHECKSUM_OFFSET, FileLayout.checksum(b));
        Path p = dir.resolve("v2");
        Files.write(p, b.array());
        assertMessage(p, "layout version " + (FileLayout.LAYOUT_VERSION + 1));

        // A file of layout version 1 (checksum over bytes 0..87 only) is named as such, not "corrupt".
        ByteBuffer v1 = ByteBuffer.wrap(original.clone()).order(ByteOrder.nativeOrder());
        v1.putInt(FileLayout.VERSION_OFFSET, 1);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(v1.array(), 0, FileLayout.CHECKSUMMED_LENGTH);
        v1.putInt(FileLayout.CHECKSUM_OFFSET, (int) crc.getValue());
        Files.write(p, v1.array());
        assertMessage(p, "layout version 1, this library reads version " + FileLayout.LAYOUT_VERSION);

        ByteBuffer swapped = ByteBuffer.wrap(original.clone()).order(ByteOrder.nativeOrder());
        swapped.putLong(0, Long.reverseBytes(FileLayout.MAGIC));
        Files.write(p, swapped.array());
        assertMessage(p, "other byte order");

        Files.writeString(p, "#!/bin/sh\n" + "echo this is not shared memory\n".repeat(10));
        assertMessage(p, "not a Lockstep file");

        Files.write(p, java.util.Arrays.copyOf(original, original.length + 128));
        assertMessage(p, "header says");
    }

    private static void assertMessage(Path p, String expected) throws IOException {
        byte[] before = Files.readAllBytes(p);
        IncompatibleFileException e = assertThrows(IncompatibleFileException.class, () -> SharedFile.open(p, StructureKind.MUTEX));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
    }

    @Test
    void namesAreValidated() {
        for (String bad : new String[] {"", ".", "..", "../x", "a/b", "a\\b", ".hidden", "x".repeat(65), "sp ace", "é"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShmDirectory.validateName(bad), bad);
            assertTrue(e.getMessage().startsWith("bad name"), e.getMessage());
        }
        for (String good : new String[] {"a", "orders.v2", "x".repeat(64), "A-b_c.9"}) {
            assertEquals(good, ShmDirectory.validateName(good));
        }
        assertThrows(NullPointerException.class, () -> ShmDirectory.validateName(null));
    }

    @Test
    void directoryListsAndRemovesByName() throws IOException {
        ShmDirectory shm = ShmDirectory.open(dir);
        create("b").close();
        create("a").close();
        Files.writeString(dir.resolve(".a.123.creating"), "in progress");
        assertEquals(List.of("a", "b"), shm.list());
        assertTrue(shm.remove("a"));
        assertFalse(shm.remove("a"));
        assertEquals(List.of("b"), shm.list());
        assertThrows(IllegalArgumentException.class, () -> shm.remove("../b"));
    }

    @Test
    void processIdentityTellsLiveFromDead() throws Exception {
        ProcessIdentity me = ProcessIdentity.current();
        assertTrue(me.isAlive());
        assertFalse(new ProcessIdentity(me.pid(), me.startTime() + 1).isAlive(), "same pid, other start: a reused pid");
        Process p = new ProcessBuilder("sleep", "30").start();
        ProcessIdentity child = ProcessIdentity.of(p.pid()).orElseThrow();
        assertTrue(child.isAlive());
        assertTrue(ProcessIdentity.mayBeAlive(p.pid(), child.startTime() & 0xFFFF, 0xFFFF), "masked start time");
        assertTrue(ProcessIdentity.mayBeAlive(p.pid(), 0, 0), "any start time");
        assertFalse(ProcessIdentity.mayBeAlive(p.pid(), (child.startTime() + 1) & 0xFFFF, 0xFFFF), "reused pid");
        p.destroyForcibly().waitFor();
        assertFalse(child.isAlive(), "killed");
        assertFalse(ProcessIdentity.of(p.pid()).isPresent());
        assertFalse(ProcessIdentity.mayBeAlive(p.pid(), 0, 0));
        assertFalse(ProcessIdentity.mayBeAlive(-1, 0, 0));
    }

    /** Creates a file larger than the child's file-size limit: an exception, not a crash. */
    public static final class CreateTooLarge {
        public static void main(String[] args) throws Exception {
            Path target = Path.of(args[0]);
            try {
                SharedFile.create(target, StructureKind.EVENT, 8L << 20, b -> { });
                System.out.println("RESULT created");
            } catch (IOException e) {
                System.out.println("RESULT refused " + e.getMessage());
            }
            try (var files = Files.list(target.getParent())) {
                System.out.println("LEFT " + files.count());
            }
        }
    }

    @Test
    void fullFileSystemGivesAnExceptionNotACrash() throws Exception {
        // RLIMIT_FSIZE makes write() fail with EFBIG (the JVM ignores SIGXFSZ): the same path as a full
        // tmpfs (ENOSPC), which must surface as an IOException and leave no file behind.
        Path sub = Files.createDirectory(dir.resolve("limited"));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "ulimit -f 1024; exec \"$0\" -Xmx64m -cp \"$1\" \"$2\" \"$3\"",
                java, cp, CreateTooLarge.class.getName(), sub.resolve("big").toString())
                .redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("RESULT refused"), out);
        assertTrue(out.contains("LEFT 0"), "no file and no temporary left: " + out);
    }

    @Test
    void childJvmSharesTheFolder() throws Exception {
        try (ChildJvm child = ChildJvm.start(dir, CreateTooLarge.class, dir.resolve("small").toString())) {
            assertEquals(0, child.await(Duration.ofSeconds(30)), child.output());
            assertTrue(child.output().contains("RESULT created"), child.output());
        }
        assertEquals(StructureKind.EVENT, SharedFile.readHeader(dir.resolve("small"), null).kind());
    }
}
