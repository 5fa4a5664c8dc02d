/**
 * One-to-many shared-memory messaging: {@link dev.lockstep.ipc.broadcast.BroadcastChannel}, one
 * producer ({@link dev.lockstep.ipc.broadcast.BroadcastSender}) that never waits, and any number of
 * consumers ({@link dev.lockstep.ipc.broadcast.BroadcastReceiver}) in any processes, each at its own
 * position, that detect being lapped instead of reading torn data. A package of its own, not part of
 * {@code dev.lockstep.ipc.channel}: that family is a reliable, flow-controlled ring with one consumer
 * that frees space (consumers write the ring); this one is a lossy sequence-locked ring that
 * consumers only read, with another record format, another crash model and no back-pressure. The
 * handler interface is shared ({@link dev.lockstep.ipc.channel.MessageHandler}). Layout:
 * {@link dev.lockstep.ipc.broadcast.BroadcastDescriptor}.
 *
 * <h2>Classes, their tests and benchmarks</h2>
 * Tests are in {@code ipc/src/test/java/dev/lockstep/ipc/broadcast} (child JVMs in {@code
 * BroadcastProducerMain} / {@code BroadcastConsumerMain}); the README example in {@code
 * ipc/.../examples/BroadcastReadmeExampleTest}; {@code stat} in {@code cli}'s {@code BroadcastStatTest};
 * jcstress tests in {@code jcstress-tests/.../jcstress/ipc}; the benchmark in {@code jmh/.../jmh/ipc}.
 *
 * <table>
 *   <caption>The broadcast classes: algorithm, tests, jcstress tests, JMH benchmarks</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit and process tests</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.broadcast.BroadcastChannel}, {@link dev.lockstep.ipc.broadcast.BroadcastSender},
 *           {@link dev.lockstep.ipc.broadcast.BroadcastReceiver}</td>
 *       <td>a ring the producer overwrites, with a tail intent published before each record and the
 *           tail after it: a consumer copies, then validates against the intent (a sequence lock per
 *           read); sequence numbers count what a lapped consumer lost; the producer's {@code oldest}
 *           boundary lets a consumer join at the oldest whole message. Agrona {@code
 *           BroadcastTransmitter} / {@code BroadcastReceiver}, with producer take-over after a crash</td>
 *       <td>{@code BroadcastChannelTest}, {@code BroadcastProcessTest} (1 producer, 4 consumer processes,
 *           one killed, one slow), {@code BroadcastStartPositionTest}, {@code BroadcastReadmeExampleTest},
 *           {@code BroadcastStatTest}</td>
 *       <td>{@code BroadcastChannelTornReadTest}, {@code BroadcastChannelZeroCopyTornReadTest},
 *           {@code BroadcastOldestJoinTornReadTest} (over {@code BroadcastRegions})</td>
 *       <td>{@code BroadcastThroughputBench.broadcast} (1, 2, 4 consumer processes; against Agrona and
 *           one-to-one channels)</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.broadcast.StartPosition}</td>
 *       <td>where a new receiver starts: after the newest message, or at the oldest still whole</td>
 *       <td>{@code BroadcastStartPositionTest}</td>
 *       <td>{@code BroadcastOldestJoinTornReadTest}</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.broadcast.BroadcastDescriptor}</td>
 *       <td>the binary layout (Agrona {@code BroadcastBufferDescriptor} style)</td>
 *       <td>the {@code Broadcast*Test}s</td>
 *       <td>the torn-read tests</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.broadcast.BroadcastStats}</td>
 *       <td>a monitoring snapshot (opaque reads)</td>
 *       <td>{@code BroadcastStatTest}, {@code BroadcastChannelTest}</td>
 *       <td>none</td>
 *       <td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.broadcast;
