package dev.lockstep.core.sync;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import jdk.jfr.FlightRecorder;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

/**
 * Child JVM of {@link JfrIdleCostTest}: the first contended waits of this JVM (a {@link Mutex} and a
 * {@link Semaphore}, both parking in the waiting layer, whose slow path calls the JFR hooks), then
 * whether the Flight Recorder was set up. With argument {@code record} a recording of
 * {@code dev.lockstep.ContendedAcquire} (threshold 0) runs around the waits and the events it caught
 * are counted: the control that the gate lets events through once a recording exists.
 */
public final class JfrIdleChild {
    private JfrIdleChild() {
    }

    public static void main(String[] args) throws Exception {
        boolean record = args.length > 0 && args[0].equals("record");
        Recording recording = null;
        if (record) {
            recording = new Recording();
            recording.enable("dev.lockstep.ContendedAcquire").withThreshold(Duration.ZERO);
            recording.start();
        }
        Mutex mutex = new Mutex();
        mutex.lock();
        long[] waited = new long[1];
        Thread waiter = new Thread(() -> {
            long t0 = System.nanoTime();
            mutex.lock();
            waited[0] = System.nanoTime() - t0;
            mutex.unlock();
        });
        waiter.start();
        while (waiter.getState() != Thread.State.WAITING) { // parked in the waiting layer
            Thread.sleep(1);
        }
        Thread.sleep(50);
        mutex.unlock();
        waiter.join();

        Semaphore semaphore = new Semaphore(0);
        Thread acquirer = new Thread(semaphore::acquireUninterruptibly);
        acquirer.start();
        while (acquirer.getState() != Thread.State.WAITING) {
            Thread.sleep(1);
        }
        semaphore.release();
        acquirer.join();

        System.out.println("jfrInitialized=" + FlightRecorder.isInitialized());
        System.out.println("firstWaitMicros=" + waited[0] / 1000);
        if (recording != null) {
            recording.stop();
            Path file = Files.createTempFile("lockstep-jfr-idle", ".jfr");
            recording.dump(file);
            recording.close();
            long events = RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().equals("dev.lockstep.ContendedAcquire")).count();
            Files.delete(file);
            System.out.println("events=" + events);
        }
    }
}
