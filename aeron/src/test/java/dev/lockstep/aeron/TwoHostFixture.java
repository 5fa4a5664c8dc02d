package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Shared set-up of the bridge tests: two mailbox folders standing for two hosts (in /dev/shm where
 * writable), deleted after each test, and the options that create a many-to-one mailbox there.
 */
abstract class TwoHostFixture {
    static final int CAPACITY = 1 << 16;
    Path hostA;
    Path hostB;

    @BeforeEach
    void folders() throws IOException {
        Path base = Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        hostA = Files.createTempDirectory(base, folderPrefix() + "a-");
        hostB = Files.createTempDirectory(base, folderPrefix() + "b-");
    }

    /** The start of the two folders' names (then "a-" and "b-"). */
    String folderPrefix() {
        return "lockstep-aeron-";
    }

    @AfterEach
    void cleanUp() throws IOException {
        TestFiles.deleteTree(hostA);
        TestFiles.deleteTree(hostB);
    }

    BridgeOptions options(Path folder) {
        return BridgeOptions.defaults().withMailboxFolder(folder).withCreate(BridgeOptions.Kind.MANY_TO_ONE, CAPACITY);
    }

    /**
     * Waits up to 10 s for both bridges' counters (published once per duty cycle) to reach {@code count},
     * then checks that both bridges counted every message and byte once, with no gap or duplicate.
     */
    static void assertCleanTransfer(Bridge in, Bridge out, long count, long bytes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        // Both bridges publish their counters once per duty cycle: wait for both, not only the inbound.
        while ((in.stats().messages() < count || out.stats().messages() < count) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        BridgeStats os = out.stats();
        BridgeStats is = in.stats();
        assertEquals(count, os.messages(), os.toString());
        assertEquals(bytes, os.bytes(), os.toString());
        assertEquals(count, os.sequence(), os.toString());
        assertEquals(count, is.messages(), is.toString());
        assertEquals(bytes, is.bytes(), is.toString());
        assertEquals(0, is.gapEvents(), is.toString());
        assertEquals(0, is.duplicatesDropped(), is.toString());
        assertEquals(count, is.sequence(), is.toString());
    }
}
