package dev.lockstep.aeron;

import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.shm.Idle;
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
 * <li>{@code idle}: how the bridge's thread waits when there is nothing to do (default
 *     {@link Idle#backoff()}).
 * <li>{@code batch}: messages moved per duty cycle (default 64).
 * <li>{@code log}: where the bridge reports gaps, holds and errors (default standard error).
 * </ul>
 */
public final class BridgeOptions {
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
    private final int batch;
    private final Consumer<String> log;

    private BridgeOptions(Path mailboxFolder, String aeronDirectory, Path embeddedDirectory, ThreadingMode threadingMode,
                          Kind createKind, int createCapacity, Supplier<IdleStrategy> idle, int batch,
                          Consumer<String> log) {
        this.mailboxFolder = mailboxFolder;
        this.aeronDirectory = aeronDirectory;
        this.embeddedDirectory = embeddedDirectory;
        this.threadingMode = threadingMode;
        this.createKind = createKind;
        this.createCapacity = createCapacity;
        this.idle = idle;
        this.batch = batch;
        this.log = log;
    }

    /**
     * The default options: embedded driver ({@link ThreadingMode#SHARED}), default mailbox folder,
     * many-to-one 1 MiB mailbox if absent, {@link Idle#backoff()}, batch 64, log to standard error.
     *
     * @return the default options
     */
    public static BridgeOptions defaults() {
        return new BridgeOptions(null, null, null, ThreadingMode.SHARED, Kind.MANY_TO_ONE, 1 << 20, Idle::backoff, 64,
                line -> System.err.println(line));
    }

    /**
     * Sets the {@code Mailboxes} folder.
     *
     * @param folder the folder, or {@code null} for {@code Mailboxes.openDefault()}'s
     * @return a copy of these options with that folder
     */
    public BridgeOptions withMailboxFolder(Path folder) {
        return new BridgeOptions(folder, aeronDirectory, embeddedDirectory, threadingMode, createKind, createCapacity,
                idle, batch, log);
    }

    /**
     * Uses the external media driver whose directory is {@code dir}.
     *
     * @param dir the running media driver's Aeron directory, or {@code null} to launch an embedded one
     * @return a copy of these options with that driver
     */
    public BridgeOptions withAeronDirectory(String dir) {
        return new BridgeOptions(mailboxFolder, dir, embeddedDirectory, threadingMode, createKind, createCapacity, idle,
                batch, log);
    }

    /**
     * Sets the embedded driver's directory (deleted on start and on close).
     *
     * @param dir the directory, or {@code null} for the default (see the class comment)
     * @return a copy of these options with that directory
     */
    public BridgeOptions withEmbeddedDirectory(Path dir) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, dir, threadingMode, createKind, createCapacity, idle,
                batch, log);
    }

    /**
     * Sets the embedded driver's threading mode (ignored with an external driver).
     *
     * @param mode the threading mode
     * @return a copy of these options with that mode
     * @throws NullPointerException if {@code mode} is null
     */
    public BridgeOptions withThreadingMode(ThreadingMode mode) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, Objects.requireNonNull(mode, "mode"),
                createKind, createCapacity, idle, batch, log);
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
                Objects.requireNonNull(kind, "kind"), capacity, idle, batch, log);
    }

    /**
     * Sets how the bridge thread waits when a duty cycle moved nothing.
     *
     * @param idle called once per bridge for a strategy of its own
     * @return a copy of these options with that idle strategy
     * @throws NullPointerException if {@code idle} is null
     */
    public BridgeOptions withIdle(Supplier<IdleStrategy> idle) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, Objects.requireNonNull(idle, "idle"), batch, log);
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
                createCapacity, idle, batch, log);
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
                createCapacity, idle, batch, Objects.requireNonNull(log, "log"));
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

    int batch() {
        return batch;
    }

    Consumer<String> log() {
        return log;
    }
}
