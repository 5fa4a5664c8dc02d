/**
 * Mutual-exclusion locks, one textbook algorithm per class, each a {@link java.util.concurrent.locks.Lock}:
 * test-and-set and test-and-test-and-set spin locks, the ticket lock, the CLH and MCS queue locks, and
 * the read/write-only algorithms (Peterson, filter, Bakery) that need no read-modify-write instruction.
 *
 * <h2>Choosing a lock</h2>
 * <ul>
 *   <li>FIFO hand-over at any thread count, threads possibly outnumbering cores: {@link
 *       dev.lockstep.core.lock.McsLock} (each waiter spins on its own node) or {@link
 *       dev.lockstep.core.lock.ClhLock} (each waiter spins on its predecessor's node); {@link
 *       dev.lockstep.core.lock.TicketLock} for FIFO with two counters and nothing per thread.</li>
 *   <li>Throughput over fairness, short critical sections, few threads: {@link
 *       dev.lockstep.core.lock.TtasLock}; {@link dev.lockstep.core.lock.TasLock} is the baseline it
 *       improves on.</li>
 *   <li>Loads and stores only (teaching, or hardware without read-modify-write): {@link
 *       dev.lockstep.core.lock.PetersonLock} (two contenders), {@link dev.lockstep.core.lock.FilterLock}
 *       and {@link dev.lockstep.core.lock.BakeryLock} ({@code n} contenders; Bakery is
 *       first-come-first-served).</li>
 *   <li>Reentrancy, conditions, owner tracking or lock-order checking: not here, use
 *       {@link dev.lockstep.core.sync.Mutex}.</li>
 * </ul>
 *
 * <h2>Properties shared by the family</h2>
 * <ul>
 *   <li><b>Progress</b>: blocking (a lock is never lock-free); every lock is deadlock-free, and all but
 *       {@code TasLock}, {@code TtasLock} are starvation-free.</li>
 *   <li><b>Fairness</b>: FIFO for {@code TicketLock} (among {@code lock()} callers), {@code ClhLock},
 *       {@code McsLock}; first-come-first-served after the doorway for {@code BakeryLock} and
 *       {@code PetersonLock}; none for {@code TasLock}, {@code TtasLock}, {@code FilterLock}.</li>
 *   <li><b>Memory ordering</b>: the {@code Lock} contract: an {@code unlock()} happens-before every
 *       later successful acquisition of the same lock (release store / acquiring read-modify-write, or
 *       volatile accesses for the read/write-only algorithms, which need sequential consistency).</li>
 *   <li><b>Blocking and interrupts</b>: one contract, written once in the package-private
 *       {@code SpinLockBase}: {@code tryLock()} never waits; {@code lockInterruptibly()} and timed
 *       {@code tryLock} honour interrupts and deadlines; {@code lock()} keeps the interrupt status; no
 *       lock is reentrant (re-acquisition by the holder throws {@link
 *       java.lang.IllegalMonitorStateException}); {@code newCondition()} is unsupported.</li>
 *   <li><b>Waiting and virtual threads</b>: {@code TicketLock}, {@code ClhLock} and {@code McsLock}
 *       spin briefly and then park, and the thread that hands the lock over unparks its successor, so
 *       waiters behind the next in line cost no CPU and virtual threads unmount (their {@code
 *       *HandOffTest}s check that no hand-over to a parked waiter is lost); the steps of that wait
 *       (spin budget, deadline and interrupt checks, park) are the waiting layer's {@link
 *       dev.lockstep.core.internal.SpinThenPark}. The other locks follow
 *       {@link dev.lockstep.core.internal.SpinPolicy}: spin, yield, then short timed parks, so more
 *       threads than cores, and virtual threads, still make progress.</li>
 *   <li><b>Observability</b>: every lock emits the JFR event {@code dev.lockstep.ContendedAcquire}
 *       (class, holder thread, wait, whether it acquired) for an acquisition that waited at least the
 *       event's threshold: {@code lock()}, {@code lockInterruptibly()} and timed {@code tryLock}, from the
 *       first failed attempt to the end of the wait; the uncontended path never reaches the hook
 *       ({@code JfrEventsTest} in {@code core.sync}'s tests).</li>
 *   <li><b>Allocation</b>: an acquisition allocates nothing (CLH/MCS recycle a thread's node; only a
 *       waiter that gave up allocates a fresh one next time).</li>
 * </ul>
 *
 * <h2>Classes, their sources, tests and benchmarks</h2>
 * Unit tests are in {@code core/src/test/java/dev/lockstep/core/lock} and run every lock through the
 * test helper {@code Locks}; jcstress tests in {@code jcstress-tests/.../jcstress/lock}; the benchmark
 * is {@code jmh/.../jmh/lock/LockBench}, whose {@code @Param impl} takes the class's simple name.
 *
 * <table>
 *   <caption>The locks: algorithm, unit tests, jcstress tests, JMH benchmark</caption>
 *   <tr><th>class</th><th>algorithm and source</th><th>unit tests</th><th>jcstress tests</th>
 *       <th>JMH benchmark</th></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.TasLock}</td>
 *       <td>test-and-set spin lock; Herlihy &amp; Shavit &sect;7.2</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code LockOversubscriptionTest}</td>
 *       <td>{@code TasLockMutualExclusionTest}, {@code TasLockTryLockTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2}, {@code oversubscribed4},
 *           {@code oversubscribed8} ({@code impl=TasLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.TtasLock}</td>
 *       <td>test-and-test-and-set with randomised exponential backoff; Rudolph &amp; Segall 1984,
 *           Anderson 1990, Herlihy &amp; Shavit &sect;7.3-7.4</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code LockOversubscriptionTest}</td>
 *       <td>{@code TtasLockMutualExclusionTest}, {@code TtasLockTryLockTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2}, {@code oversubscribed4},
 *           {@code oversubscribed8} ({@code impl=TtasLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.TicketLock}</td>
 *       <td>ticket lock; Reed &amp; Kanodia 1979, Mellor-Crummey &amp; Scott 1991; waiting array after
 *           Dice &amp; Kogan, TWA, Euro-Par 2019</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code LockFairnessTest},
 *           {@code LockOversubscriptionTest}</td>
 *       <td>{@code TicketLockMutualExclusionTest}, {@code TicketLockTryLockTest}, {@code
 *           TicketLockHandOffTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2}, {@code oversubscribed4},
 *           {@code oversubscribed8} ({@code impl=TicketLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.ClhLock}</td>
 *       <td>CLH queue lock; Craig 1993, Magnusson, Landin &amp; Hagersten 1994; abandonment after Scott
 *           &amp; Scherer, PPoPP 2001; parking after Lea 2005 (AQS)</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code LockFairnessTest},
 *           {@code LockOversubscriptionTest}</td>
 *       <td>{@code ClhLockMutualExclusionTest}, {@code ClhLockTryLockTest},
 *           {@code ClhLockAbandonmentTest}, {@code ClhLockHandOffTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2}, {@code oversubscribed4},
 *           {@code oversubscribed8} ({@code impl=ClhLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.McsLock}</td>
 *       <td>MCS queue lock; Mellor-Crummey &amp; Scott, ACM TOCS 1991; parking waiters after He, Scherer
 *           &amp; Scott, HiPC 2005</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code LockFairnessTest},
 *           {@code LockOversubscriptionTest}</td>
 *       <td>{@code McsLockMutualExclusionTest}, {@code McsLockTryLockTest},
 *           {@code McsLockAbandonmentTest}, {@code McsLockHandOffTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2}, {@code oversubscribed4},
 *           {@code oversubscribed8} ({@code impl=McsLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.PetersonLock}</td>
 *       <td>Peterson's two-thread lock, loads and stores only; Peterson, IPL 1981, Herlihy &amp; Shavit
 *           &sect;2.3.4</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code LockFairnessTest},
 *           {@code SlotLockTest}</td>
 *       <td>{@code PetersonLockMutualExclusionTest}, {@code PetersonLockTryLockTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2} ({@code impl=PetersonLock}; two
 *           contenders at most)</td></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.FilterLock}</td>
 *       <td>filter lock (Peterson generalised to {@code n} threads); Herlihy &amp; Shavit &sect;2.4,
 *           after Peterson 1981</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code SlotLockTest}</td>
 *       <td>{@code FilterLockMutualExclusionTest}, {@code FilterLockTryLockTest},
 *           {@code FilterLockAbandonmentTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2}, {@code oversubscribed4},
 *           {@code oversubscribed8} ({@code impl=FilterLock})</td></tr>
 *   <tr><td>{@link dev.lockstep.core.lock.BakeryLock}</td>
 *       <td>Lamport's bakery lock; Lamport, CACM 1974, Herlihy &amp; Shavit &sect;2.6</td>
 *       <td>{@code LockContractTest}, {@code LockAllocationTest}, {@code LockFairnessTest},
 *           {@code SlotLockTest}</td>
 *       <td>{@code BakeryLockMutualExclusionTest}, {@code BakeryLockTryLockTest},
 *           {@code BakeryLockAbandonmentTest}</td>
 *       <td>{@code LockBench.uncontended1}, {@code contended2}, {@code oversubscribed4},
 *           {@code oversubscribed8} ({@code impl=BakeryLock})</td></tr>
 * </table>
 *
 * <p>No lock of this package has a Lincheck check: mutual exclusion is a safety property of
 * interleavings, which the jcstress tests above check directly (and {@code
 * dev.lockstep.jcstress.selfcheck.BrokenLockMutualExclusionTest} shows that they catch a broken lock).
 * The textbook counter-examples these algorithms answer are in {@code dev.lockstep.jcstress.textbook}.
 */
package dev.lockstep.core.lock;
