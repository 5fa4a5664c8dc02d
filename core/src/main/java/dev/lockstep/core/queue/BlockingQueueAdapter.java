package dev.lockstep.core.queue;

import dev.lockstep.core.internal.SpinPolicy;
import dev.lockstep.core.internal.WaitNode;
import dev.lockstep.core.internal.WaitQueue;
import dev.lockstep.core.internal.Waits;
import dev.lockstep.core.internal.jfr.Jfr;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.AbstractQueue;
import java.util.Collection;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The {@link BlockingQueue} contract over a non-blocking bounded {@link ConcurrentQueue}, written once
 * for every blocking queue of this package ({@link SpscBlockingQueue}, {@link MpscBlockingQueue},
 * {@link SpmcBlockingQueue}, {@link MpmcBlockingQueue}, {@link PriorityMessageQueue}). The wrapped
 * queue does the work; this class adds waiting: {@code put}/{@code take} and the timed
 * {@code offer}/{@code poll}.
 *
 * <p>Waiting is the waiting layer's ({@link WaitQueue}, the one shared by {@code Mutex},
 * {@code Semaphore}, {@code ReadWriteMutex} and the other synchronizers): two wait sets, consumers
 * waiting for an element (not-empty) and producers waiting for space (not-full). A thread that finds the
 * queue empty (consumer) or full (producer) first retries the real {@code poll}/{@code offer}, each
 * after a {@link Thread#onSpinWait()}, {@link SpinPolicy}'s budget of times where its side has one
 * thread (SPSC, the MPSC consumer, the SPMC producer), before it sets anything up for a wait (no clock
 * read, no thread-local, no shared write: a spin loop's cost); there it then keeps retrying for up to
 * {@code lockstep.queue.hotSpinNanos} (50 µs, the hot spin: about what a park and its wake-up cost),
 * and up to 250 µs, yielding, while the thread it last woke on the other side has not run yet (it
 * will serve this one when it runs), except while backing off (from the second hot spin in a row that
 * found nothing, waits skip it for 1 ms, doubling per further one up to 64 ms, until one succeeds
 * again); a timeout of zero or less returns after the one attempt. Then it enters the layer's
 * acquisition loop, whose attempt is the real {@code poll}/{@code offer}: it spins (one spinner per wait set, {@link SpinPolicy}'s budget, not
 * repeated after the spin above, and none on a side several threads may wait on: the MPSC producers,
 * the SPMC consumers, both sides of MPMC and of the priority queue, whose spinner yields at once; a
 * thread that finds another spinning yields up to {@link SpinPolicy#YIELDS} times instead), then links
 * its node, re-checks the queue, and parks with {@link LockSupport#park(Object)} until a
 * thread on the other side grants it (while the waiter it last woke on the other side has not run yet,
 * an SPSC waiter first yields and re-checks, at most {@code lockstep.queue.convoyYields} times, 1000 by
 * default: the two sides then do not take turns sleeping; see the implementation notes, "Park convoy"). Every successful insertion checks the not-empty set and every
 * successful removal the not-full set: with one volatile load where the ring's operation is a volatile
 * read-modify-write (MPSC/MPMC producers, SPMC/MPMC consumers, the priority queue), else (the SPSC
 * sides, the SPMC producer, the MPSC consumer: one thread each) with one acquire load of a sleep
 * request that a waiter raises, and no fence until one does (a waiter whose request that thread has not
 * yet acknowledged parks for bounded times, 100 µs doubling to 100 ms, and re-checks; see the
 * implementation notes, "The sleep handshake"); only when a waiter is queued does it
 * wake one (wake-one-and-retry: the woken thread polls or offers again, and if another thread took the
 * element or the slot first it queues again at the head; a woken thread that succeeds wakes the next
 * while more elements or slots seem to be there).
 *
 * <p>Properties: the wrapped queue's safety and ordering; blocking methods are interruptible
 * ({@link InterruptedException}, interrupt status cleared; an interrupt that arrives together with the
 * element or slot a waiter was waiting for may lose the race: the call then succeeds and the interrupt
 * status stays set; {@code put}/{@code take} throw for an interrupt pending on entry, the timed
 * {@code offer}/{@code poll} only once their first attempt failed, as {@code LinkedTransferQueue}'s and
 * {@code SynchronousQueue}'s do: a timed call that can proceed at once does, and leaves the status set) and timed waits never return before their timeout has elapsed; no lost wake-up (see the implementation notes); waiters are not served in FIFO
 * order. The thread discipline of the wrapped queue stays: an SPSC adapter has one producer thread
 * (every inserting method) and one consumer thread (every removing method, {@code drainTo} included).
 * Space: the wrapped queue plus two padded wait sets and the put-back stack's head; {@code offer}/{@code poll}/{@code put}/
 * {@code take} that do not wait allocate nothing; a thread's first wait allocates its node of the
 * waiting layer, reused by every later wait of that thread;
 * {@code drain}/{@code fill} allocate one small wrapper per call, {@code drainTo} of the rings nothing
 * (one small node when its target throws).
 *
 * <p>User code. {@code drainTo}'s target collection, {@code drain}'s consumer, {@code fill}'s supplier,
 * {@code removeIf}'s predicate and {@code forEach}'s action run outside any lock and may throw, block
 * or re-enter the queue: the exception propagates, the waiters on the other side are woken for every
 * slot freed or element inserted before the throw (and, during a blocked callback, for those freed or
 * inserted so far: the signals are per element), and nothing is duplicated. Whether the element handed
 * to a {@code drain} consumer that threw stays queued is the wrapped queue's rule (the rings: delivered;
 * {@link PriorityMessageQueue}: put back). {@code drainTo} loses and duplicates nothing when the
 * target's {@code add} throws or re-enters, in every kind: each element is removed before {@code add}
 * runs (so a target that polls this queue gets the next element, not the one it is being handed), and if
 * {@code add} throws, that element is put back at the head (a put-back stack in this adapter, which
 * every consuming method and every view looks at first) before the exception propagates: the next
 * {@code poll} returns it, as after {@code ArrayBlockingQueue.drainTo}. {@link PriorityMessageQueue}
 * puts it back at the head of its priority itself. With several consumers (SPMC, MPMC), others may
 * take later elements while {@code add} runs; once the exception propagates the element is the head
 * again, ahead of every element still in the ring (several elements put back by {@code drainTo} calls
 * failing at the same time: the most recently put back first; a nested {@code drainTo} failing inside a
 * failing {@code add} keeps their order). Producers do not wait for the put-back element's slot, so
 * the queue may hold {@code capacity + 1} elements (one more per simultaneous failure) until a consumer
 * takes one: {@code size()} counts it, {@code remainingCapacity()} is 0 meanwhile, and a strict
 * {@code offer} succeeds only if the ring has a free slot. No blocking method waits for user code: the rings' strict
 * {@code poll}/{@code offer} wait only for another thread's few instructions between its claim and its
 * write (never for a supplier or handler), so timed waits end at their deadline and {@code put}/
 * {@code take} answer interrupts.
 *
 * <p>Collection views. {@code iterator()}, {@code contains}, {@code toArray}, {@code toString} are the
 * wrapped queue's (weakly consistent rings, a snapshot in {@link PriorityMessageQueue}), preceded by the
 * put-back elements if there are any (read once, before the wrapped traversal starts); removal through
 * the iterator ({@code iterator().remove()}, {@code removeIf}, {@code removeAll}, {@code retainAll}) and
 * {@code remove(Object)} are supported where the wrapped queue supports removal (MPMC ring, priority
 * queue; the others throw {@link UnsupportedOperationException}) and wake the producers parked for
 * space. {@code contains(null)} and {@code remove(null)} return {@code false}.
 *
 * <p>Source: the announce/re-check/park handshake is Dekker's (E. W. Dijkstra, <i>Cooperating
 * sequential processes</i>, 1965) as used by the eventcounts of Reed &amp; Kanodia (CACM 22(2), 1979)
 * and by {@code java.util.concurrent}'s synchronizers; wake-one-and-retry with propagation is the
 * non-fair mode of {@code AbstractQueuedSynchronizer} (D. Lea, <i>The java.util.concurrent Synchronizer
 * Framework</i>, 2005); the put-back stack is Treiber's (IBM RJ 5118, 1986).
 *
 * @param <E> the element type; null elements are rejected with {@link NullPointerException}
 */
abstract class BlockingQueueAdapter<E> extends AbstractQueue<E> implements BlockingQueue<E>, ConcurrentQueue<E> {
    /*
     * Implementation notes.
     *
     * No lost wake-up. A consumer about to park, in the waiting layer's acquire (WaitQueue), does
     *     (C1) link its node in notEmpty (under the queue lock; the head is written with a volatile store,
     *          by us or, if the set was not empty, by an earlier waiter whose store happens-before ours
     *          through the queue lock)
     *     (F)  VarHandle.fullFence()                          (Waiters.tryAcquireLinked)
     *     (C2) re-check: poll() (the put-back stack, then the ring)
     * and parks only if C2 found nothing. A producer does
     *     (P1) queue.offer(e)                      (publishes e)
     *     (P2) full fence, unless the kind's offer already is a volatile read-modify-write, or, with the
     *          sleep handshake (below), unless no waiter has asked to sleep
     *     (P3) notEmpty.hasWaiters(), a volatile load of the head; if non-null, grant the first waiter
     * P2/the CAS order P1 before P3 and F orders C1 before C2, as the StoreLoad barriers of Dekker's
     * handshake: either P3 sees a head written no earlier than our link (then the list is non-empty
     * until every node in it was granted or withdrew, and the producer grants one: we, or a waiter that
     * retries for e; if another consumer takes e first, its own removal leaves no element for us to
     * miss), or P3 reads a value older than that head store, so P2 precedes F in the fences' total order
     * and C2 finds e (or finds it already taken). A grant sets the node's status (release) under the
     * queue lock before the unpark; the waiter checks the status (acquire) before every park, and
     * LockSupport's permit closes the window between "unpark" and "park". The producer side (waiting for
     * space) is the mirror image with notFull and the consumer's poll.
     *
     * Wake-one. A signal grants one waiter (unlinked, GRANTED), which retries its real poll/offer; a
     * retry that fails queues it again at the head and re-checks (C1, F, C2 again). Each insertion and
     * each removal signals, so every element or slot made available while waiters are queued wakes one;
     * where one signal stands for several (a consumer's poll that skipped FILLER slots, a drain's final
     * signal after a throw), the woken waiter that succeeds wakes the next while the queue still seems to
     * have elements (isEmpty) or room (size < capacity). A woken waiter that gives up (timeout,
     * interrupt) passes the wake-up on (WaitQueue.passOn). Interrupt status: a grant seen before the
     * interrupt wins (the call succeeds, the status stays set), as in the layer's other primitives.
     *
     * The element a waiting put offers and a waiting take removed travel in the thread's WaitNode.item
     * (the layer's hooks run in the waiting thread), saved and restored around the wait: a priority
     * function (user code) that itself waits on a queue nests a second wait, on a fresh node if its
     * thread's node is linked at that moment (WaitQueue.acquire).
     *
     * The fence F: C2 may begin with acquire or plain loads (SPSC/SPMC poll reads the slot first), and by
     * the VarHandle spec a volatile store orders nothing after it for such loads: only the JMM's
     * synchronization order (volatile accesses) or a fence does. fullFence is specified to have the effect
     * of atomic_thread_fence(seq_cst); with P2 (or the volatile RMW P1 plus volatile read in C2, below)
     * the store-buffering outcome "C2 misses e and P3 misses the node" is forbidden. Once per park.
     *
     * The fence P2 and the sleep handshake. A queue that makes an element available by a volatile
     * read-modify-write of its producer index (CAS, as in the MPSC and MPMC producers, the priority
     * queue's volatile count store under its lock) and returns null from poll only after a volatile read
     * of that index already gives P1 -> P3 their order; the subclass says so with isSeqCst(true) /
     * isSeqCst(false), and P2 is skipped: P3 is one volatile load. Same for the consumer side. A queue
     * whose offer ends with a release store (SPSC, SPMC producers; mirror: SPSC, MPSC consumers) would
     * need P2 on every operation (StoreLoad reordering is allowed by the spec, and done by x86's store
     * buffer); instead it runs the sleep handshake below, which pays P2 only while a waiter asked to
     * sleep. Those sides have one thread each (the signaller), which the handshake needs: its
     * acknowledgement speaks for every publication there is. The CAS-carried sides keep their ordering
     * (one mechanism per concern: the handshake exists only where no RMW carries the StoreLoad).
     *
     * The sleep handshake (issue 12; the in-process form of ipc's one-to-one channel sleep/space
     * handshake, ShmChannel's notes). Per wait set with a handshake, two words on the wait set's own
     * line (written only when threads wait; the signaller's hot path only reads it):
     *   request = bit << 63 | epoch: bit (the sign bit) = 1 iff a waiter is linked, so the signaller's
     *             test is "request < 0" (one compare and branch on the loaded value; it was "& 1", a
     *             copy, an and and a test: issue 12, twelfth round). Written only under the queue lock,
     *             by syncRequestLocked after every link and every unlink (grantLocked, which the layer
     *             runs after each; signal and passOnLocked after their grant), with volatile stores;
     *             setting the bit starts a new epoch, so its modification order is the lock's order
     *             and epochs only grow.
     *   ack     = the last epoch the signaller acknowledged; written only by the signaller (volatile).
     * Signaller, after each publication X (the ring's release stores): R = acquire load of request.
     *   Bit 0: nothing more (the hot path: one load of a line nobody writes while nobody waits).
     *   Bit 1, epoch a: fullFence (P2); if ack < a, ack = a (volatile); then P3 (volatile load of the
     *   head) and the grant of the first waiter, as before.
     * Waiter W, after linking (C1; the bit is set, epoch e or later): F = fullFence; volatile loads of
     *   request (epoch e', bit) and ack; C2 = the real poll/offer. If C2 fails: acknowledged means
     *   bit 0 (our node was removed since: granted) or ack >= e'. Acknowledged: the layer parks until a
     *   grant (or the caller's deadline/interrupt), as before. Not acknowledged: awaitAcknowledged parks
     *   for RECHECK_MIN_NANOS (100 us), doubling to RECHECK_MAX_NANOS (100 ms), and after each park
     *   re-runs F, the loads and C2, until C2 succeeds, the ack comes, a grant, the deadline or an
     *   interrupt. Still linked meanwhile, so a signaller that sees the request acknowledges, grants us
     *   and unparks us: the bounded parks end at once then.
     * Why an acknowledged W is not stranded (W read ack = a >= e' after its link, C2 found nothing, W
     *   is still linked; let j be the signaller's publication whose R_j read epoch a with the bit set;
     *   it stored ack = a after X_j):
     *   (i) publications k <= j: X_k precedes the ack store in program order, the ack store
     *       synchronizes-with W's volatile read of it, which precedes C2: X_k happens-before C2, so C2
     *       sees e (or a consumer already took it: then no element is missed).
     *   (ii) publications k > j: R_k returns epoch a with the bit or a later value (read-read coherence,
     *       which the spec gives to every mode from opaque up). A later value is a clear or a new epoch,
     *       written in a critical section after the one that set epoch a; a > e' is impossible
     *       unless a clear came after our epoch, and any clear after our link means the set emptied,
     *       i.e. our node was granted (only grants remove another thread's node). So while W is still
     *       linked and un-granted, R_k sees the bit and does P2 then P3: with F, Dekker's pair of
     *       fences (fullFence has the effect of atomic_thread_fence(seq_cst)) forbids "C2 misses X_k
     *       and P3 misses our link", and P3 seeing the link grants the first waiter (us, or one that
     *       retries, as in "Wake-one").
     * Why a publication that misses the request is not lost: X then R reading the bit clear, against
     *   C1, F, C2 missing X, is the store-buffering outcome the spec allows (no StoreLoad on the
     *   signaller's side): jcstress SpscBlockingQueueTakeHandshakeTest observes it ("0, 0, 0", a few in
     *   10^5). Then W is not acknowledged (the ack can only come from a later publication, which also
     *   grants W) and re-checks after each bounded park. Worst-case delay of that wake-up: the
     *   signaller's next publication (which sees the request: then at once), else W's first re-check
     *   after X became visible to it. The spec promises that visibility only eventually (the progress
     *   guarantee of opaque and stronger reads), so the stated bound is "one re-check period after X
     *   is visible": at most RECHECK_MAX_NANOS (100 ms) plus the timed park's latency (Linux timer slack,
     *   about 50 us); a store buffer drains in well under the first period, so in practice W finds X at
     *   its first re-check, RECHECK_MIN_NANOS (100 us) after its request (BlockingQueueSleepHandshakeTest
     *   publishes through the ring alone, the worst case: found after a few ms, on its
     *   doubling schedule).
     * Idle cost: a waiter whose signaller never publishes is never acknowledged, so it wakes every
     *   RECHECK_MAX_NANOS (10 times a second, plus 10 in its first 100 ms); the signaller pays
     *   nothing. Measured (JDK 17, this 2-core VM, an SPSC consumer blocked in take() on a queue
     *   nobody offers to, /proc/<pid>/task/<tid>/status): see the README ("Queue performance"). An
     *   acknowledged waiter (the signaller saw the request) parks untimed: zero wake-ups.
     * Withdrawal: the bit is cleared when the set becomes empty (the last waiter granted or gone),
     *   so a hot pair in which nobody waits pays no fence: the signaller's next R sees the clear.
     * Only the signaller acknowledges: the fenced signals (fill, put-back, a failed drain, a
     *   reservation given back by fill: signalNotEmptyFenced/signalNotFullFenced) may run in another
     *   thread and never write ack; they are correct against any waiter by the fences alone.
     * The jcstress probes (announceThenPoll/Offer) run C1 and recheckLinked without the bounded parks
     *   and report whether the waiter saw itself acknowledged; forbidden: acknowledged, C2 empty and
     *   not granted.
     *
     * Park convoy (issue 12, the 2-thread SPSC cell). Once one side parks (a preemption, a GC), the other
     * grants and unparks it at its next operation, fills (drains) the whole ring in microseconds, spins
     * its bounded spin and parks before the woken thread has run (a futex wake-up takes tens of us in a
     * VM): then the woken side does the same to it, and the two take turns for ever, each running while
     * the other sleeps (measured: each worker parked ~90% of its samples, 0.002 context switches per
     * transfer). The breaker (Waiters.yieldWhileOtherSideWakes): a waiter whose re-check after linking
     * failed looks at the node its side last granted on the other side (Waiters.granted, set by every
     * grant); while that node is still GRANTED (its thread has not run: it sets its node IDLE, or
     * WAITING, first thing when it does) the waiter yields and re-checks instead of parking, at most
     * CONVOY_YIELDS times, ending early at a success, a grant of its own node, its deadline or an
     * interrupt. It stays linked meanwhile, so the woken thread's publication grants it as usual: no
     * new lost-wake-up case (the yields only delay the park that the argument above covers). Idle
     * cost: none when nobody was woken or the woken thread has run (a genuinely idle other side is
     * parked, WAITING, or not queued); at most CONVOY_YIELDS yields per wait otherwise. Waiters.convoyParks
     * counts the parks that still happen with the woken node pending (yields spent). SPSC only
     * (breaksConvoys: one thread on each side, the case measured); with several threads on a side a
     * woken thread waiting for a core is the normal state, and the 4 + 4 thread MPMC cell lost in one
     * of two A/B runs with the breaker on, so the other kinds park as before.
     *
     * Park convoy of a second waiter (issue 12, the MPSC cell: 2 producers, 1 consumer, the ring full).
     * One producer holds the wait set's one-spinner slot and spins; before busy yields the other found
     * the slot taken and parked at once, the consumer's next poll granted and unparked it (a futex wake
     * on the consumer, the bottleneck thread), it ran after the scheduler's latency, moved an element or
     * two, found the ring full again and parked again. So a waiter that finds the slot taken yields
     * (WaitQueue's busyYields, SpinPolicy.YIELDS) and retries before it parks, and (except SPSC, whose
     * convoy breaker yields instead) the spinner yields SpinPolicy.YIELDS times after its spins: the
     * policy of the waiters before the waiting layer, whose every waiter spun and yielded. A yield gives
     * its core to any runnable thread, so the one-spinner rule's point is kept, and the protocol is
     * unchanged (the yields come before the node is linked, as the spin does). Measured (JMH perfnorm, 3
     * forks, load 10-14): CPU per operation MPSC 18-31 ns against 141-162 before (22 before the layer),
     * SPMC 21-33 against 60-94, MPMC 18-29 against 77-133; at load 16-19 the yielding waiters lost (361,
     * 520, 53 ns). Quiet (load 2-6): MPSC context switches per operation 2.3e-3 -> 4.5e-4 (ops/µs
     * 13.5 -> 14.7; 20.6 before the layer), SPMC 12.1 -> 24.8 ops/µs (as before the layer), MPMC 11.0
     * -> 10.5. See the README, "Queue performance", sixth pass. Since the eleventh round (branch
     * mpmcpark) the spinner of a side several threads may wait on (the ring's operation there is a
     * volatile read-modify-write: MPSC producers, SPMC consumers, MPMC and priority both sides) makes no
     * onSpinWait steps and yields at once: counted on MPMC (2 + 2 threads), 84-90% of the slow entries
     * ended in the yield phases after about one yield, and the 100 spins, each an offer or poll on the
     * ring's contended lines, succeeded in only 7-21% of the spinner's entries; parking sooner instead
     * (no yields) cost 1.7-2.8x the CPU per element (docs/benchmarks/headline-evidence.md,
     * "Quick-report targets: history", eleventh round).
     *
     * Yielding waiters beyond the second (issue 12, twenty-second round, the MPMC 4 + 4 cell). With four
     * threads on a side, the spinner and up to three busy yielders stayed runnable, each making an
     * attempt (a poll or offer on the lines the moving threads write) after every yield, so the threads
     * that move elements shared the two cores with up to six waiters; ArrayBlockingQueue parks them. Each
     * wait set now lets one thread busy-yield at a time besides the spinner (WaitQueue's
     * maxBusyYielders = 1); a third waiter parks at once. Two threads per side (the MPSC producers the
     * busy yields were made for, MPMC 2 + 2, SPMC) are unchanged by construction. Measured (JMH with the
     * placement probe, two-core placement, alternated runs, 3 forks each, ArrayBlockingQueue ~18
     * elements per µs in every run): 4 + 4 threads 11.1-14.7 (median 12.0) elements per µs before,
     * 13.9-20.8 (median 16.6) with the bound; making every busy yielder park at once instead helped
     * less there (12.2-18.2, median 14.0) and halved MPSC in two runs of three (the park convoy above).
     * Parking the third waiter at once was not kept (twenty-second round): it cost 2.3-3.5x wherever
     * the other side has one thread (4 producers + 1 consumer: the consumer's every poll that freed a
     * slot unparked a parked producer, on the thread everything waits for). Twenty-third round: the
     * third and later waiters nap instead (WaitQueue's overflow nap, SpinPolicy.OVERFLOW_NAP_NANOS,
     * 50 µs, up to OVERFLOW_NAPS, 8, retrying after each), and park only after that: off the CPU as a
     * parked waiter is, but in no list, so the other side's operations unpark nobody for them. A
     * waiter that was woken (holds a grant) does not nap. Measured (README "Queue performance", eighth
     * pass): in the two-core placement, against ArrayBlockingQueue in the same runs, MPMC 4 + 4 from
     * 0.56-0.84x (yields, no bound) to 1.51-1.79x, MPSC 4 + 1 from 1.05-1.38x to 1.90-2.18x, SPMC
     * 1 + 4 unchanged (2.2-2.7x against 2.0-2.4x), MPMC 4 + 1 down from 6.0-6.4x to 3.8-4.9x; CPU per
     * element lower in the first two (62-77 against 129-194 ns; 65-97 against 104-137).
     * Twenty-fourth round: the bound is 0, so the second waiter on a side naps as well instead of
     * busy-yielding (the sixth pass made it yield rather than park, against the park convoy of a second
     * MPSC producer: a linked waiter is unparked by the consumer's every poll; a napper is not linked,
     * so the convoy does not come back). With two threads per side its yields had kept it runnable next
     * to the two threads that move elements on two cores: MPSC 2 + 1 and MPMC 2 + 2 read 0.45-0.81x
     * ArrayBlockingQueue in the two-core placement, and 1.05-1.22x and 1.36-1.53x with the naps; the
     * 4-thread and asymmetric cells read as with one yielder (README "Queue performance", ninth pass).
     *
     * Batches. drain signals not-full before handing each element over (the rings free the slot first),
     * fill signals not-empty before each supplier call after the first and at the end, always with the
     * fence (a multi-producer fill claims by CAS first and publishes later by a release store, and the
     * strict poll answers "empty" at a slot whose supplier runs, so isSeqCst(true)'s reasoning does not
     * cover it). Both also signal in a finally block, so a throw from user code cannot skip the signal.
     * drainTo of the rings does not go through drain: it claims (polls) each element before handing it
     * to add, signals not-full per freed slot, and on a throw from add pushes the element onto the
     * put-back stack (below) and signals not-empty (with the fence) before rethrowing. A final poll that
     * found nothing signals not-full once in MPSC/MPMC (it may have skipped FILLER slots). A throw from add
     * can therefore skip no signal: each signal follows its removal, before the next add.
     *
     * Put-back stack (returned). Invariant: every element is in exactly one of: the ring, the put-back
     * stack (in a node whose item is non-null), a caller's hands (claimed by a poll, or handed to add). A
     * node's item goes from the element to null once (compare-and-set: the winner owns the element), so a
     * put-back element is taken or removed exactly once whatever the consumers race. Order: every
     * consuming method looks at the stack first, so put-back elements are ahead of everything in the ring;
     * among them, the most recently put back first (a nested drainTo that fails inside a failing add puts
     * its later element back first, and the outer one then puts the earlier element on top: FIFO kept).
     * Nodes are never reused (no ABA on the head CAS); next is fixed before the push CAS; claimed nodes
     * are unlinked by the taker when on top, skipped by pushes, and skipped by readers. The stack is
     * empty except after a failed add: the hot paths pay one acquire load of its head (null) and nothing
     * else; producers never look at it, so the queue may hold capacity + (elements put back) for a while.
     * The head field is not padded: it is written only on that error path, so in steady state it shares
     * a read-only line with the adapter's final fields (no false sharing on the hot paths).
     *
     * Skipped slots. The rings turn removed elements and a failed fill's remainder into FILLER slots that
     * polls skip; size() does not count them, but producers can reuse them only after a consumer passed
     * them. A poll that skipped some and returned null signals nobody, so a consumer about to park (after
     * its re-check C2) or to give up signals not-full first; otherwise a producer parked beside those slots and the consumer
     * parked for its element would wait for each other for ever.
     *
     * The spin before the set-up (issue 12, the SPSC spin-loop cell). Entering the layer costs, before
     * its first retry, the deadline's System.nanoTime() (33.7 ns on this project's kvm-clock VM), the
     * thread-local reads of the wait node and the wait descriptor (5.6 ns) and the one-spinner slot's
     * CAS and opaque store (8.3 ns): about 50 ns per empty (full) episode that a spin loop over a
     * non-blocking ring does not pay (headline-evidence.md, eighth round, item 3). So put/take and the
     * timed offer/poll first retry the real offer/poll, each after onSpinWait, SPINS times (spinPoll,
     * spinOffer), and only then set the wait up; the layer's first round then skips its own spin steps
     * (WaitQueue.acquireAfterSpin; its yield phases still run). No lost wake-up: these retries announce
     * nothing (no node linked, no sleep request raised, no state written), so no signaller owes the
     * thread anything until C1, and C1, F, C2 are unchanged. Only where the waiting side has one thread
     * (SPSC both sides, the MPSC consumer, the SPMC producer): there the one-spinner rule holds by
     * itself; a side with several threads enters the layer at once as before, whose slot bounds its
     * spinners (spinning all of them first, without the slot, was measured and did not pay: README,
     * "Queue performance", seventh pass). Exits: put/take check the interrupt on entry, before any
     * attempt, the timed offer/poll right after their first attempt failed (so their hot path reads no
     * interrupt status: awaitOfferTimed gives the JDK's rules), both before this spin, and the layer
     * checks it again; a timeout of zero or less makes the one attempt and returns (BlockingQueue:
     * "if immediately available"), a timeout under PRE_SPIN_MIN_TIMEOUT_NANOS (20 us) sets its deadline
     * first and enters the layer, whose spin checks it; a longer one starts its deadline after the spin
     * (a few microseconds: the wait is never shorter than asked).
     *
     * The hot spin (issue 12, the SPSC spin-loop cell, twelfth round). Counted in the two-thread cell
     * (measurement-only build, 3 forks, docs/benchmarks/headline-evidence.md): the 100 retries above
     * (2-5 us) ended about 2% of the consumer's empty episodes and 7-60% of the producer's full ones
     * without success, and 99% of those parked: 1-2e-4 parks per operation on each side, in pairs (one
     * side parks, the other wakes it, fills or drains the ring and waits in turn while the woken thread
     * takes tens of us to run). Spinning on past the 100 retries (up to 1 ms), about 90% of the gaps
     * that ended did so within 32 us, most within 4-32 us, and 97% within 131 us (the rest, and the
     * spins that reached 1 ms, were the loaded machine's preemptions); parks fell from 1-2e-4 to
     * about 1e-6 per operation. So, where the side has one thread, after the 100
     * retries the thread keeps retrying (onSpinWait, then the real poll/offer; the clock every 32
     * retries) until HOT_SPIN_NANOS (50 us, about a park plus its wake-up here: the competitive bound,
     * at most twice the cost of the better choice in hindsight) or the timeout, whichever is shorter,
     * and only then sets up the wait. With a back-off, so that an idle or preempted other side costs
     * few hot spins: from the HOT_SPIN_GRACE-th (2nd) hot spin in a row that times out, the side's waits
     * skip it for HOT_SPIN_OFF_MIN_NANOS (1 ms), twice as long per further time-out in a row up to
     * HOT_SPIN_OFF_MAX_NANOS (64 ms), and a hot spin that succeeds (the other side is hot) ends the
     * back-off (Waiters.hotTimeOuts and hotResumeAt, plain fields of that side's one thread, written only
     * on these slow paths). Thirteenth round (branch spscb4): the twelfth round's back-off counted
     * waits (a time-out made the next 1, 2, 4 ... 1024 waits skip it) and ended only by a hot spin
     * that succeeded; counted in the two-thread cell (counting build, lockstep.queue.countWaits), it
     * stuck at 1024: 99.7% of the waits skipped the hot spin and parked (45-145 K parks per side per
     * fork, both sides), and the rare hot spin that ran mostly timed out while the thread this side
     * had just woken on the other side had not run yet (128 of 157), the element coming 8-65 us after
     * the time-out: a park chain in which each side's park makes the other's next wait find it
     * asleep. Hence the grace (one preemption of the other side says nothing about the next wait),
     * the back-off by time (a side whose every wait parks is not kept from spinning by its own count
     * of waits) and the waking extension: while the waiter this side last woke on the other side has
     * not run yet (Waiters.otherSideWaking: its node, the other set's convoy-breaker hint, still
     * GRANTED; SPSC only, where grants set the hint), the hot spin goes on up to HOT_SPIN_WAKING_NANOS
     * (250 us, the tail of the measured wake-up latencies) and yields at each clock read, so that a
     * woken thread queued behind us on our CPU runs at once (with nothing else runnable the yield
     * returns at once). A first version without the back-off
     * (a time-out turned the hot spin off until a retry of the 100 succeeded, which in a hot pair is
     * almost at once) cost 45-82 ns of CPU per operation against main's 9-16 in two loaded A/B pairs:
     * under load each preemption of the other side cost a full hot spin. No lost wake-up:
     * like the first spin it announces nothing (no node, no request, no shared write), so C1, F, C2
     * are unchanged. A timed call's deadline counts from the start of the hot spin (the clock read that
     * Waits.deadline made before): never shorter than asked. No interrupt check inside: bounded.
     *
     * Hot paths. offer/poll that do not wait pay, besides the ring's own work, one volatile load of the
     * other side's wait set head (kinds whose ring operation is a volatile read-modify-write) or one
     * acquire load of its sleep request (the others; P2 only while a waiter asked to sleep), as with the former private waiter stacks: no allocation, no
     * lock, no write to a shared line. The wait sets are padded at their end, so the consumers' writes
     * to notEmpty while they wait do not share a line with notFull's head that they read per poll. The
     * request and acknowledgement words, which the other side reads on every operation, are also padded
     * from the layer's fields before them (PaddedWaitQueue: WaitQueue, shared by every synchronizer, is
     * not padded): a thread that finds the ring empty (or full) writes its set's one-spinner slot by CAS
     * and opaque store on every entry into the bounded spin, and before the padding that slot sat 24
     * bytes from the request word (offsets 16 and 40, Unsafe.objectFieldOffset, JDK 17), so while the
     * producer spun on a full ring each of the consumer's polls could miss on notFull's request line;
     * now request is at 168 (JDK 17 and 25). The line before a set's fields may hold the ring array's
     * last slots (allocated just before notEmpty), written once per lap of the ring.
     *
     * What the fast path costs (issue 12: "SpscBlockingQueue / JCTools SPSC spin loop", 0.18x in the
     * quiet run with P2 on every operation: two full fences per transfer, each a locked instruction that
     * waits for the store buffer, i.e. for the slot's line to come from the other core; one thread, put
     * then take: ring 17-20 ns, adapter 67-69 ns, the adapter without the fences 17-30 ns). With the
     * sleep handshake a hot pair, in which nobody parks, pays per operation one acquire load of the
     * other side's request word (a plain load on x86, of a line written only when threads wait) and no
     * fence; the fence, the acknowledgement and the head load come only while a waiter asked to sleep.
     * Measurements: README, "Queue performance (issue 12)".
     */

    /**
     * A node of the put-back stack: an element whose {@code drainTo} target threw, queued again at the
     * head. Whoever changes {@code item} to null (compare-and-set) owns the element: a consumer taking
     * it, or a removal.
     */
    static final class Returned {
        private static final VarHandle ITEM;

        static {
            try {
                ITEM = MethodHandles.lookup().findVarHandle(Returned.class, "item", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** The element; null once taken or removed. */
        Object item;
        /** The node below. Plain: written before the push CAS publishes the node, then fixed. */
        Returned next;

        Returned(Object item) {
            this.item = item; // plain: published by the push CAS
        }

        /**
         * The element, or null once claimed. Opaque: a racy read of a field that only ever changes from
         * the element to null (coherent, never torn); the element's own fields are visible through the
         * acquire load of the stack head that led here (happens-after the push CAS, a volatile write).
         */
        Object getOpaqueItem() {
            return ITEM.getOpaque(this);
        }

        /** Claims the element. Volatile CAS: exactly one caller gets true for the element. */
        boolean compareAndSetItem(Object expected) {
            return ITEM.compareAndSet(this, expected, null);
        }
    }

    private static final VarHandle RETURNED;
    /** {@code Waiters.request} and {@code Waiters.ack}: the sleep handshake (implementation notes). */
    private static final VarHandle REQUEST;
    private static final VarHandle ACK;
    /** {@code Waiters.granted}, {@code Waiters.yields}, {@code Waiters.convoyParks}: the convoy breaker. */
    private static final VarHandle GRANTED_NODE;
    private static final VarHandle YIELDS;
    private static final VarHandle CONVOY_PARKS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            RETURNED = lookup.findVarHandle(BlockingQueueAdapter.class, "returned", Returned.class);
            REQUEST = lookup.findVarHandle(BlockingQueueAdapter.Waiters.class, "request", long.class);
            ACK = lookup.findVarHandle(BlockingQueueAdapter.Waiters.class, "ack", long.class);
            GRANTED_NODE = lookup.findVarHandle(BlockingQueueAdapter.Waiters.class, "granted", WaitNode.class);
            YIELDS = lookup.findVarHandle(BlockingQueueAdapter.Waiters.class, "yields", long.class);
            CONVOY_PARKS = lookup.findVarHandle(BlockingQueueAdapter.Waiters.class, "convoyParks", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code Waiters.recheckLinked}: the attempt succeeded. */
    static final int TOOK = 0;
    /** The signaller acknowledged our sleep request (or we were granted): we may park until a grant. */
    static final int ACKED = 1;
    /** Not acknowledged yet: a publication may have missed our request; park only for a bounded time. */
    static final int NOT_ACKED = 2;
    /**
     * {@code Waiters.yieldWhileOtherSideWakes}: stop without parking on (our node was granted, the
     * deadline passed or the thread is interrupted): the layer's park returns at once.
     */
    static final int STOP = 3;

    /**
     * The most {@link Thread#yield()}s a waiter about to park makes while the waiter it woke on the other
     * side is granted but has not run yet (the convoy breaker: see the implementation notes). System
     * property {@code lockstep.queue.convoyYields} (default 1000; 0 turns the breaker off).
     */
    static final int CONVOY_YIELDS = Math.max(0, Integer.getInteger("lockstep.queue.convoyYields", 1000));

    /**
     * The first timed park of a waiter whose sleep request is not acknowledged yet (ns); each further
     * one doubles, up to {@link #RECHECK_MAX_NANOS}. System property {@code lockstep.queue.recheckMinNanos}
     * (default 100 µs).
     */
    static final long RECHECK_MIN_NANOS = Math.max(1L, Long.getLong("lockstep.queue.recheckMinNanos", 100_000L));
    /**
     * The longest timed park of an un-acknowledged waiter (ns): the bound on the extra delay of a wake-up
     * whose publication missed the request (see the implementation notes), and 1 / this the rate at which
     * an idle waiter of an idle signaller wakes. System property {@code lockstep.queue.recheckMaxNanos}
     * (default 100 ms, the bound of ipc's channel sleeps).
     */
    static final long RECHECK_MAX_NANOS = Math.max(RECHECK_MIN_NANOS,
            Long.getLong("lockstep.queue.recheckMaxNanos", 100_000_000L));

    /**
     * A timed wait shorter than this (ns) sets up its deadline before any spin, so that the layer's spin
     * checks it; a longer one spins first ({@link #spinPoll}, {@link #spinOffer}), its deadline starting
     * after the spin (a few microseconds at most: the wait is never shorter than asked).
     */
    static final long PRE_SPIN_MIN_TIMEOUT_NANOS = 20_000L;

    /**
     * How long (ns) a one-thread side that found the queue empty (full) keeps retrying, after the
     * {@link SpinPolicy#SPINS} retries of {@link #spinPoll} ({@link #spinOffer}) failed, before it sets up
     * a wait: the hot spin ({@link #hotSpinPoll}, {@link #hotSpinOffer}), skipped for a while after hot
     * spins that timed out in a row (back-off: see the implementation notes, "The hot spin"). About the price of a
     * park and its wake-up on this project's VM (tens of µs): spinning no longer than a block costs
     * wastes at most as much again as the best choice would have (competitive spinning). System property
     * {@code lockstep.queue.hotSpinNanos} (default 50 µs; 0 turns the hot spin off).
     */
    static final long HOT_SPIN_NANOS = Math.max(0L, Long.getLong("lockstep.queue.hotSpinNanos", 50_000L));

    /**
     * How long (ns) the hot spin goes on, past {@link #HOT_SPIN_NANOS}, while the waiter this side last
     * woke on the other side has not run yet (its node still GRANTED: it is runnable and will serve us
     * once it runs; implementation notes, "The hot spin"), yielding at each clock read so that a woken
     * thread queued on our CPU runs. System property {@code lockstep.queue.hotSpinWakingNanos} (default
     * 250 µs; never below {@link #HOT_SPIN_NANOS}).
     */
    static final long HOT_SPIN_WAKING_NANOS = Math.max(HOT_SPIN_NANOS,
            Long.getLong("lockstep.queue.hotSpinWakingNanos", 250_000L));

    /**
     * The consecutive hot spins that may time out before a side backs off (skips its hot spins for a
     * while): one time-out is one preemption of the other side, which says nothing about the next wait.
     */
    static final int HOT_SPIN_GRACE = 2;
    /** The first back-off period (ns): no hot spin for 1 ms after the {@link #HOT_SPIN_GRACE}-th consecutive time-out. */
    static final long HOT_SPIN_OFF_MIN_NANOS = 1_000_000L;
    /**
     * The longest back-off period (ns; it doubles per further consecutive time-out): an idle other side
     * then costs at most one hot spin ({@link #HOT_SPIN_NANOS}) per 64 ms, 0.08% of a core.
     */
    static final long HOT_SPIN_OFF_MAX_NANOS = 64_000_000L;

    /**
     * The counting build (issue 12, thirteenth round): system property {@code lockstep.queue.countWaits}
     * (default false) makes each wait set count, per side, what its slow paths do ({@link #waitCounts}).
     * A static final: off, the JIT folds every {@code if (COUNT_WAITS)} away (zero cost); the counters
     * are touched only on the slow paths, never by the fast {@code offer}/{@code poll}.
     */
    static final boolean COUNT_WAITS = Boolean.getBoolean("lockstep.queue.countWaits");
    /** {@link #waitCounts}: slow-path entries (the fast attempt failed; one-thread sides: spinPoll/spinOffer). */
    static final int W_ENTERED = 0;
    /** The spin before the set-up succeeded. */
    static final int W_SPIN_OK = 1;
    /** Hot spins run, succeeded, timed out, skipped by the back-off. */
    static final int W_HOT_RUN = 2;
    static final int W_HOT_OK = 3;
    static final int W_HOT_TIMED_OUT = 4;
    static final int W_HOT_SKIPPED = 5;
    /** Waits that entered the layer (awaitPoll/awaitOffer). */
    static final int W_LAYER = 6;
    /** The layer's parks: the re-check after linking failed (the layer then parks unless granted meanwhile). */
    static final int W_PARKS = 7;
    /** The un-acknowledged phase's bounded parks. */
    static final int W_BOUNDED_PARKS = 8;
    /** Layer waits that ended without any park. */
    static final int W_LAYER_NO_PARK = 9;
    /** Hot spins that timed out while the waiter this side last woke on the other side had not run yet. */
    static final int W_HOT_TIMED_OUT_PEER_WAKING = 10;
    /** Copies of the convoy breaker's yields and parks ({@code convoyYields}, {@code convoyParks}), at readout. */
    static final int W_CONVOY_YIELDS = 11;
    static final int W_CONVOY_PARKS = 12;
    /** The number of counters; then two log2 histograms (ns) of {@link #W_BUCKETS} buckets each. */
    static final int W_COUNTERS = 13;
    static final int W_BUCKETS = 40;
    /** Histogram 1: from a hot spin's time-out to the end of the layer wait that followed it. */
    static final int W_HIST_AFTER_TIME_OUT = W_COUNTERS;
    /** Histogram 2: the duration of a layer wait whose hot spin the back-off skipped. */
    static final int W_HIST_AFTER_SKIP = W_COUNTERS + W_BUCKETS;
    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * The calling thread's wait: {mode, deadline}, for the un-acknowledged phase, which runs inside the
     * layer's hook (the layer does not pass them on). Slow path only; one small array per thread.
     */
    private static final ThreadLocal<long[]> WAIT = ThreadLocal.withInitial(() -> new long[2]);

    /**
     * The put-back stack's head (see the implementation notes): null except after a {@code drainTo}
     * target threw. Accessed only through {@link #RETURNED}. Not padded: written only on that error path.
     */
    @SuppressWarnings("unused")
    private Returned returned;

    final ConcurrentQueue<E> queue;
    private final int capacity;
    private final boolean sweepsSkippedSlots;
    /** Whether the wrapped ring removes from the middle (MPMC): then put-back elements are removable too. */
    private final boolean removable;
    /** Whether the wrapped ring's poll may discard FILLER slots and still return null (MPSC, MPMC). */
    private final boolean pollSkipsMarkers;
    /**
     * Whether waiters about to park run the convoy breaker ({@code Waiters.yieldWhileOtherSideWakes}):
     * only with one thread on each side (SPSC: both sides publish by release stores), where the park
     * convoy was measured. With several threads on a side a woken thread that waits for a core is the
     * normal state, and yielding waiters cost CPU (4 producers + 4 consumers: 124 against 75 ns of CPU
     * per operation in one of two runs; see the README, "Queue performance").
     */
    private final boolean breaksConvoys;
    /** Consumers waiting for an element: a wait set of the waiting layer. */
    private final Waiters notEmpty;
    /** Producers waiting for space. */
    private final Waiters notFull;

    /**
     * @param queue the bounded queue to wrap, owned by the adapter from now on; its publication is
     *              described by the kind's {@link #isSeqCst}
     */
    BlockingQueueAdapter(ConcurrentQueue<E> queue) {
        this(queue, false);
    }

    /**
     * @param sweepsSkippedSlots whether any thread may consume (MPMC), so that a producer whose
     *                           {@code offer} fails while {@code size() < capacity()} may call the wrapped
     *                           queue's {@code peek}, which discards the skipped slots (removed elements,
     *                           a failed fill's remainder) at the head, and try again
     */
    BlockingQueueAdapter(ConcurrentQueue<E> queue, boolean sweepsSkippedSlots) {
        // The kind's constants (isSeqCst returns a constant in every kind: calling it here is safe).
        boolean offerIsSeqCst = isSeqCst(true);
        boolean pollIsSeqCst = isSeqCst(false);
        this.sweepsSkippedSlots = sweepsSkippedSlots;
        this.removable = queue instanceof MpmcArrayQueue;
        this.pollSkipsMarkers = queue instanceof MpscArrayQueue || queue instanceof MpmcArrayQueue;
        int cap = queue.capacity();
        if (cap == UNBOUNDED || cap <= 0) {
            throw new IllegalArgumentException("a blocking adapter needs a bounded queue, capacity: " + cap);
        }
        this.queue = queue;
        this.capacity = cap;
        this.breaksConvoys = !offerIsSeqCst && !pollIsSeqCst;
        // The handshake where the signalling side publishes by release stores (its one thread acknowledges).
        // The spinner yields after its spins except in SPSC (one thread per side: the convoy breaker).
        // A side whose operation is a volatile read-modify-write (several threads may wait on it: the
        // consumers of SPMC/MPMC/priority, the producers of MPSC/MPMC/priority) skips the spin steps
        // and yields at once (implementation notes, "Park convoy of a second waiter").
        this.notEmpty = new Waiters(true, !offerIsSeqCst, !breaksConvoys, pollIsSeqCst);
        this.notFull = new Waiters(false, !pollIsSeqCst, !breaksConvoys, offerIsSeqCst);
    }

    // ------------------------------------------------------------------ the kind

    /**
     * Whether the wrapped queue's successful {@code offer} ({@code offerSide}) makes the element available
     * by a volatile read-modify-write, and its {@code poll} returns null only after a volatile read that
     * would have seen it (then no fence is needed after offer, and the signal is one volatile load of the
     * wait set's head); for {@code !offerSide}, the same for {@code poll} freeing a slot and {@code offer}
     * failing. Otherwise that side has one thread and publishes by release stores, and runs the sleep
     * handshake (implementation notes).
     *
     * <p>A property of the kind, so a method each kind implements with a constant rather than a field
     * (issue 12, the SPSC spin-loop cell): where the JIT knows the receiver's class (a call site that
     * sees one kind, then everything inlined into it), the constant folds, and the hot paths lose a
     * field load and a branch per operation.
     */
    abstract boolean isSeqCst(boolean offerSide);

    /**
     * The wrapped queue's {@code offer}, for the hot path ({@link #offer(Object)}). A kind whose ring class
     * is final may call it through a field of that exact type (SPSC): where the JIT knows the receiver's
     * class, the ring's {@code offer} is then bound statically, without the type guard that the interface
     * call through {@link #queue} needs (field load, class load, compare, branch per call; issue 12,
     * eighth round). The other kinds keep the call through {@link #queue}.
     */
    boolean ringOffer(E e) {
        return queue.offer(e);
    }

    /** The wrapped queue's {@code poll}, for the hot path ({@link #poll()}): as {@link #ringOffer}. */
    E ringPoll() {
        return queue.poll();
    }

    // ------------------------------------------------------------------ signalling

    /**
     * After a successful insertion by the producer's own {@code offer}/{@code relaxedOffer}: wakes the
     * consumers waiting for an element, if any. A kind whose {@code offer} is a volatile
     * read-modify-write (MPSC, MPMC, priority) checks the wait set with one volatile load; the others
     * (SPSC, SPMC: one producer thread) pay one acquire load of the sleep request and nothing else while
     * no consumer asked to sleep (the handshake: see the implementation notes).
     */
    private void signalNotEmpty() {
        if (isSeqCst(true)) {
            notEmpty.signal(); // P1 was a volatile RMW: it orders the insertion before this volatile load
        } else {
            notEmpty.signalIfRequested(); // the handshake: the producer is this set's only signaller
        }
    }

    /**
     * The fenced signal, for every other insertion (a {@code fill}, a put-back, a failed drain): the
     * StoreLoad fence, then the volatile load of the wait set's head. A multi-producer {@code fill}
     * claims its batch by the CAS first and publishes each element later with a release store, and a
     * strict {@code poll} that meets a slot whose supplier is still running answers "empty" instead of
     * waiting for it, so the CAS no longer orders the element's publication before our waiter check;
     * a put-back is done by a consumer, not by the producer that acknowledges sleep requests. Correct
     * whatever the sleep request says (Dekker's two fences); it never acknowledges a request.
     */
    private void signalNotEmptyFenced() {
        // P2, the StoreLoad barrier: the insertion's release store before the waiter check below.
        VarHandle.fullFence();
        notEmpty.signal(); // P3: one volatile load of the wait set's head; usually null
    }

    /** After a successful removal by the consumer thread: wakes the producers waiting for space, if any. */
    private void signalNotFull() {
        if (isSeqCst(false)) {
            notFull.signal(); // as in signalNotEmpty
        } else {
            notFull.signalIfRequested(); // SPSC, MPSC: the consumer is this set's only signaller
        }
    }

    /** The fenced signal of space (see {@link #signalNotEmptyFenced}), for a thread other than the consumer. */
    private void signalNotFullFenced() {
        VarHandle.fullFence(); // StoreLoad: the freeing store before the waiter check
        notFull.signal();
    }

    /**
     * 128 bytes of padding between the layer's fields ({@code WaitQueue}: the one-spinner slot, which a
     * producer that finds the ring full (a consumer that finds it empty) writes by compare-and-set and
     * opaque store on every entry into its bounded spin, the head, the queue lock) and the sleep request
     * that the other side reads on every operation (issue 12: with the consumer hot, the SPSC producer
     * spins on a full ring, and each of the consumer's acquire loads of the not-full request could miss,
     * its line taken away by the producer's last entry into the spin). A
     * superclass, because the JVM lays out a class's own fields in an order of its choosing but puts a
     * superclass's before a subclass's (the padding chain of {@code ArrayQueueBase}); 16 longs: the
     * adjacent-line prefetcher pulls lines in pairs.
     */
    @SuppressWarnings("unused")
    private abstract static class PaddedWaitQueue extends WaitQueue {
        private static final long serialVersionUID = 1L;
        private long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;

        /**
         * Wake-and-retry, one spinner at a time (the layer's spinning policy); a waiter that finds the
         * spinner slot taken yields up to {@link SpinPolicy#YIELDS} times ({@code lockstep.yields}, 20)
         * before it parks, and so does the spinner after its spins unless {@code spinnerYields} is false
         * (SPSC, whose convoy breaker yields instead). The spinner spins {@link SpinPolicy#SPINS} steps
         * where one thread waits on this side, none where several may ({@code sharedSide}: it yields at
         * once): see the implementation notes, "Park convoy of a second waiter". No thread busy-yields
         * (bound 0): a waiter that finds the spinner slot taken naps, retrying after each nap, and parks
         * only after {@link SpinPolicy#OVERFLOW_NAPS} naps: "Yielding waiters beyond the second".
         */
        PaddedWaitQueue(boolean spinnerYields, boolean sharedSide) {
            super(false, sharedSide ? 0 : SpinPolicy.SPINS, spinnerYields ? SpinPolicy.YIELDS : 0, SpinPolicy.YIELDS, 0);
        }
    }

    /**
     * One of the adapter's two wait sets on the waiting layer ({@link WaitQueue}): consumers waiting for
     * an element ({@code forElement}) or producers waiting for space. The layer owns enqueueing, the
     * bounded spin, parking, timeouts, interrupts, withdrawal and the JFR event; this class is only the
     * grant decision, wake-one-and-retry: the real {@code poll}/{@code offer} is the attempt, made
     * outside the queue lock ({@link #tryAcquire}, and {@link #tryAcquireLinked} after the node was
     * linked: the waiter's re-check of the handshake), and a signaller grants the first waiter, which
     * retries. With {@code handshake} (the other side has one thread and publishes by release stores)
     * it also keeps the sleep request and its acknowledgement (implementation notes, "The sleep
     * handshake"). Padded at the end: the two sets (written only when threads wait) do not share a line
     * with each other or with what is allocated after them; and before the request word
     * ({@link PaddedWaitQueue}): the layer's own fields, written by this set's threads whenever they
     * enter the spin, do not share its line either.
     */
    private final class Waiters extends PaddedWaitQueue {
        private static final long serialVersionUID = 1L;
        private final boolean forElement;
        /** Whether the signaller pays no fence per operation (the sleep handshake). */
        private final boolean handshake;
        /**
         * The sleep request: the sign bit set while a waiter is linked, the epoch in the other 63 bits
         * (negative: a waiter asked to sleep). Written only under the queue lock
         * (volatile stores, {@link #syncRequestLocked}); read by the signaller on every operation
         * (acquire) and by waiters after linking (volatile). Epochs only grow.
         */
        @SuppressWarnings("unused")
        private long request;
        /** The last epoch the signaller acknowledged; written only by the signaller (volatile stores). */
        @SuppressWarnings("unused")
        private long ack;
        /**
         * The node this set's last grant woke (the convoy breaker), or null: written under the queue
         * lock by every grant (opaque), read by the other side's waiters about to park (opaque), cleared
         * by them (compare-and-set) once its thread has run. A hint: it publishes nothing.
         */
        @SuppressWarnings("unused")
        private WaitNode granted;
        /** For tests and diagnostics: the yields this set's waiters made before parking (atomic adds). */
        @SuppressWarnings("unused")
        private long yields;
        /**
         * For tests and diagnostics: the parks of this set's waiters while the waiter they woke on the
         * other side was still granted-but-not-running after {@link #CONVOY_YIELDS} yields (atomic adds).
         */
        @SuppressWarnings("unused")
        private long convoyParks;
        @SuppressWarnings("unused")
        private long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
        /*
         * The hot spin's back-off (implementation notes, "The hot spin"): the hot spins of this set's
         * side that timed out in a row (hotTimeOuts, 0 again once one succeeds), and, from the
         * HOT_SPIN_GRACE-th on, the System.nanoTime() before which its waits skip the hot spin
         * (hotResumeAt: HOT_SPIN_OFF_MIN_NANOS after that time-out, doubling per further one up to
         * HOT_SPIN_OFF_MAX_NANOS). Plain: read and written only by that side's one thread (the spins run
         * only where the side has one thread: see pollPreSpins), on its slow path; a heuristic that
         * guards no data.
         */
        private int hotTimeOuts;
        private long hotResumeAt;
        /**
         * The counting build only (null unless {@link #COUNT_WAITS}): {@link #waitCounts}. Added to with
         * volatile getAndAdd (exact under several threads on a side; slow paths only).
         */
        final long[] counts = COUNT_WAITS ? new long[W_COUNTERS + 2 * W_BUCKETS] : null;
        /** The counting build: why the next layer wait came (0 none, 1 a hot spin timed out, 2 skipped), and when. Plain: the side's one thread. */
        int countReason;
        long countSince;

        /** The counting build: adds 1 to counter {@code i}. */
        void count(int i) {
            COUNTS.getAndAdd(counts, i, 1L); // volatile RMW: exact (diagnostic, slow path only)
        }

        /** The counting build: records {@code nanos} in the log2 histogram at {@code base}. */
        void record(int base, long nanos) {
            int b = Math.min(W_BUCKETS - 1, 64 - Long.numberOfLeadingZeros(Math.max(0L, nanos)));
            COUNTS.getAndAdd(counts, base + b, 1L); // as in count
        }

        /**
         * Whether a wait that begins at {@code now} ({@link System#nanoTime()}) runs the hot spin: yes
         * unless {@link #HOT_SPIN_GRACE} or more hot spins timed out in a row and the back-off period
         * after the last of them has not passed.
         */
        boolean hotSpinDue(long now) {
            boolean due = hotTimeOuts < HOT_SPIN_GRACE || now - hotResumeAt >= 0L;
            if (COUNT_WAITS) {
                count(due ? W_HOT_RUN : W_HOT_SKIPPED);
                if (!due) {
                    countReason = 2;
                    countSince = now;
                }
            }
            return due;
        }

        /**
         * A hot spin found nothing in its time (ending at {@code now}): from the {@link #HOT_SPIN_GRACE}-th
         * time-out in a row on, skip the hot spins for {@link #HOT_SPIN_OFF_MIN_NANOS}, twice as long per
         * further one, up to {@link #HOT_SPIN_OFF_MAX_NANOS}.
         */
        void hotSpinTimedOut(long now) {
            if (COUNT_WAITS) {
                count(W_HOT_TIMED_OUT);
                if (otherSideWaking()) {
                    count(W_HOT_TIMED_OUT_PEER_WAKING);
                }
                countReason = 1;
                countSince = now;
            }
            int n = hotTimeOuts < Integer.MAX_VALUE ? ++hotTimeOuts : hotTimeOuts;
            if (n >= HOT_SPIN_GRACE) {
                int doublings = Math.min(n - HOT_SPIN_GRACE,
                        63 - Long.numberOfLeadingZeros(HOT_SPIN_OFF_MAX_NANOS / HOT_SPIN_OFF_MIN_NANOS));
                hotResumeAt = now + Math.min(HOT_SPIN_OFF_MIN_NANOS << doublings, HOT_SPIN_OFF_MAX_NANOS);
            }
        }

        /** A hot spin succeeded: the other side is hot; the back-off ends. */
        void hotSpinSucceeded() {
            if (COUNT_WAITS) {
                count(W_HOT_OK);
            }
            if (hotTimeOuts != 0) {
                hotTimeOuts = 0;
            }
        }

        /**
         * Whether the waiter this set's side last woke on the other side (the other set's
         * {@code granted}, set by every grant where the convoy breaker runs: SPSC) has not run since:
         * its node is still GRANTED. Then it is runnable and will serve us (free a slot, add an
         * element) as soon as it runs. Opaque read of the hint and acquire read of the status, as in
         * {@link #yieldWhileOtherSideWakes}: a stale answer costs one more yield, or a park sooner.
         */
        boolean otherSideWaking() {
            WaitNode g = (WaitNode) GRANTED_NODE.getOpaque(forElement ? notFull : notEmpty);
            return g != null && g.getAcquireStatus() == WaitNode.GRANTED && g.thread != Thread.currentThread();
        }

        Waiters(boolean forElement, boolean handshake, boolean spinnerYields, boolean sharedSide) {
            super(spinnerYields, sharedSide);
            this.forElement = forElement;
            this.handshake = handshake;
        }

        /** The attempt: the real poll or offer; a woken waiter that succeeds passes the wake-up on if more is there. */
        @Override
        protected boolean tryAcquire(int arg, boolean woken) {
            boolean done = forElement ? tryTake() : tryPut();
            if (done && woken) {
                // One signal may stand for several elements or slots (a drain that skipped FILLER slots,
                // a batch): the woken waiter that used it wakes the next while more seems to be there
                // (AQS's propagation of shared releases). Slow path only: woken waiters.
                if (forElement ? !isEmpty() : queue.size() < capacity) {
                    signal();
                }
            }
            return done;
        }

        @Override
        protected boolean parkLocked(int arg, boolean woken) {
            return true; // the re-check is tryAcquireLinked, after linking (outside the queue lock)
        }

        /**
         * No decision under the queue lock (the attempt is a real poll/offer, which signals the other
         * wait set and so takes its lock): the re-check after linking is {@link #tryAcquireLinked}, and
         * signallers grant through {@link #signal()}. Run by the layer after every link and every
         * withdrawal: the sleep request follows the set's emptiness here.
         */
        @Override
        protected WaitNode grantLocked() {
            syncRequestLocked();
            return null;
        }

        /** A woken waiter that gives up without using its wake-up: the next waiter gets it. */
        @Override
        protected WaitNode passOnLocked() {
            WaitNode w = isEmpty() ? null : grantFirst();
            setOpaqueGrantedLocked(w);
            syncRequestLocked();
            return w;
        }

        /**
         * Under the queue lock, after a grant: remembers the woken node for the other side's convoy
         * breaker. Opaque store: a hint that publishes nothing (the reader learns whether the woken
         * thread has run from the node's own status); opaque gives it coherence and eventual visibility.
         * Only when a node was granted (a slow path that has just written this line, the request word),
         * and only where the breaker runs (SPSC).
         */
        private void setOpaqueGrantedLocked(WaitNode w) {
            if (w != null && breaksConvoys) {
                GRANTED_NODE.setOpaque(this, w);
            }
        }

        /**
         * Under the queue lock, after every link and unlink: the request bit is 1 iff a waiter is linked;
         * setting it starts a new epoch. Plain read: the word is written only under this lock. Volatile
         * store: the signaller's acquire read that sees the bit then also sees the link made before it
         * (release semantics of the volatile store, happens-before of program order and the lock).
         */
        private void syncRequestLocked() {
            long r = (long) REQUEST.get(this);
            boolean waiting = !isEmpty();
            if (waiting != (r < 0L)) {
                // Set: r is non-negative (the bit clear), so r + 1 is the next epoch; clear: the epoch kept.
                REQUEST.setVolatile(this, waiting ? (r + 1L) | Long.MIN_VALUE : r & Long.MAX_VALUE);
            }
        }

        /**
         * The signaller's check after an operation that published by release stores only (the
         * handshake's fast path): one acquire load of the request word, which only waiters write (its
         * line is the wait set's own, written when threads wait). Nothing else while no waiter is linked.
         */
        void signalIfRequested() {
            // Acquire: coherence of this variable (read-read: a later read returns this value or a later
            // one) is what the protocol needs; acquire also keeps our later loads after it. No fence on
            // the fast path: see the implementation notes ("The sleep handshake").
            long r = (long) REQUEST.getAcquire(this);
            if (r < 0L) { // the sign bit: a waiter asked to sleep
                signalRequested(r);
            }
        }

        /** A waiter asked to sleep: fence, acknowledge its epoch, then the usual waiter check. */
        private void signalRequested(long r) {
            // P2: orders our publication (the ring's release stores) before the head load below and
            // before everything the waiter reads after it sees the acknowledgement (fullFence: the effect
            // of atomic_thread_fence(seq_cst), paired with the waiter's fence F).
            VarHandle.fullFence();
            long epoch = r & Long.MAX_VALUE;
            // Volatile read and store (slow path): only this signaller writes ACK. The volatile store
            // orders every earlier store of ours (all our publications so far) before a waiter's volatile
            // read that sees it (JLS 17.4.4 synchronizes-with).
            if ((long) ACK.getVolatile(this) < epoch) {
                ACK.setVolatile(this, epoch);
            }
            signal(); // P3: volatile load of the head; grant the first waiter
        }

        /**
         * The waiter's half after its node was linked (C1): fence (F), read the request word (our epoch)
         * and the acknowledgement, then the real poll/offer (C2). Returns {@link #TOOK}, {@link #ACKED}
         * (the signaller fences from now on, or we were granted: the layer may park until a grant) or
         * {@link #NOT_ACKED} (a publication may have missed our request: park only for a bounded time).
         */
        int recheckLinked() {
            // C1 -> C2, the StoreLoad edge on the waiter's side. The linking is a volatile store of the
            // wait set's head (ours, or an earlier waiter's that happens-before ours through the queue
            // lock), but the re-check may begin with acquire or plain loads (the put-back stack's head;
            // the SPSC ring's slot): the VarHandle spec puts only volatile accesses into the one
            // synchronization order, and lets an acquire load that follows a volatile store read a value
            // older than it. fullFence has the effect of C++'s atomic_thread_fence(seq_cst) (its
            // javadoc): paired with the signaller's fence (P2) or volatile read-modify-write (P1), the
            // store-buffering outcome "neither sees the other's write" is excluded.
            VarHandle.fullFence();
            boolean acked = true;
            if (handshake) {
                // Volatile reads (slow path), request first: our epoch, or a later value (then we were
                // granted: a later epoch or a clear bit needs the set to have emptied since our link,
                // and only a grant removes another thread's node). ACK before C2: a signaller's
                // publications before its acknowledgement happen-before C2.
                long r = (long) REQUEST.getVolatile(this);
                acked = r >= 0L || (long) ACK.getVolatile(this) >= (r & Long.MAX_VALUE);
            }
            if (forElement) {
                if (tryTake()) {
                    return TOOK;
                }
                // Our polls may have freed slots without returning an element: the rings' polls skip the
                // slots of removed elements and of a failed fill's remainder (FILLER), which size() no
                // longer counts but producers can reuse only once a consumer has passed them. A producer
                // parked beside such slots would wait for our signal while we wait for its element; so,
                // before parking, tell the producers. Slow path only.
                signalNotFull();
            } else if (tryPut()) {
                return TOOK;
            }
            return acked ? ACKED : NOT_ACKED;
        }

        /**
         * The re-check after linking ({@link #recheckLinked}); if the signaller has not acknowledged our
         * request, the bounded wait ({@link #awaitAcknowledged}) before the layer's park.
         */
        @Override
        protected boolean tryAcquireLinked(int arg) {
            int r = recheckLinked();
            if (r != TOOK && breaksConvoys) {
                r = yieldWhileOtherSideWakes(r);
            }
            boolean took = r == TOOK || r == NOT_ACKED && awaitAcknowledged();
            if (COUNT_WAITS && !took) {
                count(W_PARKS);
            }
            return took;
        }

        /**
         * The convoy breaker (implementation notes, "Park convoy"): the re-check after linking failed and
         * we are about to park. If the waiter last woken on the other side (its set's {@code granted})
         * is still GRANTED, its thread has not run since the grant: it will free a slot (add an element)
         * as soon as it does, so we yield and re-check, at most {@link #CONVOY_YIELDS} times, instead of
         * parking now. Ends when the attempt succeeds ({@link #TOOK}), that thread has run (the last
         * re-check's result: the layer parks or the bounded phase runs, as without the breaker), our own
         * node was granted, the deadline passed or the thread is interrupted ({@link #STOP}: the
         * layer's park returns at once, throwing or timing out there), or the yields are spent (counted
         * in {@code convoyParks}). No yield when nobody was woken, or when the woken thread has run: an
         * idle other side costs nothing here.
         *
         * @param r the result of the re-check that failed ({@link #ACKED} or {@link #NOT_ACKED})
         * @return {@link #TOOK}, {@link #ACKED}, {@link #NOT_ACKED} or {@link #STOP}
         */
        private int yieldWhileOtherSideWakes(int r) {
            Waiters other = forElement ? notFull : notEmpty;
            // Opaque: a hint (see setOpaqueGrantedLocked); a stale value costs one needless check.
            WaitNode w = (WaitNode) GRANTED_NODE.getOpaque(other);
            if (w == null) {
                return r;
            }
            // The woken thread sets its node back to IDLE (plain store, WaitQueue.acquire) as soon as it
            // runs, or to WAITING when it queues again: GRANTED means it has not run since the grant (or
            // was granted again). Acquire read of a status also written plainly: a racy read of an int
            // (never torn) that returns some written value; a store not yet visible only makes us yield
            // once more, and the yields are bounded.
            if (w.getAcquireStatus() != WaitNode.GRANTED || w.thread == Thread.currentThread()) {
                // Volatile CAS: forget the node unless a newer grant replaced it (slow path, once per grant).
                GRANTED_NODE.compareAndSet(other, w, null);
                return r;
            }
            WaitNode node = WaitNode.current();
            // Our node, unless this wait is nested in another queue's hook (as in awaitAcknowledged).
            boolean own = node.blockedOn() == BlockingQueueAdapter.this;
            long[] wait = WAIT.get();
            boolean timed = wait[0] == Waits.TIMED;
            long deadline = wait[1];
            Thread self = Thread.currentThread();
            int n = 0;
            try {
                while (n < CONVOY_YIELDS) {
                    Thread.yield();
                    n++;
                    if (self.isInterrupted() || timed && System.nanoTime() - deadline >= 0
                            || own && node.getAcquireStatus() != WaitNode.WAITING) {
                        return STOP; // the layer's park sees the interrupt, the deadline or the grant
                    }
                    r = recheckLinked();
                    if (r == TOOK || w.getAcquireStatus() != WaitNode.GRANTED) {
                        return r; // took it, or the woken thread ran: it will grant us if it publishes
                    }
                }
                // Volatile RMW: a diagnostic count, exact under concurrent waiters (slow path: before a park).
                CONVOY_PARKS.getAndAdd(this, 1L);
                return r;
            } finally {
                if (n != 0) {
                    YIELDS.getAndAdd(this, (long) n); // as convoyParks: once per yield phase
                }
            }
        }

        /**
         * The un-acknowledged phase, still linked: timed parks of {@link #RECHECK_MIN_NANOS}, doubling up
         * to {@link #RECHECK_MAX_NANOS}, each followed by the re-check, until the attempt succeeds
         * (true), or the signaller acknowledged, or a signaller granted our node, or the caller's deadline
         * passed, or the thread is interrupted (false: the layer's park then returns at once for the last
         * three, and parks until a grant after an acknowledgement). A publication that missed our request
         * is found by the first re-check after it became visible to us. Recorded as one JFR
         * ContendedAcquire event (the layer records only its own park).
         */
        private boolean awaitAcknowledged() {
            WaitNode node = WaitNode.current();
            // Our node, unless this wait is nested in another queue's hook (then the layer used a fresh
            // node, which we cannot name: we skip the grant check, and a grant shows up as an unpark).
            boolean own = node.blockedOn() == BlockingQueueAdapter.this;
            long[] wait = WAIT.get();
            long deadline = wait[1];
            boolean timed = wait[0] == Waits.TIMED;
            Object jfr = Jfr.beginContended(BlockingQueueAdapter.this);
            boolean took = false;
            boolean gaveUp = false;
            for (long period = RECHECK_MIN_NANOS; ; period = Math.min(period << 1, RECHECK_MAX_NANOS)) {
                long nanos = period;
                if (timed) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0L) {
                        gaveUp = true; // the layer's park times out at once
                        break;
                    }
                    nanos = Math.min(nanos, remaining);
                }
                LockSupport.parkNanos(BlockingQueueAdapter.this, nanos);
                if (COUNT_WAITS) {
                    count(W_BOUNDED_PARKS);
                }
                if (Thread.currentThread().isInterrupted()) {
                    gaveUp = true; // the layer's park sees it and throws (status cleared there)
                    break;
                }
                if (own && node.getAcquireStatus() != WaitNode.WAITING) {
                    break; // granted: the layer's park returns at once and the attempt is retried
                }
                int r = recheckLinked();
                if (r != NOT_ACKED) {
                    took = r == TOOK;
                    break; // took it, or acknowledged: the layer parks until a grant
                }
            }
            Jfr.endContended(jfr, !gaveUp);
            return took;
        }

        /** A signaller's wake-up: if a waiter is queued (one volatile load), grants the first, which retries. */
        void signal() {
            if (hasWaiters()) {
                lock();
                WaitNode w = isEmpty() ? null : grantFirst();
                setOpaqueGrantedLocked(w);
                syncRequestLocked();
                unlock();
                unpark(w);
            }
        }
    }

    /** Polls; the element goes to the calling thread's node (its {@link WaitNode#item}). */
    private boolean tryTake() {
        E e = poll();
        if (e == null) {
            return false;
        }
        WaitNode.current().item = e; // a ThreadLocal read, once per successful waiting take
        return true;
    }

    /** Offers the element the calling thread's node carries (set by {@link #awaitOffer}). */
    @SuppressWarnings("unchecked")
    private boolean tryPut() {
        return offer((E) WaitNode.current().item);
    }

    // ------------------------------------------------------------------ put-back stack

    /**
     * Puts {@code e}, claimed by a {@code drainTo} whose target's {@code add} threw, back at the head,
     * then wakes the consumers waiting for an element. Never waits; allocates one node (error path only).
     */
    private void putBack(E e) {
        Returned node = new Returned(e);
        for (; ; ) {
            // Acquire: the chain below the head we link under is visible (happens-after its push CAS).
            Returned head = (Returned) RETURNED.getAcquire(this);
            Returned below = head;
            while (below != null && below.getOpaqueItem() == null) {
                below = below.next; // drop the claimed nodes on top (claimed stays claimed)
            }
            node.next = below; // plain: published by the CAS
            // Volatile CAS: publishes the node (its writes happen-before an acquire load that sees it).
            if (RETURNED.compareAndSet(this, head, node)) {
                break;
            }
        }
        // The put-back store, then the waiter check (StoreLoad): the fence of signalNotEmptyFenced() pairs
        // with the waiter's fullFence before its re-check (awaitPoll), whose poll reads this head first.
        signalNotEmptyFenced();
    }

    /** Takes the put-back element at the head; null if there is none. Slow path (the stack was non-empty). */
    @SuppressWarnings("unchecked")
    private E takeReturned() {
        // Acquire: as in putBack (the node's item and next are visible).
        for (Returned h; (h = (Returned) RETURNED.getAcquire(this)) != null; ) {
            Object e = h.getOpaqueItem();
            boolean mine = e != null && h.compareAndSetItem(e); // volatile CAS: the element is ours alone
            // Unlink h if still on top (volatile CAS; fails harmlessly if a push covered it or another
            // taker unlinked it: a claimed node left below is skipped by readers and pushes).
            RETURNED.compareAndSet(this, h, h.next);
            if (mine) {
                return (E) e;
            }
        }
        return null;
    }

    /**
     * Consuming methods call this first: the put-back element at the head, taken, or null. The hot path
     * (nothing put back) is one acquire load: acquire, so that a non-null head's node is visible (it
     * happens-after the push CAS); a put-back that happens-before this call is never missed (no read sees
     * a value overwritten before it in happens-before order), and one concurrent with it may be missed,
     * as any concurrent insertion.
     */
    private E pollReturned() {
        return RETURNED.getAcquire(this) == null ? null : takeReturned();
    }

    /** The put-back element at the head without taking it, or null. Hot path: one acquire load (see pollReturned). */
    @SuppressWarnings("unchecked")
    private E peekReturned() {
        for (Returned h = (Returned) RETURNED.getAcquire(this); h != null; h = h.next) { // acquire: as in pollReturned
            Object e = h.getOpaqueItem();
            if (e != null) {
                return (E) e;
            }
        }
        return null;
    }

    /** How many put-back elements there are (a traversal: not atomic). Hot path: one acquire load. */
    private int countReturned() {
        int n = 0;
        for (Returned h = (Returned) RETURNED.getAcquire(this); h != null; h = h.next) { // acquire: as above
            if (h.getOpaqueItem() != null) {
                n++;
            }
        }
        return n;
    }

    /** Claims a put-back element equal to {@code o} (non-null), the first from the head; whether it did. */
    private boolean removeReturned(Object o) {
        for (Returned h = (Returned) RETURNED.getAcquire(this); h != null; h = h.next) { // acquire: as above
            Object e = h.getOpaqueItem();
            if (e != null && o.equals(e)) {
                if (!removable) {
                    throw unsupportedRemoval();
                }
                if (h.compareAndSetItem(e)) { // volatile CAS: the element is ours alone (else taken meanwhile)
                    RETURNED.compareAndSet(this, h, h.next); // unlink if on top (as in takeReturned)
                    return true;
                }
            }
        }
        return false;
    }

    private UnsupportedOperationException unsupportedRemoval() {
        return new UnsupportedOperationException(queue.getClass().getSimpleName()
                + " cannot remove from the middle: use MpmcBlockingQueue, or drainTo()");
    }

    // ------------------------------------------------------------------ waiting

    /**
     * For the jcstress handshake tests: the consumer's half of the handshake without parking. Links
     * {@code node} in the consumers' wait set with the layer's own enqueue step (C1), then runs the
     * re-check after linking ({@code recheckLinked}: F, the request and acknowledgement reads, C2);
     * returns the element it took, or null. {@code node} stays linked (unless a signaller granted it):
     * see {@link #isGranted}; {@code acked[0]} tells whether the waiter would park until a grant (true)
     * or only for a bounded time before re-checking (false).
     */
    @SuppressWarnings("unchecked")
    E announceThenPoll(WaitNode node, boolean[] acked) {
        node.item = null;
        notEmpty.enqueue(node, this, 0, false); // C1
        int r = notEmpty.recheckLinked(); // F, C2
        acked[0] = r == ACKED;
        return r == TOOK ? (E) WaitNode.current().item : null;
    }

    /** The producer's half, mirror image of {@link #announceThenPoll}: whether {@code e} was inserted. */
    boolean announceThenOffer(WaitNode node, E e, boolean[] acked) {
        WaitNode.current().item = e;
        notFull.enqueue(node, this, 0, false);
        int r = notFull.recheckLinked();
        acked[0] = r == ACKED;
        return r == TOOK;
    }

    /**
     * For tests: whether the wait set's sleep request is out (a waiter is linked): consumers'
     * ({@code forElement}) or producers'. Volatile read.
     */
    boolean sleepRequested(boolean forElement) {
        return (long) REQUEST.getVolatile(forElement ? notEmpty : notFull) < 0L;
    }

    /**
     * For tests: how many times the wait set's sleep request has been raised (the request word's epoch):
     * consumers' ({@code forElement}) or producers'. Unlike {@link #sleepRequested}, it never goes back,
     * so a caller can tell "not raised yet" from "raised and already withdrawn by a grant". Volatile read.
     */
    long sleepRequests(boolean forElement) {
        return (long) REQUEST.getVolatile(forElement ? notEmpty : notFull) & Long.MAX_VALUE;
    }

    /**
     * For tests: the yields made by the waiters of the consumers' ({@code forElement}) or producers' wait
     * set before parking, while the waiter last woken on the other side had not run yet (the convoy
     * breaker). Volatile read.
     */
    long convoyYields(boolean forElement) {
        return (long) YIELDS.getVolatile(forElement ? notEmpty : notFull);
    }

    /**
     * For tests: the parks of that set's waiters while the waiter last woken on the other side had still
     * not run after {@link #CONVOY_YIELDS} yields (the park convoy's signature). Volatile read.
     */
    long convoyParks(boolean forElement) {
        return (long) CONVOY_PARKS.getVolatile(forElement ? notEmpty : notFull);
    }

    /**
     * The counting build ({@link #COUNT_WAITS}): a copy of the consumers' ({@code forElement}) or
     * producers' counters (indices {@code W_*}, then the two histograms: bucket b counts durations in
     * [2^(b-1), 2^b) ns), or null when the build does not count. Volatile reads; a snapshot.
     */
    long[] waitCounts(boolean forElement) {
        long[] c = (forElement ? notEmpty : notFull).counts;
        if (c == null) {
            return null;
        }
        long[] copy = new long[c.length];
        for (int i = 0; i < c.length; i++) {
            copy[i] = (long) COUNTS.getVolatile(c, i);
        }
        copy[W_CONVOY_YIELDS] = convoyYields(forElement);
        copy[W_CONVOY_PARKS] = convoyParks(forElement);
        return copy;
    }

    /**
     * For tests: the hot spin's back-off of the consumers' ({@code forElement}) or producers' side,
     * driven by the caller's clock: whether a wait beginning at {@code now} runs the hot spin. Only from
     * that side's one thread (or with both sides idle), as the real calls.
     */
    boolean hotSpinDueAt(boolean forElement, long now) {
        return (forElement ? notEmpty : notFull).hotSpinDue(now);
    }

    /** For tests: that side's hot spin timed out at {@code now} (as {@link #hotSpinDueAt}). */
    void hotSpinTimedOutAt(boolean forElement, long now) {
        (forElement ? notEmpty : notFull).hotSpinTimedOut(now);
    }

    /** For tests: that side's hot spin succeeded (as {@link #hotSpinDueAt}). */
    void hotSpinSucceededForTest(boolean forElement) {
        (forElement ? notEmpty : notFull).hotSpinSucceeded();
    }

    /**
     * For tests: makes {@code node} the waiter last woken by a grant of the consumers' ({@code forElement})
     * or producers' set, as a grant does (opaque store, a hint): while its status is GRANTED the other
     * side's hot spin goes on to {@link #HOT_SPIN_WAKING_NANOS}.
     */
    void setGrantedForTest(boolean forElement, WaitNode node) {
        GRANTED_NODE.setOpaque(forElement ? notEmpty : notFull, node);
    }

    /** For the jcstress handshake tests: whether a signaller granted {@code node} (it would have unparked it). */
    static boolean isGranted(WaitNode node) {
        return node.getAcquireStatus() == WaitNode.GRANTED; // acquire: after the race
    }

    /**
     * Polls, waiting as {@code mode} says ({@link Waits#INTERRUPTIBLE}, or {@link Waits#TIMED} until
     * {@code deadline}) in the consumers' wait set.
     *
     * @return the element, or null when a timed wait reached its deadline
     */
    @SuppressWarnings("unchecked")
    private E awaitPoll(int mode, long deadline, boolean spun) throws InterruptedException {
        WaitNode node = WaitNode.current();
        Object saved = node.item; // a wait nested in user code (a priority function) keeps the outer one's
        node.item = null;
        long[] wait = WAIT.get();
        long savedMode = wait[0];
        long savedDeadline = wait[1];
        wait[0] = mode; // for the un-acknowledged phase (Waiters.awaitAcknowledged)
        wait[1] = deadline;
        long parks = COUNT_WAITS ? countLayerEntry(notEmpty) : 0L;
        try {
            if (spun ? notEmpty.acquireAfterSpin(this, 0, mode, deadline) : notEmpty.acquire(this, 0, mode, deadline)) {
                return (E) node.item;
            }
        } finally {
            node.item = saved;
            wait[0] = savedMode;
            wait[1] = savedDeadline;
            if (COUNT_WAITS) {
                countLayerExit(notEmpty, parks);
            }
        }
        // Timed out: our polls may have skipped FILLER slots without a signal (see tryAcquireLinked).
        signalNotFull();
        return null;
    }

    /** Offers, waiting like {@link #awaitPoll} in the producers' wait set; returns whether {@code e} was inserted. */
    private boolean awaitOffer(E e, int mode, long deadline, boolean spun) throws InterruptedException {
        WaitNode node = WaitNode.current();
        Object saved = node.item; // as in awaitPoll
        node.item = e;
        long[] wait = WAIT.get();
        long savedMode = wait[0];
        long savedDeadline = wait[1];
        wait[0] = mode;
        wait[1] = deadline;
        long parks = COUNT_WAITS ? countLayerEntry(notFull) : 0L;
        try {
            return spun ? notFull.acquireAfterSpin(this, 0, mode, deadline) : notFull.acquire(this, 0, mode, deadline);
        } finally {
            node.item = saved;
            wait[0] = savedMode;
            wait[1] = savedDeadline;
            if (COUNT_WAITS) {
                countLayerExit(notFull, parks);
            }
        }
    }

    /** The counting build: a layer wait begins; returns the side's park count so far. */
    private long countLayerEntry(Waiters w) {
        w.count(W_LAYER);
        return (long) COUNTS.getVolatile(w.counts, W_PARKS) + (long) COUNTS.getVolatile(w.counts, W_BOUNDED_PARKS);
    }

    /** The counting build: a layer wait ended; whether it parked, and its histogram (by why it came). */
    private void countLayerExit(Waiters w, long parksBefore) {
        if ((long) COUNTS.getVolatile(w.counts, W_PARKS) + (long) COUNTS.getVolatile(w.counts, W_BOUNDED_PARKS) == parksBefore) {
            w.count(W_LAYER_NO_PARK);
        }
        if (w.countReason != 0) {
            w.record(w.countReason == 1 ? W_HIST_AFTER_TIME_OUT : W_HIST_AFTER_SKIP, System.nanoTime() - w.countSince);
            w.countReason = 0;
        }
    }

    // ------------------------------------------------------------------ BlockingQueue

    /**
     * The real {@code poll} retries (each after a {@link Thread#onSpinWait()}) that a consumer which
     * found the queue empty makes before it sets up a wait ({@link #spinPoll}): {@link SpinPolicy#SPINS}
     * where the consumers' side has one thread, 0 where it has several (SPMC, MPMC, the priority queue:
     * they enter the layer at once, whose one-spinner slot bounds how many of them spin; spinning all
     * of them first did not pay: README, "Queue performance", seventh pass). One thread per side exactly
     * where that side's ring operation is not a read-modify-write (isSeqCst(false) false: SPSC, MPSC). When
     * it equals the wait set's spin budget the layer skips its first spin
     * ({@link WaitQueue#acquireAfterSpin}). A method, not a field: the adapter's field layout, which the
     * hot paths read, stays as it was.
     */
    private int pollPreSpins() {
        return isSeqCst(false) ? 0 : SpinPolicy.SPINS;
    }

    /** The same for a producer that found the queue full (one producer thread: SPSC, SPMC). */
    private int offerPreSpins() {
        return isSeqCst(true) ? 0 : SpinPolicy.SPINS;
    }

    /**
     * The consumer's spin before a wait's set-up (issue 12, the SPSC spin-loop cell): up to
     * {@link #pollPreSpins()} retries of the real {@link #poll()}, each after a {@link Thread#onSpinWait()},
     * as a spin loop over a non-blocking ring does; only if they all fail does the caller read the clock
     * for its deadline, the thread-locals and the one-spinner slot, and enter the layer (which then skips
     * the spin steps it would repeat, {@link WaitQueue#acquireAfterSpin}). No wake-up can be lost here:
     * these are retries of the lock-free fast path, which announce nothing (no node linked, no sleep
     * request raised), so no producer owes this thread a signal until it links its node in the layer,
     * whose re-check after linking (C1, F, C2 of the notes) is unchanged. No interrupt or deadline check
     * inside: the spin is bounded ({@link SpinPolicy#SPINS} steps, microseconds), the interrupt was
     * checked on entry and is checked again by the layer, and the deadline starts after it.
     *
     * @return the element, or null if every retry found the queue empty
     */
    private E spinPoll() {
        if (COUNT_WAITS) {
            notEmpty.count(W_ENTERED);
        }
        for (int i = pollPreSpins(); i > 0; i--) {
            Thread.onSpinWait();
            E e = poll();
            if (e != null) {
                if (COUNT_WAITS) {
                    notEmpty.count(W_SPIN_OK);
                }
                return e;
            }
        }
        return null;
    }

    /** The producer's spin before a wait's set-up, mirror image of {@link #spinPoll}: whether {@code e} was inserted. */
    private boolean spinOffer(E e) {
        if (COUNT_WAITS) {
            notFull.count(W_ENTERED);
        }
        for (int i = offerPreSpins(); i > 0; i--) {
            Thread.onSpinWait();
            if (offer(e)) {
                if (COUNT_WAITS) {
                    notFull.count(W_SPIN_OK);
                }
                return true;
            }
        }
        return false;
    }

    /**
     * The consumer's hot spin (implementation notes, "The hot spin"), after {@link #spinPoll} failed:
     * unless its side backs off, more retries of the real {@link #poll()}, each after a
     * {@link Thread#onSpinWait()}, until {@link #HOT_SPIN_NANOS} (or the timeout, if shorter) have passed
     * since {@code start} (the clock read every 32 retries), or {@link #HOT_SPIN_WAKING_NANOS} while the
     * producer this consumer last woke has not run yet (then yielding at each clock read); from the
     * second hot spin in a row that ends without an element, the waits skip it for 1 ms, doubling per
     * further one up to 64 ms ({@link Waiters#hotSpinTimedOut}); one that succeeds ends the back-off.
     * Announces nothing, as {@link #spinPoll}: no
     * wake-up can be lost here. No interrupt check inside: bounded by {@link #HOT_SPIN_NANOS}.
     *
     * @param start the {@link System#nanoTime()} the spin counts from
     * @param timeout the caller's timeout (ns; {@link Long#MAX_VALUE} for {@code take}): the spin never outlasts it
     * @return the element, or null if the hot spin is off or found nothing
     */
    private E hotSpinPoll(long start, long timeout) {
        Waiters w = notEmpty;
        if (pollPreSpins() == 0 || HOT_SPIN_NANOS == 0L || !w.hotSpinDue(start)) {
            return null; // several consumers (they enter the layer at once), off, or backing off
        }
        long limit = Math.min(timeout, HOT_SPIN_NANOS);
        long wakingLimit = Math.min(timeout, HOT_SPIN_WAKING_NANOS);
        for (int i = 1; ; i++) {
            Thread.onSpinWait();
            E e = poll();
            if (e != null) {
                w.hotSpinSucceeded();
                return e;
            }
            if ((i & 31) == 0) {
                long now = System.nanoTime();
                if (hotSpinOver(w, now - start, limit, wakingLimit)) {
                    w.hotSpinTimedOut(now);
                    return null;
                }
            }
        }
    }

    /**
     * The hot spin's end, at a clock read after {@code spun} ns: at {@code limit}, or, while the
     * waiter this side last woke on the other side has not run yet, at {@code wakingLimit}, yielding
     * past {@code limit} (a woken thread that waits for our CPU then gets it; with nothing else
     * runnable here the yield returns at once). No yield before {@code limit}: a yield on a loaded
     * machine gives the core to another process (first A/B: 3-10x the context switches per operation).
     */
    private boolean hotSpinOver(Waiters w, long spun, long limit, long wakingLimit) {
        if (spun < limit) {
            return false;
        }
        if (spun < wakingLimit && w.otherSideWaking()) {
            Thread.yield();
            return false;
        }
        return true;
    }

    /** The producer's hot spin, mirror image of {@link #hotSpinPoll}: whether {@code e} was inserted. */
    private boolean hotSpinOffer(E e, long start, long timeout) {
        Waiters w = notFull;
        if (offerPreSpins() == 0 || HOT_SPIN_NANOS == 0L || !w.hotSpinDue(start)) {
            return false;
        }
        long limit = Math.min(timeout, HOT_SPIN_NANOS);
        long wakingLimit = Math.min(timeout, HOT_SPIN_WAKING_NANOS);
        for (int i = 1; ; i++) {
            Thread.onSpinWait();
            if (offer(e)) {
                w.hotSpinSucceeded();
                return true;
            }
            if ((i & 31) == 0) {
                long now = System.nanoTime();
                if (hotSpinOver(w, now - start, limit, wakingLimit)) {
                    w.hotSpinTimedOut(now);
                    return false;
                }
            }
        }
    }

    /**
     * Inserts {@code e}, waiting for space if the queue is full.
     *
     * @throws InterruptedException if interrupted before or while waiting (the status is cleared)
     */
    @Override
    public void put(E e) throws InterruptedException {
        Objects.requireNonNull(e, "e");
        Waits.checkInterrupt();
        if (!offer(e) && !spinOffer(e) && !hotSpinOffer(e, System.nanoTime(), Long.MAX_VALUE)) {
            awaitOffer(e, Waits.INTERRUPTIBLE, 0L, offerPreSpins() >= notFull.spinBudget());
        }
    }

    /**
     * Inserts {@code e}, waiting up to the timeout for space. A timeout of zero or less returns at once
     * after one attempt. A pending interrupt is answered only if that attempt fails (see
     * {@link #awaitOfferTimed}): a call that finds space inserts, and leaves the status set.
     *
     * @return whether {@code e} was inserted; {@code false} only once the timeout has elapsed
     * @throws InterruptedException if interrupted when the queue was full, before or while waiting
     *                              (the status is cleared)
     */
    @Override
    public boolean offer(E e, long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(e, "e");
        Waits.requireUnit(unit);
        return offer(e) || awaitOfferTimed(e, timeout, unit);
    }

    /**
     * The timed offer after its fast attempt failed. First the interrupt: here, not on entry, so that the
     * hot path (the attempt succeeds) reads no interrupt status (issue 12: two loads and branches per
     * put + take in the SPSC spin-loop cell). {@link BlockingQueue} asks for an
     * {@link InterruptedException} "if interrupted while waiting"; the JDK's own queues differ where the
     * call need not wait: {@code ArrayBlockingQueue} throws on entry ({@code lockInterruptibly}), and
     * {@code LinkedTransferQueue} and {@code SynchronousQueue} (JDK 17 and 25 alike) make the transfer
     * first and throw only if it failed ({@code if (xfer(e, nanos) == null) return true; if
     * (!Thread.interrupted()) return false; throw new InterruptedException();}): ours is the latter, for
     * every timeout, zero included. Then, with no time, the one attempt's answer; else the spin, then the
     * deadline, computed only now (System.nanoTime() costs tens of ns: starting the clock later can only
     * make the wait longer, never shorter), then the layer. A short timeout sets its deadline first
     * instead, so that the layer's spin stops at it.
     */
    private boolean awaitOfferTimed(E e, long timeout, TimeUnit unit) throws InterruptedException {
        Waits.checkInterrupt();
        if (timeout <= 0L) {
            return false; // no time: the one attempt's answer
        }
        long nanos = unit.toNanos(timeout);
        if (nanos < PRE_SPIN_MIN_TIMEOUT_NANOS) {
            return awaitOffer(e, Waits.TIMED, Waits.deadline(timeout, unit), false);
        }
        if (spinOffer(e)) {
            return true;
        }
        // The deadline counts from here (the clock read Waits.deadline would make), the hot spin too.
        long start = System.nanoTime();
        return hotSpinOffer(e, start, nanos)
                || awaitOffer(e, Waits.TIMED, start + nanos, offerPreSpins() >= notFull.spinBudget());
    }

    /**
     * Removes the head, waiting for an element if the queue is empty.
     *
     * @throws InterruptedException if interrupted before or while waiting (the status is cleared)
     */
    @Override
    public E take() throws InterruptedException {
        Waits.checkInterrupt();
        E e = poll();
        if (e == null && (e = spinPoll()) == null && (e = hotSpinPoll(System.nanoTime(), Long.MAX_VALUE)) == null) {
            e = awaitPoll(Waits.INTERRUPTIBLE, 0L, pollPreSpins() >= notEmpty.spinBudget());
        }
        return e;
    }

    /**
     * Removes the head, waiting up to the timeout for an element. A timeout of zero or less returns at
     * once after one attempt. A pending interrupt is answered only if that attempt finds nothing (as
     * {@link #offer(Object, long, TimeUnit)}): a call that finds an element returns it, and leaves the
     * status set.
     *
     * @return the head, or null only once the timeout has elapsed
     * @throws InterruptedException if interrupted when the queue was empty, before or while waiting
     *                              (the status is cleared)
     */
    @Override
    public E poll(long timeout, TimeUnit unit) throws InterruptedException {
        Waits.requireUnit(unit);
        E e = poll();
        return e != null ? e : awaitPollTimed(timeout, unit);
    }

    /**
     * The timed poll after its fast attempt found nothing: the interrupt, then as
     * {@link #awaitOfferTimed} (whose comment gives the JDK's rules).
     */
    private E awaitPollTimed(long timeout, TimeUnit unit) throws InterruptedException {
        if (timeout <= 0L || Thread.currentThread().isInterrupted()) {
            // No time (the one attempt's answer), or the interrupt. Our poll may have skipped FILLER
            // slots without a signal: tell the producers first, as a timed-out wait does (a throw must
            // not strand a producer parked beside those slots).
            signalNotFull();
            Waits.checkInterrupt();
            return null;
        }
        long nanos = unit.toNanos(timeout);
        if (nanos < PRE_SPIN_MIN_TIMEOUT_NANOS) {
            return awaitPoll(Waits.TIMED, Waits.deadline(timeout, unit), false);
        }
        E e = spinPoll();
        if (e != null) {
            return e;
        }
        long start = System.nanoTime(); // as in awaitOfferTimed
        e = hotSpinPoll(start, nanos);
        return e != null ? e : awaitPoll(Waits.TIMED, start + nanos, pollPreSpins() >= notEmpty.spinBudget());
    }

    @Override
    public int remainingCapacity() {
        return Math.max(0, capacity - size()); // size() counts put-back elements: may exceed capacity for a while
    }

    @Override
    public int drainTo(Collection<? super E> c) {
        return drainTo(c, Integer.MAX_VALUE);
    }

    /**
     * Moves up to {@code maxElements} elements, in queue order, to {@code c}. Each element is removed
     * before {@code c.add} is called with it, so a target that polls this queue itself gets the next
     * element (nothing is handed over twice). If {@code c.add} throws, the exception propagates and the
     * element it was handed is put back at the head: the next {@code poll} (or {@code peek},
     * {@code drainTo}, iteration...) returns it first. Other consumers may have taken later elements
     * while it was in {@code add}; producers may have refilled its slot, so the queue may then hold
     * {@code capacity() + 1} elements (one more per {@code drainTo} failing at the same time) until a
     * consumer takes one ({@code remainingCapacity()} is 0 meanwhile; a strict {@code offer} still
     * succeeds where the ring has a free slot). See the class comment ("User code").
     *
     * @throws NullPointerException     if {@code c} is null
     * @throws IllegalArgumentException if {@code c} is this queue
     */
    @Override
    public int drainTo(Collection<? super E> c, int maxElements) {
        Objects.requireNonNull(c, "c");
        if (c == this) {
            throw new IllegalArgumentException("cannot drain a queue into itself");
        }
        if (maxElements <= 0) {
            return 0;
        }
        if (queue instanceof PriorityMessageQueue.Buckets) {
            // Its drain puts an element whose handler threw back at the head of its priority itself.
            return drain(c::add, maxElements);
        }
        int n = 0;
        while (n < maxElements) {
            E e = pollReturned();
            if (e == null) {
                // Relaxed: stops at a head slot claimed but not yet written, like the rings' drain.
                e = queue.relaxedPoll();
                if (e == null) {
                    if (pollSkipsMarkers) {
                        // The poll may have discarded FILLER slots (a failed fill's, a removed element's)
                        // and freed them without a signal: tell the producers once.
                        signalNotFull();
                    }
                    break;
                }
                signalNotFull(); // per element: a target that then blocks holds no producer parked
            }
            try {
                c.add(e);
            } catch (RuntimeException | Error t) {
                putBack(e); // at the head again, never waiting (the ring may be full by now)
                throw t;
            }
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ Queue and ConcurrentQueue

    /** Inserts {@code e} if there is space, without waiting. */
    @Override
    public boolean offer(E e) {
        if (ringOffer(e)) { // P1 (throws NullPointerException for null)
            signalNotEmpty();
            return true;
        }
        // Full path only. MPMC: the slots of removed elements stay in the ring, skipped, until a consumer
        // passes them; size() no longer counts them. So that offer fails only when size() says full
        // (as ArrayBlockingQueue), discard them from the head (peek does, any thread may consume here)
        // and try once more.
        if (sweepsSkippedSlots && queue.size() < capacity) {
            queue.relaxedPeek();
            if (queue.offer(e)) {
                signalNotEmpty();
                return true;
            }
        }
        return false;
    }

    /** Removes the head if there is one, without waiting. */
    @Override
    public E poll() {
        E e = pollReturned(); // a put-back element frees no slot: no signal
        if (e == null && (e = ringPoll()) != null) {
            signalNotFull();
        }
        return e;
    }

    @Override
    public E peek() {
        E e = peekReturned();
        return e != null ? e : queue.peek();
    }

    @Override
    public boolean relaxedOffer(E e) {
        if (queue.relaxedOffer(e)) {
            signalNotEmpty();
            return true;
        }
        return false;
    }

    @Override
    public E relaxedPoll() {
        E e = pollReturned(); // as in poll
        if (e == null && (e = queue.relaxedPoll()) != null) {
            signalNotFull();
        }
        return e;
    }

    @Override
    public E relaxedPeek() {
        E e = peekReturned();
        return e != null ? e : queue.relaxedPeek();
    }

    /**
     * Removes up to {@code limit} elements and hands each, in queue order, to {@code consumer}, then wakes
     * the producers waiting for space. If {@code consumer} throws, the exception propagates and the
     * producers are woken all the same for the slots freed before the throw (whether the element handed to
     * the throwing call stays in the queue is the wrapped queue's rule: see the class of each kind).
     */
    @Override
    public int drain(Consumer<? super E> consumer, int limit) {
        Objects.requireNonNull(consumer, "consumer");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0: " + limit);
        }
        int n = 0;
        // Put-back elements first (at the head); each is taken before it is handed over, like the rings'
        // elements, and frees no slot.
        for (E e; n < limit && (e = pollReturned()) != null; ) {
            n++;
            consumer.accept(e);
        }
        int m = 0;
        boolean returned = false;
        try {
            // The rings free each slot before handing its element over: signal then, so that a consumer
            // that blocks (or runs long) does not keep a producer parked beside a free slot.
            m = queue.drain(new SignallingConsumer(consumer), limit - n);
            returned = true;
            return n + m;
        } finally {
            // Every exit: after a throw we do not know how many slots were freed, so we signal anyway
            // (a signal nobody waits for costs one fence and one volatile load; a woken waiter re-checks).
            if (m > 0 || !returned) {
                signalNotFull();
            }
            if (!returned) {
                // PriorityMessageQueue puts the element whose consumer threw back (a drainTo target that
                // threw, too): wake the consumers parked meanwhile for it (with the fence: the put-back is
                // a store under its lock, then this load). The rings put nothing back: a spurious wake.
                signalNotEmptyFenced();
            }
        }
    }

    /**
     * Inserts up to {@code limit} elements from {@code supplier}, then wakes the consumers waiting for an
     * element. If {@code supplier} throws (or supplies null), the exception propagates and both sides are
     * woken: consumers for the elements inserted before the throw, producers for any slot the wrapped
     * queue had promised to the supplier and gives back.
     */
    @Override
    public int fill(Supplier<? extends E> supplier, int limit) {
        Objects.requireNonNull(supplier, "supplier");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0: " + limit);
        }
        int n = 0;
        boolean returned = false;
        try {
            // Signals before each supplier call after the first: the element before it is published by
            // then, so a supplier that blocks does not keep a consumer parked beside an element.
            n = queue.fill(new SignallingSupplier(supplier), limit);
            returned = true;
            return n;
        } finally {
            if (n > 0 || !returned) {
                signalNotEmptyFenced();
            }
            if (!returned) {
                // A reservation given back (PriorityMessageQueue) frees a slot. Fenced: this is the
                // producer, which must not acknowledge the consumer side's sleep requests.
                signalNotFullFenced();
            }
        }
    }

    /** A drain consumer that wakes the producers waiting for space before handing each element over. */
    private final class SignallingConsumer implements Consumer<E> {
        private final Consumer<? super E> consumer;

        SignallingConsumer(Consumer<? super E> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void accept(E e) {
            signalNotFull(); // the slot of e is free already (the rings' drains free it first)
            consumer.accept(e);
        }
    }

    /** A fill supplier that wakes the waiting consumers before each call after the first. */
    private final class SignallingSupplier implements Supplier<E> {
        private final Supplier<? extends E> supplier;
        private boolean first = true; // plain: used by the filling thread only

        SignallingSupplier(Supplier<? extends E> supplier) {
            this.supplier = supplier;
        }

        @Override
        public E get() {
            if (first) {
                first = false;
            } else {
                signalNotEmptyFenced(); // the previous element is published before the next supplier call
            }
            return supplier.get();
        }
    }

    /**
     * Removes one element equal to {@code o} and wakes the producers waiting for space. Whether the kind
     * supports removal from the middle is the wrapped queue's rule (see the README's queue tables).
     *
     * @return {@code false} for null, or when no equal element was found
     */
    @Override
    public boolean remove(Object o) {
        if (o == null) {
            return false; // as ArrayBlockingQueue: a queue of non-null elements never holds null
        }
        if (RETURNED.getAcquire(this) != null && removeReturned(o)) { // acquire: as in pollReturned
            return true; // a put-back element frees no slot: no signal
        }
        if (queue.remove(o)) {
            signalNotFull();
            return true;
        }
        return false;
    }

    /** Whether an element equal to {@code o} was present during the call; {@code false} for null. */
    @Override
    public boolean contains(Object o) {
        if (o == null) {
            return false;
        }
        for (Returned h = (Returned) RETURNED.getAcquire(this); h != null; h = h.next) { // acquire: as in pollReturned
            Object e = h.getOpaqueItem();
            if (e != null && o.equals(e)) {
                return true;
            }
        }
        return queue.contains(o);
    }

    /**
     * Removes every element and wakes the producers waiting for space. Elements inserted concurrently
     * may stay. It is a removing method: under an SPSC or MPSC adapter only the consumer thread may call it.
     */
    @Override
    public void clear() {
        // drain, not AbstractQueue's poll loop: one batch update of the wrapped queue, one signal.
        // Bounded by the elements present: a concurrent producer cannot keep it running forever.
        drain(e -> { }, Math.max(1, size()));
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /**
     * The number of elements: the wrapped queue's count plus the elements put back by a failed
     * {@code drainTo} (so it may exceed {@link #capacity()} by those for a while). A snapshot.
     */
    @Override
    public int size() {
        return queue.size() + countReturned();
    }

    @Override
    public boolean isEmpty() {
        return RETURNED.getAcquire(this) == null ? queue.isEmpty() : size() == 0; // acquire: as in pollReturned
    }

    /**
     * The put-back elements (if any: see {@link #drainTo(Collection, int)}), then the wrapped queue's
     * iterator (weakly consistent or a snapshot, as the wrapped queue documents), in queue order. Its
     * {@code remove()} (which {@code removeIf}, {@code removeAll} and {@code retainAll} use) removes
     * through the wrapped queue and then wakes the producers waiting for space.
     */
    @Override
    public Iterator<E> iterator() {
        // Acquire: as in pollReturned. Read before the wrapped traversal starts: the put-back nodes below
        // this head are fixed, elements put back later are not seen (weakly consistent), and an element
        // seen here left the ring before the ring traversal began, so no traversal returns it twice.
        Returned top = (Returned) RETURNED.getAcquire(this);
        return new AdapterIterator(top, queue.iterator());
    }

    /** Put-back elements, then the wrapped queue's; not thread-safe itself. */
    private final class AdapterIterator implements Iterator<E> {
        private final Iterator<E> ring;
        /** The put-back node to look at next; null once they are done. */
        private Returned node;
        /** The put-back element next() returns, and its node; null: next() delegates to the ring. */
        private Object nextReturned;
        private Returned nextNode;
        /** The last element returned, if it was a put-back one, and its node; for remove(). */
        private Object lastReturned;
        private Returned lastNode;
        /** Whether remove() may be called, and whether it removes through the ring iterator. */
        private boolean canRemove;
        private boolean lastFromRing;

        AdapterIterator(Returned top, Iterator<E> ring) {
            this.ring = ring;
            this.node = top;
            advanceReturned();
        }

        private void advanceReturned() {
            for (; node != null; node = node.next) {
                Object e = node.getOpaqueItem();
                if (e != null) {
                    nextReturned = e;
                    nextNode = node;
                    node = node.next;
                    return;
                }
            }
            nextReturned = null;
            nextNode = null;
        }

        @Override
        public boolean hasNext() {
            return nextReturned != null || ring.hasNext();
        }

        @Override
        @SuppressWarnings("unchecked")
        public E next() {
            if (nextReturned != null) {
                lastReturned = nextReturned;
                lastNode = nextNode;
                lastFromRing = false;
                canRemove = true;
                advanceReturned();
                return (E) lastReturned;
            }
            E e = ring.next(); // NoSuchElementException at the end, as the ring's (remove state unchanged)
            lastFromRing = true;
            canRemove = true;
            return e;
        }

        @Override
        public void remove() {
            if (!canRemove) {
                throw new IllegalStateException("next() has not returned an element since the last remove()");
            }
            if (lastFromRing) {
                ring.remove();
                canRemove = false;
                // Always, even if the element had already been taken by another thread (the wrapped
                // iterator's remove is then a no-op): a spurious wake only costs the waiter a re-check.
                signalNotFull();
                return;
            }
            if (!removable) {
                throw unsupportedRemoval();
            }
            canRemove = false;
            // Volatile CAS: removes it unless a consumer took it meanwhile (then it is gone already, a
            // no-op as in ArrayBlockingQueue's iterator). It held no slot: no signal.
            if (lastNode.compareAndSetItem(lastReturned)) {
                RETURNED.compareAndSet(BlockingQueueAdapter.this, lastNode, lastNode.next); // unlink if on top
            }
        }
    }

    /** The elements in queue order (put-back elements first), from a weakly consistent traversal or a snapshot. */
    @Override
    public Object[] toArray() {
        // Acquire: as in pollReturned. AbstractCollection's copy through iterator() copes with a size
        // that changes during the traversal.
        return RETURNED.getAcquire(this) == null ? queue.toArray() : super.toArray();
    }

    /**
     * The elements in queue order, in {@code a} if they fit (then followed by one null, if there is room),
     * else in a new array of {@code a}'s runtime type.
     *
     * @throws NullPointerException if {@code a} is null
     * @throws ArrayStoreException  if an element is not an instance of {@code a}'s component type
     */
    @Override
    public <T> T[] toArray(T[] a) {
        Objects.requireNonNull(a, "a");
        return RETURNED.getAcquire(this) == null ? queue.toArray(a) : super.toArray(a); // acquire: as above
    }

    /**
     * The elements in queue order, as {@link java.util.AbstractCollection#toString()} writes them
     * ({@code "[a, b]"}), from one weakly consistent traversal.
     */
    @Override
    public String toString() {
        return super.toString();
    }
}
