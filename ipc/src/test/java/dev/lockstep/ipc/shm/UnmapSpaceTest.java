package dev.lockstep.ipc.shm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A removed structure's pages stay allocated while this JVM still maps them (Java 17 cannot unmap
 * explicitly): creating the next structure on a nearly full tmpfs must not fail for that. Uses a real
 * 4 MiB tmpfs mounted for the test (root only; skipped with the reason otherwise).
 */
@Timeout(60)
class UnmapSpaceTest {
    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void spaceOfARemovedButStillMappedFileIsReclaimedBeforeRefusing() throws Exception {
        Path mnt = Files.createTempDirectory("lockstep-tmpfs");
        boolean mounted = run("mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", mnt.toString()) == 0;
        try {
            Assumptions.assumeTrue(mounted, "skipped: cannot mount a tmpfs here (needs root)");
            long size = 3 << 20;
            SharedFile first = SharedFile.create(mnt.resolve("first"), StructureKind.RAW, size, b -> { });
            first.close();
            Files.delete(mnt.resolve("first"));
            first = null; // the mapping is now unreachable, but not unmapped until a GC
            try (SharedFile second = SharedFile.create(mnt.resolve("second"), StructureKind.RAW, size, b -> { })) {
                assertTrue(second.buffer().capacity() > size);
            }
        } finally {
            if (mounted) {
                System.gc(); // release our mappings so the unmount does not find the filesystem busy
                Thread.sleep(100);
                run("umount", "-l", mnt.toString());
            }
            Files.deleteIfExists(mnt);
        }
    }
}
