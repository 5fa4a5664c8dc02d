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

    /** Every test of the suite lives here (the build's filter is {@code ^dev\.lockstep\.jcstress\.}). */
    static final String SUITE_PACKAGE = "dev.lockstep.jcstress.";

    private CheckedRun() {
    }

    /**
     * The test classes of the jar's {@code META-INF/TestList} that are not under {@link #SUITE_PACKAGE}: a
     * test compiled elsewhere (e.g. in a library package, for its hooks) is silently never run by the
     * build (issue 12: {@code SharedPriorityQueueSleepWakeupTest} was skipped that way for a session).
     * The list's entries start {@code JCTEST<length>S<class name>}.
     */
    static List<String> testsOutsideSuitePackage(String jar) throws IOException {
        List<String> outside = new ArrayList<>();
        try (java.util.jar.JarFile j = new java.util.jar.JarFile(jar)) {
            java.util.jar.JarEntry e = j.getJarEntry("META-INF/TestList");
            if (e == null) {
                throw new IOException(jar + " has no META-INF/TestList (the jcstress annotation processor did not run)");
            }
            try (BufferedReader in = new BufferedReader(new InputStreamReader(j.getInputStream(e), StandardCharsets.UTF_8))) {
                Matcher m = Pattern.compile("^JCTEST(\\d+)S").matcher("");
                for (String line; (line = in.readLine()) != null; ) {
                    if (m.reset(line).find()) {
                        String name = line.substring(m.end(), m.end() + Integer.parseInt(m.group(1)));
                        if (!name.startsWith(SUITE_PACKAGE)) {
                            outside.add(name);
                        }
                    }
                }
            }
        }
        return outside;
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
        List<String> outside = testsOutsideSuitePackage(jar);
        if (!outside.isEmpty()) {
            System.out.println("CheckedRun: FAILED: jcstress tests outside " + SUITE_PACKAGE + ", which the build's filter"
                    + " never runs (move them there; reach package-private hooks through a probe class): " + outside);
            System.exit(5);
        }
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
