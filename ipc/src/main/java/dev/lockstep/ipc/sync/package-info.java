/**
 * Crash-robust synchronizers between processes, over memory-mapped files
 * ({@link dev.lockstep.ipc.shm.SharedFile}): {@link dev.lockstep.ipc.sync.IpcMutex},
 * {@link dev.lockstep.ipc.sync.IpcSemaphore}, {@link dev.lockstep.ipc.sync.IpcBarrier},
 * {@link dev.lockstep.ipc.sync.IpcEvent}.
 *
 * <h2>Crash-recovery contract</h2>
 * Every participant that owns something (a lock, permits, a party slot) is recorded in the file by a
 * token holding its pid and the low bits of its process start time, written with one atomic store or
 * CAS, so a reused pid is never mistaken for it and a live process is never robbed. Death is detected
 * by waiters, which check the recorded owners' liveness ({@link dev.lockstep.ipc.shm.ProcessIdentity},
 * /proc, ~10 µs) after their spin phase and then every millisecond (property
 * {@code lockstep.ipc.livenessCheckMicros}), never on every poll:
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
 * <h2>Waiting</h2>
 * A process cannot unpark another, so blocking calls poll shared memory and idle with an Agrona
 * {@link org.agrona.concurrent.IdleStrategy} (default {@link dev.lockstep.ipc.shm.Idle#backoff()}; the
 * latency / CPU table is in {@link dev.lockstep.ipc.shm.Idle}), created only when a call has to wait,
 * and check interrupts and deadlines after every idle.
 */
package dev.lockstep.ipc.sync;
