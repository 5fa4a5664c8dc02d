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
 *   <li><b>Ordering</b>: a receive returns the highest priority present, and among those the oldest
 *       (FIFO within a priority, by send sequence number) between live processes.</li>
 *   <li><b>Progress</b>: sends and receives are lock-free among live processes (a claim is one
 *       compare-and-set on a slot's state word; a failed CAS means another operation succeeded); a
 *       process stalled (not dead) inside an operation holds only its own slot.</li>
 *   <li><b>Crash safety</b>: no loss, no duplicate, no torn message: a slot claimed by a dead writer is
 *       freed, one claimed by a dead reader becomes ready again with its priority and sequence number;
 *       a stopped process is never judged dead.</li>
 *   <li><b>Memory ordering</b>: a message becomes visible only by the (volatile, hence releasing)
 *       store that publishes its slot, after its last byte; the receiving process reads it after
 *       acquiring that state.</li>
 *   <li><b>Fairness and blocking</b>: none among waiting senders or receivers. {@code trySend}/{@code
 *       tryReceive} never wait; {@code send}/{@code receive} and the timed forms spin briefly, then in
 *       {@link dev.lockstep.ipc.shm.WaitMode#FUTEX} sleep in the kernel on the queue's not-empty /
 *       not-full futex word (woken by the send or receive that makes them possible, each sleep at most
 *       {@link dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS} ms), else poll with an Agrona
 *       {@code IdleStrategy} (default {@link dev.lockstep.ipc.shm.Idle#backoff()}); they throw
 *       {@link java.lang.InterruptedException} when interrupted. Virtual threads always poll (the idle
 *       strategies park, so a waiting virtual thread unmounts).</li>
 *   <li><b>Allocation</b>: receives copy into the caller's buffer and allocate nothing.</li>
 * </ul>
 *
 * <h2>Classes, their tests and benchmarks</h2>
 * Tests are in {@code ipc/src/test/java/dev/lockstep/ipc/queue} (child JVMs in {@code
 * SharedPriorityQueueChildren}); jcstress tests in {@code jcstress-tests/.../jcstress/ipc}; benchmarks
 * in {@code jmh/.../jmh/ipc}. No Lincheck checks.
 *
 * <table>
 *   <caption>The ipc queue classes: algorithm, tests, jcstress tests, JMH benchmarks</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit and process tests</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.queue.SharedPriorityQueue}</td>
 *       <td>slots with an owner-naming state word (FREE, WRITING(owner), READY(priority, sequence),
 *           READING(owner)) claimed by compare-and-set, ready bits for the scan; recovery scans of
 *           stuck slots; contract of POSIX message queues and Boost.Interprocess {@code
 *           message_queue}</td>
 *       <td>{@code SharedPriorityQueueTest}, {@code SharedPriorityQueueProcessTest}, {@code
 *           SharedPriorityQueueCrashTest}, {@code SharedPriorityQueueFaultTest}, {@code
 *           SharedPriorityQueueFutexTest}</td>
 *       <td>{@code SharedPriorityQueueFifoTest}, {@code SharedPriorityQueueReusedSlotFifoTest}, {@code
 *           SharedPriorityQueueRecoveryRaceTest}, {@code SharedPriorityQueueWakeupTest}, {@code
 *           SharedPriorityQueueFullWakeupTest}</td>
 *       <td>{@code SharedPriorityQueueBench.receiveSend1}, {@code receiveSend2} ({@code
 *           impl=SharedPriorityQueue}, against {@code PriorityBlockingQueue}); between processes: {@code
 *           IpcRoundTripBench.roundTrip}, {@code IpcThroughputBench.send} ({@code
 *           mechanism=lockstepPriorityQueue})</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.queue.PriorityQueueDescriptor}</td>
 *       <td>the binary layout (Agrona {@code RingBufferDescriptor} style) and the state-word
 *           encoding</td>
 *       <td>the {@code SharedPriorityQueue*Test}s</td>
 *       <td>{@code SharedPriorityQueueReusedSlotFifoTest}, {@code SharedPriorityQueueRecoveryRaceTest}</td>
 *       <td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.queue;
