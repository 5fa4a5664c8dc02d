package dev.lockstep.aeron;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.IdleStrategy;

import dev.lockstep.ipc.mailbox.Mailboxes;
import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;

/**
 * Runs any number of bridges of one host and that host's embedded Aeron media driver on a single
 * thread: an Aeron-style duty-cycle agent. Made by {@link AeronBridge#host}; bridges are added with
 * {@link #out} and {@link #in}.
 *
 * <p>Why. A bridge on its own ({@link AeronBridge#out}) has a thread and an embedded driver (one more
 * thread, {@link ThreadingMode#SHARED}); a host with an outbound and an inbound bridge then runs four
 * threads besides its applications, where an application using Aeron directly has one driver thread.
 * On a machine with few cores every extra runnable thread on a message's path is a scheduling delay
 * per hop. A host runs the driver in {@link ThreadingMode#INVOKER} (no threads of its own) and the Aeron
 * client with its conductor invoked too ({@code useConductorAgentInvoker}), and one thread repeats:
 * invoke the driver's agents, invoke the client conductor, run each bridge's duty cycle (move up to a
 * batch; an outbound bridge polls its mailbox, it never sleeps on it since the driver needs the thread),
 * publish each bridge's counters; then, if nothing was done, idle ({@link #defaultIdle()}: yields at once,
 * up to 1000 of them, then parks growing to 1 ms; a spin phase first would never end in a busy host,
 * since any small work resets it, and a thread that never yields starves the applications on a small
 * machine). So a host has as many threads as an application using Aeron directly with an embedded
 * driver: the application's and one. Measured (README, "Across hosts"): the bridged round trip's p50
 * within 0.81-0.93x of direct Aeron's instead of 8-11x; an idle host thread (two connected bridges, no
 * traffic) about 7% of a core.
 *
 * <pre>{@code
 * try (BridgeHost host = AeronBridge.host("gateway", BridgeOptions.defaults())) {
 *     host.out("orders", "aeron:udp?endpoint=10.0.0.2:40123", 1001);   // to host B
 *     host.in("fills", "aeron:udp?endpoint=10.0.0.1:40124", 1002);     // from host B
 *     host.awaitTermination(Duration.ofDays(365));                     // until closed or failed
 * }
 * }</pre>
 *
 * <p>Properties. Each bridge keeps everything a bridge on its own has: its status file and
 * {@code stat}, sequence numbers and gap detection, back-pressure, its own {@link Bridge#failure()} and
 * {@link Bridge#close()} (which detaches it from the host). A bridge whose duty cycle throws fails alone:
 * its status becomes {@code FAILED}, the failure is logged, the host drops it from its cycle (never
 * calls it again) and keeps running the others; the caller closes the failed bridge. If the host's
 * driver or client stops (or the thread fails outside a bridge), the host fails: every attached bridge
 * fails with that cause, {@link #failure()} returns it, {@link #awaitTermination} returns. Crash safety
 * is the bridges': a killed host leaves status files that the next run resumes from, a driver directory
 * the next host of that name deletes on start, and a lock the kernel released.
 *
 * <p>Implementation notes. The driver's shared invoker is called only by the host's thread (it is not
 * thread-safe). The client is made without a driver invoker, so a client call from another thread
 * (adding a publication while a bridge is made, closing one) waits for the driver's answer by polling,
 * while the host's thread runs the driver; the client conductor serialises its callers with its own
 * lock (the host's {@code invoke} skips a cycle while a caller holds it). Bridges are handed to the
 * thread through a concurrent queue; the thread keeps them in an array of its own (nothing allocates
 * per cycle). Membership ({@link #bridges()}, attach, detach, the thread's end) is guarded by one
 * monitor held for no call out, so closing a bridge and closing the host from different threads cannot
 * deadlock. Invariant: a bridge attached while the thread runs is either in its array or in the queue,
 * and the thread's exit drains the queue under the monitor, so every attached bridge is ended exactly once.
 */
public final class BridgeHost implements AutoCloseable {
    /** Spins of the default idle strategy ({@link #defaultIdle()}): none, see there. */
    public static final int IDLE_SPINS = 0;
    /** Yields of the default idle strategy, before it parks. */
    public static final int IDLE_YIELDS = 1000;
    /** The longest park of the default idle strategy, microseconds. */
    public static final long IDLE_MAX_PARK_MICROS = 1000;
    /** The driver's agents are invoked up to this many times per cycle while they find work. */
    static final int DRIVER_ROUNDS = 4;

