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

    /** Embedded driver, default mailbox folder, many-to-one 1 MiB mailbox if absent. */
    public static BridgeOptions defaults() {
        return new BridgeOptions(null, null, null, ThreadingMode.SHARED, Kind.MANY_TO_ONE, 1 << 20, Idle::backoff, 64,
                line -> System.err.println(line));
    }

    /** The {@code Mailboxes} folder ({@code null}: the default one). */
    public BridgeOptions withMailboxFolder(Path folder) {
        return new BridgeOptions(folder, aeronDirectory, embeddedDirectory, threadingMode, createKind, createCapacity,
                idle, batch, log);
    }

    /** Use the external media driver whose directory is {@code dir} ({@code null}: embedded driver). */
    public BridgeOptions withAeronDirectory(String dir) {
        return new BridgeOptions(mailboxFolder, dir, embeddedDirectory, threadingMode, createKind, createCapacity, idle,
                batch, log);
    }

    /** The embedded driver's directory ({@code null}: the default, see the class comment). */
    public BridgeOptions withEmbeddedDirectory(Path dir) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, dir, threadingMode, createKind, createCapacity, idle,
                batch, log);
    }

    /** The embedded driver's threading mode. */
    public BridgeOptions withThreadingMode(ThreadingMode mode) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, Objects.requireNonNull(mode, "mode"),
                createKind, createCapacity, idle, batch, log);
    }

    /**
     * The mailbox created when the name is absent.
     *
     * @throws IllegalArgumentException if capacity is not a power of two in [1 KiB, 1 GiB]
     */
    public BridgeOptions withCreate(Kind kind, int capacity) {
        if (capacity < 1024 || capacity > (1 << 30) || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("mailbox capacity must be a power of two in [1 KiB, 1 GiB]: " + capacity);
        }
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode,
                Objects.requireNonNull(kind, "kind"), capacity, idle, batch, log);
    }

    /** How the bridge thread waits when idle (a new strategy per bridge). */
    public BridgeOptions withIdle(Supplier<IdleStrategy> idle) {
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, Objects.requireNonNull(idle, "idle"), batch, log);
    }

    /**
     * Messages moved per duty cycle.
     *
     * @throws IllegalArgumentException if {@code batch < 1}
     */
    public BridgeOptions withBatch(int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1: " + batch);
        }
        return new BridgeOptions(mailboxFolder, aeronDirectory, embeddedDirectory, threadingMode, createKind,
                createCapacity, idle, batch, log);
    }

    /** Where the bridge reports gaps, holds and errors. */
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
