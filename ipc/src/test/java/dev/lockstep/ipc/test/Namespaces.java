package dev.lockstep.ipc.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Child JVMs in a PID namespace of their own: the {@link ChildJvm} command line run through
 * {@code unshare --pid --fork --mount-proc}, so the child is pid 1 of a new namespace with its own
 * {@code /proc} (the situation of a sidecar container sharing a memory volume).
 *
 * <pre>{@code
 * Namespaces.assumeAvailable();                      // skips with the reason where unshare is refused
 * try (Namespaces.Child c = Namespaces.start(dir, List.of(), HolderMain.class, "hold", file.toString())) {
 *     c.awaitLine("HOLDING", WAIT);
 *     c.stall(); ... c.resume(); ... c.kill();       // real SIGSTOP / SIGCONT / SIGKILL of the JVM
 * }
 * }</pre>
 *
 * Creating a PID namespace needs {@code CAP_SYS_ADMIN} (we run the tests as root) and a kernel and
 * container runtime that allow it; {@link #assumeAvailable()} tries it once and skips the test with
 * the refusal printed otherwise.
 */
public final class Namespaces {
    /** The wrapper. */
    public static final List<String> UNSHARE = List.of("unshare", "--pid", "--fork", "--mount-proc");
    private static String refusal;
    private static boolean checked;

    private Namespaces() {
    }

    /** Why a new PID namespace cannot be made here, or {@code null} if it can (checked once). */
    public static synchronized String whyUnavailable() {
        if (!checked) {
            checked = true;
            try {
                Process p = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "readlink", "/proc/self/ns/pid")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    refusal = "unshare --pid --fork --mount-proc refused: " + out;
                }
            } catch (IOException e) {
                refusal = "unshare cannot be run: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                refusal = "interrupted while checking unshare";
            }
            if (refusal != null) {
                System.out.println("[Namespaces] SKIPPING namespace tests: " + refusal);
            }
        }
        return refusal;
    }

    /** Skips the calling test (JUnit assumption, with the reason) where PID namespaces are unavailable. */
    public static void assumeAvailable() {
        String why = whyUnavailable();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
    }

    /** Starts {@code main} in a new PID namespace (see the class comment). */
    public static Child start(Path shmDir, List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        return new Child(ChildJvm.startWrapped(UNSHARE, shmDir, jvmOptions, main, args));
    }

    /** A JVM in its own PID namespace; signals go to the JVM itself (not to {@code unshare}). */
    public static final class Child implements AutoCloseable {
        private final ChildJvm wrapper;
        private long javaPid;

        private Child(ChildJvm wrapper) {
            this.wrapper = wrapper;
        }

        /** See {@link ChildJvm#awaitLine}. */
        public String awaitLine(String prefix, Duration timeout) throws InterruptedException {
            return wrapper.awaitLine(prefix, timeout);
        }

        /** See {@link ChildJvm#output()}. */
        public String output() {
            return wrapper.output();
        }

        /** See {@link ChildJvm#await}: the exit code of {@code unshare}, which is the JVM's. */
        public int await(Duration timeout) throws InterruptedException {
            return wrapper.await(timeout);
        }

        /** The JVM's pid as seen from this (the parent) namespace. */
        public synchronized long hostPid() {
            if (javaPid == 0) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (javaPid == 0 && System.nanoTime() - deadline < 0) {
                    javaPid = wrapper.process().toHandle().children().mapToLong(ProcessHandle::pid).findFirst().orElse(0L);
                    if (javaPid == 0) {
                        if (!wrapper.process().isAlive()) {
                            throw new AssertionError("unshare exited: " + wrapper.output());
                        }
                        Thread.onSpinWait();
                    }
                }
                if (javaPid == 0) {
                    throw new AssertionError("no JVM under unshare " + wrapper.pid());
                }
            }
            return javaPid;
        }

        /** Whether the JVM is still running (not yet reaped by unshare). */
        public boolean isAlive() {
            return wrapper.process().isAlive();
        }

        /** SIGSTOP to the JVM; returns once every thread of it is stopped ({@link Faults#awaitStopped}). */
        public void stall() throws IOException, InterruptedException {
            signal("STOP");
            Faults.awaitStopped(hostPid(), Duration.ofSeconds(10));
        }

        /** SIGCONT to the JVM. */
        public void resume() throws IOException, InterruptedException {
            signal("CONT");
        }

        /** SIGKILL to the JVM; waits until unshare (and so the namespace) is gone. */
        public void kill() throws IOException, InterruptedException {
            if (wrapper.process().isAlive()) {
                signal("KILL");
            }
            if (!wrapper.process().waitFor(30, TimeUnit.SECONDS)) {
                wrapper.kill();
            }
        }

        private void signal(String name) throws IOException, InterruptedException {
            long pid = hostPid();
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
            String said = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (kill.waitFor() != 0) {
                throw new IOException("kill -" + name + " " + pid + " failed: " + said);
            }
        }

        @Override
        public void close() {
            try {
                if (wrapper.process().isAlive()) {
                    signal("CONT");
                    kill();
                }
            } catch (IOException | InterruptedException | AssertionError e) {
                wrapper.kill();
            }
            wrapper.close();
        }
    }
}
