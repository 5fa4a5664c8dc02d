package dev.lockstep.core.internal.jfr;

import jdk.jfr.FlightRecorder;

/**
 * Whether the JDK's Flight Recorder has been started in this JVM: the gate {@link Jfr} checks before
 * it touches an event class. Loading or instantiating an event class (a {@code jdk.jfr.Event}
 * subclass) makes the JDK set the recorder's machinery up (security checks, the repository, the type
 * library): 170-200 ms on JDK 17 and 25 on this project's 2-core machine, paid by the first thread to
 * wait in any Lockstep primitive, while no recording is on. {@link FlightRecorder#isInitialized()} reads a
 * static flag that is set once a recording has been created ({@code -XX:StartFlightRecording},
 * {@code jcmd JFR.start}, {@code new Recording()}); loading {@code FlightRecorder} loads that one
 * class and starts nothing.
 */
final class Recorder {
    private Recorder() {
    }

    /**
     * Whether the Flight Recorder is set up (a recording may be on).
     *
     * @return {@code true} once any recording has been created in this JVM
     */
    static boolean initialized() {
        return FlightRecorder.isInitialized();
    }
}
