package dev.lockstep.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.lockstep.aeron.cli.BridgeCommand;
import dev.lockstep.ipc.examples.OrdersConsumer;
import dev.lockstep.ipc.examples.OrdersProducer;

/**
 * The README's lockstep-aeron example runs as written (on a free port instead of 40123): inbound
 * bridge and consumer on "host B", outbound bridge and two producers on "host A", five JVMs; and the
 * README shows exactly these command lines (the bridges as {@code lockstep bridge ...} of the cli jar,
 * which mounts this {@link BridgeCommand}; cli's {@code ReadmeCliTest} parses them with the tool).
 */
class BridgeReadmeExampleTest {
    Path hostA;
    Path hostB;

    @BeforeEach
    void folders() throws IOException {
        Path base = Files.isWritable(Path.of("/dev/shm")) ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
        hostA = Files.createTempDirectory(base, "lockstep-host-a-");
        hostB = Files.createTempDirectory(base, "lockstep-host-b-");
    }

    @AfterEach
    void cleanUp() throws IOException {
        TestFiles.deleteTree(hostA);
        TestFiles.deleteTree(hostB);
    }

    @Test
    void theExampleRunsAsShown() throws Exception {
        String uri = BridgeInProcessTest.channel("16m").replace("|term-length=16m", "");
        try (Child in = Child.start(hostB, BridgeCommand.class, "in", "orders", uri);
             Child consumer = Child.start(hostB, OrdersConsumer.class, "2000");
             Child out = Child.start(hostA, BridgeCommand.class, "out", "orders", uri)) {
            try (Child p1 = Child.start(hostA, OrdersProducer.class)) {
                assertEquals(0, p1.await(Duration.ofSeconds(60)), p1.output());
            }
            try (Child p2 = Child.start(hostA, OrdersProducer.class)) {
                assertEquals(0, p2.await(Duration.ofSeconds(60)), p2.output());
            }
            assertEquals(0, consumer.await(Duration.ofSeconds(60)), consumer.output() + out.output() + in.output());
            assertTrue(consumer.output().contains("consumer: 2000 orders, quantity 2000"), consumer.output());
            try (Child stat = Child.start(hostA, BridgeCommand.class, "stat")) {
                assertEquals(0, stat.await(Duration.ofSeconds(30)), stat.output());
                assertTrue(stat.output().contains("messages 2000"), stat.output());
            }
            out.terminate(Duration.ofSeconds(30));
            in.terminate(Duration.ofSeconds(30));
            assertEquals("CLOSED", BridgeStatus.read(BridgeStatus.outPath(hostA, "orders")).state(), out.output());
        }
    }

    @Test
    void readmeShowsTheseCommandLines() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Path readme = Files.exists(root.resolve("README.md")) ? root.resolve("README.md") : root.getParent().resolve("README.md");
        String text = Files.readString(readme);
        for (String line : new String[] {
                "java $B -jar cli/target/lockstep-cli.jar bridge in orders \"$URI\" &",
                "java $B -cp cli/target/lockstep-cli.jar dev.lockstep.ipc.examples.OrdersConsumer 2000 &",
                "java $A -jar cli/target/lockstep-cli.jar bridge out orders \"$URI\" &",
                "java $A -cp cli/target/lockstep-cli.jar dev.lockstep.ipc.examples.OrdersProducer",
                "java $A -jar cli/target/lockstep-cli.jar stat",
                "java -jar aeron/target/lockstep-aeron.jar in|out|stat ...",
                "consumer: 2000 orders, quantity 2000"}) {
            assertTrue(text.contains(line), "README lacks: " + line);
        }
    }
}