    private final String name;
    private final BridgeOptions options;
    private final Consumer<String> log;
    private final Path folder;
    private final FileChannel lockFile;
    private final FileLock lock;
    private final String aeronDir;
    private final MediaDriver driver;
    private final AgentInvoker driverInvoker;
    private final Aeron aeron;
    /** Set once the client is connected (the thread runs the driver before). */
    private volatile AgentInvoker clientInvoker;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Bridge> added = new ConcurrentLinkedQueue<>();
    /** The bridges the thread runs (thread only). */
    private Bridge[] cycle = new Bridge[4];
    private int count;
    /** Guarded by itself: every bridge attached and not yet closed, failed ones included. */
    private final List<Bridge> members = new ArrayList<>();
    /** Guarded by {@link #members}: the thread accepts bridges. */
    private boolean accepting = true;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private boolean closed;

    private final java.util.function.Supplier<IdleStrategy> idleSupplier;

    /**
     * The host's default idle strategy: {@value #IDLE_SPINS} spins, {@value #IDLE_YIELDS} yields, then
     * parks growing from 1 &micro;s to {@value #IDLE_MAX_PARK_MICROS} &micro;s. The yields keep a busy
     * host on the core between messages (a park costs the timer slack, ~50 &micro;s, per hop) while
     * giving the core to the applications; no spin phase, because any small work (the driver's timers)
     * resets it, so a host that spins first never yields and, on a small machine, the applications wait
     * for its preemption (measured: round trip p50 ~270 &micro;s instead of ~25 &micro;s); the long
     * parks make an idle host cheap (about 7% of a core with two connected bridges).
     *
     * @return a new strategy
     */
    public static IdleStrategy defaultIdle() {
        return new org.agrona.concurrent.BackoffIdleStrategy(IDLE_SPINS, IDLE_YIELDS, 1_000L, IDLE_MAX_PARK_MICROS * 1_000L);
    }

    private BridgeHost(String name, BridgeOptions options, java.util.function.Supplier<IdleStrategy> idle) throws IOException {
        this.idleSupplier = Objects.requireNonNull(idle, "idle");
        this.name = Objects.requireNonNull(name, "name");
        this.options = Objects.requireNonNull(options, "options");
        this.log = options.log();
        if (options.aeronDirectory() != null) {
            throw new IllegalArgumentException("a bridge host runs its own embedded media driver on its thread:"
                    + " with an external driver (" + options.aeronDirectory() + ") use AeronBridge.out/in");
        }
        Mailboxes boxes = options.mailboxFolder() == null ? Mailboxes.openDefault() : Mailboxes.open(options.mailboxFolder());
        this.folder = boxes.directory().path();
        boxes.path(name); // validates the name (the mailbox grammar)
        Path lockPath = folder.resolve(".bridge-host-" + name + ".lock");
        this.lockFile = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        MediaDriver md = null;
        Aeron client = null;
        Thread t = null;
        try {
            FileLock l;
            try {
                l = lockFile.tryLock();
            } catch (OverlappingFileLockException sameProcess) {
                l = null;
            }
            if (l == null) {
                throw new IllegalStateException(lockPath + ": another bridge host '" + name + "' runs on this folder");
            }
            this.lock = l;
            Path dir = options.embeddedDirectory() != null ? options.embeddedDirectory() : folder.resolve(".aeron-host-" + name);
            this.aeronDir = dir.toAbsolutePath().toString();
            md = MediaDriver.launch(new MediaDriver.Context()
                    .aeronDirectoryName(aeronDir)
                    .dirDeleteOnStart(true)      // a killed host's leftovers (we hold the lock)
                    .dirDeleteOnShutdown(true)
                    .threadingMode(ThreadingMode.INVOKER)
                    .termBufferSparseFile(true)
                    .errorHandler(e -> note("media driver: " + e)));
            this.driver = md;
            this.driverInvoker = md.sharedAgentInvoker();
            t = new Thread(this::run, "lockstep-bridge-host-" + name);
            t.setDaemon(true);
            this.thread = t;
            t.start(); // runs the driver from now on: the client below connects to it
            client = Aeron.connect(new Aeron.Context()
                    .aeronDirectoryName(aeronDir)
                    .useConductorAgentInvoker(true)
                    .errorHandler(e -> note("aeron client: " + e)));
            this.aeron = client;
            this.clientInvoker = client.conductorAgentInvoker();
        } catch (IOException | RuntimeException | Error e) {
            running = false;
            if (t != null) {
                joinUninterruptibly(t);
            }
            quietly(client);
            quietly(md);
            quietly(lockFile);
            throw e;
        }
        note("running its embedded media driver (" + aeronDir + ") and its bridges on one thread");
    }

