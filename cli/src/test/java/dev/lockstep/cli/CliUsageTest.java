package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** picocli's part: usage errors (status 2), --help and --version on every command, the completion script. */
@Timeout(60)
class CliUsageTest {
    static final List<String> COMMANDS = List.of("stat", "ping", "pong", "throughput");

    @TempDir
    Path dir;

    /** {status, stdout, stderr}. */
    static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LockstepCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    private static void assertUsageError(String expectedMessage, String... args) {
        String[] r = run(args);
        assertEquals("2", r[0], "exit status of " + List.of(args) + ": " + r[1] + r[2]);
        assertTrue(r[2].contains(expectedMessage), List.of(args) + " should say '" + expectedMessage + "': " + r[2]);
        assertEquals("", r[1], "a usage error writes to stderr only");
    }

    @Test
    void usageErrorsExitWithStatus2AndNameTheProblem() {
        assertUsageError("Missing required subcommand");
        assertUsageError("Unmatched argument at index 0: 'frobnicate'", "frobnicate");
        assertUsageError("Unknown option: '--bogus'", "stat", "--bogus");
        assertUsageError("--count needs --watch", "stat", "--count", "2", dir.toString());
        assertUsageError("--interval needs --watch", "stat", "--interval", "50", dir.toString());
        assertUsageError("--count must be >= 1: 0", "stat", "--watch", "--count", "0", dir.toString());
        assertUsageError("Invalid value for option '--interval'", "stat", "--watch", "--interval", "soon");
        assertUsageError("Invalid value for option '--size': 'big' is not a number", "throughput", "--size", "big");
        assertUsageError("--size must be >= 16: 8", "ping", "--size", "8", "--dir", dir.toString());
        assertUsageError("Missing required parameter for option '--dir'", "pong", "--dir");
        assertUsageError("Unmatched argument", "pong", "a", "b", "--dir", dir.toString());
        // found while running: a structure name the mailbox folder refuses
        assertUsageError("ping: ", "ping", "bad/name", "--dir", dir.toString());
    }

    @Test
    void helpOnEveryCommand() {
        String[] top = run("--help");
        assertEquals("0", top[0], top[2]);
        assertTrue(top[1].startsWith("Usage: lockstep "), top[1]);
        for (String c : COMMANDS) {
            assertTrue(top[1].contains("\n  " + c + " "), "top-level help lists " + c + ": " + top[1]);
        }
        assertTrue(top[1].contains("generate-completion"), top[1]);
        assertTrue(!top[1].contains("sink"), "the internal sink command stays hidden: " + top[1]);
        for (String c : COMMANDS) {
            for (String flag : List.of("--help", "-h")) {
                String[] r = run(c, flag);
                assertEquals("0", r[0], c + " " + flag + ": " + r[2]);
                assertTrue(r[1].startsWith("Usage: lockstep " + c + " "), r[1]);
                assertTrue(r[1].contains("--version"), r[1]);
            }
            String[] viaHelp = run("help", c);
            assertEquals("0", viaHelp[0]);
            assertEquals(run(c, "--help")[1], viaHelp[1], "help " + c + " and " + c + " --help agree");
        }
        String stat = run("stat", "--help")[1];
        for (String option : List.of("--watch", "--json", "--count", "--interval")) {
            assertTrue(stat.contains(option), stat);
        }
        String ping = run("ping", "--help")[1];
        for (String option : List.of("--count", "--size", "--warmup", "--spawn", "--dir")) {
            assertTrue(ping.contains(option), ping);
        }
    }

    @Test
    void versionOnEveryCommandIsTheMavenProjectVersion() {
        String expected = System.getProperty("lockstep.expectedVersion");
        assertNotNull(expected, "surefire passes the project version as lockstep.expectedVersion");
        assertTrue(expected.matches("\\d+\\.\\d+\\.\\d+.*"), expected);
        for (String c : List.of("", "stat", "ping", "pong", "throughput")) {
            for (String flag : List.of("--version", "-V")) {
                String[] r = c.isEmpty() ? run(flag) : run(c, flag);
                assertEquals("0", r[0], c + " " + flag + ": " + r[2]);
                assertEquals("lockstep " + expected, r[1].lines().findFirst().orElse(""), c + " " + flag + ": " + r[1]);
                assertTrue(r[1].contains("JVM: " + System.getProperty("java.version")), r[1]);
            }
        }
    }

    @Test
    void completionScriptDefinesCompletionForEveryCommandAndOption() throws Exception {
        String[] r = run("generate-completion");
        assertEquals("0", r[0], r[2]);
        String script = r[1];
        for (String c : COMMANDS) {
            assertTrue(script.contains(c), "the script completes " + c);
        }
        for (String option : List.of("--watch", "--json", "--interval", "--spawn", "--warmup")) {
            assertTrue(script.contains(option), "the script completes " + option);
        }
        Path file = dir.resolve("lockstep_completion");
        Files.writeString(file, script);
        Path bash = Path.of("/bin/bash");
        Assumptions.assumeTrue(Files.isExecutable(bash), "no /bin/bash to load the completion script into");
        // Load it into a real bash: it must parse, and register a completion function for 'lockstep'
        // that offers the subcommands after "lockstep " and stat's options after "lockstep stat --".
        String probe = "source '" + file + "' && complete -p lockstep"
                + " && COMP_WORDS=(lockstep ''); COMP_CWORD=1; COMP_LINE='lockstep '; COMP_POINT=9;"
                + " _complete_lockstep 2>/dev/null; echo \"subcommands: ${COMPREPLY[*]}\""
                + " && COMP_WORDS=(lockstep stat --); COMP_CWORD=2; COMP_LINE='lockstep stat --'; COMP_POINT=16;"
                + " _complete_lockstep 2>/dev/null; echo \"stat options: ${COMPREPLY[*]}\"";
        Process p = new ProcessBuilder(bash.toString(), "-c", probe).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), said);
        assertEquals(0, p.exitValue(), said);
        assertTrue(said.matches("(?s)complete .*-F _complete_lockstep.* lockstep\n.*"), said);
        String subcommands = said.lines().filter(l -> l.startsWith("subcommands: ")).findFirst().orElse("");
        for (String c : COMMANDS) {
            assertTrue(List.of(subcommands.split(" ")).contains(c), "completes '" + c + "': " + said);
        }
        String statOptions = said.lines().filter(l -> l.startsWith("stat options: ")).findFirst().orElse("");
        for (String option : List.of("--watch", "--json", "--count", "--interval")) {
            assertTrue(List.of(statOptions.split(" ")).contains(option), "completes stat " + option + ": " + said);
        }
    }
}
