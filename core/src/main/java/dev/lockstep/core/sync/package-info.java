/**
 * Blocking synchronizers that spin briefly and then park, written without {@code
 * AbstractQueuedSynchronizer}: a reentrant {@link dev.lockstep.core.sync.Mutex} with conditions, a
 * {@link dev.lockstep.core.sync.ReadWriteMutex}, a {@link dev.lockstep.core.sync.Semaphore}, a {@link
 * dev.lockstep.core.sync.Latch}, an {@link dev.lockstep.core.sync.Event}, cyclic barriers ({@link
 * dev.lockstep.core.sync.Barrier}, {@link dev.lockstep.core.sync.SpinBarrier}), a {@link
 * dev.lockstep.core.sync.Monitor} with guards and a {@link dev.lockstep.core.sync.SeqLock}; and the
 * diagnostics for {@code Mutex}: {@link dev.lockstep.core.sync.Lockdep} (lock-order checking) and
 * {@link dev.lockstep.core.sync.DeadlockDetector} (wait-for graph).
 *
 * <h2>Choosing a synchronizer</h2>
 * <ul>
 *   <li>Mutual exclusion with reentrancy, conditions, owner and queue queries, lock-order checking:
 *       {@code Mutex} (drop-in for {@link java.util.concurrent.locks.ReentrantLock}); for waiting on
 *       boolean conditions without {@code signal} calls to forget: {@code Monitor}.</li>
 *   <li>Read-mostly data: {@code ReadWriteMutex} (drop-in for {@link
 *       java.util.concurrent.locks.ReentrantReadWriteLock}, writer preference); {@code SeqLock} when
 *       the data is a few primitives and readers must not write shared memory at all.</li>
 *   <li>Counting permits: {@code Semaphore}; one-shot "all done": {@code Latch}; a resettable signal
 *       (manual or auto reset): {@code Event}.</li>
 *   <li>Phases of a fixed group of threads: {@code Barrier} (parks; drop-in for {@link
 *       java.util.concurrent.CyclicBarrier}); {@code SpinBarrier} only when each thread owns a core and
 *       the phases last microseconds.</li>
 *   <li>The fixed-thread-count, textbook spin locks are in {@code dev.lockstep.core.lock}.</li>
 * </ul>
 *
 * <h2>Properties shared by the family</h2>
 * <ul>
 *   <li><b>Progress</b>: blocking. Uncontended operations are one compare-and-set (or one acquire
 *       load: an open {@code Latch}, a set manual {@code Event}); {@code Latch.countDown} is lock-free;
 *       {@code SeqLock} readers take no lock and are retried when a writer ran (a stream of writers can
 *       starve them).</li>
 *   <li><b>Fairness</b>: {@code Mutex}, {@code ReadWriteMutex}, {@code Semaphore} and {@code Monitor}
 *       are unfair (barging) by default and FIFO when constructed fair (the untimed {@code tryLock} /
 *       {@code tryAcquire} barge in both modes, as in the JDK); {@code ReadWriteMutex} prefers waiting
 *       writers in both modes; waiters of {@code Latch}, {@code Event} and the barriers are released
 *       together (auto-reset {@code Event}: one, unspecified which).</li>
 *   <li><b>Memory ordering</b>: the contracts of the JDK classes they mirror: an unlock / release /
 *       {@code countDown} / {@code set} happens-before the acquisition or the return from {@code await}
 *       that it enables; actions before a barrier's {@code await} happen-before its barrier action,
 *       which happens-before every return of that round. {@code SeqLock}: a validated read sees the
 *       data of one write, never a mix.</li>
 *   <li><b>Blocking</b>: waiters enter the waiting layer {@code dev.lockstep.core.internal.WaitQueue}
 *       (one spinner at a time, the others queue a reusable per-thread node and park with {@link
 *       java.util.concurrent.locks.LockSupport}; {@code ReadWriteMutex} lets every waiter spin and yield
 *       before it queues); {@code SpinBarrier} and {@code SeqLock} writers wait by
 *       {@link dev.lockstep.core.internal.SpinPolicy} (spin, yield, short timed parks). Interruptible
 *       and timed methods honour interrupts and deadlines (never early); a waiter that gives up passes
 *       on any wake-up it was chosen for, so no signal is lost. User code (barrier actions, guards)
 *       may throw: the exception propagates and waiters still wake.</li>
 *   <li><b>Virtual threads</b>: waiting parks, so a virtual thread unmounts and pins no carrier
 *       (checked with JFR's {@code jdk.VirtualThreadPinned} by {@code VirtualThreadsTest}); {@code DeadlockDetector} sees virtual threads too.</li>
 * </ul>
 *
 * <h2>Classes, their sources, tests and benchmarks</h2>
 * Unit tests are in {@code core/src/test/java/dev/lockstep/core/sync} (the {@code *JdkContractTest}s
 * run the JDK class and ours through the same checks); Lincheck checks in {@code
 * core/src/test/java/dev/lockstep/core/lincheck}; jcstress tests in {@code jcstress-tests/.../jcstress/sync}
 * (the waiting layer itself: {@code jcstress/wait}); benchmarks in {@code jmh/.../jmh/sync}, where the
 * {@code @Param impl} value is the one given in brackets.
 *
 * <table>
 *   <caption>The synchronizers: algorithm, unit tests, Lincheck, jcstress tests, JMH benchmarks</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit tests</th><th>Lincheck</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.Mutex}</td>
 *       <td>unfair: a state word holding only LOCKED, waiters and the pending wake-up outside it
 *           (AQS-style release: volatile store, then read the queue); fair: LOCKED and PARKED bits
 *           in the word (Drepper, <i>Futexes Are Tricky</i>, 2011, mutex #3; WebKit's {@code
 *           WTF::Lock}, Pizlo 2016) and direct hand-off; both over the waiting layer; conditions in a
 *           package-private FIFO list</td>
 *       <td>{@code MutexTest}, {@code MutexConditionTest}, {@code MutexCallbackTest}, {@code
 *           MutexJdkContractTest}, {@code VirtualThreadsTest}</td>
 *       <td>none</td>
 *       <td>{@code MutexMutualExclusionTest}, {@code MutexFairMutualExclusionTest}, {@code
 *           MutexConditionNoLostWakeupTest}</td>
 *       <td>{@code MutexBench.uncontended1}, {@code contended2}, {@code oversubscribed4}, {@code
 *           oversubscribed8} ({@code Mutex}, {@code MutexFair})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.ReadWriteMutex}</td>
 *       <td>one 64-bit word (readers, writer bit, waiting writers), writer preference, over the waiting
 *           layer (every waiter may spin and yield before it queues)</td>
 *       <td>{@code ReadWriteMutexTest}, {@code ReadWriteMutexJdkContractTest}</td>
 *       <td>{@code ReadWriteMutexLincheckTest}</td>
 *       <td>{@code ReadWriteMutexWriteExclusionTest}, {@code ReadWriteMutexReadWriteExclusionTest}</td>
 *       <td>{@code ReadMostlyBench.uncontended1}, {@code contended2}, {@code oversubscribed4}, {@code
 *           oversubscribed8} ({@code ReadWriteMutex})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.Semaphore}</td>
 *       <td>permit count changed by compare-and-set, over the waiting layer (unfair: one woken waiter
 *           at a time, with propagation)</td>
 *       <td>{@code SemaphoreTest}, {@code SemaphoreJdkContractTest}, {@code VirtualThreadsTest}</td>
 *       <td>{@code SemaphoreLincheckTest}</td>
 *       <td>{@code SemaphorePermitConservationTest}, {@code SemaphoreNoLostWakeupTest}</td>
 *       <td>{@code SemaphoreBench.uncontended1}, {@code contended2}, {@code oversubscribed4}, {@code
 *           oversubscribed8} ({@code Semaphore}, {@code SemaphoreFair})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.Latch}</td>
 *       <td>count word decremented by compare-and-set; the final count-down grants every waiter of the
 *           waiting layer</td>
 *       <td>{@code LatchTest}, {@code LatchJdkContractTest}, {@code VirtualThreadsTest}</td>
 *       <td>{@code LatchEventLincheckTest}</td>
 *       <td>{@code LatchLostWakeupTest}</td>
 *       <td>{@code LatchBench.countDownGetCount1}, {@code countDownGetCount2}, {@code awaitOpen}
 *           ({@code Latch})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.Event}</td>
 *       <td>Win32/.NET manual- and auto-reset events: one state word (set bit, epoch) by
 *           compare-and-set, over the waiting layer</td>
 *       <td>{@code EventTest}, {@code VirtualThreadsTest}, {@code SyncArgumentChecksTest}</td>
 *       <td>{@code LatchEventLincheckTest}</td>
 *       <td>{@code EventManualResetLostWakeupTest}, {@code EventAutoResetLostWakeupTest}</td>
 *       <td>{@code EventBench.roundTrip} ({@code Event})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.Barrier}</td>
 *       <td>{@code CyclicBarrier} semantics; one recycled round record (packed state word and a wait
 *           queue of the waiting layer) per round</td>
 *       <td>{@code BarrierTest}, {@code BarrierCallbackTest}, {@code BarrierJdkContractTest}, {@code
 *           VirtualThreadsTest}</td>
 *       <td>none</td>
 *       <td>{@code BarrierNoEarlyDepartureTest}, {@code BarrierLostWakeupTest}</td>
 *       <td>{@code BarrierBench.roundTrip2} ({@code Barrier})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.SpinBarrier}</td>
 *       <td>sense-reversing centralized barrier (Herlihy &amp; Shavit &sect;17.3; Mellor-Crummey &amp;
 *           Scott, ACM TOCS 1991), phase and count in one word</td>
 *       <td>{@code SpinBarrierTest}, {@code SyncArgumentChecksTest}</td>
 *       <td>none</td>
 *       <td>{@code SpinBarrierNoEarlyDepartureTest}</td>
 *       <td>{@code BarrierBench.roundTrip2} ({@code SpinBarrier})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.Monitor}</td>
 *       <td>monitor with guards (Hoare, CACM 1974; Brinch Hansen 1973) with implicit signalling on
 *           declarative conditions, as in Guava's {@code Monitor} (Buhr, Fortier &amp; Coffin, ACM
 *           Computing Surveys 1995); Mesa semantics; a {@code Mutex} with one condition per guard</td>
 *       <td>{@code MonitorTest}, {@code MonitorCallbackTest}, {@code MonitorExamplesTest} (with {@code
 *           MonitorBoundedBuffer}, {@code MonitorDiningPhilosophers}), {@code VirtualThreadsTest}</td>
 *       <td>none</td>
 *       <td>{@code MonitorMutualExclusionTest}, {@code MonitorGuardLostWakeupTest}</td>
 *       <td>{@code MonitorBench.pc1} ({@code pc1Put}/{@code pc1Take}), {@code MonitorBench.pc4}
 *           ({@code pc4Put}/{@code pc4Take}) ({@code Monitor})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.SeqLock}</td>
 *       <td>sequence lock after the Linux kernel's {@code seqlock_t} and Boehm, <i>Can Seqlocks Get
 *           Along With Programming Language Memory Models?</i>, MSPC 2012</td>
 *       <td>{@code SeqLockTest}, {@code SyncArgumentChecksTest}</td>
 *       <td>{@code SeqLockLincheckTest}</td>
 *       <td>{@code SeqLockTornReadTest}</td>
 *       <td>{@code ReadMostlyBench.uncontended1}, {@code contended2}, {@code oversubscribed4}, {@code
 *           oversubscribed8} ({@code SeqLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.Lockdep}</td>
 *       <td>lock-order graph checking in the style of the Linux kernel's lockdep</td>
 *       <td>{@code LockdepTest} (with child JVMs, {@code LockdepChild}), {@code MutexCallbackTest}</td>
 *       <td>none</td><td>none</td>
 *       <td>{@code LockdepBench.nested} ({@code off}, {@code warn})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.PotentialDeadlockException}</td>
 *       <td>the report of {@code Lockdep}: both acquisition stack traces, the reverse path</td>
 *       <td>{@code LockdepTest}, {@code MutexCallbackTest}</td>
 *       <td>none</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.core.sync.DeadlockDetector}</td>
 *       <td>wait-for graph over the waiting layer's node registry; each cycle found is checked a second
 *           time, edge by edge</td>
 *       <td>{@code DeadlockDetectorTest} (and {@code WaitNodeRegistryTest} in {@code core.internal})</td>
 *       <td>none</td><td>none</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.core.sync;