    /** See {@link AeronBridge#host}. */
    static BridgeHost launch(String name, BridgeOptions options, java.util.function.Supplier<IdleStrategy> idle)
            throws IOException {
        return new BridgeHost(name, options, idle);
    }

    /**
     * Adds an outbound bridge (see {@link AeronBridge#out}) run by this host, with the host's options.
     *
     * @param mailbox  the local mailbox's name
     * @param channel  the Aeron channel URI to publish on
     * @param streamId the Aeron stream id
     * @return the running bridge; closing it detaches it from the host
     * @throws IllegalArgumentException as {@link AeronBridge#out}
     * @throws IllegalStateException    as {@link AeronBridge#out}, or if the host is closed or has failed
     * @throws IOException              if the mailbox or the status file cannot be opened
     */
    public Bridge out(String mailbox, String channel, int streamId) throws IOException {
        return out(mailbox, channel, streamId, options);
    }

    /**
     * As {@link #out(String, String, int)}, with options of its own for this bridge (mailbox folder,
     * created mailbox, batch, log; the driver, idle and mailbox-wait settings are the host's).
     *
     * @param mailbox  the local mailbox's name
     * @param channel  the Aeron channel URI to publish on
     * @param streamId the Aeron stream id
     * @param bridgeOptions this bridge's options
     * @return the running bridge
     * @throws IllegalArgumentException as {@link AeronBridge#out}
     * @throws IllegalStateException    as {@link AeronBridge#out}, or if the host is closed or has failed
     * @throws IOException              if the mailbox or the status file cannot be opened
     */
    public Bridge out(String mailbox, String channel, int streamId, BridgeOptions bridgeOptions) throws IOException {
        ensureOpen();
        return new OutboundBridge(mailbox, channel, streamId, bridgeOptions, this);
    }

    /**
     * Adds an inbound bridge (see {@link AeronBridge#in}) run by this host, with the host's options.
     *
     * @param mailbox  the local mailbox's name
     * @param channel  the Aeron channel URI to subscribe to
     * @param streamId the Aeron stream id
     * @return the running bridge; closing it detaches it from the host
     * @throws IllegalArgumentException as {@link AeronBridge#in}
     * @throws IllegalStateException    as {@link AeronBridge#in}, or if the host is closed or has failed
     * @throws IOException              if the mailbox or the status file cannot be opened
     */
    public Bridge in(String mailbox, String channel, int streamId) throws IOException {
        return in(mailbox, channel, streamId, options);
    }

    /**
     * As {@link #in(String, String, int)}, with options of its own for this bridge.
     *
     * @param mailbox  the local mailbox's name
     * @param channel  the Aeron channel URI to subscribe to
     * @param streamId the Aeron stream id
     * @param bridgeOptions this bridge's options
     * @return the running bridge
     * @throws IllegalArgumentException as {@link AeronBridge#in}
     * @throws IllegalStateException    as {@link AeronBridge#in}, or if the host is closed or has failed
     * @throws IOException              if the mailbox or the status file cannot be opened
     */
    public Bridge in(String mailbox, String channel, int streamId, BridgeOptions bridgeOptions) throws IOException {
        ensureOpen();
        return new InboundBridge(mailbox, channel, streamId, bridgeOptions, this);
    }

    private void ensureOpen() {
        synchronized (members) {
            if (!accepting) {
                throw new IllegalStateException("bridge host '" + name + "' is " + (failure != null ? "failed: " + failure : "closed"));
            }
        }
    }

    /** Hands a constructed bridge to the thread (Bridge.start). */
    void attach(Bridge b) {
        synchronized (members) {
            if (!accepting) {
                throw new IllegalStateException("bridge host '" + name + "' is " + (failure != null ? "failed: " + failure : "closed"));
            }
            members.add(b);
            added.add(b); // the queue's add happens-before the thread's poll that takes it
        }
    }

