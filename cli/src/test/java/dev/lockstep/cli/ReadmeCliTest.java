package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.shm.ShmDirectory;

import picocli.CommandLine;

/**
 * The README's command lines stay true: every {@code java -jar cli/target/lockstep-cli.jar ...} line parses
 * (its command and options exist), the cheap ones run with status 0, the jar path and main class are the
 * ones {@code cli/pom.xml} builds, and every {@code java -cp <that jar> <class>} names a class that exists.
 */
@Timeout(60)
class ReadmeCliTest {
    static final String JAR = "cli/target/lockstep-cli.jar";

    @TempDir
    Path dir;

    static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("README.md")) ? here : here.getParent();
    }

    /** The arguments of every README line that runs the jar (comment and redirection removed). */
    static List<List<String>> readmeCommandLines() throws IOException {
        List<List<String>> lines = new ArrayList<>();
        for (String line : Files.readAllLines(repositoryRoot().resolve("README.md"))) {
            String code = line.strip();
            if (code.startsWith("java -jar " + JAR)) {
                code = code.substring(("java -jar " + JAR).length());
                code = code.replaceAll("\\s#.*$", "").replaceAll("[>|&].*$", "").strip();
                lines.add(code.isEmpty() ? List.of() : Arrays.asList(code.split("\\s+")));
            }
        }
        return lines;
    }

    @Test
    void everyReadmeCommandLineParses() throws Exception {
        List<List<String>> lines = readmeCommandLines();
        assertTrue(lines.size() >= 7, "the README's CLI section: " + lines);
        List<String> commands = new ArrayList<>();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        for (List<String> args : lines) {
            CommandLine cl = LockstepCli.commandLine(quiet, quiet);
            CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new)); // throws on a bad line
            commands.add(parsed.hasSubcommand() ? parsed.subcommand().commandSpec().name() : String.join(" ", args));
        }
        for (String c : List.of("stat", "bridge", "ping", "throughput", "generate-completion", "--help")) {
            assertTrue(commands.contains(c), "the README shows " + c + ": " + lines);
        }
        assertTrue(lines.contains(List.of("stat", "--watch")) && lines.contains(List.of("stat", "--json")), lines.toString());
    }

    /**
     * The lockstep-aeron example ({@code java $A -jar cli/target/lockstep-cli.jar bridge out orders "$URI" &}):
     * each of its tool lines parses, with the bridges as {@code bridge out} / {@code bridge in}.
     */
    @Test
    void theAeronExampleLinesParse() throws Exception {
        Pattern line = Pattern.compile("^java \\$[AB] -jar " + Pattern.quote(JAR) + "(.*)$");
        List<String> commands = new ArrayList<>();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        for (String text : Files.readAllLines(repositoryRoot().resolve("README.md"))) {
            Matcher m = line.matcher(text.strip());
            if (!m.matches()) {
                continue;
            }
            String code = m.group(1).replaceAll("\\s#.*$", "").replaceAll("[>|&].*$", "").strip()
                    .replace("\"$URI\"", "aeron:udp?endpoint=127.0.0.1:40123");
            CommandLine.ParseResult parsed = LockstepCli.commandLine(quiet, quiet).parseArgs(code.split("\\s+"));
            CommandLine.ParseResult sub = parsed.subcommand();
            commands.add(sub.commandSpec().name() + (sub.hasSubcommand() ? " " + sub.subcommand().commandSpec().name() : ""));
        }
        assertTrue(commands.containsAll(List.of("bridge in", "bridge out", "stat")), "the aeron example: " + commands);
    }

    @Test
    void theCheapReadmeCommandsRunWithStatus0() throws Exception {
        String before = System.getProperty(ShmDirectory.DIR_PROPERTY);
        System.setProperty(ShmDirectory.DIR_PROPERTY, dir.toString());
        try {
            for (List<String> args : readmeCommandLines()) {
                boolean cheap = args.isEmpty() || args.get(0).startsWith("--") || args.get(0).equals("generate-completion")
                        || (args.get(0).equals("stat") && !args.contains("--watch"))
                        || args.equals(List.of("bridge", "stat")) || args.contains("--help");
                List<String> run = new ArrayList<>(args);
                if (args.contains("--watch")) {
                    run.addAll(List.of("--count", "1")); // watching stops on Ctrl-C: once is enough here
                    cheap = true;
                }
                if (cheap) {
                    String[] r = CliUsageTest.run(run.toArray(String[]::new));
                    assertEquals("0", r[0], run + ": " + r[1] + r[2]);
                    assertTrue(!r[1].isEmpty(), run + " printed nothing");
                }
            }
        } finally {
            if (before == null) {
                System.clearProperty(ShmDirectory.DIR_PROPERTY);
            } else {
                System.setProperty(ShmDirectory.DIR_PROPERTY, before);
            }
        }
    }

    @Test
    void theReadmeJarIsTheOneTheBuildMakesAndItsExampleClassesExist() throws Exception {
        Path root = repositoryRoot();
        String pom = Files.readString(root.resolve("cli/pom.xml"));
        assertTrue(pom.contains("<outputFile>${project.build.directory}/lockstep-cli.jar</outputFile>"), "shade output");
        assertTrue(pom.contains("<mainClass>" + LockstepCli.class.getName() + "</mainClass>"), "main class");
        String readme = Files.readString(root.resolve("README.md"));
        assertTrue(!readme.contains("lockstep-ipc-cli"), "the README names the old jar");
        Matcher m = Pattern.compile("java -cp " + Pattern.quote(JAR) + " ([\\w.]+)").matcher(readme);
        int examples = 0;
        while (m.find()) {
            Class.forName(m.group(1)); // the class is in the jar's class path (lockstep-ipc)
            examples++;
        }
        assertTrue(examples >= 3, "the two-process example runs from the jar");
    }
}
