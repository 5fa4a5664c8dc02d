package dev.lockstep.aeron;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import io.aeron.driver.ThreadingMode;

/**
 * How a bridge runs. Immutable; {@link #defaults()} then {@code withX(...)}.
 *
 * <ul>
 * <li>{@code mailboxFolder}: the {@code Mailboxes} folder (default: {@code Mailboxes.openDefault()}'s).
 * <li>{@code aeronDirectory}: an external media driver's directory; {@code null} (default) launches an
 *     embedded driver for this bridge alone in {@code embeddedDirectory}.
 * <li>{@code embeddedDirectory}: default {@code <mailboxFolder>/.aeron-out-<name>} /
 *     {@code .aeron-in-<name>-<stream>} (so under {@code /dev/shm} for the default folder); deleted on
 *     start (a killed bridge's leftovers) and on close.
 * <li>{@code threadingMode}: the embedded driver's; default {@link ThreadingMode#SHARED} (one driver
 *     thread: the bridge is meant to share a host with the applications it serves).
 * <li>{@code createKind}, {@code createCapacity}: the local mailbox made when absent (default
 *     many-to-one, 1 MiB); an existing one is used as it is.
 * <li>{@code idle}: how the bridge's thread waits on the Aeron side: an inbound bridge between polls
 *     of its subscription that found nothing, an outbound bridge while Aeron refuses the message it
 *     holds (default {@link Wait#BACKOFF}: 100 spins, 10 yields, then parks growing from 1 &micro;s to
 *     {@value #BACKOFF_MAX_PARK_MICROS} &micro;s; Aeron has no kernel wait, so this is a poll).
 * <li>{@code mailboxIdle}: how an outbound bridge waits on its empty mailbox (default {@link Wait#KERNEL}:
 *     the receiver's {@code awaitReceive}, which sleeps on the ring's futex word on JDK 22+ for a
 *     many-to-one mailbox and is woken by the producer's commit; where the receiver cannot sleep in the
 *     kernel, JDK 17 or a one-to-one mailbox, it polls with {@code idle}).
 * <li>{@code batch}: messages moved per duty cycle (default 64).
 * <li>{@code coalesce}: an outbound bridge packs the messages it takes from the mailbox in one duty
 *     cycle into one Aeron message (a coalesced {@link BridgeFrame}, up to one datagram's payload),
 *     instead of one Aeron message each (default on; a lone message still goes as a plain frame).
 *     Fewer, fuller frames: less CPU per message in both bridges and both drivers (the README's
 *     benchmark: 0.78&times; of direct Aeron's throughput against 0.55&times; without). The price: a
 *     message taken from the mailbox waits in the bridge until its frame is offered (at the latest at
 *     the end of its duty cycle), so an outbound bridge killed meanwhile loses up to one cycle's
 *     messages (at most {@code batch}), reported exactly as a gap by the inbound bridge, where without
 *     it ({@code withCoalesce(false)}) at most the one message Aeron refused is lost that way. Either
 *     is small beside what Aeron itself loses when the outbound bridge's driver dies (its term
 *     buffer's accepted but unsent messages), which is reported the same way.
 * <li>{@code log}: where the bridge reports gaps, holds and errors (default standard error).
 * </ul>
 *
 * <p>What an idle bridge costs (JDK 25, 2-core VM, {@code utime+stime} of the whole bridge process from
 * {@code /proc/<pid>/stat} over 20 s, embedded shared-threading driver included): see the README section
 * "Across hosts: lockstep-aeron". {@link Wait#SPIN} and {@link Wait#YIELD} burn a core each.
 */
public final class BridgeOptions {
    /** The longest park of the default {@link Wait#BACKOFF} strategy, microseconds. */
    public static final long BACKOFF_MAX_PARK_MICROS = 100;

    /** How a bridge thread waits, by name (the command line's {@code --idle} and {@code --mailbox-wait}). */
    public enum Wait {
        /**
         * Sleep in the kernel until a producer publishes (outbound mailbox only: the receiver's
         * {@code awaitReceive}); where the receiver cannot, poll with the {@code idle} strategy.
         */
        KERNEL,
        /** Agrona {@code BackoffIdleStrategy}: 100 spins, 10 yields, parks of 1 to 100 &micro;s (default). */
        BACKOFF,
        /** Agrona {@code BusySpinIdleStrategy}: lowest latency, one core busy per bridge thread. */
        SPIN,
        /** Agrona {@code YieldingIdleStrategy}: {@code Thread.yield()}, one core busy unless others run. */
        YIELD,
        /** Agrona {@code SleepingIdleStrategy} of 1 ms: least CPU, up to about a millisecond per hop. */
        SLEEP;

