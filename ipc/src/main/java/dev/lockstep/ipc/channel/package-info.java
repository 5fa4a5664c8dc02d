/**
 * Shared-memory message channels between threads and processes: {@link
 * dev.lockstep.ipc.channel.OneToOneChannel} and {@link dev.lockstep.ipc.channel.ManyToOneChannel},
 * rings of variable-length records in a memory-mapped file, written through {@link
 * dev.lockstep.ipc.channel.Sender}s and read by one {@link dev.lockstep.ipc.channel.Receiver}. A
 * producer process killed at any instruction never makes the consumer deliver a half-written message
 * nor block for good: the consumer turns the dead claim into padding; a producer stalled past the claim
 * timeout has its claim revoked and fenced, so its late stores never reach another message ({@link
 * dev.lockstep.ipc.channel.ShmChannel}). Each protocol has its own sender and receiver classes ({@code
 * OneToOne*}, {@code ManyToOne*}), which the channel's {@code sender()} and {@code receiver()} return.
 * Layouts: {@link dev.lockstep.ipc.channel.ChannelDescriptor}, {@link
 * dev.lockstep.ipc.channel.RecordDescriptor}.
 *
 * <h2>Choosing a channel</h2>
 * <ul>
 *   <li>One producer (one thread of one process at a time): {@code OneToOneChannel}, Agrona's {@code
 *       OneToOneRingBuffer} protocol, no atomic read-modify-write; a second live producer is
 *       refused.</li>
 *   <li>Several producers, in any number of processes: {@code ManyToOneChannel}, one {@code Sender} per
 *       thread, each owning a producer slot of the file.</li>
 *   <li>Messages with priorities between processes: {@link dev.lockstep.ipc.queue.SharedPriorityQueue};
 *       one producer and many consumers at their own positions: {@code dev.lockstep.ipc.broadcast}.</li>
 * </ul>
 *
 * <h2>Properties shared by the family</h2>
 * <ul>
 *   <li><b>Safety</b>: a message is delivered whole or not at all, once, in the order of the claims;
 *       per sender, in send order.</li>
 *   <li><b>Progress</b>: senders are lock-free among themselves (a failed tail compare-and-set means
 *       another sender succeeded); the consumer is wait-free per poll. A dead producer's claim is
 *       skipped about one liveness check (~1 ms) after its death is visible; a claim held past the claim
 *       timeout (default 5 s) is revoked.</li>
 *   <li><b>Memory ordering</b>: the body is written before the record header is published with a
 *       release store (or, many-to-one, committed by compare-and-set), and the consumer reads the
 *       header with acquire before the body: everything a sender wrote into a message is visible to the
 *       handler that receives it. The bytes are valid only during the {@link
 *       dev.lockstep.ipc.channel.MessageHandler} call.</li>
 *   <li><b>Blocking</b>: {@code trySend}/{@code receive} never wait; {@code send} and {@code
 *       awaitReceive} (and their timed forms) poll the ring and idle with an Agrona {@code
 *       IdleStrategy} (default {@link dev.lockstep.ipc.shm.Idle#backoff()}), or, for endpoints made
 *       without one on Linux with JDK 22+, spin and then sleep in the kernel on a futex word of the
 *       file ({@link dev.lockstep.ipc.shm.WaitMode#FUTEX}; a one-to-one receiver once its sender
 *       acknowledged its request to sleep, see {@link dev.lockstep.ipc.channel.ShmChannel}); they
 *       check interrupts and deadlines after every idle. Back-pressure:
 *       non-blocking sends return {@code false} when the ring is full.</li>
 *   <li><b>Fairness</b>: none among senders (whoever moves the tail first); one consumer.</li>
 *   <li><b>Virtual threads</b>: the idle strategies park with {@link
 *       java.util.concurrent.locks.LockSupport#parkNanos(long)}, so a waiting virtual thread unmounts.
 *       A {@code Sender} or {@code Receiver} is used by one thread at a time.</li>
 *   <li><b>Allocation</b>: sending and receiving allocate nothing (a handler that is a field or a
 *       non-capturing lambda).</li>
 * </ul>
 *
 * <h2>Classes, their sources, tests and benchmarks</h2>
 * Unit and multi-process tests are in {@code ipc/src/test/java/dev/lockstep/ipc/channel} (child JVMs:
 * {@code ChannelProducerMain}, {@code ChannelConsumerMain}, {@code ChannelStallProducerMain}, {@code
 * ChannelHaltingConsumerMain}); jcstress tests in {@code jcstress-tests/.../jcstress/ipc} (over the
 * {@code ChannelRegions} helper); benchmarks in {@code jmh/.../jmh/ipc}, where {@code
 * mechanism=lockstep} selects {@code OneToOneChannel} and {@code mechanism=lockstepManyToOne} selects
 * {@code ManyToOneChannel} (next to Agrona, pipes, FIFOs, Unix domain sockets and TCP). There are no
 * Lincheck checks in this package. The {@code stat} command's view of a channel is tested in the
 * {@code cli} module ({@code StatJsonTest}, {@code StatWatchTest}, {@code StatReadOnlyTest}).
 *
 * <table>
 *   <caption>The channel classes: algorithm, tests, jcstress tests, JMH benchmarks</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit and process tests</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.ShmChannel}</td>
 *       <td>Agrona's {@code ManyToOneRingBuffer} (Thompson et al.) made robust: claimed header naming
 *           the claimant's slot, per-producer claim intent, consumer-side recovery and fencing</td>
 *       <td>{@code ChannelTest}, {@code ChannelProcessTest}, {@code ChannelCrashTest}, {@code
 *           ChannelIdleCpuTest}; kernel waiting (futex words): {@code ChannelFutexTest}</td>
 *       <td>(per kind)</td><td>(per kind)</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.OneToOneChannel}</td>
 *       <td>Agrona's {@code OneToOneRingBuffer} protocol: publish at commit, successor recovery</td>
 *       <td>{@code ChannelTest}, {@code ChannelProcessTest}, {@code ChannelCrashTest}, {@code
 *           ChannelIdleCpuTest}, {@code ChannelFutexTest}</td>
 *       <td>{@code OneToOneChannelClaimCommitTest}, {@code OneToOneChannelWrapPaddingTest}, {@code
 *           OneToOneChannelSuccessorRecoveryTest}, {@code OneToOneChannelProducerNoLostWakeupTest}, {@code
 *           OneToOneChannelConsumerNoLostWakeupTest}, {@code OneToOneChannelSleepRequestRaceTest}</td>
 *       <td>{@code IpcRoundTripBench.roundTrip}, {@code IpcThroughputBench.send} ({@code
 *           mechanism=lockstep})</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.ManyToOneChannel}</td>
 *       <td>tail compare-and-set claims (Agrona's {@code ManyToOneRingBuffer}), revocation of stalled
 *           claims</td>
 *       <td>{@code ChannelTest}, {@code ChannelProcessTest}, {@code ChannelCrashTest}, {@code
 *           ChannelStallTest}, {@code ChannelRevocationTest}, {@code ChannelIdleCpuTest}</td>
 *       <td>{@code ManyToOneChannelTwoProducersTest}, {@code ManyToOneChannelRevocationTest}, {@code
 *           ManyToOneChannelConsumerNoLostWakeupTest}</td>
 *       <td>{@code IpcThroughputBench.send} ({@code mechanism=lockstepManyToOne})</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.Sender}</td>
 *       <td>the producer side: zero-copy {@code tryClaim}/{@code commit}, copying {@code trySend}/{@code
 *           send}</td>
 *       <td>{@code ChannelTest}, {@code ChannelStallTest}, {@code ChannelRevocationTest}</td>
 *       <td>all channel jcstress tests</td>
 *       <td>as its channel</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.OneToOneSender}</td>
 *       <td>{@code OneToOneRingBuffer} claim: local reservation, header then tail with release</td>
 *       <td>through {@code OneToOneChannel}'s tests</td>
 *       <td>the {@code OneToOneChannel*} tests</td><td>as {@code OneToOneChannel}</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.ManyToOneSender}</td>
 *       <td>{@code ManyToOneRingBuffer} claim with an intent in the producer's slot; claimed header and
 *           commit by release stores (one compare-and-set per message, the tail's)</td>
 *       <td>through {@code ManyToOneChannel}'s tests</td>
 *       <td>the {@code ManyToOneChannel*} tests</td><td>as {@code ManyToOneChannel}</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.Receiver}</td>
 *       <td>the consumer side: delivery in ring order, zeroing, recovery of dead or stalled claims</td>
 *       <td>{@code ChannelTest}, {@code ChannelCrashTest}, {@code ChannelRevocationTest}</td>
 *       <td>all channel jcstress tests</td>
 *       <td>as its channel</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.OneToOneReceiver}</td>
 *       <td>{@code OneToOneRingBuffer} consumer: a header with length &lt;= 0 is "empty", no tail read
 *           on the fast path</td>
 *       <td>through {@code OneToOneChannel}'s tests</td>
 *       <td>the {@code OneToOneChannel*} tests</td><td>as {@code OneToOneChannel}</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.ManyToOneReceiver}</td>
 *       <td>consumer with padding of dead claims and fencing of stalled ones</td>
 *       <td>through {@code ManyToOneChannel}'s tests</td>
 *       <td>the {@code ManyToOneChannel*} tests</td><td>as {@code ManyToOneChannel}</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.MessageHandler}</td>
 *       <td>zero-copy callback over the mapping</td>
 *       <td>{@code ChannelTest}</td><td>all channel jcstress tests</td><td>as the channels</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.ChannelDescriptor}</td>
 *       <td>file layout (Agrona {@code RingBufferDescriptor} style)</td>
 *       <td>{@code ChannelTest}, {@code ChannelCrashTest}, {@code ChannelRevocationTest}</td>
 *       <td>{@code OneToOneChannelSuccessorRecoveryTest}</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.RecordDescriptor}</td>
 *       <td>record format (Agrona {@code RecordDescriptor} style), header as one 8-byte atomic word</td>
 *       <td>{@code ChannelTest}, {@code ChannelRevocationTest}</td>
 *       <td>{@code OneToOneChannelSuccessorRecoveryTest}</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.channel.ChannelStats}</td>
 *       <td>a snapshot of positions, recoveries and participants (not a consistent cut)</td>
 *       <td>{@code ChannelTest}, {@code ChannelCrashTest}, {@code ChannelStallTest}; {@code
 *           StatJsonTest} in {@code cli}</td>
 *       <td>none</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.channel;
