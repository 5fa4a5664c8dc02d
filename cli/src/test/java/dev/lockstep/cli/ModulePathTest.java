package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.lockstep.ipc.channel.OneToOneChannel;

/**
 * The tool also runs as module {@code dev.lockstep.cli} on the module path (its {@code module-info} opens
 * the command classes to picocli; Jackson needs no access): {@code --version}, {@code stat --json} and
 * {@code bridge --help} (lockstep-aeron's command, module {@code dev.lockstep.aeron}) and
 * {@code ping --spawn} (whose pong is started as the same module) in a child JVM started with {@code -p ... -m dev.lockstep.cli/...}.
 */
@Timeout(120)
class ModulePathTest {
    @TempDir
    Path dir;

    /** The main class directories of core, ipc, aeron and cli, and the jars of picocli, Jackson, Agrona and Aeron. */
    private static String modulePath() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> modules = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            // mvn test puts the reactor modules' classes directories here, mvn verify their packaged jars
            boolean reactorModule = entry.endsWith(File.separator + "classes")
                    || entry.endsWith(File.separator + "classes" + File.separator)
                    || (name.matches("lockstep-(core|ipc|aeron)-.*\\.jar") && !name.endsWith("-tests.jar"));
            if (reactorModule
                    || name.startsWith("picocli-") || name.startsWith("jackson-") || name.startsWith("agrona-")
                    || name.startsWith("aeron-client-") || name.startsWith("aeron-driver-")) {
                modules.add(entry);
            }
        }
        assertTrue(modules.size() >= 10, "module path from " + classPath);
        return String.join(File.pathSeparator, modules);
    }

    private static String[] runModule(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-XX:+UseSerialGC",
                // as the README says for the module path: ipc's futex downcall is a restricted method,
                // and JDK 24+ would print a warning (into the JSON read below) without this
                "--enable-native-access=dev.lockstep.ipc",
                "-p", modulePath(), "-m", "dev.lockstep.cli/dev.lockstep.cli.LockstepCli"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        return new String[] {Integer.toString(p.exitValue()), output};
    }

    @Test
    void runsAsANamedModule() throws Exception {
        String[] v = runModule("--version");
        assertEquals("0", v[0], v[1]);
        assertTrue(v[1].startsWith("lockstep " + System.getProperty("lockstep.expectedVersion")), v[1]);

        OneToOneChannel.create(dir.resolve("ch"), 4096).close();
        String[] s = runModule("stat", "--json", dir.toString());
        assertEquals("0", s[0], s[1]);
        assertEquals("ONE_TO_ONE_CHANNEL",
                new ObjectMapper().readTree(s[1]).get("structures").get(0).get("kind").asText(), s[1]);

        // lockstep-aeron's command, mounted: module dev.lockstep.aeron opens its command classes to picocli
        String[] b = runModule("bridge", "--help");
        assertEquals("0", b[0], b[1]);
        assertTrue(b[1].contains("Forward Lockstep mailboxes over Aeron") && b[1].contains(" stat "), b[1]);

        // ping --spawn starts pong as the same module
        String[] p = runModule("ping", "m", "--spawn", "--count", "200", "--warmup", "10", "--dir", dir.toString());
        assertEquals("0", p[0], p[1]);
        assertTrue(p[1].contains("pong: echoed 210 messages") && p[1].contains("round trip ns: min "), p[1]);
    }
}
