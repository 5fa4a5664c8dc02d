package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.test.ChildJvm;

/**
 * Wake-up latency across processes after the waiter has been idle: a child JVM waits in
 * {@code IpcEvent.await()} (auto-reset), this process {@code set()}s it after the child has waited
 * {@code idleMillis}, and the child prints {@link System#nanoTime()} on return (one monotonic clock
 * for both processes on Linux). Per waiting mode of the child (futex, and polling with the default
 * backoff), p50 / p99 / max over the trials. A measurement, so it runs only on request:
 * <pre>
 * JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -B -pl core,ipc -am test -Dtest=WakeLatencyTest \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Djcstress.skip=true -Dlockstep.wakeLatency.trials=100
 * </pre>
 * ({@code -Dlockstep.wakeLatency.idleMillis}, default 1000: how long the child waits before each set).
 */
@Timeout(3600)
class WakeLatencyTest {
    private static final int TRIALS = Integer.getInteger("lockstep.wakeLatency.trials", 0);
    private static final long IDLE_MS = Long.getLong("lockstep.wakeLatency.idleMillis", 1_000);

    @TempDir
    Path dir;

    @Test
    void wakeUpLatency() throws Exception {
        Assumptions.assumeTrue(TRIALS > 0, "a measurement: run with -Dlockstep.wakeLatency.trials=100");
        List<String> report = new ArrayList<>();
        for (String mode : List.of("futex", "poll")) {
            Path file = dir.resolve("e-" + mode);
            try (IpcEvent e = IpcEvent.create(file, true);
                 ChildJvm c = ChildJvm.start(dir, List.of("-D" + WaitMode.PROPERTY + "=" + mode),
                         IpcEventFutexTest.Sleeper.class, file.toString(), Integer.toString(TRIALS))) {
                String childMode = c.awaitLine("WAITING", Duration.ofSeconds(60));
                long[] micros = new long[TRIALS];
                for (int i = 0; i < TRIALS; i++) {
                    Thread.sleep(IDLE_MS);
                    long t0 = System.nanoTime();
                    e.set();
                    long t1 = Long.parseLong(c.awaitLine("PASSED " + i + " ", Duration.ofSeconds(60)));
                    micros[i] = (t1 - t0) / 1_000;
                }
                assertEquals(0, c.await(Duration.ofSeconds(60)), c.output());
                Arrays.sort(micros);
                report.add(String.format("IpcEvent wake-up, child %-5s (%s): p50 %6d µs  p99 %6d µs  max %6d µs  (%d trials, idle %d ms)",
                        mode, childMode, micros[TRIALS / 2], micros[Math.min(TRIALS - 1, (int) Math.ceil(TRIALS * 0.99) - 1)],
                        micros[TRIALS - 1], TRIALS, IDLE_MS));
            }
        }
        report.forEach(System.out::println);
    }
}
