package dev.lockstep.aeron;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.channel.ManyToOneChannel;
import dev.lockstep.ipc.channel.OneToOneChannel;
import dev.lockstep.ipc.channel.ShmChannel;
import dev.lockstep.ipc.mailbox.MailboxEntry;
import dev.lockstep.ipc.mailbox.Mailboxes;
import dev.lockstep.ipc.shm.StructureKind;
import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.driver.MediaDriver;

/**
 * A running bridge between a local mailbox and an Aeron stream: {@link OutboundBridge} (mailbox to
 * publication) or {@link InboundBridge} (subscription to mailbox), made by {@link AeronBridge}. One
 * thread of its own runs a duty cycle (move up to a batch, publish the counters, idle with the
 * options' strategy when nothing moved; an outbound bridge with an empty mailbox instead sleeps on it,
 * see {@link BridgeOptions}); {@link #close()} stops it and releases the mailbox
 * role, the Aeron client and the embedded media driver (with its directory).
 *
 * <p>A bridge added to a {@link BridgeHost} has neither a thread nor a driver of its own: the host's one
 * thread runs its duty cycle (and an outbound bridge polls its mailbox instead of sleeping on it) next
 * to the host's embedded driver and the other bridges; everything else (status file, sequence numbers,
 * back-pressure, failure, close) is as described here.
 *
 * <p>If the duty cycle fails (the publication closed, the local channel refused the bridge, a bug), the
 * thread ends, the status becomes {@code FAILED} with the error, {@link #failure()} returns it, and
 * {@link #awaitTermination} returns; the caller still closes the bridge.
 */
public abstract sealed class Bridge implements AutoCloseable permits OutboundBridge, InboundBridge {
    final String mailbox;
    final String channel;
    final int streamId;
    final BridgeOptions options;
    final Consumer<String> log;
    final BridgeStatus status;
    final ShmChannel local;
    /** The mailbox as listed when the bridge opened it (kind, creator, creation time). */
    final MailboxEntry localEntry;
    private final String aeronDir;
    private final MediaDriver driver;
    final Aeron aeron;
    /** The host whose thread runs this bridge, or null: the bridge's own thread and driver. */
    final BridgeHost host;
    private final Thread thread;
    /** Counted down once the duty cycle has ended for good (own thread ended, or the host dropped it). */
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean started;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private boolean closed;

    Bridge(boolean out, String mailbox, String channel, int streamId, BridgeOptions options) throws IOException {
        this(out, mailbox, channel, streamId, options, null);
    }

