package dev.lockstep.ipc.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.test.ChildJvm;

/**
 * The README's broadcast example runs as written: a publisher and two subscribers as three JVMs, and
 * every line of code the README's broadcast section shows is a line of the example sources.
 */
@Timeout(120)
class BroadcastReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void onePublisherTwoSubscribersInThreeProcesses() throws Exception {
        try (ChildJvm s1 = ChildJvm.start(dir, PricesSubscriber.class);
             ChildJvm s2 = ChildJvm.start(dir, PricesSubscriber.class)) {
            s1.awaitLine("subscriber: ready", Duration.ofSeconds(60));
            s2.awaitLine("subscriber: ready", Duration.ofSeconds(60));
            try (ChildJvm publisher = ChildJvm.start(dir, PricesPublisher.class, "100000")) {
                assertEquals(0, publisher.await(Duration.ofSeconds(60)), publisher.output());
                assertTrue(publisher.output().contains("publisher: sent 100000 prices"), publisher.output());
            }
            for (ChildJvm s : new ChildJvm[] {s1, s2}) {
                assertEquals(0, s.await(Duration.ofSeconds(60)), s.output());
                Matcher m = Pattern.compile("subscriber: (\\d+) prices, last #(\\d+), lapped (\\d+) times, (\\d+) overwritten")
                        .matcher(s.output());
                assertTrue(m.find(), s.output());
                long got = Long.parseLong(m.group(1));
                long lost = Long.parseLong(m.group(4));
                // Prices in order, none twice: the last one is at least #got - 1 (a lap only skips).
                long last = Long.parseLong(m.group(2));
                assertTrue(last >= got - 1 && last <= 99_999, s.output());
                assertEquals(100_000, got + lost, "every price received or counted as overwritten: " + s.output());
                assertEquals(lost > 0, Long.parseLong(m.group(3)) > 0, "lost only when lapped: " + s.output());
            }
        }
    }

    @Test
    void readmeShowsTheExampleSourcesVerbatim() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Path readme = Files.exists(root.resolve("README.md")) ? root.resolve("README.md") : root.getParent().resolve("README.md");
        String text = Files.readString(readme);
        int section = text.indexOf("### Broadcast: one publisher, many subscribers");
        assertTrue(section >= 0, "README has the broadcast section");
        int end = text.indexOf("\n#", section + 10);
        String sources = Files.readString(sourceOf(readme, "PricesPublisher")) + Files.readString(sourceOf(readme, "PricesSubscriber"));
        List<String> missing = new ArrayList<>();
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(text.substring(section, end));
        int blocks = 0;
        while (block.find()) {
            blocks++;
            for (String line : block.group(1).split("\\n")) {
                String code = line.strip();
                if (!code.isEmpty() && !code.equals("...") && !sources.contains(code)) {
                    missing.add(code);
                }
            }
        }
        assertTrue(blocks >= 2, "the publisher and a subscriber are shown");
        assertFalse(!missing.isEmpty(), "README lines not in the example sources: " + missing);
    }

    private static Path sourceOf(Path readme, String name) {
        return readme.getParent().resolve("ipc/src/main/java/dev/lockstep/ipc/examples/" + name + ".java");
    }
}
