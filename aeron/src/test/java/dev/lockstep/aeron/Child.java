package dev.lockstep.aeron;

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
import dev.lockstep.ipc.test.Faults;

/**
 * A child JVM on the test class path (the idea of ipc's {@code ipc.test.ChildJvm}, which lives in
 * ipc's test sources and is not published as a test jar): same class path, the host's mailbox folder
 * as {@code -Dlockstep.ipc.dir}, Aeron's JVM flag, output collected by a thread. {@link #kill()} is
 * SIGKILL. Closing kills it if it still runs.
 */
final class Child implements AutoCloseable {
    static final String AERON_FLAG = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    private final Process process;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final Thread pump;

    private Child(Process process) {
        this.process = process;
        this.pump = new Thread(this::pump, "child-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    static Child start(Path folder, Class<?> main, String... args) throws IOException {
        return startWrapped(List.of(), folder, main, args);
    }

    /**
     * Like {@link #start}, the java command line preceded by {@code wrapper} (e.g. {@code unshare --net
     * sh -c '...; exec "$@"' sh} or {@code nsenter --net=...}); a wrapper that execs keeps the pid.
     */
    static Child startWrapped(List<String> wrapper, Path folder, Class<?> main, String... args) throws IOException {
        return startWrapped(wrapper, List.of(), folder, main, args);
    }

    /** Like {@link #start}, with extra JVM options (e.g. {@code -Dname=value}) before the main class. */
    static Child startWithJvmOptions(List<String> jvmOptions, Path folder, Class<?> main, String... args) throws IOException {
        return startWrapped(List.of(), jvmOptions, folder, main, args);
    }

    private static Child startWrapped(List<String> wrapper, List<String> jvmOptions, Path folder, Class<?> main,
                                      String... args) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx128m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=4");
        cmd.add(AERON_FLAG);
        cmd.add("-D" + ShmDirectory.DIR_PROPERTY + "=" + folder.toAbsolutePath());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start());
    }

    private void pump() {
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

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        synchronized (output) {
            return output.toString(StandardCharsets.UTF_8);
        }
    }

    /** Waits for a line starting with {@code prefix}; returns the rest of it. */
    String awaitLine(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : output().split("\n")) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
            }
            if (!process.isAlive()) {
                pump.join(1000);
                for (String line : output().split("\n")) {
                    if (line.startsWith(prefix)) {
                        return line.substring(prefix.length()).trim();
                    }
                }
                throw new AssertionError("child " + pid() + " exited (" + process.exitValue() + ") before printing '"
                        + prefix + "':\n" + output());
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("child " + pid() + " did not print '" + prefix + "' within " + timeout + ":\n"
                        + output());
            }
            Thread.sleep(5);
        }
    }

    int await(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new AssertionError("child " + pid() + " did not finish within " + timeout + ":\n" + output());
        }
        pump.join(5000);
        return process.exitValue();
    }

    /**
     * Sends {@code kill -SIGNAL pid} (e.g. {@code STOP}, {@code CONT}) and waits for the kill command;
     * for {@code STOP} also until every thread of the child is stopped: kill(2) only makes the stop
     * pending, and a thread running on the other core stops at its next entry to the kernel, so a
     * caller that acts right after kill returns could still be served by the child (the "delivered
     * while stopped" flake of BridgeRestartGapTest: 96 of 100 messages sent after the STOP arrived).
     */
    void signal(String signal) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new AssertionError("kill -" + signal + " " + pid() + " failed");
        }
        if (signal.equals("STOP")) {
            Faults.awaitStopped(pid(), Duration.ofSeconds(10));
        }
    }

    /** SIGKILL, then wait until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (a clean stop through the shutdown hook), then wait. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return await(timeout);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                kill();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
