/**
 * Bridges between Lockstep mailboxes and Aeron: an {@link dev.lockstep.aeron.OutboundBridge} is a local
 * mailbox's consumer and offers each message, framed by {@link dev.lockstep.aeron.BridgeFrame}, to an
 * Aeron publication; an {@link dev.lockstep.aeron.InboundBridge} subscribes to the Aeron stream and
 * delivers each frame into a local mailbox as one of its producers. Producers and consumers on each host
 * keep using local shared-memory channels; {@link dev.lockstep.aeron.AeronBridge} starts the bridges.
 *
 * <h2>Properties shared by the family</h2>
 * <ul>
 *   <li><b>Delivery</b>: message boundaries and types are kept; within an epoch the inbound side delivers
 *       in sequence order, drops duplicates and counts gaps ({@link dev.lockstep.aeron.SequenceTracker});
 *       across a killed and restarted bridge, what is lost is reported and nothing is duplicated (the
 *       README's "lockstep-aeron" section states the guarantee).</li>
 *   <li><b>Back-pressure</b>: an outbound bridge holds a message Aeron does not accept and stops taking
 *       from the mailbox, so local producers see the ring full; an inbound bridge stops polling while the
 *       mailbox is full. Nothing is dropped silently.</li>
 *   <li><b>Threads</b>: each bridge runs one duty-cycle thread of its own; an outbound bridge with an
 *       empty mailbox sleeps on it (futex on JDK 22+), otherwise a bridge idles with the options' Agrona
 *       {@code IdleStrategy} ({@link dev.lockstep.aeron.BridgeOptions}, {@code BridgeOptions.Wait}).</li>
 *   <li><b>Monitoring</b>: counters and state live in a memory-mapped status file
 *       ({@link dev.lockstep.aeron.BridgeStatus}), readable by any local process as
 *       {@link dev.lockstep.aeron.BridgeStats}.</li>
 * </ul>
 *
 * <h2>Classes and their tests</h2>
 * Tests are in {@code aeron/src/test/java/dev/lockstep/aeron} (child JVMs: {@code ProducerMain}, and the
 * {@code bridge} command itself) and, for the {@code stat} view, {@code BridgeStatTest} in the {@code cli}
 * module. The benchmark is {@link dev.lockstep.aeron.bench.BridgeBenchmark}, a stand-alone harness (no JMH
 * benchmark); there are no jcstress or Lincheck tests in this package.
 *
 * <table>
 *   <caption>The bridge classes: what they do, tests, benchmark</caption>
 *   <tr><th>class</th><th>what it does</th><th>unit and process tests</th><th>benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.aeron.AeronBridge}</td>
 *       <td>factory: {@code out(...)} and {@code in(...)} start a bridge</td>
 *       <td>{@code BridgeInProcessTest}, {@code BridgeStatTest} ({@code cli})</td>
 *       <td>{@code BridgeBenchmark}</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.Bridge}</td>
 *       <td>a running bridge: duty-cycle thread, stats, connection and termination waits, close</td>
 *       <td>{@code BridgeInProcessTest}, {@code BridgeProcessTest}</td>
 *       <td>{@code BridgeBenchmark}</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.BridgeHost}</td>
 *       <td>a host's bridges and its embedded media driver ({@code INVOKER}) on one duty-cycle thread</td>
 *       <td>{@code BridgeHostTest}</td>
 *       <td>{@code BridgeBenchmark -Dbench.bridgeHost=true}</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.OutboundBridge}</td>
 *       <td>mailbox to publication: framing, sequence numbers, held messages under back-pressure,
 *           restart without skipping or reusing a number</td>
 *       <td>{@code BridgeInProcessTest}, {@code BridgeProcessTest}</td>
 *       <td>{@code BridgeBenchmark}</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.InboundBridge}</td>
 *       <td>subscription to mailbox: gap and duplicate detection, waiting on a full mailbox, rejection
 *           of over-long messages</td>
 *       <td>{@code BridgeInProcessTest}, {@code BridgeProcessTest}</td>
 *       <td>{@code BridgeBenchmark}</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.BridgeFrame}</td>
 *       <td>the 16-byte frame header: sequence, type, epoch, little-endian</td>
 *       <td>through the bridges' tests</td><td>as the bridges</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.BridgeOptions}</td>
 *       <td>immutable settings: mailbox folder, media driver, created mailbox, idle strategy and
 *           mailbox wait, batch, log</td>
 *       <td>{@code BridgeInProcessTest} (bad arguments, external driver), {@code BridgeIdleTest}
 *           (every mailbox wait delivers bursts after idle pauses; an idle bridge closes at once)</td>
 *       <td>{@code BridgeBenchmark}</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.BridgeStatus}</td>
 *       <td>the locked, memory-mapped status file: counters and a torn-write-proof restart slot</td>
 *       <td>{@code BridgeInProcessTest}, {@code BridgeProcessTest}, {@code BridgeReadmeExampleTest}</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.BridgeStats}</td>
 *       <td>a snapshot of a status file (not a consistent cut)</td>
 *       <td>{@code BridgeInProcessTest}, {@code BridgeProcessTest}, {@code BridgeStatTest} ({@code cli})</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.aeron.SequenceTracker}</td>
 *       <td>the inbound verdict per frame: in order, gap, duplicate, new epoch</td>
 *       <td>{@code SequenceTrackerTest}</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.aeron;
