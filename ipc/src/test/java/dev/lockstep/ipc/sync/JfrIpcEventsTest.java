package dev.lockstep.ipc.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.OneToOneSender;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.test.ChildJvm;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Lockstep's ipc JFR events, recorded with {@link Recording} and read back: a channel send blocked on
 * a full ring ({@code dev.lockstep.ChannelBackPressure}), waits in IpcMutex, IpcSemaphore, IpcEvent and
 * IpcBarrier ({@code dev.lockstep.ContendedAcquire}) and an IpcMutex taken over from a holder
 * killed with SIGKILL ({@code dev.lockstep.IpcRecovery}).
 */
@Timeout(60)
class JfrIpcEventsTest {
    private static final String BACK_PRESSURE = "dev.lockstep.ChannelBackPressure";
    private static final String RECOVERY = "dev.lockstep.IpcRecovery";
    private static final long DRAIN_AFTER_MILLIS = 200;

    @TempDir
    Path dir;

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Records {@code event} (a threshold applies to a duration event; an instant one has none). */
    private List<RecordedEvent> record(String event, Duration threshold, ThrowingRunnable body) throws Exception {
        Path file = dir.resolve("rec.jfr");
        try (Recording r = new Recording()) {
            r.enable(event).withThreshold(threshold);
            r.start();
            body.run();
            r.stop();
            r.dump(file);
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals(event))
                    .collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void sendBlockedOnAFullRingIsRecordedAndOnlyThat() throws Exception {
        byte[] body = new byte[100];
        try (OneToOneChannel ch = OneToOneChannel.create(dir.resolve("c"), 4096);
             Sender out = ch.sender(); Receiver in = ch.receiver()) {
            List<RecordedEvent> events = record(BACK_PRESSURE, Duration.ofMillis(20), () -> {
                out.send(1, body, 0, body.length); // room: the fast path, no event
                while (out.trySend(1, body, 0, body.length)) {
                    // fill the ring
                }
                while (out.trySend(1, body, 0, 0)) {
                    // to the last word
                }
                // Full, nobody drains: a timed send gives up (an event with sent=false).
                assertFalse(out.trySend(2, body, 0, 50, 100, TimeUnit.MILLISECONDS));
                Thread drainer = new Thread(() -> {
                    try {
                        Thread.sleep(DRAIN_AFTER_MILLIS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    in.receive((type, buffer, offset, length) -> { }, Integer.MAX_VALUE);
                });
                drainer.start();
                out.send(3, body, 0, 60); // waits for the drainer
                drainer.join();
            });
            assertEquals(2, events.size(), events.toString());
            RecordedEvent timedOut = events.get(0);
            RecordedEvent waited = events.get(1);
            assertFalse(timedOut.getBoolean("sent"));
            assertEquals(50, timedOut.getLong("length"));
            // At least most of the 100 ms (the event class may load, once, between the deadline and begin).
            assertTrue(timedOut.getDuration().toMillis() >= 50, timedOut.getDuration().toString());
            assertTrue(waited.getBoolean("sent"));
            assertEquals(60, waited.getLong("length"));
            assertEquals(OneToOneSender.class.getName(), waited.getClass("senderClass").getName());
            assertTrue(waited.getString("channel").contains("c"), waited.getString("channel"));
            assertTrue(waited.getDuration().toMillis() >= DRAIN_AFTER_MILLIS / 2, waited.getDuration().toString());
        }
    }

    @Test
    void contendedIpcMutexIsRecordedWithTheHolderPid() throws Exception {
        Path file = dir.resolve("m");
        try (IpcMutex parent = IpcMutex.create(file, 128)) {
            ChildJvm[] holder = new ChildJvm[1];
            try {
                // The child starts inside the recording: JFR's first start may take longer than the hold.
                List<RecordedEvent> events = record("dev.lockstep.ContendedAcquire", Duration.ofMillis(20), () -> {
                    holder[0] = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, IpcMutexCrashTest.Child.class,
                            "holdFor", file.toString(), "400");
                    assertEquals("ACQUIRED 1", holder[0].awaitLine("HOLDING", Duration.ofSeconds(30)));
                    parent.lock(); // waits for the child's release
                    parent.unlock();
                });
                assertEquals(1, events.size(), events.toString());
                RecordedEvent e = events.get(0);
                assertEquals(IpcMutex.class.getName(), e.getClass("primitiveClass").getName());
                assertEquals(file.toString(), e.getString("name"));
                assertEquals("pid " + holder[0].pid(), e.getString("holder"));
                assertTrue(e.getBoolean("acquired"));
                assertTrue(e.getDuration().toMillis() >= 100, e.getDuration().toString());
            } finally {
                if (holder[0] != null) {
                    holder[0].kill();
                }
            }
        }
    }

    @Test
    void contendedIpcSemaphoreIsRecorded() throws Exception {
        Path p = dir.resolve("s");
        try (IpcSemaphore s = IpcSemaphore.create(p, 1, 4)) {
            List<RecordedEvent> events = record("dev.lockstep.ContendedAcquire", Duration.ofMillis(20), () -> {
                java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
                Thread t = new Thread(() -> {
                    try {
                        s.acquire();
                        held.countDown();
                        Thread.sleep(DRAIN_AFTER_MILLIS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    s.release();
                });
                t.start();
                held.await();
                s.acquire(); // waits for the other thread's release
                s.release();
                t.join();
            });
            assertEquals(1, events.size(), events.toString());
            RecordedEvent e = events.get(0);
            assertEquals(IpcSemaphore.class.getName(), e.getClass("primitiveClass").getName());
            assertEquals(p.toString(), e.getString("name"));
            assertTrue(e.getBoolean("acquired"));
            assertTrue(e.getDuration().toMillis() >= DRAIN_AFTER_MILLIS / 2, e.getDuration().toString());
        }
    }

    /** An IpcEvent wait that timed out and one that a set() from another thread ended: two events. */
    @Test
    void waitingIpcEventIsRecorded() throws Exception {
        Path p = dir.resolve("e");
        try (IpcEvent ev = IpcEvent.create(p, false)) {
            List<RecordedEvent> events = record("dev.lockstep.ContendedAcquire", Duration.ofMillis(20), () -> {
                // nobody sets it: acquired=false (300 ms: the first recorded event may wait for class loading)
                assertFalse(ev.await(300, TimeUnit.MILLISECONDS));
                Thread setter = new Thread(() -> {
                    try {
                        Thread.sleep(DRAIN_AFTER_MILLIS);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    ev.set();
                });
                setter.start();
                ev.await(); // waits for the setter
                setter.join();
                assertTrue(ev.await(1, TimeUnit.SECONDS)); // set: passes at once, no event
            });
            assertEquals(2, events.size(), events.toString());
            for (RecordedEvent e : events) {
                assertEquals(IpcEvent.class.getName(), e.getClass("primitiveClass").getName());
                assertEquals(p.toString(), e.getString("name"));
            }
            assertFalse(events.get(0).getBoolean("acquired"));
            assertTrue(events.get(0).getDuration().toMillis() >= 50, events.get(0).getDuration().toString());
            assertTrue(events.get(1).getBoolean("acquired"));
            assertTrue(events.get(1).getDuration().toMillis() >= DRAIN_AFTER_MILLIS / 2, events.get(1).getDuration().toString());
        }
    }

    /** A party that waited for the last arrival is recorded; the last one, which trips at once, is not. */
    @Test
    void waitingIpcBarrierPartyIsRecorded() throws Exception {
        Path p = dir.resolve("b");
        try (IpcBarrier first = IpcBarrier.create(p, 2); IpcBarrier last = IpcBarrier.open(p)) {
            first.register();
            last.register();
            List<RecordedEvent> events = record("dev.lockstep.ContendedAcquire", Duration.ofMillis(20), () -> {
                Thread arriver = new Thread(() -> {
                    try {
                        Thread.sleep(DRAIN_AFTER_MILLIS);
                        assertEquals(0, last.await(10, TimeUnit.SECONDS)); // trips: no wait, no event
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                arriver.start();
                assertEquals(1, first.await()); // waits for the other party
                arriver.join();
            });
            assertEquals(1, events.size(), events.toString());
            RecordedEvent e = events.get(0);
            assertEquals(IpcBarrier.class.getName(), e.getClass("primitiveClass").getName());
            assertEquals(p.toString(), e.getString("name"));
            assertTrue(e.getBoolean("acquired"));
            assertTrue(e.getDuration().toMillis() >= DRAIN_AFTER_MILLIS / 2, e.getDuration().toString());
        }
    }

    @Test
    void ownerKilledWithSigkillIsRecordedAsARecovery() throws Exception {
        Path file = dir.resolve("m");
        try (IpcMutex parent = IpcMutex.create(file, 128)) {
            ChildJvm holder = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, IpcMutexCrashTest.Child.class,
                    "hold", file.toString());
            try {
                assertEquals("ACQUIRED 1", holder.awaitLine("HOLDING", Duration.ofSeconds(30)));
                long pid = holder.pid();
                List<RecordedEvent> events = record(RECOVERY, Duration.ZERO, () -> {
                    holder.kill(); // SIGKILL while holding
                    assertEquals(LockStatus.OWNER_DIED, parent.lockRobust());
                    parent.markConsistent();
                    parent.unlock();
                    assertEquals(LockStatus.ACQUIRED, parent.lockRobust()); // no second recovery
                    parent.unlock();
                });
                assertEquals(1, events.size(), events.toString());
                RecordedEvent e = events.get(0);
                assertEquals(IpcMutex.class.getName(), e.getClass("structureClass").getName());
                assertEquals(file.toString(), e.getString("structure"));
                assertEquals("owner died", e.getString("kind"));
                assertEquals(pid, e.getLong("deadPid"));
            } finally {
                holder.kill();
            }
        }
    }

    @Test
    void killedSemaphoreHoldersPermitsAreRecordedAsARecovery() throws Exception {
        Path p = dir.resolve("s");
        try (IpcSemaphore s = IpcSemaphore.create(p, 3, 4);
             ChildJvm child = ChildJvm.start(dir, IpcMutexCrashTest.FAST_JVM, IpcSemaphoreTest.Child.class, p.toString(), "2")) {
            assertEquals("2", child.awaitLine("HOLDING", Duration.ofSeconds(30)));
            long pid = child.pid();
            List<RecordedEvent> events = record(RECOVERY, Duration.ZERO, () -> {
                child.kill(); // SIGKILL while holding 2 permits
                assertTrue(s.tryAcquire(3, 10, TimeUnit.SECONDS), "the killed holder's permits came back");
                s.release(3);
            });
            assertEquals(1, events.size(), events.toString());
            RecordedEvent e = events.get(0);
            assertEquals(IpcSemaphore.class.getName(), e.getClass("structureClass").getName());
            assertEquals(p.toString(), e.getString("structure"));
            assertTrue(e.getString("kind").contains("permits"), e.getString("kind"));
            assertEquals(pid, e.getLong("deadPid"));
        }
    }

    /**
     * A runtime without jdk.jfr (as a jlinked image): the hooks stay off and nothing fails, on the
     * waiting layer's, a channel's and an IpcMutex's slow paths.
     */
    @Test
    void withoutTheJfrModuleEverythingStillWorks() throws Exception {
        ChildJvm child = ChildJvm.start(dir, List.of("--limit-modules", "java.base,jdk.unsupported"), NoJfrChild.class,
                dir.toString());
        try {
            assertEquals(0, child.await(Duration.ofSeconds(30)), child.output());
            assertTrue(child.output().contains("OK jfr=false"), child.output());
        } finally {
            child.kill();
        }
    }

    /** Child: contends a Mutex, an IpcMutex and a full channel with jdk.jfr absent; prints "OK jfr=...". */
    public static final class NoJfrChild {
        public static void main(String[] args) throws Exception {
            dev.lockstep.core.sync.Mutex m = new dev.lockstep.core.sync.Mutex("m");
            m.lock();
            Thread t = new Thread(() -> {
                m.lock();
                m.unlock();
            });
            t.start();
            Thread.sleep(50);
            m.unlock();
            t.join();
            try (IpcMutex im = IpcMutex.create(Path.of(args[0], "nojfr"), 64)) {
                Thread h = new Thread(() -> {
                    im.lock();
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    } finally {
                        im.unlock();
                    }
                });
                h.start();
                Thread.sleep(30);
                if (!im.tryLock(5, TimeUnit.SECONDS)) {
                    throw new AssertionError("IpcMutex not acquired");
                }
                im.unlock();
                h.join();
            }
            try (OneToOneChannel ch = OneToOneChannel.create(Path.of(args[0], "nojfr-c"), 4096);
                 Sender out = ch.sender(); Receiver in = ch.receiver()) {
                while (out.trySend(1, new byte[0], 0, 0)) {
                    // fill
                }
                if (out.trySend(1, new byte[0], 0, 0, 20, TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("sent into a full ring");
                }
            }
            System.out.println("OK jfr=" + dev.lockstep.core.internal.jfr.Jfr.AVAILABLE);
        }
    }
}
