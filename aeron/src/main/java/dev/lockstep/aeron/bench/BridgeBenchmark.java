package dev.lockstep.aeron.bench;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.agrona.concurrent.UnsafeBuffer;

import dev.lockstep.aeron.AeronBridge;
import dev.lockstep.aeron.Bridge;
import dev.lockstep.aeron.BridgeHost;
import dev.lockstep.aeron.BridgeOptions;
import dev.lockstep.ipc.channel.MessageHandler;
import dev.lockstep.ipc.channel.ShmChannel;
import dev.lockstep.ipc.channel.Receiver;
import dev.lockstep.ipc.channel.Sender;
import dev.lockstep.ipc.mailbox.Mailboxes;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.FragmentHandler;

/**
 * End-to-end throughput and round trip through two bridges on loopback vs an application using Aeron
 * directly over the same kind of loopback channel, each side with its own embedded media driver (as a
 * bridge has). A simple harness, one JVM, threads for the two "hosts":
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp aeron/target/lockstep-aeron.jar \
 *      dev.lockstep.aeron.bench.BridgeBenchmark [messages=2000000] [size=32] [roundTrips=20000]
 * </pre>
 *
 * Prints messages/s (bridged, direct, ratio) and round-trip p50/p90/p99 in microseconds. On a shared or
 * small machine (fewer than ~6 free cores: each driver, bridge, producer and consumer wants one) the
 * figures say little about either.
 */
public final class BridgeBenchmark {
    private static final String TERM = "|term-length=16m";
    /**
     * The mailboxes' kind ({@code -Dbench.kind}, default many-to-one: the bridges' default, whose
     * receiver sleeps in the kernel on JDK 22+; one-to-one receivers poll).
     */
    static final BridgeOptions.Kind KIND = BridgeOptions.Kind.valueOf(System.getProperty("bench.kind", "MANY_TO_ONE"));

    /**
     * How the benchmark's own threads (producer, consumer, ping, echo) wait for the next message, the same
     * for the bridged and the direct runs ({@code -Dbench.appWait}, default {@code yield}): {@code yield}
     * gives the core back to a runnable driver or bridge thread; {@code spin} busy-spins, which on a
     * machine with fewer cores than busy threads (this project's 2 cores: two spinning application
     * threads and two drivers, plus the bridges) makes every hop wait for a preemption, milliseconds, so
     * the round trip then counts hops times the scheduler's time slice rather than what a hop costs.
     */
    /**
     * {@code -Dbench.only=bridged} or {@code direct}: only that throughput run (and its warm-up), e.g. to
     * profile one path alone with {@code perf record}; default both.
     */
    static final String ONLY = System.getProperty("bench.only", "");

    /**
     * {@code -Dbench.coalesce}: whether the outbound bridges coalesce each duty cycle's messages
     * ({@link BridgeOptions#withCoalesce}); default true, the bridges' default; {@code false} for plain frames.
     */
    static final boolean COALESCE = Boolean.parseBoolean(System.getProperty("bench.coalesce", "true"));

    static final boolean APP_SPIN = "spin".equals(System.getProperty("bench.appWait", "yield"));

    private BridgeBenchmark() {
    }

