/**
 * Crash-robust synchronizers between processes, over memory-mapped files
 * ({@link dev.lockstep.ipc.shm.SharedFile}): {@link dev.lockstep.ipc.sync.IpcMutex},
 * {@link dev.lockstep.ipc.sync.IpcSemaphore}, {@link dev.lockstep.ipc.sync.IpcBarrier},
 * {@link dev.lockstep.ipc.sync.IpcEvent}.
 *
 * <h2>Choosing a synchronizer</h2>
 * <ul>
 *   <li>Mutual exclusion between processes, with notice of a dead owner so the protected state can be
 *       repaired: {@code IpcMutex} (the POSIX {@code PTHREAD_MUTEX_ROBUST} contract).</li>
 *   <li>A pool of permits whose dead holders' permits come back: {@code IpcSemaphore} (System V
 *       {@code SEM_UNDO}).</li>
 *   <li>Processes meeting at a common point, broken for the others if one dies: {@code
 *       IpcBarrier}.</li>
 *   <li>"Ready" signals from one process to others, manual or auto reset: {@code IpcEvent}.</li>
 *   <li>Between threads of one process, use {@code dev.lockstep.core.sync} instead: it parks and
 *       unparks, which a process cannot do to another.</li>
 * </ul>
 *
 * <h2>Crash-recovery contract</h2>
 * Every participant that owns something (a lock, permits, a party slot) is recorded in the file by a
 * token of the folder's {@link dev.lockstep.ipc.shm.Participants} registry (pid, process start time,
 * PID namespace, heartbeat), written with one atomic store or CAS, so a reused pid is never mistaken
 * for it and a live process is never robbed. Death is detected by waiters, which check the recorded
 * owners' liveness ({@link dev.lockstep.ipc.shm.ProcessIdentity}, /proc, ~10 µs; in another PID
 * namespace by a stale heartbeat confirmed by the kernel) after their spin phase and then every
 * millisecond (property {@code lockstep.ipc.livenessCheckMicros}), never on every poll; a stopped
 * process is never judged dead:
 * <table>
 *   <caption>What happens when a participant dies</caption>
 *   <tr><th>structure</th><th>participant dies</th><th>the others get</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcMutex}</td><td>owner, holding the lock</td><td>the next
 *       acquirer gets the lock with {@link dev.lockstep.ipc.sync.LockStatus#OWNER_DIED} (or
 *       {@link dev.lockstep.ipc.sync.OwnerDiedException} from the {@code Lock} methods, lock held),
 *       sticky until {@code markConsistent()}</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcSemaphore}</td><td>holder of permits (even mid-update)</td>
 *       <td>its permits back in the pool; nothing to do</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcBarrier}</td><td>a registered party</td><td>waiters:
 *       {@link java.util.concurrent.BrokenBarrierException} naming the dead pid; {@code reset()} frees
 *       its slot for a replacement</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcEvent}</td><td>a setter</td><td>nothing is owned: the
 *       event keeps its state; use timed waits</td></tr>
 * </table>
 *
 * <h2>Properties shared by the family</h2>
 * <ul>
 *   <li><b>Progress</b>: blocking; every state change is one compare-and-set or store on a word of the
 *       mapped file (the semaphore's table updates under a robust guard whose dead holder is taken over
 *       by compare-and-set of its token). A dead participant never blocks the others for good.</li>
 *   <li><b>Fairness</b>: none; waiters poll (or sleep and re-poll) and whoever succeeds first wins. A
 *       lock held by a live process is never taken away.</li>
 *   <li><b>Memory ordering</b>: an unlock, release, last arrival or {@code set()} is a release store
 *       or a compare-and-set, and a waiter's successful read or CAS acquires it: actions of one process
 *       before it unlocks (mutex), arrives (barrier) or sets (event) are visible to the process that
 *       acquires, leaves the barrier or returns from {@code await} after it ({@code IpcBarrier} and
 *       {@code IpcEvent} state it as their memory effects).</li>
 *   <li><b>Waiting</b> ({@link dev.lockstep.ipc.shm.WaitMode}): a blocking call spins briefly, then, in
 *       {@code FUTEX} mode (Linux, JDK 22+, native access allowed; the default there), sleeps in the
 *       kernel on a futex word of the file ({@code dev.lockstep.ipc.wait.WaitWord}: the releaser makes a
 *       system call only when a sleeper announced itself), each sleep at most {@link
 *       dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS} ms; in {@code POLL} mode, or with an idle
 *       strategy set by {@code setIdleStrategy}, it polls shared memory and idles with an Agrona {@link
 *       org.agrona.concurrent.IdleStrategy} (default {@link dev.lockstep.ipc.shm.Idle#backoff()}; the
 *       latency / CPU table is in {@link dev.lockstep.ipc.shm.Idle}), created only when a call first has
 *       to wait and then kept by the instance for its later waits (one spare per instance: a call
 *       that waits allocates nothing while one thread of the process at a time waits on it).
 *       Interrupts and deadlines are checked after every idle or sleep.</li>
 *   <li><b>Virtual threads</b>: they always poll (a futex downcall would pin their carrier), and the
 *       idle strategies park, so a waiting virtual thread unmounts.</li>
 * </ul>
 *
 * <h2>Classes, their sources, tests and benchmarks</h2>
 * Unit and multi-process tests are in {@code ipc/src/test/java/dev/lockstep/ipc/sync} (real child JVMs,
 * real signals, PID namespaces: {@code NamespaceLivenessTest}; another user: {@code OtherUsersTest} in
 * {@code shm}); {@code ForgedHeaderTest} checks every structure's file validation, {@code
 * IdleWaiterCpuTest} the CPU of a waiter, {@code SyncFutexTest} the kernel sleeping of the mutex,
 * semaphore and barrier; jcstress tests in {@code jcstress-tests/.../jcstress/ipc}; the benchmark is
 * {@code jmh/.../jmh/ipc/IpcMutexBench}. No Lincheck checks.
 *
 * <table>
 *   <caption>The ipc synchronizers: algorithm, tests, jcstress tests, JMH benchmarks</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit and process tests</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcMutex}</td>
 *       <td>test-and-test-and-set lock over a word holding the owner's token (Herlihy &amp; Shavit
 *           7.3) with the owner-recording of Linux robust futexes</td>
 *       <td>{@code IpcMutexTest}, {@code IpcMutexCrashTest}, {@code NamespaceLivenessTest}, {@code
 *           SyncFutexTest}, {@code IdleWaiterCpuTest}, {@code ForgedHeaderTest}</td>
 *       <td>{@code IpcMutexMutualExclusionTest}</td>
 *       <td>{@code IpcMutexBench.uncontended}, {@code IpcMutexBench.twoProcesses} ({@code
 *           impl=ipcMutex}, against {@code fileLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcSemaphore}</td>
 *       <td>per-process permit table and available count under a robust guard, recomputed after a
 *           death; System V semaphores' undo lists ({@code semop(2)}, {@code SEM_UNDO})</td>
 *       <td>{@code IpcSemaphoreTest}, {@code NamespaceLivenessTest}, {@code SyncFutexTest}, {@code
 *           IdleWaiterCpuTest}, {@code ForgedHeaderTest}</td>
 *       <td>{@code IpcSemaphoreOnePermitTest}</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcBarrier}</td>
 *       <td>sense-reversing (generation-counting) centralized barrier with a broken bit; Mellor-Crummey
 *           &amp; Scott 1991, Herlihy &amp; Shavit 17.3</td>
 *       <td>{@code IpcBarrierTest}, {@code NamespaceLivenessTest}, {@code SyncFutexTest}, {@code
 *           IdleWaiterCpuTest}, {@code ForgedHeaderTest}</td>
 *       <td>{@code IpcBarrierNoEarlyDepartureTest}</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcEvent}</td>
 *       <td>Win32 event semantics over one word: volatile store to set, CAS 1 to 0 to consume
 *           (auto-reset); futex word protocol of {@code WaitWord}</td>
 *       <td>{@code IpcEventTest}, {@code IpcEventFutexTest}, {@code WakeLatencyTest}, {@code
 *           IdleWaiterCpuTest}</td>
 *       <td>{@code IpcEventVisibilityTest}; the futex word: {@code WaitWordNoLostWakeupTest}, {@code
 *           WaitWordStolenWakeTest}</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.LockStatus}</td>
 *       <td>result of {@code IpcMutex}'s robust acquisitions</td>
 *       <td>{@code IpcMutexTest}, {@code IpcMutexCrashTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.OwnerDiedException}</td>
 *       <td>a dead previous owner, reported by the {@code Lock} methods after acquiring</td>
 *       <td>{@code IpcMutexTest}</td><td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.sync.IpcMutexDescriptor}, {@link
 *       dev.lockstep.ipc.sync.IpcSemaphoreDescriptor}, {@link dev.lockstep.ipc.sync.IpcBarrierDescriptor},
 *       {@link dev.lockstep.ipc.sync.IpcEventDescriptor}</td>
 *       <td>file layouts (offsets of the words, the futex wait word)</td>
 *       <td>{@code ForgedHeaderTest}, {@code SyncFutexTest}, {@code IpcEventFutexTest}, and each
 *           structure's test</td>
 *       <td>none</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.sync;
