package dev.lockstep.ipc.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChildJvm#stall()} returns only once every thread of the child is stopped, and
 * {@link Faults#awaitStopped} refuses a process that still runs: the fault tests act "while the child is
 * stopped" right after {@code stall()}, and SIGSTOP is only pending when kill(1) returns.
 */
class FaultsStopTest {
    /** Two threads that never block: a stop can only catch them between instructions. */
    public static final class Spinners {
        static volatile long sink;

        public static void main(String[] args) {
            Thread other = new Thread(Spinners::spin);
            other.setDaemon(true);
            other.start();
            System.out.println("SPINNING");
            spin();
        }

        private static void spin() {
            for (long i = 0; ; i++) {
                sink = i;
            }
        }
    }

    @Test
    void stallReturnsWithEveryThreadStopped(@TempDir Path dir) throws Exception {
        try (ChildJvm child = ChildJvm.start(dir, Spinners.class)) {
            child.awaitLine("SPINNING", Duration.ofSeconds(30));
            AssertionError running = assertThrows(AssertionError.class,
                    () -> Faults.awaitStopped(child.pid(), Duration.ofMillis(200)));
            assertTrue(running.getMessage().contains("not stopped"), running.getMessage());

            child.stall();
            List<String> states = threadStates(child.pid());
            assertTrue(states.size() >= 2, "threads: " + states);
            assertEquals(List.of(), states.stream().filter(s -> !s.equals("T") && !s.equals("t")).toList(),
                    "threads not stopped right after stall()");
            child.resume();
            assertThrows(AssertionError.class, () -> Faults.awaitStopped(child.pid(), Duration.ofMillis(200)),
                    "running again after SIGCONT");
        }
    }

    private static List<String> threadStates(long pid) throws Exception {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.map(t -> {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                } catch (java.io.IOException exited) {
                    return "T"; // a thread that exited cannot run
                }
            }).toList();
        }
    }
}
