/**
 * A bounded priority message queue in shared memory between processes: {@link
 * dev.lockstep.ipc.queue.SharedPriorityQueue}, for many producer and many consumer processes (and
 * threads), in the manner of POSIX {@code mq_send}/{@code mq_receive} and Boost.Interprocess {@code
 * message_queue}, surviving the death of any producer or consumer. Its file layout is {@link
 * dev.lockstep.ipc.queue.PriorityQueueDescriptor}.
 *
 * <h2>When to use it</h2>
 * Messages with priorities (0 .. {@value dev.lockstep.ipc.queue.SharedPriorityQueue#MAX_PRIORITY},
 * larger is more urgent) and several consumer processes taking work from one queue. For a stream in
 * one order to one consumer, a channel of {@code dev.lockstep.ipc.channel} is faster; between threads
 * of one process, {@link dev.lockstep.core.queue.PriorityMessageQueue}.
 *
 * <h2>Properties</h2>
 * <ul>
 *   <li><b>Ordering</b>: a receive returns the highest priority present, and among those the oldest: it
 *       never passes over a waiting message of at least its priority sent before the one it takes
 *       (messages of one priority are ordered across lanes by a Lamport stamp).</li>
 *   <li><b>Progress</b>: a send is wait-free while its lane has room (one byte ring per sending thread
 *       and priority: plain and release stores, no locked instruction); receives are lock-free among
 *       live processes (one head CAS per copying receive; a failed CAS means another receive
 *       succeeded); a process stalled (not dead) keeps only its own lanes, or its batch's run.</li>
 *   <li><b>Crash safety</b>: no loss, no duplicate, no torn message among completed calls: a dead
 *       sender's lanes are retired (its published messages still delivered, an unfinished one never),
 *       a dead batch receiver's run is given back; a stopped process is never judged dead.</li>
 *   <li><b>Memory ordering</b>: a message becomes visible only by the release store of its header,
 *       after its last byte; a receiver reads it after an acquire load of that header.</li>
 *   <li><b>Fairness and blocking</b>: none among waiting senders or receivers. {@code trySend}/{@code
 *       tryReceive} never wait; {@code send}/{@code receive} and the timed forms spin briefly, then in
 *       {@link dev.lockstep.ipc.shm.WaitMode#FUTEX} sleep in the kernel on the queue's not-empty /
 *       not-full futex word (a receiver only once every bound lane acknowledged its sleep request; each
 *       sleep at most {@link dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS} ms), else poll with an Agrona
 *       {@code IdleStrategy} (default {@link dev.lockstep.ipc.shm.Idle#backoff()}); they throw
 *       {@link java.lang.InterruptedException} when interrupted. Virtual threads always poll.</li>
 *   <li><b>Allocation</b>: nothing per call once a thread has used the handle.</li>
 * </ul>
 *
 * <h2>Classes, their tests and benchmarks</h2>
 * Tests are in {@code ipc/src/test/java/dev/lockstep/ipc/queue} (child JVMs in {@code
 * SharedPriorityQueueChildren}); jcstress tests in {@code jcstress-tests/.../jcstress/ipc} (the package
 * the build runs), reaching the class's package-private test hooks through {@code
 * jcstress-tests/.../ipc/queue/PriorityQueueProbe}; benchmarks in {@code jmh/.../jmh/ipc}. No Lincheck
 * checks.
 *
 * <table>
 *   <caption>The ipc queue classes: algorithm, tests, jcstress tests, JMH benchmarks</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit and process tests</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.queue.SharedPriorityQueue}</td>
 *       <td>layout revision 2: one byte ring per (sending thread, priority) with Lamport stamps, head CAS
 *           per receive, holds for handler batches, a sleep request with per-lane acknowledgements
 *           (the one-to-one channel's handshake generalised), recovery by CAS on owner-naming words
 *           ({@code docs/design/shared-priority-queue-r2.md}); contract of POSIX message queues and
 *           Boost.Interprocess {@code message_queue}</td>
 *       <td>{@code SharedPriorityQueueTest}, {@code SharedPriorityQueueLaneTest}, {@code
 *           SharedPriorityQueueSleepTest}, {@code SharedPriorityQueueHoldTest}, {@code
 *           SharedPriorityQueueProcessTest}, {@code SharedPriorityQueueCrashTest}, {@code
 *           SharedPriorityQueueFaultTest}, {@code SharedPriorityQueueFutexTest}, {@code
 *           SharedPriorityQueueWaitAllocationTest}</td>
 *       <td>{@code SharedPriorityQueueFifoTest}, {@code SharedPriorityQueueLaneOrderTest}, {@code
 *           SharedPriorityQueueBatchFifoTest}, {@code SharedPriorityQueueHoldTest}, {@code
 *           SharedPriorityQueueSleepWakeupTest}, {@code SharedPriorityQueueFullWakeupTest}, {@code
 *           SharedPriorityQueueFullWakeupBatchTest}, {@code SharedPriorityQueueLaneWakeupTest}, {@code
 *           SharedPriorityQueueOwnLaneWakeupTest}, {@code SharedPriorityQueueBindTest}, {@code
 *           SharedPriorityQueueSpareTest}, {@code SharedPriorityQueueSpareTakeBackTest}</td>
 *       <td>{@code SharedPriorityQueueBench.receiveSend1}, {@code receiveSend2} ({@code
 *           impl=SharedPriorityQueue}, against {@code PriorityBlockingQueue}); between processes: {@code
 *           IpcRoundTripBench.roundTrip}, {@code IpcThroughputBench.send} ({@code
 *           mechanism=lockstepPriorityQueue})</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.queue.PriorityQueueDescriptor}</td>
 *       <td>the binary layout (Agrona {@code RingBufferDescriptor} style): control line, sleep request,
 *           sleeper slots, active bits, lane table, rings; the record header</td>
 *       <td>the {@code SharedPriorityQueue*Test}s</td>
 *       <td>the {@code SharedPriorityQueue*Test}s</td>
 *       <td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.queue;