    private static void appWait() {
        if (APP_SPIN) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    /**
     * Runs the throughput and round-trip comparisons and prints the results.
     *
     * @param args optional {@code messages} (throughput run, default 2,000,000), {@code size} (message
     *             bytes, at least 8 for the timestamp, default 32) and {@code roundTrips} (default 20,000),
     *             in that order
     * @throws IllegalArgumentException if {@code size < 8}, or a number cannot be parsed
     * @throws Exception                if a bridge, driver or the temporary folder fails
     */
    public static void main(String[] args) throws Exception {
        long messages = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
        System.out.println("BridgeBenchmark: application threads " + (APP_SPIN ? "spin" : "yield")
                + " (-Dbench.appWait), mailboxes " + KIND + " (-Dbench.kind), drivers " + THREADING
                + " (-Dbench.threading), round-trip bridges " + (HOST_DRIVER ? "share a driver per host" : "each with its own driver")
                + " (-Dbench.hostDriver), " + (BRIDGE_HOST ? "each host's bridges and driver on one BridgeHost thread"
                : "a thread per bridge") + " (-Dbench.bridgeHost), " + (COALESCE ? "coalescing" : "not coalescing") + " (-Dbench.coalesce), bridge idle " + System.getProperty("bench.idle", "default") + " (-Dbench.idle), JDK "
                + Runtime.version());
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int roundTrips = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
        if (size < 8) {
            throw new IllegalArgumentException("size must be >= 8 (a timestamp): " + size);
        }
        Path base = Files.createTempDirectory(Path.of(Files.isWritable(Path.of("/dev/shm")) ? "/dev/shm" : "/tmp"), "lockstep-bench-");
        try {
            if (Boolean.getBoolean("bench.warmup")) {
                // -Dbench.warmup=true: one unmeasured pass of each throughput run first, so that the measured
                // bridged run (which comes first) does not share the 2 cores with the JIT compiler threads.
                Path warm = Files.createDirectories(base.resolve("warmup"));
                if (!"direct".equals(ONLY)) {
                    bridgedThroughput(warm, messages, size);
                }
                if (!"bridged".equals(ONLY)) {
                    directThroughput(warm, messages, size);
                }
            }
            double bridged = "direct".equals(ONLY) ? Double.NaN : bridgedThroughput(base, messages, size);
            double direct = "bridged".equals(ONLY) ? Double.NaN : directThroughput(base, messages, size);
            System.out.printf("throughput, %d messages of %d B: bridged %.0f msg/s, direct Aeron %.0f msg/s, ratio %.2f%n",
                    messages, size, bridged, direct, bridged / direct);
            if (roundTrips == 0) {
                return; // throughput only (e.g. under perf record)
            }
            long[] br = bridgedRoundTrips(base, roundTrips, size);
            long[] dr = directRoundTrips(base, roundTrips, size);
            System.out.printf("round trip, %d x %d B: bridged p50 %.1f p90 %.1f p99 %.1f us; direct Aeron p50 %.1f p90 %.1f p99 %.1f us;"
                    + " p50 ratio %.2f%n", roundTrips, size, pct(br, 50), pct(br, 90), pct(br, 99), pct(dr, 50), pct(dr, 90),
                    pct(dr, 99), pct(br, 50) / pct(dr, 50));
        } finally {
            deleteTree(base);
        }
    }

    // ------------------------------------------------------------------ through two bridges

    static double bridgedThroughput(Path base, long messages, int size) throws Exception {
        Path a = Files.createDirectories(base.resolve("tp-a"));
        Path b = Files.createDirectories(base.resolve("tp-b"));
        String uri = channel();
        try (BridgeHost hostA = BRIDGE_HOST ? host("bench-a", options(a)) : null;
             BridgeHost hostB = BRIDGE_HOST ? host("bench-b", options(b)) : null;
             Bridge in = BRIDGE_HOST ? hostB.in("bench", uri, 1) : AeronBridge.in("bench", uri, 1, options(b));
             Bridge out = BRIDGE_HOST ? hostA.out("bench", uri, 1) : AeronBridge.out("bench", uri, 1, options(a));
             ShmChannel tx = open(a, "bench");
             ShmChannel rx = open(b, "bench");
             Receiver r = rx.receiver()) {
            requireRunning(in, out);
            out.awaitConnected(java.time.Duration.ofSeconds(30));
            AtomicReference<Throwable> failed = new AtomicReference<>();
            java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
            Thread producer = new Thread(() -> {
                try (Sender s = tx.sender()) {
                    byte[] msg = new byte[size];
                    for (long i = 0; i < messages; i++) {
                        while (!s.trySend(1, msg, 0, size)) {
                            appWait();
                        }
                    }
                    measured.await(); // alive until its CPU time is read
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "bench-producer");
            long[] got = {0};
            MessageHandler h = (type, buf, off, len) -> got[0]++;
            java.util.Map<Long, ThreadCpu.Sample> cpu0 = ThreadCpu.snapshot();
            long start = System.nanoTime();
            producer.start();
            while (got[0] < messages) {
                if (r.receive(h, 256) == 0) {
                    appWait();
                }
            }
            long took = System.nanoTime() - start;
            ThreadCpu.print("bridged", cpu0, ThreadCpu.snapshot(), messages);
            measured.countDown();
            producer.join();
            if (failed.get() != null) {
                throw new IllegalStateException(failed.get());
            }
            return messages * 1e9 / took;
        }
    }

    static long[] bridgedRoundTrips(Path base, int n, int size) throws Exception {
        Path a = Files.createDirectories(base.resolve("rt-a"));
        Path b = Files.createDirectories(base.resolve("rt-b"));
        String ping = channel();
        String pong = channel();
        BridgeOptions oa = options(a);
        BridgeOptions ob = options(b);
        try (Host hostA = HOST_DRIVER ? new Host(base.resolve("rt-driver-a")) : null;
             Host hostB = HOST_DRIVER ? new Host(base.resolve("rt-driver-b")) : null;
             BridgeHost agentA = BRIDGE_HOST ? host("rt-a", oa) : null;
             BridgeHost agentB = BRIDGE_HOST ? host("rt-b", ob) : null;
             Bridge pingIn = BRIDGE_HOST ? agentB.in("ping", ping, 2)
                     : AeronBridge.in("ping", ping, 2, HOST_DRIVER ? ob.withAeronDirectory(hostB.dir) : ob);
             Bridge pingOut = BRIDGE_HOST ? agentA.out("ping", ping, 2)
                     : AeronBridge.out("ping", ping, 2, HOST_DRIVER ? oa.withAeronDirectory(hostA.dir) : oa);
             Bridge pongIn = BRIDGE_HOST ? agentA.in("pong", pong, 3)
                     : AeronBridge.in("pong", pong, 3, HOST_DRIVER ? oa.withAeronDirectory(hostA.dir) : oa);
             Bridge pongOut = BRIDGE_HOST ? agentB.out("pong", pong, 3)
                     : AeronBridge.out("pong", pong, 3, HOST_DRIVER ? ob.withAeronDirectory(hostB.dir) : ob);
             ShmChannel pingA = open(a, "ping");
             ShmChannel pingB = open(b, "ping");
             ShmChannel pongB = open(b, "pong");
             ShmChannel pongA = open(a, "pong")) {
            requireRunning(pingIn, pingOut, pongIn, pongOut);
            pingOut.awaitConnected(java.time.Duration.ofSeconds(30));
            pongOut.awaitConnected(java.time.Duration.ofSeconds(30));
            int total = n + n / 10;
            Thread echo = new Thread(() -> {
                try (Receiver r = pingB.receiver(); Sender s = pongB.sender()) {
                    int[] seen = {0};
                    MessageHandler h = (type, buf, off, len) -> {
                        while (!s.trySend(type, buf, off, len)) {
                            appWait();
                        }
                        seen[0]++;
                    };
                    while (seen[0] < total) {
                        if (r.receive(h, 16) == 0) {
                            appWait();
                        }
                    }
                }
            }, "bench-echo");
            echo.start();
            long[] rtt = new long[n];
            try (Sender s = pingA.sender(); Receiver r = pongA.receiver()) {
                ByteBuffer msg = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
                boolean[] back = {false};
                MessageHandler h = (type, buf, off, len) -> back[0] = true;
                for (int i = 0; i < total; i++) {
                    long t0 = System.nanoTime();
                    msg.putLong(0, t0);
                    while (!s.trySend(1, msg, 0, size)) {
                        appWait();
                    }
                    back[0] = false;
                    while (!back[0]) {
                        if (r.receive(h, 1) == 0) {
                            appWait();
                        }
                    }
                    if (i >= total - n) {
                        rtt[i - (total - n)] = System.nanoTime() - t0;
                    }
                }
            }
            echo.join();
            Arrays.sort(rtt);
            return rtt;
        }
    }

    // ------------------------------------------------------------------ Aeron directly

    static double directThroughput(Path base, long messages, int size) throws Exception {
        String uri = channel();
        try (Host a = new Host(base.resolve("direct-tp-a"));
             Host b = new Host(base.resolve("direct-tp-b"));
             ExclusivePublication pub = a.aeron.addExclusivePublication(uri, 1);
             Subscription sub = b.aeron.addSubscription(uri, 1)) {
            while (!pub.isConnected()) {
                Thread.sleep(1);
            }
            java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
            Thread producer = new Thread(() -> {
                UnsafeBuffer msg = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
                for (long i = 0; i < messages; i++) {
                    while (pub.offer(msg, 0, size) < 0) {
                        appWait();
                    }
                }
                try {
                    measured.await(); // alive until its CPU time is read
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-direct-producer");
            long[] got = {0};
            FragmentHandler h = (buf, off, len, hdr) -> got[0]++;
            java.util.Map<Long, ThreadCpu.Sample> cpu0 = ThreadCpu.snapshot();
            long start = System.nanoTime();
            producer.start();
            while (got[0] < messages) {
                if (sub.poll(h, 256) == 0) {
                    appWait();
                }
            }
            long took = System.nanoTime() - start;
            ThreadCpu.print("direct", cpu0, ThreadCpu.snapshot(), messages);
            measured.countDown();
            producer.join();
            return messages * 1e9 / took;
        }
    }

    static long[] directRoundTrips(Path base, int n, int size) throws Exception {
        String ping = channel();
        String pong = channel();
        try (Host a = new Host(base.resolve("direct-rt-a"));
             Host b = new Host(base.resolve("direct-rt-b"));
             ExclusivePublication pingPub = a.aeron.addExclusivePublication(ping, 2);
             Subscription pingSub = b.aeron.addSubscription(ping, 2);
             ExclusivePublication pongPub = b.aeron.addExclusivePublication(pong, 3);
             Subscription pongSub = a.aeron.addSubscription(pong, 3)) {
            while (!pingPub.isConnected() || !pongPub.isConnected()) {
                Thread.sleep(1);
            }
            int total = n + n / 10;
            Thread echo = new Thread(() -> {
                int[] seen = {0};
                FragmentHandler h = (buf, off, len, hdr) -> {
                    while (pongPub.offer(buf, off, len) < 0) {
                        appWait();
                    }
                    seen[0]++;
                };
                while (seen[0] < total) {
                    if (pingSub.poll(h, 16) == 0) {
                        appWait();
                    }
                }
            }, "bench-direct-echo");
            echo.start();
            long[] rtt = new long[n];
            UnsafeBuffer msg = new UnsafeBuffer(ByteBuffer.allocateDirect(size));
            boolean[] back = {false};
            FragmentHandler h = (buf, off, len, hdr) -> back[0] = true;
            for (int i = 0; i < total; i++) {
                long t0 = System.nanoTime();
                msg.putLong(0, t0);
                while (pingPub.offer(msg, 0, size) < 0) {
                    appWait();
                }
                back[0] = false;
                while (!back[0]) {
                    if (pongSub.poll(h, 1) == 0) {
                        appWait();
                    }
                }
                if (i >= total - n) {
                    rtt[i - (total - n)] = System.nanoTime() - t0;
                }
            }
            echo.join();
            Arrays.sort(rtt);
            return rtt;
        }
    }

    /** An embedded driver configured as a bridge's (shared threading) and a client of it. */
    static final class Host implements AutoCloseable {
        final MediaDriver driver;
        final Aeron aeron;
        final String dir;

        Host(Path dir) {
            this.dir = dir.toAbsolutePath().toString();
            driver = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(this.dir)
                    .dirDeleteOnStart(true).dirDeleteOnShutdown(true)
                    .threadingMode(THREADING).termBufferSparseFile(true));
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(this.dir));
        }

        @Override
        public void close() {
            aeron.close();
            driver.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    static BridgeOptions options(Path folder) {
        // The bridges' default idle strategy unless -Dbench.idle names one (BACKOFF, SPIN, YIELD, SLEEP);
        // with busy-spinning bridges the machine needs a core per bridge on top of the drivers' and the
        // application's threads. -Dbench.spin=true is -Dbench.idle=SPIN.
        BridgeOptions o = BridgeOptions.defaults().withMailboxFolder(folder).withCreate(KIND, 1 << 22)
                .withThreadingMode(THREADING).withCoalesce(COALESCE);
        String idle = System.getProperty("bench.idle", Boolean.getBoolean("bench.spin") ? "SPIN" : null);
        return idle == null ? o : o.withIdle(BridgeOptions.Wait.valueOf(idle));
    }

    /**
     * The embedded drivers' threading mode, of the bridges and of the direct run alike
     * ({@code -Dbench.threading}, default {@code SHARED}: the bridges' default).
     */
    static final io.aeron.driver.ThreadingMode THREADING =
            io.aeron.driver.ThreadingMode.valueOf(System.getProperty("bench.threading", "SHARED"));

    /**
     * {@code -Dbench.hostDriver=true}: the round trip's two bridges of a host share one media driver
     * (launched by the benchmark, the bridges attached to it as to an external driver), so the bridged
     * round trip has one driver per host, as the direct one has; default false: each bridge its own
     * embedded driver (the bridges' default).
     */
    static final boolean HOST_DRIVER = Boolean.getBoolean("bench.hostDriver");

    /**
     * {@code -Dbench.bridgeHost=true}: each "host" runs its bridges and its embedded driver on one
     * {@link BridgeHost} thread (so a host has the application's thread and one more, as the direct
     * run has); default false: each bridge with its own thread and driver (the bridges' default).
     */
    static final boolean BRIDGE_HOST = Boolean.getBoolean("bench.bridgeHost");

    /** A bridge host idling with its default strategy, or {@code -Dbench.idle}'s if set. */
    static BridgeHost host(String name, BridgeOptions options) throws IOException {
        String idle = System.getProperty("bench.idle");
        return idle == null ? AeronBridge.host(name, options) : AeronBridge.host(name, options, BridgeOptions.Wait.valueOf(idle).strategy());
    }

    static ShmChannel open(Path folder, String name) throws IOException {
        Mailboxes boxes = Mailboxes.open(folder);
        return KIND == BridgeOptions.Kind.ONE_TO_ONE ? boxes.oneToOne(name, 1 << 22) : boxes.manyToOne(name, 1 << 22);
    }

    static void requireRunning(Bridge... bridges) {
        for (Bridge b : bridges) {
            if (!b.isRunning()) {
                throw new IllegalStateException(b + " is not running: " + b.failure().orElse(null));
            }
        }
    }

    static String channel() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return "aeron:udp?endpoint=127.0.0.1:" + s.getLocalPort() + TERM;
        }
    }

    static double pct(long[] sorted, double p) {
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p / 100 * (sorted.length - 1)))] / 1000.0;
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
