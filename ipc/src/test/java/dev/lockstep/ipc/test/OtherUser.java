package dev.lockstep.ipc.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * A second local user for the tests of what another user can do to our shared memory: created with
 * {@code useradd} when the tests run as root (CI does), commands run as it with {@code runuser}.
 *
 * <pre>{@code
 * OtherUser other = OtherUser.get();                 // skips the test, with the reason, if impossible
 * other.run("mkdir", "-m", "0777", "/dev/shm/lockstep-root");
 * }</pre>
 *
 * The user ({@value #NAME}, no home, no login shell) and the group {@value #GROUP} are created once and
 * left in place for later runs; nothing else on the machine is changed.
 */
public final class OtherUser {
    /** The user's name. */
    public static final String NAME = "lockstep-other";
    /** A group for the shared group folder tests, holding root and {@value #NAME}. */
    public static final String GROUP = "lockstep-share";
    private static OtherUser instance;
    private static String refusal;

    private final int uid;

    private OtherUser(int uid) {
        this.uid = uid;
    }

    /** The second user, created if needed; skips the calling test (with the reason printed) if it cannot be. */
    public static synchronized OtherUser get() {
        if (instance == null && refusal == null) {
            try {
                if (!"0".equals(exec(List.of("id", "-u")).trim())) {
                    refusal = "not running as root: cannot create a second local user";
                } else {
                    if (execStatus(List.of("getent", "group", GROUP)) != 0) {
                        exec(List.of("groupadd", GROUP));
                    }
                    if (execStatus(List.of("id", NAME)) != 0) {
                        exec(List.of("useradd", "-M", "-r", "-s", "/usr/sbin/nologin", "-G", GROUP, NAME));
                    }
                    exec(List.of("usermod", "-a", "-G", GROUP, NAME));
                    instance = new OtherUser(Integer.parseInt(exec(List.of("id", "-u", NAME)).trim()));
                }
            } catch (IOException | RuntimeException e) {
                refusal = "cannot create a second local user: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                refusal = "interrupted";
            }
            if (refusal != null) {
                System.out.println("[OtherUser] SKIPPING other-user tests: " + refusal);
            }
        }
        String why = refusal;
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        return instance;
    }

    /** The user's uid. */
    public int uid() {
        return uid;
    }

    /**
     * Runs {@code command} as this user.
     *
     * @return its output (stdout and stderr)
     * @throws IOException with the output if it exits with a non-zero status
     */
    public String run(String... command) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("runuser", "-u", NAME, "--"));
        c.addAll(List.of(command));
        return exec(c);
    }

    /** Runs {@code command} as this user and returns its exit status (output discarded). */
    public int status(String... command) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("runuser", "-u", NAME, "--"));
        c.addAll(List.of(command));
        return execStatus(c);
    }

    private static String exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static int execStatus(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor(60, TimeUnit.SECONDS);
        return p.exitValue();
    }
}