        /**
         * A supplier of a fresh strategy of this kind.
         *
         * @return the supplier
         * @throws IllegalArgumentException for {@link #KERNEL} (not an {@code IdleStrategy}: see
         *                                  {@link BridgeOptions#withMailboxWait(Wait)})
         */
        public Supplier<IdleStrategy> strategy() {
            switch (this) {
                case BACKOFF:
                    return () -> new BackoffIdleStrategy(100, 10, 1_000L, BACKOFF_MAX_PARK_MICROS * 1_000L);
                case SPIN:
                    return BusySpinIdleStrategy::new;
                case YIELD:
                    return YieldingIdleStrategy::new;
                case SLEEP:
                    return () -> new SleepingIdleStrategy(1_000_000L);
                default:
                    throw new IllegalArgumentException("KERNEL is not a polling strategy: only an outbound bridge's"
                            + " mailbox wait can sleep in the kernel (Aeron cannot be waited for there)");
            }
        }
    }
    /** The kind of mailbox a bridge creates when the name is absent. */
    public enum Kind {
        /** {@code ManyToOneChannel}. */
        MANY_TO_ONE,
        /** {@code OneToOneChannel}. */
        ONE_TO_ONE
    }

    private final Path mailboxFolder;
    private final String aeronDirectory;
    private final Path embeddedDirectory;
    private final ThreadingMode threadingMode;
    private final Kind createKind;
    private final int createCapacity;
    private final Supplier<IdleStrategy> idle;
    /** The outbound bridge's wait on an empty mailbox: null = the kernel (futex) where it can. */
    private final Supplier<IdleStrategy> mailboxIdle;
    private final int batch;
    private final boolean coalesce;
    private final Consumer<String> log;

    private BridgeOptions(Path mailboxFolder, String aeronDirectory, Path embeddedDirectory, ThreadingMode threadingMode,
                          Kind createKind, int createCapacity, Supplier<IdleStrategy> idle,
                          Supplier<IdleStrategy> mailboxIdle, int batch, boolean coalesce, Consumer<String> log) {
        this.mailboxFolder = mailboxFolder;
        this.aeronDirectory = aeronDirectory;
        this.embeddedDirectory = embeddedDirectory;
        this.threadingMode = threadingMode;
        this.createKind = createKind;
        this.createCapacity = createCapacity;
        this.idle = idle;
        this.mailboxIdle = mailboxIdle;
        this.batch = batch;
        this.coalesce = coalesce;
        this.log = log;
    }

    /**
     * The default options: embedded driver ({@link ThreadingMode#SHARED}), default mailbox folder,
     * many-to-one 1 MiB mailbox if absent, idle {@link Wait#BACKOFF}, mailbox wait {@link Wait#KERNEL},
     * batch 64, coalescing on, log to standard error.
     *
     * @return the default options
     */
    public static BridgeOptions defaults() {
        return new BridgeOptions(null, null, null, ThreadingMode.SHARED, Kind.MANY_TO_ONE, 1 << 20,
                Wait.BACKOFF.strategy(), null, 64, true, line -> System.err.println(line));
    }

    /**
     * Sets the {@code Mailboxes} folder.
     *
     * @param folder the folder, or {@code null} for {@code Mailboxes.openDefault()}'s
     * @return a copy of these options with that folder
     */
    public BridgeOptions withMailboxFolder(Path folder) {
        return new BridgeOptions(folder, aeronDirectory, embeddedDirectory, threadingMode, createKind, createCapacity,
                idle, mailboxIdle, batch, coalesce, log);
    }

    /**
     * Uses the external media driver whose directory is {@code dir}.
     *
     * @param dir the running media driver's Aeron directory, or {@code null} to launch an embedded one
     * @return a copy of these options with that driver
     */
    public BridgeOptions withAeronDirectory(String dir) {
        return new BridgeOptions(mailboxFolder, dir, embeddedDirectory, threadingMode, createKind, createCapacity, idle,
                mailboxIdle, batch, coalesce, log);
    }

