package dev.lockstep.core.sync;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JFR hooks cost nothing while no recording exists: the first thread to wait in a Lockstep
 * primitive must not set the JDK's Flight Recorder up (170-200 ms on JDK 17 and 25, paid by that waiter,
 * before {@code Jfr} checked {@code FlightRecorder.isInitialized()} first): no class of
 * {@code jdk.jfr.internal} may be loaded by them (the child's {@code -Xlog:class+load}; the recorder
 * flag alone does not show it, as loading an event class sets the machinery up without setting the
 * flag). Each case runs in a fresh JVM ({@link JfrIdleChild}), since any recording in this test JVM
 * (e.g. {@code JfrEventsTest}'s) sets the recorder up for good.
 */
@Timeout(60)
class JfrIdleCostTest {
    /** Runs the child with {@code args}, logging the classes it loads to {@code classLog}; its output. */
    private static String runChild(Path classLog, String... args) throws Exception {
        return ChildJvm.run(List.of("-Xlog:class+load=info:file=" + classLog), JfrIdleChild.class, args);
    }

    /** The {@code jdk.jfr.internal} classes named in a class-load log: the recorder's machinery. */
    private static List<String> recorderClasses(Path classLog) throws Exception {
        try (Stream<String> lines = Files.lines(classLog)) {
            return lines.filter(l -> l.contains(" jdk.jfr.internal.")).collect(Collectors.toList());
        }
    }

    @Test
    void firstContendedWaitsDoNotSetTheFlightRecorderUp(@TempDir Path dir) throws Exception {
        Path classLog = dir.resolve("classes.log");
        String out = runChild(classLog);
        assertTrue(out.contains("jfrInitialized=false"), out);
        List<String> loaded = recorderClasses(classLog);
        assertTrue(loaded.isEmpty(), "the first contended waits set JFR's machinery up with no recording ("
                + loaded.size() + " jdk.jfr.internal classes loaded, e.g. " + loaded.stream().limit(3)
                .collect(Collectors.toList()) + "):\n" + out);
    }

    /** Control: the child's probe sees a recorder that is set up, and the gate then lets the events through. */
    @Test
    void withARecordingTheWaitsAreRecorded(@TempDir Path dir) throws Exception {
        Path classLog = dir.resolve("classes.log");
        String out = runChild(classLog, "record");
        assertTrue(out.contains("jfrInitialized=true"), out);
        assertFalse(recorderClasses(classLog).isEmpty(), "the class-load probe saw no recorder classes");
        long events = out.lines().filter(l -> l.startsWith("events=")).mapToLong(l -> Long.parseLong(l.substring(7)))
                .findFirst().orElse(-1);
        assertTrue(events >= 2, "expected the Mutex's and the Semaphore's waits recorded:\n" + out);
    }
}
