/**
 * Lockstep's JDK Flight Recorder events (category "Lockstep") and {@link dev.lockstep.core.internal.jfr.Jfr},
 * the guarded entry point the primitives call on their slow paths. Not exported (only to ipc): the
 * events are the API, seen by name in a recording, not these classes. {@code jdk.jfr} is required
 * statically: where it is absent every call of {@code Jfr} does nothing.
 *
 * <h2>Classes, their tests and benchmarks</h2>
 * Tests record with JFR and read the events back ({@code jdk.jfr.consumer.RecordingFile}); the zero cost
 * of the hooks when no recording is on is measured with JMH on the primitives' uncontended benchmarks
 * (README "Observability (JFR)"). No jcstress tests: the events order nothing.
 *
 * <table>
 *   <caption>The JFR classes: what they record, tests, benchmarks</caption>
 *   <tr><th>class</th><th>what and how</th><th>tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.jfr.Jfr}</td>
 *       <td>the one entry point: a shared probe's {@code isEnabled()} first, an event object only
 *           while a recording enables the event (begin/end pairs on the primitives' slow paths)</td>
 *       <td>{@code JfrEventsTest} (core, every lock, synchronizer and lockdep), {@code BlockingQueueJfrTest},
 *           {@code JfrIpcEventsTest}, {@code JfrChannelRecoveryTest} (ipc)</td>
 *       <td>{@code LockBench.uncontended1}, {@code MutexBench.uncontended1},
 *           {@code SemaphoreBench.uncontended1}, {@code ReadMostlyBench.uncontended1}: unchanged with the
 *           hooks</td></tr>
 *   <tr><td>{@code Recorder}</td>
 *       <td>the gate in front of every event class: {@code FlightRecorder.isInitialized()}, so a JVM
 *           that never records loads no event class (loading one sets the recorder up, 170-200 ms on
 *           the first waiting thread)</td>
 *       <td>{@code JfrIdleCostTest} (a fresh JVM's first waits load no {@code jdk.jfr.internal}
 *           class; under a recording they are recorded)</td>
 *       <td>none (a one-time cost; measured with {@code JfrIdleChild}, README "Observability (JFR)")</td></tr>
 *   <tr><td>{@code ContendedAcquireEvent}</td>
 *       <td>{@code dev.lockstep.ContendedAcquire}: an acquisition or wait that took at least the
 *           threshold (10 ms), with class, name, holder and outcome</td>
 *       <td>{@code JfrEventsTest}, {@code BlockingQueueJfrTest}, {@code JfrIpcEventsTest}</td>
 *       <td>as above</td></tr>
 *   <tr><td>{@code PotentialDeadlockEvent}</td>
 *       <td>{@code dev.lockstep.PotentialDeadlock}: a lock-order cycle lockdep found</td>
 *       <td>{@code JfrEventsTest}</td>
 *       <td>{@code LockdepBench} (off vs warn)</td></tr>
 *   <tr><td>{@code ChannelBackPressureEvent}</td>
 *       <td>{@code dev.lockstep.ChannelBackPressure}: a channel send that waited for a full ring</td>
 *       <td>{@code JfrIpcEventsTest}</td>
 *       <td>{@code IpcThroughputBench.send}</td></tr>
 *   <tr><td>{@code IpcRecoveryEvent}</td>
 *       <td>{@code dev.lockstep.IpcRecovery}: a dead producer's claim, a dead owner's mutex or a dead
 *           holder's permits recovered</td>
 *       <td>{@code JfrIpcEventsTest}, {@code JfrChannelRecoveryTest}</td>
 *       <td>none (a crash path)</td></tr>
 * </table>
 */
package dev.lockstep.core.internal.jfr;
