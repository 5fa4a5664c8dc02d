/**
 * How ipc waiters sleep in the kernel instead of polling ({@link dev.lockstep.ipc.shm.WaitMode#FUTEX}):
 * the futex word protocol ({@link dev.lockstep.ipc.wait.WaitWord}), the idle strategy that uses it in
 * the structures' waiting loops ({@link dev.lockstep.ipc.wait.KernelIdle}), the once-per-process choice
 * of futex or polling ({@link dev.lockstep.ipc.wait.Waiting}) and the kernel primitive behind it ({@link
 * dev.lockstep.ipc.wait.KernelSleep}, implemented only by the package-private {@code LinuxFutex}, in the
 * JDK 22+ part of the multi-release jar). Not exported: not part of Lockstep's API; the structures of
 * {@code dev.lockstep.ipc.sync} and the channels of {@code dev.lockstep.ipc.channel} use it.
 *
 * <h2>Properties</h2>
 * <ul>
 *   <li><b>No lost wake-up</b>: a waiter announces itself (sleepers bit, compare-and-set), fences,
 *       re-checks the structure's state, and only then sleeps with {@code FUTEX_WAIT} on the value it
 *       announced; a waker changes the state with a volatile-mode access, then reads the word and, only
 *       if a sleeper announced itself, advances the sequence and calls {@code FUTEX_WAKE}. So a waker
 *       pays no system call unless somebody sleeps.</li>
 *   <li><b>Bounded sleeps</b>: each sleep lasts at most {@link
 *       dev.lockstep.ipc.shm.WaitMode#MAX_SLEEP_MILLIS} ms and the call's deadline, so interrupts,
 *       deadlines and the liveness of peers are re-checked at least that often, and a wake-up lost to a
 *       crashed waker costs at most one sleep.</li>
 *   <li><b>Fallback</b>: without the futex (JDK 17-21, another OS, native access refused, a failing
 *       probe, {@code -Dlockstep.ipc.wait=poll}) every wait polls with its Agrona idle strategy; the
 *       choice never fails.</li>
 *   <li><b>Virtual threads</b> never enter the downcall (it would pin their carrier): they poll with
 *       the idle strategy, which parks, so they unmount.</li>
 *   <li><b>Across processes</b>: the futex operations are the shared (non-private) ones, keyed by the
 *       file's inode and offset, so processes mapping the file at different addresses meet on the same
 *       futex.</li>
 * </ul>
 *
 * <table>
 *   <caption>The kernel-waiting classes: algorithm, tests, jcstress tests</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit and process tests</th>
 *       <th>jcstress tests</th><th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.ipc.wait.WaitWord}</td>
 *       <td>an eventcount with a "sleepers" bit, after Drepper, <i>Futexes Are Tricky</i>, 2011, and the
 *           eventcounts of Reed &amp; Kanodia, CACM 1979</td>
 *       <td>{@code IpcEventFutexTest}, {@code SyncFutexTest}, {@code ChannelFutexTest}</td>
 *       <td>{@code WaitWordNoLostWakeupTest}, {@code WaitWordStolenWakeTest} (over {@code
 *           WaitWordRegions}); for the channels' pairs {@code ManyToOneChannelConsumerNoLostWakeupTest}, {@code
 *           OneToOneChannelProducerNoLostWakeupTest}, {@code OneToOneChannelConsumerNoLostWakeupTest} and
 *           {@code OneToOneChannelSleepRequestRaceTest} (the one-to-one sleep request and acknowledgement)</td>
 *       <td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.wait.KernelIdle}</td>
 *       <td>an Agrona {@code IdleStrategy}: an adaptive spin ({@code SpinBudget}) and 20 yields, then
 *           announce, re-check, bounded kernel sleep</td>
 *       <td>through {@code IpcEventFutexTest}, {@code SyncFutexTest}, {@code WakeLatencyTest}, {@code
 *           IdleWaiterCpuTest}</td>
 *       <td>none</td><td>none</td></tr>
 *   <tr><td>{@code SpinBudget} (package-private)</td>
 *       <td>the adaptive spin of {@code KernelIdle}, per thread: an exponentially weighted estimate of
 *           the spin its waits needed, as glibc's {@code PTHREAD_MUTEX_ADAPTIVE_NP} keeps one per mutex,
 *           but halved after a wait that slept</td>
 *       <td>{@code SpinBudgetTest}</td>
 *       <td>none</td><td>{@code WakeHarness} (wake-up latency and idle CPU)</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.wait.Waiting}</td>
 *       <td>the once-per-process choice from {@code -Dlockstep.ipc.wait} ({@code auto}, {@code futex},
 *           {@code poll})</td>
 *       <td>{@code IpcEventFutexTest}, {@code IdleWaiterCpuTest}</td>
 *       <td>none</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.ipc.wait.KernelSleep}</td>
 *       <td>the kernel primitive: {@code LinuxFutex}, the futex system call through the Foreign Function
 *           &amp; Memory API (JDK 22+)</td>
 *       <td>through the futex tests above (on JDK 22+)</td>
 *       <td>none</td><td>none</td></tr>
 * </table>
 */
package dev.lockstep.ipc.wait;
