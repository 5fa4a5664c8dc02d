package dev.lockstep.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.queue.SharedPriorityQueue;
import dev.lockstep.ipc.shm.WaitMode;
import dev.lockstep.ipc.sync.IpcMutex;

/** {@code stat}'s {@code wait} line reads the futex word: it shows a sleeper, then the wake-up that released it. */
class StatWaitTest {
    @TempDir
    Path dir;

    @Test
    void statShowsASleeperOnTheFutexWordAndItsWakeUp() throws Exception {
        Assumptions.assumeTrue(WaitMode.current() == WaitMode.FUTEX,
                "skipped: this JVM waits by polling (" + WaitMode.current() + "; futex needs Linux and JDK 22+)");
        Path file = dir.resolve("m");
        try (IpcMutex m = IpcMutex.create(file, 8)) {
            m.lock();
            Thread sleeper = new Thread(() -> {
                m.lock();
                m.unlock();
            });
            sleeper.start();
            String wait = "";
            for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end
                    && !wait.contains("sleepers yes"); Thread.sleep(20)) {
                wait = waitLine(file);
            }
            assertTrue(wait.contains("sleepers yes, wake-ups 0"), wait);
            m.unlock();
            sleeper.join(10_000);
            assertEquals(false, sleeper.isAlive());
            String after = waitLine(file);
            assertTrue(after.matches(".*sleepers no, wake-ups [1-9][0-9]*"), after);
        }
    }

    /** A SharedPriorityQueue's wait line: a receiver asleep on the empty queue, then the send's wake-up. */
    @Test
    void statShowsAPriorityQueueReceiverAsleepAndItsWakeUp() throws Exception {
        Assumptions.assumeTrue(WaitMode.current() == WaitMode.FUTEX,
                "skipped: this JVM waits by polling (" + WaitMode.current() + "; futex needs Linux and JDK 22+)");
        Path file = dir.resolve("q");
        try (SharedPriorityQueue q = SharedPriorityQueue.create(file, 4, 16)) {
            Thread sleeper = new Thread(() -> {
                try {
                    q.receive(ByteBuffer.allocate(16));
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            });
            sleeper.start();
            String wait = "";
            for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end
                    && !wait.contains("receivers (not empty): sleepers yes"); Thread.sleep(20)) {
                wait = waitLine(file);
            }
            assertTrue(wait.contains("receivers (not empty): sleepers yes, wake-ups 0; senders (not full): sleepers no, "
                    + "wake-ups 0; sleep request: epoch 1, 1 receivers joined (senders fence and signal)"), wait);
            q.send(1, ByteBuffer.wrap(new byte[] {1}));
            sleeper.join(10_000);
            assertEquals(false, sleeper.isAlive());
            String after = waitLine(file);
            assertTrue(after.matches(".*receivers \\(not empty\\): sleepers no, wake-ups [1-9][0-9]*; senders.*"), after);
        }
    }

    /**
     * A one-to-one channel's wait line shows the receiver's sleep request (issue 13): asked but not
     * acknowledged while its sender has not sent since, then acknowledged, with the receiver asleep.
     */
    @Test
    void statShowsAOneToOneReceiversSleepRequestAndItsAcknowledgement() throws Exception {
        Assumptions.assumeTrue(WaitMode.current() == WaitMode.FUTEX,
                "skipped: this JVM waits by polling (" + WaitMode.current() + "; futex needs Linux and JDK 22+)");
        Path file = dir.resolve("c");
        try (OneToOneChannel ch = OneToOneChannel.create(file, 4096);
             Sender out = ch.sender();
             Receiver in = ch.receiver()) {
            assertTrue(waitLine(file).contains("sleep request: none"), waitLine(file));
            AtomicInteger received = new AtomicInteger();
            Thread receiver = new Thread(() -> {
                try {
                    while (received.get() < 2) {
                        received.addAndGet(in.awaitReceive((type, b, o, l) -> { }, 10));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            receiver.start();
            String wait = "";
            for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end
                    && !wait.contains("not yet acknowledged"); Thread.sleep(20)) {
                wait = waitLine(file);
            }
            // (the sleepers bit may already be set: the receiver announces itself, then finds it may not sleep)
            assertTrue(wait.contains("sleep request: epoch 1, not yet acknowledged"), wait);
            out.send(1, new byte[8], 0, 8); // acknowledges: the receiver may now sleep
            // Poll until all three show: stat reads the words one by one, not as a snapshot, and the
            // sender's acknowledgement may land after the receiver has already taken the message.
            for (long end = System.nanoTime() + 10_000_000_000L; System.nanoTime() < end
                    && !(received.get() == 1 && wait.contains("sleepers yes")
                    && wait.contains("sleep request: epoch 1, acknowledged")); Thread.sleep(20)) {
                wait = waitLine(file);
            }
            assertTrue(received.get() == 1 && wait.contains("sleepers yes")
                    && wait.contains("sleep request: epoch 1, acknowledged"), wait);
            out.send(1, new byte[8], 0, 8);
            receiver.join(10_000);
            assertEquals(false, receiver.isAlive());
            assertEquals(2, received.get());
        }
    }

    private static String waitLine(Path file) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, LockstepCli.run(new String[] {"stat", file.toString()},
                new PrintStream(buf, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream())));
        return buf.toString(StandardCharsets.UTF_8).lines().filter(l -> l.trim().startsWith("wait"))
                .findFirst().orElse("(no wait line)");
    }
}