    /**
     * @param host null: the bridge has its own thread and (unless an external driver is configured) its
     *             own embedded driver; else the host's Aeron client, driver and thread are used
     */
    Bridge(boolean out, String mailbox, String channel, int streamId, BridgeOptions options, BridgeHost host)
            throws IOException {
        this.host = host;
        this.mailbox = Objects.requireNonNull(mailbox, "mailbox");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.streamId = streamId;
        this.options = Objects.requireNonNull(options, "options");
        this.log = options.log();
        ChannelUri.parse(channel); // IllegalArgumentException naming the problem for a bad URI
        Mailboxes boxes = options.mailboxFolder() == null ? Mailboxes.openDefault() : Mailboxes.open(options.mailboxFolder());
        Path folder = boxes.directory().path();
        boxes.path(mailbox); // validates the name
        Path statusPath = out ? BridgeStatus.outPath(folder, mailbox) : BridgeStatus.inPath(folder, mailbox, streamId);
        this.status = BridgeStatus.openForBridge(statusPath, out, mailbox, channel, streamId);
        ShmChannel ch = null;
        MediaDriver md = null;
        Aeron client = null;
        MailboxEntry entry;
        try {
            ch = openLocal(boxes, mailbox, options);
            entry = boxes.describe(mailbox).orElseThrow(() -> new IOException("mailbox '" + mailbox + "' vanished"));
            if (host != null) {
                this.aeronDir = host.aeronDirectory();
            } else if (options.aeronDirectory() != null) {
                this.aeronDir = options.aeronDirectory();
            } else {
                Path dir = options.embeddedDirectory() != null ? options.embeddedDirectory()
                        : folder.resolve(out ? ".aeron-out-" + mailbox : ".aeron-in-" + mailbox + "-" + streamId);
                this.aeronDir = dir.toAbsolutePath().toString();
                md = MediaDriver.launch(new MediaDriver.Context()
                        .aeronDirectoryName(aeronDir)
                        .dirDeleteOnStart(true)      // a killed bridge's leftovers (we hold the status lock)
                        .dirDeleteOnShutdown(true)
                        .threadingMode(options.threadingMode())
                        .termBufferSparseFile(true)
                        .errorHandler(e -> report("media driver: " + e)));
            }
            client = host != null ? host.aeron() : Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(aeronDir)
                    .errorHandler(e -> report("aeron client: " + e)));
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(host == null ? client : null, md, ch);
            status.close();
            throw e;
        }
        this.local = ch;
        this.localEntry = entry;
        this.driver = md;
        this.aeron = client;
        if (host == null) {
            this.thread = new Thread(this::run, "lockstep-bridge-" + (out ? "out-" : "in-") + mailbox);
            thread.setDaemon(true);
        } else {
            this.thread = null;
        }
    }

    private static ShmChannel openLocal(Mailboxes boxes, String name, BridgeOptions options) throws IOException {
        Optional<MailboxEntry> entry = boxes.describe(name);
        if (entry.isPresent()) {
            MailboxEntry e = entry.get();
            if (!e.isValid()) {
                throw new IOException("mailbox '" + name + "' (" + e.path() + ") is not usable: " + e.problem());
            }
            if (e.kind() == StructureKind.MANY_TO_ONE_CHANNEL) {
                return ManyToOneChannel.open(e.path());
            }
            if (e.kind() == StructureKind.ONE_TO_ONE_CHANNEL) {
                return OneToOneChannel.open(e.path());
            }
            throw new IllegalArgumentException("mailbox '" + name + "' is a " + e.kind()
                    + ", not a channel: a bridge moves channel messages");
        }
        return options.createKind() == BridgeOptions.Kind.ONE_TO_ONE
                ? boxes.oneToOne(name, options.createCapacity())
                : boxes.manyToOne(name, options.createCapacity());
    }

    /**
     * Starts the duty-cycle thread, or hands the bridge to its host's thread (subclass constructors call
     * it last). If the host has ended meanwhile, closes the bridge and throws.
     *
     * @throws IllegalStateException if the host is closed or has failed
     */
    final void start() {
        status.put(BridgeStatus.STATE_OFFSET, BridgeStatus.RUNNING);
        if (host == null) {
            started = true;
            thread.start();
            return;
        }
        try {
            host.attach(this);
            started = true;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether {@link #close()} has not been called yet (for a wait inside the duty cycle). */
    final boolean running() {
        return running;
    }

    private void run() {
        IdleStrategy idle = options.idle().get();
        try {
            while (running) {
                int work = doWork();
                publish(System.currentTimeMillis());
                if (work >= 0) {
                    idle.idle(work); // work < 0: doWork waited already (an outbound bridge on its mailbox)
                }
            }
        } catch (Throwable t) {
            fail(t);
        } finally {
            publish(System.currentTimeMillis());
            ended.countDown();
        }
    }

    private void fail(Throwable t) {
        failure = t;
        report("failed: " + t);
        status.put(BridgeStatus.STATE_OFFSET, BridgeStatus.FAILED);
    }

    /**
     * One duty cycle run by the host's thread: the work done ({@code >= 0}), or -1 if the bridge has
     * ended (closed, or failed now: the failure is recorded as the own thread's would be) and the host
     * must drop it (it is not called again).
     */
    final int hostedCycle(long nowMillis) {
        if (!running) {
            publish(nowMillis);
            ended.countDown();
            return -1;
        }
        try {
            int work = doWork();
            publish(nowMillis);
            return Math.max(work, 0);
        } catch (Throwable t) {
            fail(t);
            publish(nowMillis);
            ended.countDown();
            return -1;
        }
    }

    /**
     * The host's thread has ended (its driver or client stopped, or the host was closed) while this
     * bridge was attached: the bridge fails with {@code cause} (if it was not being closed), then ends.
     */
    final void hostEnded(Throwable cause) {
        if (cause != null && running) {
            fail(new IllegalStateException("bridge host '" + host.name() + "' failed: " + cause, cause));
        }
        publish(System.currentTimeMillis());
        ended.countDown();
    }

    /**
     * One duty cycle: moves up to a batch; returns the work done (0: nothing, the loop idles with the
     * options' strategy; -1: nothing, and the cycle has waited already, so the loop goes round at once).
     */
    abstract int doWork() throws InterruptedException;

    /** Writes the counters and the connected state into the status file. */
    abstract void publish(long nowMillis);

    /** Releases the mailbox role (the bridge thread has ended). */
    abstract void closeLocalRole();

    /** Logs {@code line} and keeps it as the status file's last error. */
    final void report(String line) {
        status.putText(2, line);
        log.accept("bridge " + (this instanceof OutboundBridge ? "out " : "in ") + mailbox + ": " + line);
    }

    final void note(String line) {
        log.accept("bridge " + (this instanceof OutboundBridge ? "out " : "in ") + mailbox + ": " + line);
    }

    /**
     * Reads the bridge's counters and state.
     *
     * @return the current snapshot (the same as what {@code stat} reads from the status file)
     */
    public final BridgeStats stats() {
        return status.stats();
    }

    /**
     * The bridge's status file ({@link BridgeStatus}).
     *
     * @return the status file's path
     */
    public final Path statusFile() {
        return status.path();
    }

    /**
     * The Aeron directory in use.
     *
     * @return the embedded driver's directory, or the external driver's
     */
    public final String aeronDirectory() {
        return aeronDir;
    }

    /**
     * Whether the duty cycle runs.
     *
     * @return {@code true} until the bridge fails or is closed
     */
    public final boolean isRunning() {
        return started && ended.getCount() > 0 && failure == null;
    }

    /**
     * Why the duty cycle stopped, if it failed.
     *
     * @return the error that ended the duty cycle, or empty if it did not fail
     */
    public final Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Whether the Aeron side has a peer.
     *
     * @return outbound: whether the publication has a subscriber; inbound: whether the subscription
     *         has a publisher
     */
    public abstract boolean isConnected();

    /**
     * Waits until {@link #isConnected()}, polling every millisecond.
     *
     * @param timeout the longest time to wait
     * @return {@code true} once connected; {@code false} on timeout, or if the bridge failed
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public final boolean awaitConnected(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isConnected()) {
            if (failure != null || System.nanoTime() - deadline >= 0) {
                return false;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return true;
    }

    /**
     * Waits until the duty cycle ends (a failure, or {@link #close()} from another thread).
     *
     * @param timeout the longest time to wait (at least a millisecond is waited)
     * @return {@code true} if the duty cycle has ended; {@code false} on timeout
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public final boolean awaitTermination(Duration timeout) throws InterruptedException {
        return ended.await(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the duty cycle (waiting for it), then closes the mailbox role, the Aeron client and the
     * embedded driver (deleting its directory). Messages the bridge held (an outbound message Aeron
     * had not accepted yet) are not sent: see the README's delivery guarantee. Idempotent.
     */
    @Override
    public final synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        running = false;
        boolean interrupted = false;
        if (!started) {
            ended.countDown(); // never ran (a constructor failed): nothing to wait for
        }
        while (ended.getCount() > 0) {
            try {
                ended.await(); // own thread or host thread: ends within one cycle (the host's also when it ends)
            } catch (InterruptedException e) {
                interrupted = true; // finish closing first
            }
        }
        if (thread != null) {
            while (thread.isAlive()) {
                try {
                    thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        try {
            closeLocalRole();
        } finally {
            if (failure == null) {
                status.put(BridgeStatus.STATE_OFFSET, BridgeStatus.CLOSED);
            }
            status.put(BridgeStatus.CONNECTED_OFFSET, 0);
            closeQuietly(host == null ? aeron : null, driver, local); // a host's client and driver are the host's
            if (host != null) {
                host.detached(this);
            }
            try {
                status.close();
            } catch (IOException e) {
                note("closing the status file: " + e);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing: nothing more to do with it
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Bridge(" + (this instanceof OutboundBridge ? "out " : "in ") + mailbox + ", " + channel + ", stream "
                + streamId + ")";
    }
}