    /** The bridge is closed (Bridge.close). */
    void detached(Bridge b) {
        synchronized (members) {
            members.remove(b);
        }
    }

    private void run() {
        IdleStrategy idle = idleSupplier.get();
        Throwable cause = null;
        try {
            while (running) {
                int work = 0;
                for (int round = 0; round < DRIVER_ROUNDS; round++) {
                    // The driver sends and receives a few datagrams per call: a few calls per cycle keep the
                    // network side in step with the bridges' batches.
                    int w = driverInvoker.invoke();
                    if (driverInvoker.isClosed()) {
                        throw new IllegalStateException("the embedded media driver stopped (see the log)");
                    }
                    work += w;
                    if (w == 0) {
                        break;
                    }
                }
                AgentInvoker client = clientInvoker;
                if (client != null) {
                    work += client.invoke();
                    if (client.isClosed() || aeron.isClosed()) {
                        throw new IllegalStateException("the Aeron client stopped (see the log)");
                    }
                }
                if (!added.isEmpty()) {
                    take();
                }
                long now = System.currentTimeMillis();
                for (int i = 0; i < count; ) {
                    int w = cycle[i].hostedCycle(now);
                    if (w < 0) {
                        drop(i); // closed or failed: never called again
                    } else {
                        work += w;
                        i++;
                    }
                }
                idle.idle(work);
            }
        } catch (Throwable t) {
            cause = t;
            failure = t;
            note("failed: " + t);
        } finally {
            synchronized (members) {
                accepting = false;
                take(); // under the monitor: no bridge can be attached after this
            }
            for (int i = 0; i < count; i++) {
                cycle[i].hostEnded(cause);
            }
            count = 0;
        }
    }

    private void take() {
        for (Bridge b; (b = added.poll()) != null; ) {
            if (count == cycle.length) {
                cycle = java.util.Arrays.copyOf(cycle, count * 2);
            }
            cycle[count++] = b;
        }
    }

    private void drop(int i) {
        Bridge b = cycle[i];
        System.arraycopy(cycle, i + 1, cycle, i, count - i - 1);
        cycle[--count] = null;
        if (b.failure().isPresent()) {
            note("dropped failed bridge " + b + " from the duty cycle (it stays FAILED until closed)");
        }
    }

    private void note(String line) {
        log.accept("bridge host " + name + ": " + line);
    }

    /**
     * The host's name (its driver directory and lock file are named after it).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The embedded driver's directory.
     *
     * @return the Aeron directory of this host's driver
     */
    public String aeronDirectory() {
        return aeronDir;
    }

    Aeron aeron() {
        return aeron;
    }

    /**
     * The bridges added and not closed yet (failed ones included, until closed).
     *
     * @return a snapshot
     */
    public List<Bridge> bridges() {
        synchronized (members) {
            return List.copyOf(members);
        }
    }

    /**
     * Whether the host's thread runs.
     *
     * @return {@code true} until the host fails or is closed
     */
    public boolean isRunning() {
        return thread.isAlive() && failure == null && running;
    }

    /**
     * Why the host's thread stopped, if it failed.
     *
     * @return the error, or empty if it did not fail
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Waits until the host's thread ends (a failure, or {@link #close()} from another thread).
     *
     * @param timeout the longest time to wait (at least a millisecond is waited)
     * @return {@code true} if the thread has ended
     * @throws InterruptedException if the thread is interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    /**
     * Closes every bridge of the host (as {@link Bridge#close()}), stops the thread, closes the client
     * and the embedded driver (deleting its directory) and releases the host's lock. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<Bridge> all;
        synchronized (members) {
            accepting = false;
            all = List.copyOf(members);
        }
        for (Bridge b : all) {
            b.close(); // each waits until the thread dropped it (at once if the thread has ended)
        }
        running = false;
        boolean interrupted = joinUninterruptibly(thread);
        quietly(aeron);  // after the thread: the client conductor closes on this thread
        quietly(driver); // the driver's agents close here, its directory is deleted
        quietly(lockFile);
        note("closed");
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    private static void quietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing: nothing more to do with it
            }
        }
    }

    @Override
    public String toString() {
        return "BridgeHost(" + name + ", " + aeronDir + ")";
    }
}
