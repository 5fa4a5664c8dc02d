/**
 * Helpers shared by every family, written once: padded atomic cells, the spin-yield-park waiting
 * policy, the waiting layer of the blocking synchronizers, deadline and interrupt checks, and
 * thread-slot assignment for slot-based algorithms. Exported to {@code dev.lockstep.ipc} only: not
 * part of Lockstep's API.
 *
 * <h2>Which helper for what</h2>
 * <ul>
 *   <li>A hot field that different threads write: {@link dev.lockstep.core.internal.PaddedLong},
 *       {@link dev.lockstep.core.internal.PaddedReference}, or per-thread words in a {@link
 *       dev.lockstep.core.internal.PaddedLongArray}; padding by inheritance for a class's own fields:
 *       {@link dev.lockstep.core.internal.LhsPadding}.</li>
 *   <li>A waiter with no list of waiters that a release could unpark (spin locks, barrier spinning,
 *       slot claims): {@link dev.lockstep.core.internal.SpinPolicy} (spin, then yield, then short
 *       timed parks).</li>
 *   <li>A blocking synchronizer whose releasers wake their waiters: subclass {@link
 *       dev.lockstep.core.internal.WaitQueue} and supply only the grant decision; each thread's reusable
 *       record is its {@link dev.lockstep.core.internal.WaitNode}.</li>
 *   <li>A queue lock whose queue is the algorithm itself and whose waiter is unparked by the thread
 *       that hands over (ticket, CLH, MCS): {@link dev.lockstep.core.internal.SpinThenPark} (spin
 *       budget, deadline and interrupt checks, park, interrupt bookkeeping).</li>
 *   <li>Interrupt and deadline handling of every waiting loop ({@code lock()}, {@code
 *       lockInterruptibly()}, timed {@code tryLock}): {@link dev.lockstep.core.internal.Waits}.</li>
 *   <li>Algorithms written for a fixed set of thread identities (Peterson, filter, Bakery): {@link
 *       dev.lockstep.core.internal.ThreadSlots}.</li>
 * </ul>
 *
 * <h2>Properties shared by the helpers</h2>
 * <ul>
 *   <li><b>Progress</b>: the padded cells are single atomic accesses; {@code ThreadSlots.tryClaim} never
 *       waits; the {@code WaitNode} registry is lock-free; {@code WaitQueue} is blocking (its queue lock is a
 *       tiny spin lock held for a few pointer updates).</li>
 *   <li><b>Fairness</b>: {@code WaitQueue} is a FIFO list (a woken waiter that lost its retry goes back
 *       to the head); whether a primitive barges is its own grant decision. Slot claims are not
 *       FIFO.</li>
 *   <li><b>Memory ordering</b>: every accessor says its {@link java.lang.invoke.VarHandle} access mode
 *       in its name (below); {@code WaitQueue} and {@code ThreadSlots} state their hand-over orderings in
 *       their implementation notes.</li>
 *   <li><b>Blocking and virtual threads</b>: waiting is {@link
 *       java.util.concurrent.locks.LockSupport} parking (timed naps in {@code SpinPolicy}); no monitor
 *       is used, so a waiting virtual thread unmounts and pins no carrier. Nothing allocates on a hot
 *       path ({@code WaitNode}s are created once per thread).</li>
 * </ul>
 *
 * <h2>Access-mode naming</h2>
 * Every atomic accessor in Lockstep is named after the {@link java.lang.invoke.VarHandle} access mode
 * it uses ({@code getAcquire}, {@code setRelease}, {@code compareAndSet}, ...; for a named field
 * {@code getAcquireX}, {@code setReleaseX}, {@code compareAndSetX}), so the ordering is visible at the
 * call site:
 * <ul>
 *   <li>{@code plain} — no ordering, no atomicity guarantee beyond the Java memory model's for the
 *       type; only for data that one thread owns at that moment;</li>
 *   <li>{@code opaque} — atomic and coherent (never goes back in time for that one variable), but
 *       orders nothing else; for progress checks and statistics;</li>
 *   <li>{@code acquire} / {@code release} — the load that reads a value written by a release store
 *       sees everything written before that store ("data visible before flag");</li>
 *   <li>{@code volatile} — sequentially consistent; needed only where a store must be ordered before a
 *       later load of another variable (Peterson, Bakery, Dekker-style handshakes).</li>
 * </ul>
 *
 * <h2>Classes, their sources and tests</h2>
 * Most helpers are tested through the primitives built on them (the tests of {@code
 * dev.lockstep.core.lock}, {@code .queue} and {@code .sync}); the table names the tests aimed at the
 * helper itself. No helper has a benchmark of its own: their cost is measured by the primitives'
 * benchmarks.
 *
 * <table>
 *   <caption>The helpers: design and source, unit tests, jcstress tests</caption>
 *   <tr><th>class</th><th>design and source</th><th>unit tests</th><th>jcstress tests</th></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.LhsPadding}</td>
 *       <td>128 bytes of left padding by inheritance (as in JCTools and the LMAX Disruptor)</td>
 *       <td>through the padded classes' users</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.PaddedLong}</td>
 *       <td>a {@code long} alone on its cache lines, one accessor per access mode (like the
 *           Disruptor's {@code Sequence})</td>
 *       <td>through its users (ticket counters, queue indices)</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.PaddedReference}</td>
 *       <td>a reference alone on its cache lines (queue-lock tails and the like)</td>
 *       <td>{@code MpscUnboundedQueueTest}, and through its users</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.PaddedLongArray}</td>
 *       <td>per-thread {@code long}s, each on its own 128 bytes (Bakery tickets, filter levels,
 *           Peterson flags)</td>
 *       <td>through {@code SlotLockTest} and the lock tests</td><td>none</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.SpinPolicy}</td>
 *       <td>spin ({@link java.lang.Thread#onSpinWait()}), yield, then timed park</td>
 *       <td>{@code BlockingQueueAdaptersTest}, and the lock tests (through the {@code Locks}
 *           helper)</td>
 *       <td>none of its own</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.Waits}</td>
 *       <td>interrupt and deadline exit checks, one per waiting mode</td>
 *       <td>{@code BlockingQueueAdaptersTest}, {@code MutexTest}, {@code MutexJdkContractTest},
 *           {@code WaitQueueWithdrawalTest}, and every blocking method's interrupt and timeout
 *           tests</td>
 *       <td>none of its own</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.ThreadSlots}</td>
 *       <td>slot numbers lent to threads for one acquisition, one compare-and-set per claim</td>
 *       <td>{@code SlotLockTest} (slots of the Peterson, filter and Bakery locks)</td>
 *       <td>through the {@code BakeryLock}, {@code FilterLock} and {@code
 *           PetersonLock} tests</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.WaitQueue}</td>
 *       <td>the waiting layer: one spinner at a time, one pending wake-up count for the
 *           wake-and-retry modes, FIFO queue under a tiny queue lock, park, timeout,
 *           interrupt, withdrawal; after WebKit's {@code WTF::Lock}/{@code ParkingLot} (Pizlo, 2016)
 *           and Linux futex hash buckets</td>
 *       <td>{@code WaitQueueWithdrawalTest}, and the {@code core.sync} tests</td>
 *       <td>{@code WaitQueueNoLostWakeupTest} ({@code jcstress/wait})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.WaitNode}</td>
 *       <td>a thread's reusable wait record (lock node and condition node), registered in a lock-free
 *           registry (Michael &amp; Scott's queue) that {@code DeadlockDetector} walks</td>
 *       <td>{@code WaitNodeRegistryTest}, {@code WaitQueueWithdrawalTest}</td>
 *       <td>{@code WaitQueueNoLostWakeupTest}</td></tr>
 *   <tr><td>{@link dev.lockstep.core.internal.SpinThenPark}</td>
 *       <td>spin-then-park of a hand-off waiter (the next in line spins, the others park until the
 *           releaser unparks them); after AQS's CLH variant (Lea 2005) and He, Scherer &amp; Scott,
 *           HiPC 2005</td>
 *       <td>{@code SpinThenParkTest}, and through {@code LockContractTest}, {@code
 *           LockOversubscriptionTest}, {@code LockFairnessTest} ({@code TicketLock}, {@code ClhLock},
 *           {@code McsLock})</td>
 *       <td>{@code TicketLockHandOffTest}, {@code ClhLockHandOffTest}, {@code McsLockHandOffTest}</td></tr>
 * </table>
 */
package dev.lockstep.core.internal;
