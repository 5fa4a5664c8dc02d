package dev.lockstep.ipc.shm;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;

/**
 * The idle strategies blocking ipc operations wait with, and their latency / CPU trade-off.
 *
 * <p>A process waiting for another process cannot be unparked by it (there is no shared
 * {@code LockSupport} across JVMs), so every blocking ipc call polls shared memory and idles between
 * polls with an Agrona {@link IdleStrategy}:
 * <table>
 *   <caption>Strategies</caption>
 *   <tr><th>strategy</th><th>wake-up latency</th><th>CPU while waiting</th></tr>
 *   <tr><td>{@link #busySpin()}</td><td>~100 ns (one cache-line transfer)</td><td>one full core</td></tr>
 *   <tr><td>{@link #backoff()} (default)</td><td>spin phase: ~100 ns; after it, up to the park
 *       period (1 µs doubling to 1 ms)</td><td>a core for ~µs, then near zero</td></tr>
 *   <tr><td>{@link #sleeping()}</td><td>~60 µs to 1 ms (timer slack)</td><td>near zero</td></tr>
 * </table>
 * Blocking calls check the thread's interrupt status and their deadline after every idle, so a wait
 * ends at most one park period after an interrupt or timeout. Idle strategies keep state: use one per
 * thread at a time (the ipc structures create one when a blocking call first has to wait, keep it for
 * that handle's later waits and reset it before each, so neither a call that does not wait nor one that
 * waits allocates; a second thread waiting on the same handle at the same time gets its own).
 */
public final class Idle {
    private Idle() {
    }

    /**
     * The default: 100 spins, 20 yields, then parks from 1 µs doubling up to 1 ms.
     *
     * @return a new backoff strategy (one per waiting thread: it has state)
     */
    public static IdleStrategy backoff() {
        return new BackoffIdleStrategy(100, 20, 1_000L, 1_000_000L);
    }

    /**
     * Lowest latency, burns a core while waiting.
     *
     * @return a new busy-spin strategy
     */
    public static IdleStrategy busySpin() {
        return new BusySpinIdleStrategy();
    }

    /**
     * Parks 50 µs between polls: cheapest on CPU, slowest to react.
     *
     * @return a new sleeping strategy
     */
    public static IdleStrategy sleeping() {
        return new SleepingIdleStrategy(50_000L);
    }
}
