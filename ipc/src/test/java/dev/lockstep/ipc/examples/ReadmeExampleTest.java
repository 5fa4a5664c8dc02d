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
 * The README's two-process example runs as written: the consumer and two producers as three JVMs, and
 * every line of code the README shows is a line of the example sources.
 */
@Timeout(120)
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void consumerAndTwoProducersInThreeProcesses() throws Exception {
        try (ChildJvm consumer = ChildJvm.start(dir, OrdersConsumer.class, "2000");
             ChildJvm p1 = ChildJvm.start(dir, OrdersProducer.class);
             ChildJvm p2 = ChildJvm.start(dir, OrdersProducer.class)) {
            assertEquals(0, p1.await(Duration.ofSeconds(60)), p1.output());
            assertEquals(0, p2.await(Duration.ofSeconds(60)), p2.output());
            assertEquals(0, consumer.await(Duration.ofSeconds(60)), consumer.output());
            assertTrue(p1.output().contains("producer: sent 1000 orders"), p1.output());
            assertTrue(p2.output().contains("producer: sent 1000 orders"), p2.output());
            // Every order of both producers arrived (the consumer prints every 250th of the interleaved
            // stream, so which producer's orders it names is up to the interleaving).
            assertTrue(consumer.output().contains("consumer: 2000 orders, quantity 2000"), consumer.output());
            assertTrue(consumer.output().matches("(?s).*received order \\d+ from pid (" + p1.pid() + "|" + p2.pid() + ").*"),
                    consumer.output());
        }
    }

    @Test
    void readmeShowsTheExampleSourcesVerbatim() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Path readme = Files.exists(root.resolve("README.md")) ? root.resolve("README.md") : root.getParent().resolve("README.md");
        String text = Files.readString(readme);
        int section = text.indexOf("## Inter-process channels");
        assertTrue(section >= 0, "README has the ipc section");
        String sources = Files.readString(sourceOf(readme, "OrdersConsumer")) + Files.readString(sourceOf(readme, "OrdersProducer"));
        List<String> missing = new ArrayList<>();
        int end = text.indexOf("\n### ", section); // this example's part of the section only
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(
                text.substring(section, end < 0 ? text.length() : end));
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
        assertTrue(blocks >= 2, "the consumer and the producer are shown");
        assertFalse(!missing.isEmpty(), "README lines not in the example sources: " + missing);
    }

    private static Path sourceOf(Path readme, String name) {
        return readme.getParent().resolve("ipc/src/main/java/dev/lockstep/ipc/examples/" + name + ".java");
    }
}
