package dev.lockstep.core.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a main class of the test classpath in a fresh JVM, for tests whose subject is JVM-wide state. */
final class ChildJvm {
    private ChildJvm() {
    }

    /**
     * Runs {@code main} with {@code jvmOptions} and {@code args}; asserts that it ends within 40 s with
     * exit status 0.
     *
     * @return its standard output and error, merged
     */
    static String run(List<String> jvmOptions, Class<?> main, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        assertTrue(p.waitFor(40, TimeUnit.SECONDS), "child JVM did not finish");
        String text = out.toString();
        assertEquals(0, p.exitValue(), text);
        return text;
    }
}
