package dev.lockstep.ipc.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.lockstep.ipc.shm.ShmDirectory;

/**
 * A child JVM running a main class of the test class path: the multi-process tests' way to get a real
 * second (third, ...) process.
 *
 * <pre>{@code
 * try (ChildJvm child = ChildJvm.start(dir, ProducerMain.class, "orders", "1000000")) {
 *     ... consume ...
 *     assertEquals(0, child.await(Duration.ofSeconds(60)), child.output());
 * }
 * }</pre>
 *
 * The child gets the same class path (surefire's real test class path, not its manifest-only booter
 * jar), the shared-memory folder as {@code -Dlockstep.ipc.dir}, and a small heap. Its standard output
 * and error are collected by a thread so a chatty child never blocks on a full pipe. Closing kills it
 * (SIGKILL) if it is still running.
 */
public final class ChildJvm implements AutoCloseable {
    private final Process process;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Thread pump;

    private ChildJvm(Process process) {
        this.process = process;
        this.pump = new Thread(this::pumpOutput, "child-" + process.pid() + "-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts {@code main} with {@code args} in a new JVM whose shared-memory folder is {@code shmDir}. */
    public static ChildJvm start(Path shmDir, Class<?> main, String... args) throws IOException {
        return start(shmDir, List.of(), main, args);
    }

    /** As {@link #start(Path, Class, String...)}, with extra JVM options. */
    public static ChildJvm start(Path shmDir, List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        return startWrapped(List.of(), shmDir, jvmOptions, main, args);
    }

    /**
     * As {@link #start(Path, List, Class, String...)}, the java command run through {@code wrapper}
     * (e.g. {@code unshare --pid --fork --mount-proc}, see {@code Namespaces}): {@link #pid()} is then
     * the wrapper's pid.
     */
    public static ChildJvm startWrapped(List<String> wrapper, Path shmDir, List<String> jvmOptions, Class<?> main,
                                        String... args) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx128m");
        command.add("-XX:+UseSerialGC");
        command.add("-Xshare:auto");
        command.add("-D" + ShmDirectory.DIR_PROPERTY + "=" + shmDir.toAbsolutePath());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath);
        command.add(main.getName());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        return new ChildJvm(pb.start());
    }

    private void pumpOutput() {
        try (InputStream in = process.getInputStream()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                synchronized (output) {
                    output.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the child died: keep what we have
        }
    }

    /** The child's process. */
    public Process process() {
        return process;
    }

    /** The child's pid. */
    public long pid() {
        return process.pid();
    }

    /** Everything the child printed so far (stdout and stderr). */
    public String output() {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * Waits for the child to exit.
     *
     * @return its exit code
     * @throws AssertionError (after killing it) if it does not exit in time, with its output
     */
    public int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new AssertionError("child " + pid() + " did not finish within " + timeout + "; output:\n" + output());
        }
        pump.join(5_000);
        return process.exitValue();
    }

    /** Kills the child at once (SIGKILL on Unix) and waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the child with SIGSTOP: it keeps its pid, its mappings and everything it holds, but runs no
     * instruction until {@link #resume()} (the fault a GC pause, a debugger or a throttled container
     * causes: a stalled process, not a dead one). Returns once every thread of the child is stopped
     * ({@link Faults#awaitStopped}), not when kill returns: the stop is only pending until then.
     */
    public void stall() throws IOException, InterruptedException {
        signal("STOP");
        Faults.awaitStopped(pid(), Duration.ofSeconds(10));
    }

    /** Continues a child stopped by {@link #stall()} (SIGCONT). */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** Sends {@code SIG<name>} to the child through kill(1), failing if it could not be delivered. */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).redirectErrorStream(true).start();
        String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + pid() + " failed: " + said);
        }
    }

    /**
     * Reads lines from the child's output until one starts with {@code prefix}: a simple way for a child
     * to say "ready" or report a value.
     *
     * @return the rest of that line
     */
    public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (String line : output().split("\n")) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
            }
            if (!process.isAlive()) {
                pump.join(1_000);
                for (String line : output().split("\n")) {
                    if (line.startsWith(prefix)) {
                        return line.substring(prefix.length()).trim();
                    }
                }
                throw new AssertionError("child " + pid() + " exited (" + process.exitValue()
                        + ") before printing '" + prefix + "'; output:\n" + output());
            }
            Thread.sleep(5);
        }
        throw new AssertionError("child " + pid() + " did not print '" + prefix + "' within " + timeout
                + "; output:\n" + output());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                resume(); // a stopped child would not die before SIGCONT on some kernels' accounting
            } catch (IOException | InterruptedException ignored) {
                // it is killed below anyway
            }
            kill();
        }
    }
}
