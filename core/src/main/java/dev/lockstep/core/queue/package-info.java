/**
 * Concurrent queues: bounded array rings for every producer/consumer shape (SPSC, MPSC, SPMC, MPMC), an
 * unbounded MPSC queue, a bounded priority queue, and {@link java.util.concurrent.BlockingQueue}
 * versions of the bounded queues. All implement {@link dev.lockstep.core.queue.ConcurrentQueue}.
 *
 * <p>Not every class here is lock-free. The rings and the unbounded queue are non-blocking (with the
 * short waits for another thread's few instructions listed below); {@link
 * dev.lockstep.core.queue.PriorityMessageQueue} runs every change under a lock (a short critical section
 * under a {@link dev.lockstep.core.lock.TtasLock}); and the {@code *BlockingQueue} classes and {@code
 * PriorityMessageQueue}'s {@code put}/{@code take} park the calling thread until the other side wakes it.
 *
 * <h2>Choosing a queue</h2>
 * <ul>
 *   <li>Pick the narrowest shape the threads allow: {@link dev.lockstep.core.queue.SpscArrayQueue} (one
 *       producer thread, one consumer thread) is the fastest, then {@link
 *       dev.lockstep.core.queue.MpscArrayQueue} (an actor's or event loop's mailbox), {@link
 *       dev.lockstep.core.queue.SpmcArrayQueue} (one dispatcher, many workers), {@link
 *       dev.lockstep.core.queue.MpmcArrayQueue} (any threads; the only ring with removal from the
 *       middle). Breaking a shape's thread discipline loses or duplicates elements.</li>
 *   <li>No bound wanted on the MPSC path: {@link dev.lockstep.core.queue.MpscUnboundedQueue}.</li>
 *   <li>Messages with a priority: {@link dev.lockstep.core.queue.PriorityMessageQueue} (highest priority
 *       first, FIFO within a priority, already a {@code BlockingQueue}).</li>
 *   <li>Threads that must sleep while the queue is empty or full, or a {@code ThreadPoolExecutor} work
 *       queue: the blocking version of the shape, {@link dev.lockstep.core.queue.SpscBlockingQueue},
 *       {@link dev.lockstep.core.queue.MpscBlockingQueue}, {@link
 *       dev.lockstep.core.queue.SpmcBlockingQueue}, {@link dev.lockstep.core.queue.MpmcBlockingQueue}
 *       (each class says whether it can serve as a {@code ThreadPoolExecutor} work queue).</li>
 * </ul>
 *
 * <h2>Properties shared by the family</h2>
 * <ul>
 *   <li><b>Progress</b>: {@code SpscArrayQueue} is wait-free. {@code MpscArrayQueue}'s producers and
 *       {@code SpmcArrayQueue}'s consumers are lock-free; {@code MpmcArrayQueue}'s relaxed methods and
 *       {@code drain} are lock-free; {@code MpscUnboundedQueue}'s producers are lock-free except during a
 *       chunk switch. The strict {@code offer}/{@code poll}/{@code peek} of the multi-threaded rings may
 *       wait (per {@link dev.lockstep.core.internal.SpinPolicy}) for another thread that is inside a few
 *       instructions of the queue, never for user code; each class lists these waits. {@code
 *       PriorityMessageQueue} is blocking (a lock); so are the {@code *BlockingQueue} adapters' waiting
 *       methods.</li>
 *   <li><b>Ordering and linearizability</b>: FIFO in claim order (per producer: program order); the
 *       priority queue is FIFO within a priority. {@code offer}/{@code poll}/{@code peek} are
 *       linearizable (checked with Lincheck); what the batch operations {@code fill} and {@code drain}
 *       give up is stated in each class.</li>
 *   <li><b>Memory ordering</b>: as for {@link java.util.concurrent.BlockingQueue}: actions of a thread
 *       before it inserts an element happen-before actions after another thread removes or reads that
 *       element (the element is published with a release store or a read-modify-write and taken with an
 *       acquire load).</li>
 *   <li><b>Blocking and fairness</b>: the non-blocking methods never park. The blocking methods ({@code
 *       put}, {@code take}, timed {@code offer}/{@code poll}) wait in the one waiting layer ({@code
 *       dev.lockstep.core.internal.WaitQueue}: a not-empty and a not-full wait set per queue): one
 *       spinner at a time, then they link their node, re-check and park until the other side grants
 *       one waiter, which retries (no lost wake-up); they are interruptible and timed waits never
 *       return early. Waiters are not served in FIFO order (a woken waiter races arriving threads).</li>
 *   <li><b>Virtual threads</b>: waiting is {@link java.util.concurrent.locks.LockSupport#park(Object)}
 *       (blocking adapters) or the spin-yield-park policy (strict waits, the priority queue's lock), so
 *       a waiting virtual thread unmounts and pins no carrier.</li>
 *   <li><b>User code and allocation</b>: handlers, suppliers and {@code drainTo} targets may throw,
 *       block or re-enter; nothing is lost or duplicated (see {@link
 *       dev.lockstep.core.queue.ConcurrentQueue}). {@code offer}/{@code poll} allocate nothing after
 *       construction (the unbounded queue allocates a chunk when its spare is in use). Null elements
 *       are rejected.</li>
 * </ul>
 *
 * <h2>Classes, their sources, tests and benchmarks</h2>
 * Unit tests are in {@code core/src/test/java/dev/lockstep/core/queue}; the tests named for "every ring"
 * run over the four bounded rings through the test helper {@code QueueKind}. Lincheck checks are in
 * {@code core/src/test/java/dev/lockstep/core/lincheck}; jcstress tests in {@code
 * jcstress-tests/.../jcstress/queue}; benchmarks in {@code jmh/.../jmh/queue}, where {@code
 * impl=Lockstep} selects this package's class.
 *
 * <table>
 *   <caption>The queues: algorithm, unit tests, Lincheck, jcstress tests, JMH benchmarks</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit tests</th><th>Lincheck</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.ConcurrentQueue}</td>
 *       <td>the interface: relaxed and batch operations, the user-code and iteration contract</td>
 *       <td>every ring: {@code ArrayQueueContractTest}, {@code ArrayQueueStressTest}, {@code
 *           RingIteratorContractTest}, {@code RingCallbackTest}, {@code RingDefectRegressionTest}</td>
 *       <td>(per class)</td><td>(per class)</td><td>(per class)</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.SpscArrayQueue}</td>
 *       <td>Lamport's SPSC ring (TOPLAS 1983), slots as full/empty flags (FastForward, Giacomoni et al.,
 *           PPoPP 2008), look-ahead producer limit (B-Queue, Wang et al., IJPP 2013; as JCTools)</td>
 *       <td>every-ring tests</td>
 *       <td>{@code ArrayQueueLincheckTest.Spsc}</td>
 *       <td>{@code SpscArrayQueueOfferPollTest}, {@code SpscArrayQueueFillDrainTest}, {@code
 *           SpscArrayQueuePollOnEmptyTest}, {@code SpscArrayQueueSizeBoundsTest}</td>
 *       <td>{@code SpscQueueBench.tpt} ({@code offer}/{@code poll}), {@code
 *           SpscQueueBench.burstRoundTrip}, {@code uncontended} (one thread)</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.MpscArrayQueue}</td>
 *       <td>as JCTools' {@code MpscArrayQueue} (Wakart, Thompson et al.): CAS on the producer index with
 *           a cached limit; slots as full flags (FastForward)</td>
 *       <td>every-ring tests</td>
 *       <td>{@code ArrayQueueLincheckTest.Mpsc}, {@code ArrayQueueLincheckTest.MpscFill}</td>
 *       <td>{@code MpscArrayQueueOfferPollTest}, {@code MpscArrayQueueFillDrainTest}, {@code
 *           MpscArrayQueuePollOnEmptyTest}, {@code MpscArrayQueueSizeBoundsTest}</td>
 *       <td>{@code MpscQueueBench.tpt} ({@code offer}/{@code poll}), {@code
 *           MpscQueueBench.burstRoundTrip}</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.SpmcArrayQueue}</td>
 *       <td>as JCTools' {@code SpmcArrayQueue}: CAS on the consumer index, shared producer-index cache;
 *           slots as full flags (FastForward)</td>
 *       <td>every-ring tests</td>
 *       <td>{@code ArrayQueueLincheckTest.Spmc}</td>
 *       <td>{@code SpmcArrayQueueOfferPollTest}, {@code SpmcArrayQueueFillDrainTest}, {@code
 *           SpmcArrayQueuePollOnEmptyTest}, {@code SpmcArrayQueueSizeBoundsTest}</td>
 *       <td>{@code SpmcQueueBench.tpt} ({@code offer}/{@code poll}), {@code
 *           SpmcQueueBench.burstRoundTrip}</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.MpmcArrayQueue}</td>
 *       <td>Vyukov's bounded MPMC queue (1024cores.net, 2010; also JCTools' {@code MpmcArrayQueue}):
 *           a sequence number per slot</td>
 *       <td>every-ring tests</td>
 *       <td>{@code ArrayQueueLincheckTest.Mpmc}, {@code ArrayQueueLincheckTest.MpmcFill}</td>
 *       <td>{@code MpmcArrayQueueOfferPollTest}, {@code MpmcArrayQueueFillDrainTest}, {@code
 *           MpmcArrayQueuePollOnEmptyTest}, {@code MpmcArrayQueueSizeBoundsTest}, {@code
 *           MpmcArrayQueueRemovePollTest}</td>
 *       <td>{@code MpmcQueueBench.tpt} ({@code offer}/{@code poll}), {@code tpt1p1c} (1 producer +
 *           1 consumer), {@code parked1p1c} (the consumer parks when empty), {@code
 *           MpmcQueueBench.burstRoundTrip}</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.MpscUnboundedQueue}</td>
 *       <td>JCTools' {@code MpscUnboundedArrayQueue} (Wakart, 2016): a linked list of array chunks, one
 *           spare chunk recycled</td>
 *       <td>{@code MpscUnboundedQueueTest}, {@code RingCallbackTest}, {@code RingDefectRegressionTest},
 *           {@code RingIteratorContractTest}</td>
 *       <td>{@code MpscUnboundedQueueLincheckTest}</td>
 *       <td>{@code MpscUnboundedQueueOfferPollTest}, {@code MpscUnboundedQueueFillDrainTest}, {@code
 *           MpscUnboundedQueuePollOnEmptyTest}, {@code MpscUnboundedQueueSizeBoundsTest}</td>
 *       <td>{@code MpscUnboundedQueueBench.tpt} ({@code offer}/{@code poll}), {@code
 *           offerBoundedBacklog}, {@code pollCounted}, {@code burstRoundTrip}</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.PriorityMessageQueue}</td>
 *       <td>bucket queue (Dial, CACM 1969; the bitmap run queues of O(1) schedulers) under a {@code
 *           TtasLock}; blocking through the shared adapter</td>
 *       <td>{@code PriorityMessageQueueTest}, {@code PriorityMessageQueueWakeupTest}, {@code
 *           BlockingQueueAdaptersTest}, {@code BlockingQueueCallbackTest}, {@code
 *           BlockingQueueJdkContractTest}, {@code BlockingQueueThreadPoolTest}</td>
 *       <td>{@code PriorityMessageQueueLincheckTest}</td>
 *       <td>{@code PriorityMessageQueueOrderTest}, {@code PriorityMessageQueueProducerConsumerOrderTest},
 *           {@code PriorityMessageQueuePutWakeupTest}, {@code PriorityMessageQueueTakeWakeupTest}</td>
 *       <td>{@code PriorityQueueBench.pollOffer1}, {@code pollOffer2}</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.SpscBlockingQueue}</td>
 *       <td>{@code SpscArrayQueue} + the package's blocking adapter (spin, then announce/re-check and
 *           park: a sleep-request/acknowledge handshake, no fence while nobody waits; put-back
 *           stack for {@code drainTo})</td>
 *       <td>{@code BlockingQueueAdaptersTest}, {@code BlockingQueueCallbackTest}, {@code
 *           BlockingQueueJdkContractTest}, {@code BlockingQueueThreadPoolTest}, {@code
 *           BlockingQueueSleepHandshakeTest}</td>
 *       <td>{@code BlockingQueueLincheckTest}</td>
 *       <td>{@code SpscBlockingQueuePutWakeupTest}, {@code SpscBlockingQueueTakeWakeupTest}, {@code
 *           SpscBlockingQueuePutHandshakeTest}, {@code SpscBlockingQueueTakeHandshakeTest}, {@code
 *           SpscBlockingQueueDrainToTest}</td>
 *       <td>{@code BlockingQueueBench.spsc} ({@code spscPut}/{@code spscTake}), {@code spscUncontended}</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.MpscBlockingQueue}</td>
 *       <td>{@code MpscArrayQueue} + the blocking adapter</td>
 *       <td>{@code BlockingQueueAdaptersTest}, {@code BlockingQueueCallbackTest}, {@code
 *           BlockingQueueJdkContractTest}, {@code BlockingQueueThreadPoolTest}</td>
 *       <td>{@code BlockingQueueLincheckTest}</td>
 *       <td>{@code MpscBlockingQueuePutWakeupTest}, {@code MpscBlockingQueueTakeWakeupTest}, {@code
 *           MpscBlockingQueueDrainToTest}</td>
 *       <td>{@code BlockingQueueBench.mpsc} ({@code mpscPut}/{@code mpscTake})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.SpmcBlockingQueue}</td>
 *       <td>{@code SpmcArrayQueue} + the blocking adapter</td>
 *       <td>{@code BlockingQueueAdaptersTest}, {@code BlockingQueueCallbackTest}, {@code
 *           BlockingQueueJdkContractTest}, {@code BlockingQueueThreadPoolTest}</td>
 *       <td>{@code BlockingQueueLincheckTest}</td>
 *       <td>{@code SpmcBlockingQueuePutWakeupTest}, {@code SpmcBlockingQueueTakeWakeupTest}</td>
 *       <td>{@code BlockingQueueBench.spmc} ({@code spmcPut}/{@code spmcTake})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.queue.MpmcBlockingQueue}</td>
 *       <td>{@code MpmcArrayQueue} + the blocking adapter</td>
 *       <td>{@code BlockingQueueAdaptersTest}, {@code BlockingQueueCallbackTest}, {@code
 *           BlockingQueueJdkContractTest}, {@code BlockingQueueThreadPoolTest}</td>
 *       <td>{@code BlockingQueueLincheckTest}</td>
 *       <td>{@code MpmcBlockingQueuePutWakeupTest}, {@code MpmcBlockingQueueTakeWakeupTest}, {@code
 *           MpmcBlockingQueueDrainToPutBackTest}</td>
 *       <td>{@code BlockingQueueBench.mpmc} ({@code mpmcPut}/{@code mpmcTake})</td></tr>
 * </table>
 */
package dev.lockstep.core.queue;