    /**
     * Sets the embedded driver's directory (deleted on start and on close).
     *
     * @param dir the directory, or {@code null} for the default (see the class comment)
     * @return a copy of these options with that directory
     */
    public BridgeOptions withEmbeddedDirectory(Path dir) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, dir, threadingMode, createKind, createCapacity, idle,
                mailboxIdle, batch, coalesce, log);
    }

    /**
     * Sets the embedded driver's threading mode (ignored with an external driver).
     *
     * @param mode the threading mode: {@code SHARED}, {@code SHARED_NETWORK} or {@code DEDICATED}
     * @return a copy of these options with that mode
     * @throws NullPointerException     if {@code mode} is null
     * @throws IllegalArgumentException if {@code mode} is {@code INVOKER} (a driver without threads, whose
     *                                  duty cycle its user must run: the bridge does not, so it would
     *                                  never move a message)
     */
    public BridgeOptions withThreadingMode(ThreadingMode mode) {
        if (Objects.requireNonNull(mode, "mode") == ThreadingMode.INVOKER) {
            throw new IllegalArgumentException("threading mode INVOKER is not supported for a bridge's embedded driver"
                    + " (it has no threads and the bridge does not run its duty cycle): use SHARED, SHARED_NETWORK or DEDICATED,"
                    + " or a BridgeHost (AeronBridge.host), which runs an INVOKER driver and its bridges on one thread");
        }
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, mode,
                createKind, createCapacity, idle, mailboxIdle, batch, coalesce, log);
    }

    /**
     * Sets the kind and capacity of the mailbox created when the name is absent (an existing mailbox
     * is used as it is).
     *
     * @param kind     the kind of channel to create
     * @param capacity the ring's capacity in bytes
     * @return a copy of these options with that kind and capacity
     * @throws NullPointerException     if {@code kind} is null
     * @throws IllegalArgumentException if capacity is not a power of two in [1 KiB, 1 GiB]
     */
    public BridgeOptions withCreate(Kind kind, int capacity) {
        if (capacity < 1024 || capacity > (1 << 30) || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("mailbox capacity must be a power of two in [1 KiB, 1 GiB]: " + capacity);
        }
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode,
                Objects.requireNonNull(kind, "kind"), capacity, idle, mailboxIdle, batch, coalesce, log);
    }

    /**
     * Sets how the bridge thread waits on the Aeron side (see the class comment).
     *
     * @param idle called once per bridge for a strategy of its own
     * @return a copy of these options with that idle strategy
     * @throws NullPointerException if {@code idle} is null
     */
    public BridgeOptions withIdle(Supplier<IdleStrategy> idle) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, Objects.requireNonNull(idle, "idle"), mailboxIdle, batch, coalesce, log);
    }

    /**
     * Sets how the bridge thread waits on the Aeron side, by name.
     *
     * @param wait {@link Wait#BACKOFF} (default), {@link Wait#SPIN}, {@link Wait#YIELD} or {@link Wait#SLEEP}
     * @return a copy of these options with that idle strategy
     * @throws NullPointerException     if {@code wait} is null
     * @throws IllegalArgumentException if {@code wait} is {@link Wait#KERNEL}
     */
    public BridgeOptions withIdle(Wait wait) {
        return withIdle(Objects.requireNonNull(wait, "wait").strategy());
    }

    /**
     * Sets how an outbound bridge waits while its mailbox is empty (an inbound bridge ignores it).
     *
     * @param wait {@link Wait#KERNEL} (default: sleep on the mailbox's futex word where the receiver can,
     *             else poll with the {@code idle} strategy) or a polling strategy by name
     * @return a copy of these options with that mailbox wait
     * @throws NullPointerException if {@code wait} is null
     */
    public BridgeOptions withMailboxWait(Wait wait) {
        return withMailboxIdle(Objects.requireNonNull(wait, "wait") == Wait.KERNEL ? null : wait.strategy());
    }

    /**
     * Sets the strategy an outbound bridge polls its empty mailbox with (instead of sleeping in the kernel).
     *
     * @param idle called once per bridge for a strategy of its own, or {@code null} for {@link Wait#KERNEL}
     * @return a copy of these options with that mailbox wait
     */
    public BridgeOptions withMailboxIdle(Supplier<IdleStrategy> idle) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, this.idle, idle, batch, coalesce, log);
    }

    /**
     * Sets the maximum number of messages moved per duty cycle.
     *
     * @param batch messages per duty cycle
     * @return a copy of these options with that batch
     * @throws IllegalArgumentException if {@code batch < 1}
     */
    public BridgeOptions withBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1: " + batch);
        }
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, idle, mailboxIdle, batch, coalesce, log);
    }

    /**
     * Makes an outbound bridge coalesce each duty cycle's messages into one Aeron message (see the
     * class comment). An inbound bridge reads both kinds of frame whatever this says.
     *
     * @param coalesce whether to coalesce
     * @return a copy of these options with that setting
     */
    public BridgeOptions withCoalesce(boolean coalesce) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, idle, mailboxIdle, batch, coalesce, log);
    }

    /**
     * Sets where the bridge reports gaps, holds and errors (one line per call, from the bridge's thread).
     *
     * @param log the receiver of the lines
     * @return a copy of these options with that log
     * @throws NullPointerException if {@code log} is null
     */
    public BridgeOptions withLog(Consumer<String> log) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, idle, mailboxIdle, batch, coalesce, Objects.requireNonNull(log, "log"));
    }

    Path mailboxFolder() {
        return mailboxFolder;
    }

    String aeronDirectory() {
        return aeronDirectory;
    }

    Path embeddedDirectory() {
        return embeddedDirectory;
    }

    ThreadingMode threadingMode() {
        return threadingMode;
    }

    Kind createKind() {
        return createKind;
    }

    int createCapacity() {
        return createCapacity;
    }

    Supplier<IdleStrategy> idle() {
        return idle;
    }

    /** Null: {@link Wait#KERNEL}. */
    Supplier<IdleStrategy> mailboxIdle() {
        return mailboxIdle;
    }

    int batch() {
        return batch;
    }

    /**
     * Whether an outbound bridge coalesces (see {@link #withCoalesce}).
     *
     * @return the setting
     */
    public boolean coalesce() {
        return coalesce;
    }

    Consumer<String> log() {
        return log;
    }
}
