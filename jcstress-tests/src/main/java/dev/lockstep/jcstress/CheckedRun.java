package dev.lockstep.jcstress;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs jcstress in a child JVM and turns its outcome into an exit code that cannot lie:
 * <ul>
 *   <li>a test filter that matches nothing is a failure (jcstress itself exits 0 then);</li>
 *   <li>a forbidden outcome or an erroring test is a failure (jcstress exits 1);</li>
 *   <li>with {@code --expect-failure}, the run must fail: used for the harness self-check, a test over a
 *       deliberately broken lock that proves the lock tests can fail.</li>
 * </ul>
 * Prints a closing line {@code jcstress: N passed, M failed}.
 *
 * <p>Usage: {@code java -cp jcstress.jar dev.lockstep.jcstress.CheckedRun [--expect-failure] REGEX
 * [jcstress options...]}, run from the directory where results should go. An option followed by an
 * empty value (a Maven property left empty) is left out, so jcstress uses its own default.
 */
public final class CheckedRun {
    private static final Pattern RESULTS =
            Pattern.compile("Results: (\\d+) planned; (\\d+) passed, (\\d+) failed, (\\d+) soft errs, (\\d+) hard errs");

    private CheckedRun() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int i = 0;
        boolean expectFailure = false;
        if (args.length > 0 && args[0].equals("--expect-failure")) {
            expectFailure = true;
            i++;
        }
        if (args.length <= i) {
            System.err.println("usage: CheckedRun [--expect-failure] REGEX [jcstress options...]");
            System.exit(2);
        }
        String regex = args[i++];
        String jar = new File(CheckedRun.class.getProtectionDomain().getCodeSource().getLocation().getPath()).getPath();
        List<String> command = new ArrayList<>(List.of(
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java",
                "-jar", jar, "-t", regex));
        for (; i < args.length; i++) {
            if (args[i].isEmpty()) {
                continue; // an option value left empty by the build: jcstress's own default
            }
            if (args[i].startsWith("-") && i + 1 < args.length && args[i + 1].isEmpty()) {
                i++; // an option whose value the build left empty (e.g. -time with -Djcstress.allConfigs)
                continue;
            }
            command.add(args[i]);
        }
        System.out.println("CheckedRun: " + String.join(" ", command));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        boolean noMatch = false;
        int planned = 0;
        int passed = 0;
        int failed = 0;
        int errors = 0;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                System.out.println(line);
                if (line.contains("No matching tests")) {
                    noMatch = true;
                }
                Matcher m = RESULTS.matcher(line);
                if (m.find()) {
                    planned = Integer.parseInt(m.group(1));
                    passed = Integer.parseInt(m.group(2));
                    failed = Integer.parseInt(m.group(3));
                    errors = Integer.parseInt(m.group(4)) + Integer.parseInt(m.group(5));
                }
            }
        }
        int exit = process.waitFor();
        System.out.println();
        if (noMatch || planned == 0) {
            System.out.println("CheckedRun: FAILED: the filter '" + regex + "' matched no jcstress test");
            System.exit(3);
        }
        if (expectFailure) {
            if (exit == 0 || failed == 0) {
                System.out.println("CheckedRun: FAILED: expected '" + regex + "' to report a forbidden outcome,"
                        + " but it passed: the harness cannot catch a broken lock");
                System.exit(4);
            }
            System.out.println("CheckedRun: self-check OK: the broken lock was caught (" + failed
                    + " failed results, as expected)");
            return;
        }
        System.out.println("jcstress: " + passed + " passed, " + (failed + errors) + " failed");
        if (exit != 0 || failed + errors > 0) {
            System.out.println("CheckedRun: FAILED: jcstress exit code " + exit);
            System.exit(exit == 0 ? 1 : exit);
        }
    }
}
